//! §6 the translation cache (L2): `loadTranslationCache(state, input, options?)` returns a
//! `TranslationCache` over `projects/<id>/translations/<code>.json` with `get`, `has`, `put`
//! and `flush`. Rows are used only when `targetLang`, `translateConfigEpoch` and
//! `inputFilesEpoch` all match. The locale code is checked against an allowlist (ASCII letters,
//! digits, `_`, `-`, 1 to 64 characters, no Windows device name) before any path is built:
//! anything else throws `INVALID_KEY` and creates nothing.

use std::time::Duration;

use napi::bindgen_prelude::{
    Array, Either, FnArgs, Function, JsObjectValue, JsValue, Object, ObjectFinalize, Unknown,
    Utf16String,
};
use napi::UnknownRef;

use super::contract_dispatch::or_undefined;
use napi::{Env, ValueType};
use napi_derive::napi;

use super::contract_state::{cache_mode, location_of, store_options, warnings_js, CacheState};
use super::errors::{arg, exported, invalid, strict_arg, to_js};
use super::fingerprint::CacheWarning;
use super::handoff::{json_parse, json_stringify};
use super::host_io::with_io;
use super::option_keys::{
    BUILD_TRANSLATE_CACHE_KEY_FOR_LOCALE_FILE_INPUT, BUILD_TRANSLATE_CACHE_KEY_INPUT,
    TRANSLATION_CACHE_INPUT,
};
use crate::core::contract::config::CacheMode;
use crate::core::contract::hashing::fnv1a64_utf16_units;
use crate::core::contract::translate_keys as keys;
use crate::core::contract::translations::{self, validate_locale_code, TranslationStore};
use crate::core::error::{CoreError, CoreResult};

/// The identity of a translation cache file.
#[napi(object)]
pub struct TranslationCacheInput {
    /// The target locale code (the file name; checked against the allowlist).
    pub target_lang: String,
    /// The translate config epoch (`computeTranslateConfigEpoch` of the host).
    pub translate_config_epoch: String,
    /// The input files epoch the translations belong to.
    pub input_files_epoch: String,
    /// The file's name in the translations directory, when the host names its files itself
    /// (one path segment ending in `.json`; `targetLang` is then only what the file stores and
    /// is not checked against the allowlist).
    pub file_name: Option<String>,
}

/// One target language's translation cache, loaded in memory until `flush`.
#[napi(custom_finalize)]
pub struct TranslationCache {
    store: TranslationStore,
    mode: CacheMode,
    enabled: bool,
    lock_timeout: Duration,
    load_warnings: Vec<CacheWarning>,
    /// The host's ports it was loaded through (`flush` writes through them too).
    io: Option<UnknownRef>,
}

impl ObjectFinalize for TranslationCache {
    fn finalize(mut self, env: Env) -> napi::Result<()> {
        match self.io.take() {
            Some(r) => r.unref(&env),
            None => Ok(()),
        }
    }
}

/// A host-given file name: one path segment ending in `.json`, else `INVALID_KEY`.
fn checked_file_name(name: &str) -> CoreResult<&str> {
    let stem = name.strip_suffix(".json").unwrap_or("");
    let device = crate::core::contract::translations::is_device_name(
        stem.split('.').next().unwrap_or(stem).trim_end_matches(' '),
    );
    if stem.is_empty() || device || name.contains(['/', '\\', '\0', ':']) {
        return Err(CoreError::InvalidKey {
            key: name.chars().take(80).collect(),
            message: "a translation cache file name is one path segment ending in .json".into(),
        });
    }
    Ok(name)
}

#[napi]
impl TranslationCache {
    /// The file path.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.store.path().display().to_string()
    }

    /// The number of usable rows (loaded and put).
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.store.len() as u32
    }

    /// Warnings from loading (`cache_malformed`, `cache_oversize`, `cache_io_error`).
    #[napi(getter)]
    pub fn warnings(&self) -> Vec<CacheWarning> {
        self.load_warnings
            .iter()
            .map(|w| CacheWarning {
                code: w.code.clone(),
                message: w.message.clone(),
                path: w.path.clone(),
            })
            .collect()
    }

    /// The row of `key` (through `JSON.parse`), or `undefined`.
    #[napi(ts_return_type = "unknown")]
    pub fn get<'a>(&self, env: &'a Env, key: String) -> napi::Result<Either<Unknown<'a>, ()>> {
        exported(env, "TranslationCache.get", || {
            self.store
                .get(&key)
                .map(|row| json_parse(env, &row.to_string()))
                .transpose()
                .map(or_undefined)
        })
    }

    /// Whether `key` has a row.
    #[napi]
    pub fn has(&self, key: String) -> bool {
        self.store.get(&key).is_some()
    }

    /// Sets the row of `key` (an object, serialised with `JSON.stringify`), kept in memory until
    /// `flush`. Anything else is `INVALID_OPTION` (or `INVALID_DATA` when it does not serialise).
    #[napi(ts_args_type = "key: string, row: object")]
    pub fn put(&mut self, env: &Env, key: String, row: Unknown<'_>) -> napi::Result<()> {
        exported(env, "TranslationCache.put", || {
            if row.get_type()? != ValueType::Object {
                return Err(invalid(env, "row", "expected an object"));
            }
            let raw = json_stringify(env, row, "row")?;
            let value: serde_json::Value =
                serde_json::from_str(raw.get()).map_err(|e| invalid(env, "row", e.to_string()))?;
            if !value.is_object() {
                return Err(invalid(env, "row", "expected an object"));
            }
            self.store.put(key, value);
            Ok(())
        })
    }

    /// Writes the rows put since loading, merged under the project lock with what is on disk
    /// (rows of other writers with the same epochs are kept). Writes nothing when the cache is
    /// off, read-only (a `cache_read_only` warning) or nothing was put. Returns the warnings.
    #[napi]
    pub fn flush(&mut self, env: &Env) -> napi::Result<Vec<CacheWarning>> {
        exported(env, "TranslationCache.flush", || {
            if !self.enabled {
                return Ok(Vec::new());
            }
            let io = self.io.as_ref().map(|r| r.get_value(env)).transpose()?;
            let (mode, timeout) = (self.mode, self.lock_timeout);
            let store = &mut self.store;
            let root = store.root().to_path_buf();
            with_io(env, io, &root, |io, _| {
                Ok(warnings_js(store.flush_in(io, mode, timeout)))
            })
        })
    }
}

/// `loadTranslationCache(state, { targetLang, translateConfigEpoch, inputFilesEpoch }, options?)`:
/// loads `translations/<targetLang>.json` (a missing, oversize or malformed file gives no rows
/// and a warning; rows of other epochs are not used). An unsafe `targetLang` (`..`, `en/../x`,
/// `C:\x`, `CON`, a NUL, over 64 characters, non-ASCII) throws `INVALID_KEY` and creates nothing.
#[napi(
    ts_args_type = "state: CacheState, input: TranslationCacheInput, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "TranslationCache"
)]
pub fn load_translation_cache<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    input: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<TranslationCache> {
    exported(env, "loadTranslationCache", || {
        let state: CacheState = arg(env, state, "state")?;
        let input: TranslationCacheInput =
            strict_arg(env, input, "input", TRANSLATION_CACHE_INPUT, &[])?;
        let (caps, lock_timeout, io) = store_options(env, options)?;
        let name = match &input.file_name {
            Some(name) => checked_file_name(name)
                .map_err(|e| to_js(env, &e))?
                .to_owned(),
            None => {
                validate_locale_code(&input.target_lang).map_err(|e| to_js(env, &e))?;
                format!("{}.json", input.target_lang)
            }
        };
        let loc = location_of(env, &state, io.is_some())?;
        let io_ref = io.map(|v| v.create_ref()).transpose()?;
        let mut store = with_io(env, io, &loc.root_dir, |io, _| {
            let path = io.join(&loc.translations_dir, &name);
            Ok(TranslationStore::load_at(
                io,
                &loc,
                path,
                &input.target_lang,
                &input.translate_config_epoch,
                &input.input_files_epoch,
                caps.translations,
            ))
        })?;
        let load_warnings = warnings_js(std::mem::take(&mut store.warnings));
        Ok(TranslationCache {
            store,
            mode: cache_mode(&state),
            enabled: state.enabled,
            lock_timeout,
            load_warnings,
            io: io_ref,
        })
    })
}

/// `healTranslationCacheFiles(state, options?) -> CacheWarning[]`: drops the corrupt files of
/// `translations/` (as `prepareCacheForRun` does): each `*.json` that is not a translation cache
/// file, or is over the cap, gets a `cache_malformed` / `cache_oversize` warning naming it and is
/// deleted, under the project lock. Read-only: reported, not deleted. Off: nothing. With
/// `options.io`, through the host's ports.
#[napi(
    ts_args_type = "state: CacheState, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "CacheWarning[]"
)]
pub fn heal_translation_cache_files<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<Vec<CacheWarning>> {
    exported(env, "healTranslationCacheFiles", || {
        let state: CacheState = arg(env, state, "state")?;
        let (caps, lock_timeout, io) = store_options(env, options)?;
        if !state.enabled {
            return Ok(Vec::new());
        }
        let loc = location_of(env, &state, io.is_some())?;
        with_io(env, io, &loc.root_dir, |io, _| {
            Ok(warnings_js(translations::heal_project_translations(
                io,
                &loc,
                caps.translations,
                state.read_only,
                lock_timeout,
            )))
        })
    })
}

/// `validateTranslationLocaleCode(code)`: throws `INVALID_KEY` unless `code` passes the translation cache's
/// allowlist.
#[napi(ts_args_type = "code: string")]
pub fn validate_translation_locale_code(env: &Env, code: Unknown<'_>) -> napi::Result<()> {
    exported(env, "validateTranslationLocaleCode", || {
        let code: String = arg(env, code, "code")?;
        validate_locale_code(&code).map_err(|e| to_js(env, &e))
    })
}

/// The inputs of `buildTranslateCacheKey` (L1: the target language is part of the digest).
#[napi(object, object_to_js = false)]
pub struct BuildTranslateCacheKeyInput {
    /// The source text; `{{…}}` placeholders are masked before hashing.
    #[napi(ts_type = "string")]
    pub source_text: Utf16String,
    /// The source language.
    #[napi(ts_type = "string")]
    pub source_lang: Utf16String,
    /// The target language.
    #[napi(ts_type = "string")]
    pub target_lang: Utf16String,
    /// The translation provider id.
    #[napi(ts_type = "string")]
    pub provider_id: Utf16String,
    /// The translate config epoch (`computeTranslateConfigEpoch`).
    #[napi(ts_type = "string")]
    pub translate_config_epoch: Utf16String,
}

/// The inputs of `buildTranslateCacheKeyForLocaleFile` (L2: the file name is the target).
#[napi(object, object_to_js = false)]
pub struct BuildTranslateCacheKeyForLocaleFileInput {
    /// The source text; `{{…}}` placeholders are masked before hashing.
    #[napi(ts_type = "string")]
    pub source_text: Utf16String,
    /// The source language.
    #[napi(ts_type = "string")]
    pub source_lang: Utf16String,
    /// The translation provider id.
    #[napi(ts_type = "string")]
    pub provider_id: Utf16String,
    /// The translate config epoch (`computeTranslateConfigEpoch`).
    #[napi(ts_type = "string")]
    pub translate_config_epoch: Utf16String,
}

/// The L1 translation cache key: 64-bit FNV-1a (16 hex) over
/// `epoch \0 providerId \0 sourceLang \0 targetLang \0 masked(sourceText)`, where each
/// `{{…}}` placeholder is replaced by `__I18NPRUNE_<n>__` first.
#[napi(ts_args_type = "input: BuildTranslateCacheKeyInput")]
pub fn build_translate_cache_key(env: Env, input: Unknown<'_>) -> napi::Result<String> {
    exported(&env, "buildTranslateCacheKey", || {
        let i: BuildTranslateCacheKeyInput =
            strict_arg(&env, input, "input", BUILD_TRANSLATE_CACHE_KEY_INPUT, &[])?;
        Ok(keys::translate_cache_key(
            &i.translate_config_epoch,
            &i.provider_id,
            &i.source_lang,
            &i.target_lang,
            &i.source_text,
        ))
    })
}

/// The L2 key of a row in `translations/<code>.json`: as `buildTranslateCacheKey` without the
/// target language.
#[napi(ts_args_type = "input: BuildTranslateCacheKeyForLocaleFileInput")]
pub fn build_translate_cache_key_for_locale_file(
    env: Env,
    input: Unknown<'_>,
) -> napi::Result<String> {
    exported(&env, "buildTranslateCacheKeyForLocaleFile", || {
        let i: BuildTranslateCacheKeyForLocaleFileInput = strict_arg(
            &env,
            input,
            "input",
            BUILD_TRANSLATE_CACHE_KEY_FOR_LOCALE_FILE_INPUT,
            &[],
        )?;
        Ok(keys::translate_cache_key_for_locale_file(
            &i.translate_config_epoch,
            &i.provider_id,
            &i.source_lang,
            &i.source_text,
        ))
    })
}

/// The translate config epoch: `'none'` without a `translate` config, else the FNV-1a 64 of
/// `JSON.stringify({ primary, workers, policy, providers })` with every provider's `apiKey`
/// left out (secrets never reach the digest).
#[napi(
    ts_args_type = "translate?: { primary?: unknown; workers?: unknown; policy?: unknown; providers: Array<Record<string, unknown>> } | undefined | null"
)]
pub fn compute_translate_config_epoch(env: Env, translate: Unknown<'_>) -> napi::Result<String> {
    exported(&env, "computeTranslateConfigEpoch", || {
        match translate.get_type()? {
            ValueType::Undefined | ValueType::Null => return Ok("none".to_string()),
            ValueType::Object => {}
            _ => return Err(invalid(&env, "translate", "expected an object")),
        }
        let translate: Object<'_> = arg(&env, translate, "translate")?;
        let providers: Unknown<'_> = translate.get_named_property("providers")?;
        if !providers.is_array()? {
            return Err(invalid(&env, "translate.providers", "expected an array"));
        }
        let providers: Array<'_> = arg(&env, providers, "translate.providers")?;
        let assign: Function<'_, FnArgs<(Object<'_>, Unknown<'_>)>, Object<'_>> = env
            .get_global()?
            .get_named_property_unchecked::<Object<'_>>("Object")?
            .get_named_property("assign")?;
        let mut stripped = env.create_array(providers.len())?;
        for k in 0..providers.len() {
            // `{ ...row }` without `apiKey` (a hole spreads to `{}`).
            let mut copy = match providers.get::<Unknown<'_>>(k)? {
                Some(row) => assign.call(FnArgs::from((Object::new(&env)?, row)))?,
                None => Object::new(&env)?,
            };
            copy.delete_named_property("apiKey")?;
            stripped.set(k, copy)?;
        }
        let mut payload = Object::new(&env)?;
        for key in ["primary", "workers", "policy"] {
            let v: Unknown<'_> = translate.get_named_property(key)?;
            payload.set_named_property(key, v)?;
        }
        payload.set_named_property("providers", stripped)?;
        let text = json_stringify(&env, payload.to_unknown(), "translate")?;
        let units: Vec<u16> = text.get().encode_utf16().collect();
        Ok(fnv1a64_utf16_units(&units))
    })
}
