//! §5–§6 cache state and cache files: `resolveCacheState`, `initializeCacheState`,
//! `prepareCacheForRun`, the loaders and savers of `files.json`, `analysis.json` and
//! `meta.json`, and the two invalidation exports. Loaders never throw for a missing, corrupt or
//! oversize file: they return `{ value?, warnings }`. In `readOnly` state nothing is written or
//! deleted (a `cache_read_only` warning says what was skipped).

use std::path::{Path, PathBuf};
use std::time::Duration;

use napi::bindgen_prelude::{Function, JsObjectValue, JsValue, Object, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use super::contract_policy::{
    AnalysisCacheInvalidationAction, AnalysisCacheInvalidationReason, FilesIndexStatus,
    LocaleWriteInvalidationInput,
};
use super::errors::{arg, exported, invalid, strict_arg, to_js};
use super::fingerprint::CacheWarning;
use super::handoff::{json_stringify, parse_stored, to_js_json};
use super::host_io::{with_io, JsIo};
use super::option_keys::{
    CACHE_CAPS_OPTIONS, CACHE_STATE_INPUT, CACHE_STORE_OPTIONS, SAVE_PROJECT_RUN_STATE_INPUT,
};
use crate::core::contract::analysis_file;
use crate::core::contract::cache_file::{self, CACHE_DIR_UNAVAILABLE, CACHE_READ_ONLY};
use crate::core::contract::config::{
    CacheMode, DEFAULT_EFFECTIVE_ANALYSIS_CAP, DEFAULT_EFFECTIVE_FILES_CAP, MAX_META_BYTES,
    MAX_TRANSLATIONS_BYTES,
};
use crate::core::contract::dispatch::CacheCaps;
use crate::core::contract::dispatch_info::CacheWarning as CoreWarning;
use crate::core::contract::files_index;
use crate::core::contract::hashing::{
    compute_cache_project_id, normalize_path_key_for_cache, normalize_project_root_key, TextHash,
};
use crate::core::contract::invalidation as core_inv;
use crate::core::contract::io::{CacheIo, EntryKind};
use crate::core::contract::iso_time::now_iso;
use crate::core::contract::lock::DEFAULT_LOCK_TIMEOUT;
use crate::core::contract::memory;
use crate::core::contract::meta_file::{self, MetaFile};
use crate::core::contract::store_paths::{
    location_from_state, resolve_path, CacheLocation, StatedPaths,
};
use crate::core::contract::translations;

/// cachecore's default effective cap of `analysis.json`, in bytes (256 MiB: large enough for
/// 20,000 source files). `MAX_ANALYSIS_BYTES` (16 MiB) is the TypeScript core's value.
#[napi]
pub const DEFAULT_ANALYSIS_CAP_BYTES: u32 = DEFAULT_EFFECTIVE_ANALYSIS_CAP as u32;

/// cachecore's default effective cap of `files.json`, in bytes (256 MiB: about 1.3 million
/// tracked files). `MAX_FILES_BYTES` (32 MiB) is the TypeScript core's value, about 170,000
/// files. No cache file is ever written over the cap its readers use.
#[napi]
pub const DEFAULT_FILES_CAP_BYTES: u32 = DEFAULT_EFFECTIVE_FILES_CAP as u32;

/// The default time a writer waits for a cache lock before skipping its write, in ms.
#[napi]
pub const DEFAULT_LOCK_TIMEOUT_MS: u32 = DEFAULT_LOCK_TIMEOUT.as_millis() as u32;

/// Why the cache is off (or `default` when it is on).
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheDisableReason {
    /// The cache is on.
    #[napi(value = "default")]
    Default,
    /// The host's `--no-cache` flag.
    #[napi(value = "cli_no_cache")]
    CliNoCache,
    /// `cache.enabled: false` in the config.
    #[napi(value = "config_disabled")]
    ConfigDisabled,
    /// The project root is missing or not a directory.
    #[napi(value = "project_root_missing")]
    ProjectRootMissing,
    /// The cache directory could not be created.
    #[napi(value = "cache_dir_unavailable")]
    CacheDirUnavailable,
    /// A cache IO error.
    #[napi(value = "cache_io_error")]
    CacheIoError,
    /// A cache file over its cap.
    #[napi(value = "cache_oversize")]
    CacheOversize,
    /// A malformed cache file.
    #[napi(value = "cache_malformed")]
    CacheMalformed,
    /// The cache is read-only.
    #[napi(value = "cache_read_only")]
    CacheReadOnly,
}

/// The input of `resolveCacheState` / `initializeCacheState` (the TypeScript `CacheStateInput`).
#[napi(object, object_to_js = false)]
pub struct CacheStateInput<'a> {
    /// The project root (resolved against the working directory, links kept).
    pub project_root: String,
    /// The cache root (`<home>/cache`, or the config's `dir` resolved by the host).
    pub cache_root_dir: String,
    /// The cache is off for this run (the host's `--no-cache`, or `disabledReason`).
    pub no_cache: Option<bool>,
    /// Why it is off when `noCache` (default `cli_no_cache`).
    pub disabled_reason: Option<CacheDisableReason>,
    /// The host's port bag; only `hashText` (a function or an algorithm name) is read. It
    /// decides the project id; absent means FNV-1a (the contract's fallback).
    #[napi(ts_type = "CacheRuntime")]
    pub runtime: Option<Unknown<'a>>,
    /// Read-through: nothing is written or deleted.
    pub cache_read_only: Option<bool>,
    /// The host's own IO ports: the root is resolved and the paths joined by its `path`, the
    /// project id hashed by its `hashText`, and `initializeCacheState` checks and creates
    /// directories through its `fs`, never this machine's disk.
    #[napi(ts_type = "CacheIoPorts")]
    pub io: Option<Unknown<'a>>,
}

/// Where a project's cache lives and whether it is on (the TypeScript `CacheState`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CacheState {
    /// Whether the cache is on.
    pub enabled: bool,
    /// Why it is off, or `default`.
    pub reason: CacheDisableReason,
    /// The cache root.
    pub root_dir: String,
    /// `<root>/meta.json`.
    pub meta_path: String,
    /// The 16-hex project id.
    pub project_id: String,
    /// The resolved project root.
    pub project_root: String,
    /// `<root>/projects/<id>`.
    pub project_dir: String,
    /// `projects/<id>/files.json`.
    pub files_path: String,
    /// `projects/<id>/analysis.json`.
    pub analysis_path: String,
    /// `projects/<id>/translations` (default when absent).
    pub translations_dir: Option<String>,
    /// Read-through: nothing is written or deleted.
    pub read_only: bool,
}

/// `{ state, warnings }` of `initializeCacheState`.
#[napi(object, object_from_js = false)]
pub struct InitializedCacheState {
    /// The state (disabled with a reason when the root or the cache dir is unusable).
    pub state: CacheState,
    /// Why it was disabled, if it was.
    pub warnings: Vec<CacheWarning>,
}

/// Effective size caps, in bytes (each defaults to the exported constant).
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct CacheCapsOptions {
    /// `meta.json` (default `MAX_META_BYTES`).
    pub meta: Option<f64>,
    /// `files.json` (default `DEFAULT_FILES_CAP_BYTES`, 256 MiB).
    pub files: Option<f64>,
    /// `analysis.json` (default `DEFAULT_ANALYSIS_CAP_BYTES`, 256 MiB).
    pub analysis: Option<f64>,
    /// `translations/<code>.json` (default `MAX_TRANSLATIONS_BYTES`).
    pub translations: Option<f64>,
}

/// Options of the store exports.
#[napi(object, object_to_js = false)]
pub struct CacheStoreOptions<'a> {
    /// Effective size caps.
    pub caps: Option<CacheCapsOptions>,
    /// How long a writer waits for a cache lock (default `DEFAULT_LOCK_TIMEOUT_MS`).
    pub lock_timeout_ms: Option<f64>,
    /// The host's own IO ports: every read, write and deletion goes through them instead of
    /// this machine's disk (a virtual file system).
    #[napi(ts_type = "CacheIoPorts")]
    pub io: Option<Unknown<'a>>,
}

/// The default effective caps: `{ meta, files, analysis, translations }` in bytes.
#[napi]
pub fn default_cache_caps() -> CacheCapsOptions {
    let d = CacheCaps::default();
    CacheCapsOptions {
        meta: Some(d.meta as f64),
        files: Some(d.files as f64),
        analysis: Some(d.analysis as f64),
        translations: Some(d.translations as f64),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by the dispatch and translation bindings).

pub(crate) fn cap_value(env: &Env, v: Option<f64>, default: u64, name: &str) -> napi::Result<u64> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 => Ok(x as u64),
        Some(x) => Err(invalid(
            env,
            name,
            format!("expected a non-negative integer, got {x}"),
        )),
    }
}

pub(crate) fn caps_from(env: &Env, c: Option<&CacheCapsOptions>) -> napi::Result<CacheCaps> {
    let c = c.cloned().unwrap_or_default();
    Ok(CacheCaps {
        meta: cap_value(env, c.meta, MAX_META_BYTES, "caps.meta")?,
        files: cap_value(env, c.files, DEFAULT_EFFECTIVE_FILES_CAP, "caps.files")?,
        analysis: cap_value(
            env,
            c.analysis,
            DEFAULT_EFFECTIVE_ANALYSIS_CAP,
            "caps.analysis",
        )?,
        translations: cap_value(
            env,
            c.translations,
            MAX_TRANSLATIONS_BYTES,
            "caps.translations",
        )?,
    })
}

pub(crate) fn lock_timeout_from(env: &Env, ms: Option<f64>) -> napi::Result<Duration> {
    Ok(match ms {
        None => DEFAULT_LOCK_TIMEOUT,
        Some(_) => Duration::from_millis(cap_value(env, ms, 0, "lockTimeoutMs")?),
    })
}

/// Reads optional store options: the caps, the lock timeout and the host's ports, if any.
pub(crate) fn store_options<'a>(
    env: &Env,
    options: Option<Unknown<'a>>,
) -> napi::Result<(CacheCaps, Duration, Option<Unknown<'a>>)> {
    let o: CacheStoreOptions<'a> = match options {
        Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => strict_arg(
            env,
            v,
            "options",
            CACHE_STORE_OPTIONS,
            &[("caps", CACHE_CAPS_OPTIONS)],
        )?,
        _ => CacheStoreOptions {
            caps: None,
            lock_timeout_ms: None,
            io: None,
        },
    };
    Ok((
        caps_from(env, o.caps.as_ref())?,
        lock_timeout_from(env, o.lock_timeout_ms)?,
        // A nullish `io` is no io: the disk.
        o.io.filter(|v| !matches!(v.get_type(), Ok(ValueType::Undefined | ValueType::Null))),
    ))
}

/// Fixed probes that tell the native algorithms apart.
const PROBES: [&str; 3] = ["", "cachecore probe", "h\u{e9}llo w\u{f6}rld \u{1F600}"];

/// The native algorithm of a host's `hashText`: `undefined`/`null` -> FNV-1a (the contract's
/// fallback); an algorithm name -> that algorithm; a function -> the native algorithm it
/// computes, found by calling it on fixed probe texts (cachecore hashes natively, so a function
/// that is none of `sha256`, `blake3`, `fnv1a64` is `INVALID_OPTION`).
pub(crate) fn text_hash_of(env: &Env, value: Option<Unknown<'_>>) -> napi::Result<TextHash> {
    let Some(value) = value else {
        return Ok(TextHash::default());
    };
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(TextHash::default()),
        ValueType::String => {
            let name: String = arg(env, value, "runtime.hashText")?;
            TextHash::parse(&name).ok_or_else(|| {
                invalid(
                    env,
                    "runtime.hashText",
                    format!(
                        "unknown algorithm {name:?} (expected 'sha256', 'blake3' or 'fnv1a64')"
                    ),
                )
            })
        }
        ValueType::Function => {
            let f: Function<'_, String, Unknown<'_>> = arg(env, value, "runtime.hashText")?;
            let mut outputs = Vec::new();
            for p in PROBES {
                let out = f.call(p.to_owned())?;
                if out.get_type()? != ValueType::String {
                    return Err(invalid(env, "runtime.hashText", "must return a string"));
                }
                outputs.push(arg::<String>(env, out, "runtime.hashText")?);
            }
            TextHash::ALL
                .iter()
                .copied()
                .find(|algo| {
                    PROBES
                        .iter()
                        .zip(&outputs)
                        .all(|(p, out)| algo.hash_text(p) == *out)
                })
                .ok_or_else(|| {
                    invalid(
                        env,
                        "runtime.hashText",
                        "cachecore hashes natively: the function must compute sha256, blake3 or \
                         fnv1a64 hex (or pass the algorithm name instead)",
                    )
                })
        }
        other => Err(invalid(
            env,
            "runtime.hashText",
            format!("expected a function or an algorithm name, got {other}"),
        )),
    }
}

/// The host's port bag (the TypeScript core's runtime ports): cachecore reads only `hashText`;
/// any other property (`fs`, `path`, ...) is allowed and ignored, so a host passes the bag it
/// already has.
#[napi(
    object,
    object_to_js = false,
    js_name = "CacheRuntime extends Record<string, unknown>"
)]
pub struct CacheRuntime<'a> {
    /// How records and epochs are hashed: an algorithm name (`'sha256'`, what the i18nprune CLI
    /// stores; `'blake3'`; `'fnv1a64'`), or a function `(text) => hex` that computes one of them
    /// (cachecore still hashes natively). Absent: SHA-256 for a dispatch's records and epochs,
    /// FNV-1a (the contract's fallback) for project ids and the helpers. Any string
    /// type-checks, so `const runtime = { hashText: 'sha256' }` needs no `as const`; a name that
    /// is not an algorithm is `INVALID_OPTION`.
    #[napi(
        ts_type = "((text: string) => string) | HashAlgorithm | (string & {}) | undefined | null"
    )]
    pub hash_text: Option<Unknown<'a>>,
}

/// The `hashText` of an optional runtime bag (FNV-1a when absent: the contract's fallback, for
/// project ids and the helpers).
pub(crate) fn runtime_hash(env: &Env, runtime: Option<Unknown<'_>>) -> napi::Result<TextHash> {
    runtime_hash_or(env, runtime, TextHash::default())
}

/// The hash of a dispatch's file records and epochs: the runtime's `hashText`, else SHA-256 (a
/// cryptographic hash: a 64-bit FNV-1a collision is found in minutes, and a colliding rewrite
/// would be served as a hit). FNV-1a only when the host names it.
pub(crate) fn runtime_record_hash(
    env: &Env,
    runtime: Option<Unknown<'_>>,
) -> napi::Result<TextHash> {
    runtime_hash_or(env, runtime, TextHash::Sha256)
}

fn runtime_hash_or(
    env: &Env,
    runtime: Option<Unknown<'_>>,
    default: TextHash,
) -> napi::Result<TextHash> {
    let Some(runtime) = runtime else {
        return Ok(default);
    };
    match runtime.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(default),
        ValueType::Object => {
            let r: CacheRuntime<'_> = arg(env, runtime, "runtime")?;
            match r.hash_text {
                Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
                    text_hash_of(env, Some(v))
                }
                _ => Ok(default),
            }
        }
        other => Err(invalid(
            env,
            "runtime",
            format!("expected an object, got {other}"),
        )),
    }
}

/// Every path of a project's cache, from a state. On the disk they are derived from its
/// `rootDir` and `projectId`, never taken from it; a path the state names that differs is
/// `INVALID_OPTION` ([`location_from_state`]). With a host's own ports (`ported`), the state's
/// paths are the host's, taken as named: only its ports ever touch them.
pub(crate) fn location_of(
    env: &Env,
    state: &CacheState,
    ported: bool,
) -> napi::Result<CacheLocation> {
    if ported {
        return Ok(stated_location(state));
    }
    location_from_state(
        &state.root_dir,
        &state.project_id,
        &state.project_root,
        &StatedPaths {
            meta: Some(&state.meta_path),
            project_dir: Some(&state.project_dir),
            files: Some(&state.files_path),
            analysis: Some(&state.analysis_path),
            translations_dir: state.translations_dir.as_deref(),
        },
    )
    .map_err(|e| to_js(env, &e))
}

/// The location a host's state names, for its own ports (never the disk).
fn stated_location(state: &CacheState) -> CacheLocation {
    let root_dir = PathBuf::from(&state.root_dir);
    let project_dir = PathBuf::from(&state.project_dir);
    CacheLocation {
        meta_path: PathBuf::from(&state.meta_path),
        meta_lock_path: root_dir.join(".meta.lock"),
        project_root: PathBuf::from(&state.project_root),
        project_key: normalize_project_root_key(&state.project_root),
        project_id: state.project_id.clone(),
        files_path: PathBuf::from(&state.files_path),
        hints_path: PathBuf::from(format!("{}.hints", state.files_path)),
        analysis_path: PathBuf::from(&state.analysis_path),
        translations_dir: state
            .translations_dir
            .as_ref()
            .map(PathBuf::from)
            .unwrap_or_else(|| project_dir.join("translations")),
        lock_path: project_dir.join(".lock"),
        project_dir,
        root_dir,
    }
}

pub(crate) fn warnings_js(w: Vec<CoreWarning>) -> Vec<CacheWarning> {
    w.into_iter()
        .map(|w| CacheWarning {
            code: w.code,
            message: w.message,
            path: w.path,
        })
        .collect()
}

fn read_only_warning(what: &str, path: &str) -> CacheWarning {
    CacheWarning {
        code: CACHE_READ_ONLY.to_owned(),
        message: format!("cache is read-only; skipped persisting {what}"),
        path: Some(path.to_owned()),
    }
}

fn state_arg(env: &Env, value: Unknown<'_>) -> napi::Result<CacheState> {
    arg(env, value, "state")
}

/// The paths of a state, as strings.
struct StatePaths {
    root_dir: String,
    project_dir: String,
    meta: String,
    files: String,
    analysis: String,
    translations: String,
}

fn resolve_state(
    env: &Env,
    input: &CacheStateInput<'_>,
    io: Option<&JsIo<'_>>,
) -> napi::Result<CacheState> {
    let (project_root, project_id, paths) = match io {
        None => {
            let hash = runtime_hash(env, input.runtime)?;
            let project_root = resolve_path(Path::new(&input.project_root))
                .display()
                .to_string();
            let project_id = compute_cache_project_id(&project_root, hash);
            // Resolved once (as `path.resolve`): every path of the state, the locks included,
            // derives from this one absolute root, so `../../x` can never put the data and its
            // lock apart.
            let root = resolve_path(Path::new(&input.cache_root_dir));
            let loc = location_from_state(
                &root.display().to_string(),
                &project_id,
                &project_root,
                &StatedPaths::default(),
            )
            .map_err(|e| to_js(env, &e))?;
            let shown = |p: &Path| p.display().to_string();
            let paths = StatePaths {
                root_dir: shown(&loc.root_dir),
                project_dir: shown(&loc.project_dir),
                meta: shown(&loc.meta_path),
                files: shown(&loc.files_path),
                analysis: shown(&loc.analysis_path),
                translations: shown(&loc.translations_dir),
            };
            (project_root, project_id, paths)
        }
        Some(js) => {
            // The host's own path port and hasher: its paths need not exist on this machine.
            let root = js.resolve(&input.project_root)?;
            let key = normalize_path_key_for_cache(&root);
            let digest = js.hash_text(js.id_hash(), &key).map_err(|e| js.error(e))?;
            let id: String = digest.chars().take(16).collect();
            let join = |base: &str, parts: &[&str]| -> napi::Result<String> {
                parts
                    .iter()
                    .try_fold(base.to_owned(), |acc, part| js.join_str(&acc, part))
            };
            let root_dir = input.cache_root_dir.clone();
            let project_dir = join(&root_dir, &["projects", &id])?;
            let paths = StatePaths {
                meta: join(&root_dir, &["meta.json"])?,
                files: join(&project_dir, &["files.json"])?,
                analysis: join(&project_dir, &["analysis.json"])?,
                translations: join(&project_dir, &["translations"])?,
                project_dir,
                root_dir,
            };
            (root, id, paths)
        }
    };
    let no_cache = input.no_cache == Some(true);
    Ok(CacheState {
        enabled: !no_cache,
        reason: if no_cache {
            input
                .disabled_reason
                .unwrap_or(CacheDisableReason::CliNoCache)
        } else {
            CacheDisableReason::Default
        },
        meta_path: paths.meta,
        project_id,
        project_root,
        files_path: paths.files,
        analysis_path: paths.analysis,
        translations_dir: Some(paths.translations),
        project_dir: paths.project_dir,
        root_dir: paths.root_dir,
        read_only: input.cache_read_only == Some(true),
    })
}

/// `resolveCacheState(input)`: the paths and flags of a project's cache, without any IO or
/// validation (as the TypeScript function). The project id is the first 16 hex of
/// `runtime.hashText` (default FNV-1a) of the resolved root, POSIX, NFC, lower-cased.
#[napi(ts_args_type = "input: CacheStateInput", ts_return_type = "CacheState")]
pub fn resolve_cache_state(env: Env, input: Unknown<'_>) -> napi::Result<CacheState> {
    exported(&env, "resolveCacheState", || {
        let input: CacheStateInput<'_> = strict_arg(&env, input, "input", CACHE_STATE_INPUT, &[])?;
        // Nothing is read or written: no cache root.
        with_io(&env, input.io, Path::new(""), |_, js| {
            resolve_state(&env, &input, js)
        })
    })
}

/// `initializeCacheState(input) -> { state, warnings }`: `resolveCacheState`, then the cache is
/// disabled (never a throw) with reason and warning `project_root_missing` when the project
/// root is missing or not a directory, or `cache_dir_unavailable` when the project cache dir
/// cannot be created. In read-only state the dir is not created.
#[napi(
    ts_args_type = "input: CacheStateInput",
    ts_return_type = "InitializedCacheState"
)]
pub fn initialize_cache_state(env: Env, input: Unknown<'_>) -> napi::Result<InitializedCacheState> {
    exported(&env, "initializeCacheState", || {
        let input: CacheStateInput<'_> = strict_arg(&env, input, "input", CACHE_STATE_INPUT, &[])?;
        // The project dir is created under the resolved cache root the state derives from.
        let root = resolve_path(Path::new(&input.cache_root_dir));
        with_io(&env, input.io, &root, |io, js| {
            initialize(&env, &input, io, js)
        })
    })
}

fn initialize(
    env: &Env,
    input: &CacheStateInput<'_>,
    io: &dyn CacheIo,
    js: Option<&JsIo<'_>>,
) -> napi::Result<InitializedCacheState> {
    let mut state = resolve_state(env, input, js)?;
    let mut warnings = Vec::new();
    if !state.enabled {
        return Ok(InitializedCacheState { state, warnings });
    }
    // The disk's answer follows links here (a linked project root is fine).
    let kind = match js {
        None => std::fs::metadata(&state.project_root).map(|m| {
            m.is_dir()
                .then_some(EntryKind::Dir)
                .or(Some(EntryKind::Other))
        }),
        Some(_) => io.kind(Path::new(&state.project_root)),
    };
    if kind.as_ref().ok() != Some(&Some(EntryKind::Dir)) {
        let message = if kind.as_ref().is_ok_and(|k| k.is_some()) {
            "project root is not a directory; cache disabled for this run"
        } else {
            "project root is missing; cache disabled for this run"
        };
        warnings.push(CacheWarning {
            code: "project_root_missing".into(),
            message: message.into(),
            path: Some(state.project_root.clone()),
        });
        state.enabled = false;
        state.reason = CacheDisableReason::ProjectRootMissing;
        return Ok(InitializedCacheState { state, warnings });
    }
    if !state.read_only {
        if let Err(e) = io.create_dir_all(Path::new(&state.project_dir)) {
            warnings.push(CacheWarning {
                code: CACHE_DIR_UNAVAILABLE.into(),
                message: format!("cache directory unavailable; cache disabled for this run: {e}"),
                path: Some(state.project_dir.clone()),
            });
            state.enabled = false;
            state.reason = CacheDisableReason::CacheDirUnavailable;
        }
    }
    Ok(InitializedCacheState { state, warnings })
}

// ---------------------------------------------------------------------------------------------
// Per-run maintenance.

/// `meta.json`'s maintenance block.
#[napi(object)]
pub struct CacheMetaMaintenance {
    /// Runs so far.
    pub run_count: f64,
    /// Heal every this many runs (20).
    pub heal_every_runs: f64,
    /// When the last heal ran.
    pub last_heal_at: Option<String>,
}

/// `meta.json`: `{ version, updatedAt, projects, maintenance }`.
#[napi(object)]
pub struct CacheProjectsIndex {
    /// Schema version (1).
    pub version: u32,
    /// When it was written.
    pub updated_at: String,
    /// `"<posix NFC root>/"` -> project id.
    #[napi(ts_type = "Record<string, string>")]
    pub projects: serde_json::Value,
    /// The run counter and heal schedule.
    pub maintenance: CacheMetaMaintenance,
}

/// `{ index, warnings }` of `prepareCacheForRun`.
#[napi(object, object_from_js = false)]
pub struct PreparedCacheRun<'a> {
    /// The projects index after this run's touch (and heal).
    #[napi(ts_type = "CacheProjectsIndex")]
    pub index: Unknown<'a>,
    /// Every diagnostic, in order.
    pub warnings: Vec<CacheWarning>,
}

/// `prepareCacheForRun(state, runtime?, options?) -> { index, warnings }`: registers the
/// project in `meta.json`, counts the run, heals every `healEveryRuns` runs (drops entries
/// whose dir is gone and orphan project dirs), creates the project dir and drops a corrupt
/// (malformed or oversize) `files.json`, `analysis.json` or `translations/*.json` so the run
/// repopulates them (a `cache_malformed` or `cache_oversize` warning names each). All under the
/// cache locks; warnings as data; nothing written or deleted when read-only. Does nothing when
/// the cache is off. With `options.io`, all of it goes through the host's ports.
#[napi(
    ts_args_type = "state: CacheState, runtime?: CacheRuntime | undefined | null, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "PreparedCacheRun"
)]
pub fn prepare_cache_for_run<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    runtime: Option<Unknown<'a>>,
    options: Option<Unknown<'a>>,
) -> napi::Result<PreparedCacheRun<'a>> {
    let _ = runtime;
    exported(env, "prepareCacheForRun", || {
        let state = state_arg(env, state)?;
        let (caps, timeout, io) = store_options(env, options)?;
        let loc = location_of(env, &state, io.is_some())?;
        if !state.enabled {
            return Ok(PreparedCacheRun {
                index: to_js_json(env, &MetaFile::fresh())?,
                warnings: Vec::new(),
            });
        }
        let (meta, warnings) = with_io(env, io, &loc.root_dir, |io, _| {
            Ok(prepare(io, &loc, state.read_only, caps, timeout))
        })?;
        Ok(PreparedCacheRun {
            index: to_js_json(env, &meta)?,
            warnings: warnings_js(warnings),
        })
    })
}

fn prepare(
    io: &dyn CacheIo,
    loc: &CacheLocation,
    read_only: bool,
    caps: CacheCaps,
    timeout: Duration,
) -> (MetaFile, Vec<CoreWarning>) {
    let (meta, mut warnings) =
        meta_file::run_maintenance_in(io, loc, read_only, caps.meta, timeout);
    if !read_only {
        if let Err(e) = io.create_dir_all(&loc.project_dir) {
            warnings.push(cache_file::warning(
                CACHE_DIR_UNAVAILABLE,
                format!("unable to create cache project dir: {e}"),
                &loc.project_dir,
            ));
            return (meta, warnings);
        }
    }
    let files = files_index::load_files_index_in(io, &loc.files_path, caps.files);
    warnings.extend(files.warnings.iter().cloned());
    let analysis = io.load_analysis(&loc.analysis_path, caps.analysis, &loc.project_id);
    // The envelope alone may be read: validate the data too, since this call's job is to drop
    // a corrupt file (the dispatch would catch it as well, when it uses the data).
    let analysis = analysis.and_then(|a| match a {
        Some(env_) => match env_.data.validate() {
            Ok(()) => Ok(Some(env_)),
            Err(e) => Err(cache_file::CacheReadFailure {
                corrupt: e.corrupt,
                warning: e.warning(&loc.analysis_path),
            }),
        },
        None => Ok(None),
    });
    let corrupt_analysis = match analysis {
        Ok(_) => false,
        Err(f) => {
            warnings.push(f.warning);
            f.corrupt
        }
    };
    if !read_only && (files.corrupt || corrupt_analysis) {
        if let Ok(Some(_guard)) = io.lock(&loc.lock_path, timeout) {
            if files.corrupt {
                let _ = io.remove_file(&loc.files_path);
            }
            if corrupt_analysis {
                let _ = io.remove_file(&loc.analysis_path);
            }
        }
    }
    warnings.extend(translations::heal_project_translations(
        io,
        loc,
        caps.translations,
        read_only,
        timeout,
    ));
    (meta, warnings)
}

// ---------------------------------------------------------------------------------------------
// Loaders and savers.

/// `files.json`: `{ version: 1, updatedAt, files, localeSegments?, localesLayout? }`.
#[napi(object)]
pub struct CacheProjectFilesState {
    /// Schema version (1).
    pub version: u32,
    /// When it was written.
    pub updated_at: String,
    /// Src records keyed by src-root-relative POSIX path.
    #[napi(ts_type = "Record<string, CacheFileRecord>")]
    pub files: serde_json::Value,
    /// Locale segment records keyed by locales-dir-relative POSIX path.
    #[napi(ts_type = "Record<string, CacheFileRecord>")]
    pub locale_segments: Option<serde_json::Value>,
    /// The locales layout the records were taken with.
    pub locales_layout: Option<super::contract_policy::CachedLocalesLayout>,
}

/// `{ value?, status, warnings }` of `loadProjectFilesState`.
#[napi(object, object_from_js = false)]
pub struct LoadedProjectFilesState<'a> {
    /// The index, when usable (status `ok` or `empty`).
    #[napi(ts_type = "CacheProjectFilesState")]
    pub value: Option<Unknown<'a>>,
    /// `ok`, `empty`, `missing` or `malformed` (any failure, oversize included).
    pub status: FilesIndexStatus,
    /// `cache_malformed`, `cache_oversize`, `cache_io_error`.
    pub warnings: Vec<CacheWarning>,
}

/// `loadProjectFilesState(state, options?) -> { value?, status, warnings }`: never throws for a
/// missing, oversize, unreadable or malformed `files.json` (no value, a warning). Reads
/// nothing when the cache is off.
#[napi(
    ts_args_type = "state: CacheState, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "LoadedProjectFilesState"
)]
pub fn load_project_files_state<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<LoadedProjectFilesState<'a>> {
    exported(env, "loadProjectFilesState", || {
        let state = state_arg(env, state)?;
        let (caps, _, io) = store_options(env, options)?;
        if !state.enabled {
            return Ok(LoadedProjectFilesState {
                value: None,
                status: crate::core::contract::delta::FilesIndexStatus::Missing.into(),
                warnings: Vec::new(),
            });
        }
        let loc = location_of(env, &state, io.is_some())?;
        let loaded = with_io(env, io, &loc.root_dir, |io, _| {
            Ok(files_index::load_files_index_in(
                io,
                &loc.files_path,
                caps.files,
            ))
        })?;
        let status = loaded.status().into();
        Ok(LoadedProjectFilesState {
            value: loaded
                .index
                .as_ref()
                .map(|i| to_js_json(env, i))
                .transpose()?,
            status,
            warnings: warnings_js(loaded.warnings),
        })
    })
}

/// `{ written, warnings }` of the savers.
#[napi(object, object_from_js = false)]
pub struct CacheSaveResult {
    /// Whether the file was published.
    pub written: bool,
    /// `cache_read_only`, `cache_io_error`, `cache_lock_timeout`.
    pub warnings: Vec<CacheWarning>,
}

fn saved(warning: Option<CoreWarning>) -> CacheSaveResult {
    CacheSaveResult {
        written: warning.is_none(),
        warnings: warnings_js(warning.into_iter().collect()),
    }
}

fn not_saved(warnings: Vec<CacheWarning>) -> CacheSaveResult {
    CacheSaveResult {
        written: false,
        warnings,
    }
}

/// Runs `write` under the lock at `lock_path` (under the cache `root`); a busy lock is a
/// `cache_lock_timeout` warning.
fn with_lock(
    io: &dyn CacheIo,
    lock_path: &Path,
    target: &Path,
    timeout: Duration,
    write: impl FnOnce() -> Option<CoreWarning>,
) -> CacheSaveResult {
    match io.lock(lock_path, timeout) {
        Ok(Some(_guard)) => saved(write()),
        Ok(None) => saved(Some(cache_file::warning(
            cache_file::CACHE_LOCK_TIMEOUT,
            format!(
                "cache lock busy after {} ms; skipped persisting",
                timeout.as_millis()
            ),
            target,
        ))),
        Err(e) => saved(Some(cache_file::warning(
            cache_file::CACHE_IO_ERROR,
            format!("cache lock error: {e}"),
            lock_path,
        ))),
    }
}

/// `saveProjectFilesState(state, files, options?) -> { written, warnings }`: validates the
/// index (version 1 shape), stamps `version` and `updatedAt` and publishes it atomically,
/// 2-space indented as the TypeScript core writes it. Read-only: nothing written, a
/// `cache_read_only` warning. A shape error is `INVALID_OPTION`.
#[napi(
    ts_args_type = "state: CacheState, files: CacheProjectFilesState, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "CacheSaveResult"
)]
pub fn save_project_files_state<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    files: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<CacheSaveResult> {
    exported(env, "saveProjectFilesState", || {
        let state = state_arg(env, state)?;
        let (caps, timeout, io) = store_options(env, options)?;
        let loc = location_of(env, &state, io.is_some())?;
        if !state.enabled {
            return Ok(not_saved(Vec::new()));
        }
        let raw = json_stringify(env, files, "files")?;
        let mut index =
            files_index::parse_files_index(raw.get().as_bytes(), Path::new(&state.files_path))
                .map_err(|f| invalid(env, "files", f.warning.message))?;
        if state.read_only {
            return Ok(not_saved(vec![read_only_warning(
                "files index",
                &state.files_path,
            )]));
        }
        index.version = crate::core::contract::config::CACHE_SCHEMA_VERSION;
        index.updated_at = now_iso();
        with_io(env, io, &loc.root_dir, |io, _| {
            Ok(with_lock(
                io,
                &loc.lock_path,
                &loc.files_path,
                timeout,
                || {
                    io.write_cache_capped(
                        &loc.files_path,
                        &[&index.to_bytes()],
                        caps.files,
                        "caps.files",
                    )
                },
            ))
        })
    })
}

/// `analysis.json`: `{ version: 1, updatedAt, projectId, data, inputFilesEpoch? }`.
#[napi(object)]
pub struct CacheProjectRunState {
    /// Schema version (1).
    pub version: u32,
    /// When it was written.
    pub updated_at: Option<String>,
    /// The project id it belongs to.
    pub project_id: Option<String>,
    /// The host's data (the stored JSON, through `JSON.parse`).
    #[napi(ts_type = "unknown")]
    pub data: serde_json::Value,
    /// The input files epoch the data was produced from.
    pub input_files_epoch: Option<String>,
}

/// `{ value?, warnings }` of `loadProjectRunState`.
#[napi(object, object_from_js = false)]
pub struct LoadedProjectRunState<'a> {
    /// The envelope, when present and valid.
    #[napi(ts_type = "CacheProjectRunState")]
    pub value: Option<Unknown<'a>>,
    /// `cache_malformed`, `cache_oversize`, `cache_io_error`.
    pub warnings: Vec<CacheWarning>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RunStateOut<'a> {
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_files_epoch: Option<&'a str>,
}

/// `loadProjectRunState(state, options?) -> { value?, warnings }`: never throws for a missing,
/// oversize, unreadable or malformed `analysis.json`, nor for one of another project.
#[napi(
    ts_args_type = "state: CacheState, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "LoadedProjectRunState"
)]
pub fn load_project_run_state<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<LoadedProjectRunState<'a>> {
    exported(env, "loadProjectRunState", || {
        let state = state_arg(env, state)?;
        let (caps, _, io) = store_options(env, options)?;
        if !state.enabled {
            return Ok(LoadedProjectRunState {
                value: None,
                warnings: Vec::new(),
            });
        }
        let loc = location_of(env, &state, io.is_some())?;
        let loaded = with_io(env, io, &loc.root_dir, |io, _| {
            Ok(io.load_analysis(&loc.analysis_path, caps.analysis, &state.project_id))
        })?;
        match loaded {
            Ok(None) => Ok(LoadedProjectRunState {
                value: None,
                warnings: Vec::new(),
            }),
            Ok(Some(env_)) => {
                let out = RunStateOut {
                    version: crate::core::contract::config::CACHE_SCHEMA_VERSION,
                    updated_at: env_.updated_at.as_deref(),
                    project_id: env_.project_id.as_deref(),
                    input_files_epoch: env_.input_files_epoch.as_deref(),
                };
                // `data` goes through `JSON.parse` on its own, which also validates it.
                let data = match parse_stored(env, &env_.data)? {
                    Ok(d) => d,
                    Err(e) => {
                        return Ok(LoadedProjectRunState {
                            value: None,
                            warnings: warnings_js(vec![e.warning(Path::new(&state.analysis_path))]),
                        })
                    }
                };
                let value = to_js_json(env, &out)?;
                let mut obj: Object<'_> = arg(env, value, "run state")?;
                obj.set_named_property("data", data)?;
                Ok(LoadedProjectRunState {
                    value: Some(obj.to_unknown()),
                    warnings: Vec::new(),
                })
            }
            Err(f) => Ok(LoadedProjectRunState {
                value: None,
                warnings: warnings_js(vec![f.warning]),
            }),
        }
    })
}

/// The input of `saveProjectRunState`: `{ data, inputFilesEpoch? }`.
#[napi(object, object_to_js = false)]
pub struct SaveProjectRunStateInput<'a> {
    /// The data (serialised with the global `JSON.stringify`).
    #[napi(ts_type = "unknown")]
    pub data: Unknown<'a>,
    /// The input files epoch the data belongs to.
    pub input_files_epoch: Option<String>,
}

/// `saveProjectRunState(state, { data, inputFilesEpoch? }, options?) -> { written, warnings }`:
/// writes the envelope compact (`data` as `JSON.stringify` gives it). Data that does not
/// serialise is `INVALID_DATA`; read-only writes nothing.
#[napi(
    ts_args_type = "state: CacheState, input: SaveProjectRunStateInput, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "CacheSaveResult"
)]
pub fn save_project_run_state<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    input: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<CacheSaveResult> {
    exported(env, "saveProjectRunState", || {
        let state = state_arg(env, state)?;
        let (caps, timeout, io) = store_options(env, options)?;
        let loc = location_of(env, &state, io.is_some())?;
        let input: SaveProjectRunStateInput<'_> =
            strict_arg(env, input, "input", SAVE_PROJECT_RUN_STATE_INPUT, &[])?;
        if !state.enabled {
            return Ok(not_saved(Vec::new()));
        }
        let raw = json_stringify(env, input.data, "data")?;
        if state.read_only {
            return Ok(not_saved(vec![read_only_warning(
                "analysis cache",
                &state.analysis_path,
            )]));
        }
        memory::forget_prefix(&loc.project_dir.display().to_string());
        let parts = analysis_file::analysis_parts(
            &now_iso(),
            &state.project_id,
            raw.get(),
            input.input_files_epoch.as_deref(),
        );
        let slices: Vec<&[u8]> = parts.iter().map(|p| p.as_ref()).collect();
        with_io(env, io, &loc.root_dir, |io, _| {
            Ok(with_lock(
                io,
                &loc.lock_path,
                &loc.analysis_path,
                timeout,
                || {
                    io.write_cache_capped(
                        &loc.analysis_path,
                        &slices,
                        caps.analysis,
                        "caps.analysis",
                    )
                },
            ))
        })
    })
}

/// `{ value, warnings }` of `loadProjectsIndex` (a fresh index when the file is missing or bad).
#[napi(object, object_from_js = false)]
pub struct LoadedProjectsIndex<'a> {
    /// The index (fresh when missing, oversize or malformed).
    #[napi(ts_type = "CacheProjectsIndex")]
    pub value: Unknown<'a>,
    /// `cache_malformed`, `cache_oversize`, `cache_io_error`.
    pub warnings: Vec<CacheWarning>,
}

/// `loadProjectsIndex(state, options?) -> { value, warnings }`: `meta.json`, or a fresh index
/// (run count 0, heal every 20 runs) with a warning when it is oversize or malformed.
#[napi(
    ts_args_type = "state: CacheState, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "LoadedProjectsIndex"
)]
pub fn load_projects_index<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<LoadedProjectsIndex<'a>> {
    exported(env, "loadProjectsIndex", || {
        let state = state_arg(env, state)?;
        let (caps, _, io) = store_options(env, options)?;
        let loc = location_of(env, &state, io.is_some())?;
        let (meta, warnings) = with_io(env, io, &loc.root_dir, |io, _| {
            Ok(meta_file::load_meta_in(io, &loc.meta_path, caps.meta))
        })?;
        Ok(LoadedProjectsIndex {
            value: to_js_json(env, &meta)?,
            warnings: warnings_js(warnings),
        })
    })
}

/// `saveProjectsIndex(state, index, options?) -> { written, warnings }`: validates and writes
/// `meta.json` (2-space indented) under the meta lock. Read-only writes nothing.
#[napi(
    ts_args_type = "state: CacheState, index: CacheProjectsIndex, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "CacheSaveResult"
)]
pub fn save_projects_index<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    index: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<CacheSaveResult> {
    exported(env, "saveProjectsIndex", || {
        let state = state_arg(env, state)?;
        let (caps, timeout, io) = store_options(env, options)?;
        let loc = location_of(env, &state, io.is_some())?;
        let raw = json_stringify(env, index, "index")?;
        let mut meta: MetaFile =
            serde_json::from_str(raw.get()).map_err(|e| invalid(env, "index", e.to_string()))?;
        if state.read_only {
            return Ok(not_saved(vec![read_only_warning(
                "meta index",
                &state.meta_path,
            )]));
        }
        meta.version = crate::core::contract::config::CACHE_SCHEMA_VERSION;
        meta.updated_at = now_iso();
        with_io(env, io, &loc.root_dir, |io, _| {
            Ok(with_lock(
                io,
                &loc.meta_lock_path,
                &loc.meta_path,
                timeout,
                || {
                    io.write_cache_capped(
                        &loc.meta_path,
                        &[&cache_file::to_pretty_json(&meta)],
                        caps.meta,
                        "caps.meta",
                    )
                },
            ))
        })
    })
}

/// `{ value, warnings, healed }` of `healProjectsIndex`.
#[napi(object, object_from_js = false)]
pub struct HealedProjectsIndex<'a> {
    /// The index after the heal (the given one when no heal was due).
    #[napi(ts_type = "CacheProjectsIndex")]
    pub value: Unknown<'a>,
    /// `cache_io_error` when an orphan project dir could not be deleted.
    pub warnings: Vec<CacheWarning>,
    /// Whether the heal ran (`runCount` is a multiple of `healEveryRuns`).
    pub healed: bool,
}

/// `healProjectsIndex(state, index, options?) -> { value, warnings, healed }`: the periodic
/// heal of `meta.json`'s index on its own, when `index.maintenance` says one is due: drops every
/// entry whose project dir is gone, deletes the project dirs no entry references, stamps
/// `lastHealAt`. Writes nothing else (save the index with `saveProjectsIndex`). Off, or
/// read-only: nothing is healed. With `options.io`, through the host's ports.
#[napi(
    ts_args_type = "state: CacheState, index: CacheProjectsIndex, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "HealedProjectsIndex"
)]
pub fn heal_projects_index<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    index: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<HealedProjectsIndex<'a>> {
    exported(env, "healProjectsIndex", || {
        let state = state_arg(env, state)?;
        let (_, _, io) = store_options(env, options)?;
        let raw = json_stringify(env, index, "index")?;
        let mut meta: MetaFile =
            serde_json::from_str(raw.get()).map_err(|e| invalid(env, "index", e.to_string()))?;
        if !state.enabled || state.read_only || !meta_file::should_heal(&meta.maintenance) {
            return Ok(HealedProjectsIndex {
                value: index,
                warnings: Vec::new(),
                healed: false,
            });
        }
        meta.maintenance.last_heal_at = Some(now_iso());
        let mut warnings = Vec::new();
        let loc = location_of(env, &state, io.is_some())?;
        with_io(env, io, &loc.root_dir, |io, _| {
            meta_file::heal(io, &loc.root_dir, &mut meta, None, &mut warnings);
            Ok(())
        })?;
        Ok(HealedProjectsIndex {
            value: to_js_json(env, &meta)?,
            warnings: warnings_js(warnings),
            healed: true,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Invalidation.

/// `{ deleted, warnings }` of `invalidateProjectAnalysisCache`.
#[napi(object, object_from_js = false)]
pub struct AnalysisInvalidationResult {
    /// Whether `analysis.json` was deleted (false when absent or read-only).
    pub deleted: bool,
    /// `cache_read_only`, `cache_io_error`.
    pub warnings: Vec<CacheWarning>,
}

fn delete_analysis(
    env: &Env,
    io: Option<Unknown<'_>>,
    state: &CacheState,
) -> napi::Result<AnalysisInvalidationResult> {
    let loc = location_of(env, state, io.is_some())?;
    if state.read_only {
        return Ok(AnalysisInvalidationResult {
            deleted: false,
            warnings: vec![CacheWarning {
                code: CACHE_READ_ONLY.into(),
                message: "cache is read-only; skipped deleting analysis cache".into(),
                path: Some(state.analysis_path.clone()),
            }],
        });
    }
    // The next dispatch of this process must not serve the dropped analysis from memory.
    memory::forget_prefix(&loc.project_dir.display().to_string());
    let removed = with_io(env, io, &loc.root_dir, |io, _| {
        // A missing file is no deletion (and, for a host's ports, no call to `deleteFile`).
        Ok(match io.kind(&loc.analysis_path) {
            Ok(None) => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
            // On the disk, unlinked relative to the project dir reached without following
            // links: never a victim through a linked `projects/<id>`.
            _ => io.remove_file(&loc.analysis_path),
        })
    })?;
    Ok(match removed {
        Ok(()) => AnalysisInvalidationResult {
            deleted: true,
            warnings: Vec::new(),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => AnalysisInvalidationResult {
            deleted: false,
            warnings: Vec::new(),
        },
        Err(e) => AnalysisInvalidationResult {
            deleted: false,
            warnings: vec![CacheWarning {
                code: cache_file::CACHE_IO_ERROR.into(),
                message: format!("cache delete error: {e}"),
                path: Some(state.analysis_path.clone()),
            }],
        },
    })
}

/// `invalidateProjectAnalysisCache(state, runtime?, options?) -> { deleted, warnings }`:
/// deletes `analysis.json` unconditionally (and forgets the project's same-process memory);
/// read-only deletes nothing. With `options.io`, through the host's ports.
#[napi(
    ts_args_type = "state: CacheState, runtime?: CacheRuntime | undefined | null, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "AnalysisInvalidationResult"
)]
pub fn invalidate_project_analysis_cache<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    runtime: Option<Unknown<'a>>,
    options: Option<Unknown<'a>>,
) -> napi::Result<AnalysisInvalidationResult> {
    let _ = runtime;
    exported(env, "invalidateProjectAnalysisCache", || {
        let state = state_arg(env, state)?;
        let (_, _, io) = store_options(env, options)?;
        delete_analysis(env, io, &state)
    })
}

/// The decision of `invalidateProjectAnalysisCacheAfterLocaleWrites` and what it did.
#[napi(object, object_from_js = false)]
pub struct AnalysisInvalidationOutcome {
    /// Delete or keep `analysis.json`.
    pub action: AnalysisCacheInvalidationAction,
    /// Why.
    pub reason: AnalysisCacheInvalidationReason,
    /// Whether `analysis.json` was deleted.
    pub deleted: bool,
    /// `cache_read_only`, `cache_io_error`.
    pub warnings: Vec<CacheWarning>,
}

/// `invalidateProjectAnalysisCacheAfterLocaleWrites(state, runtime, input, options?)`: applies
/// `decideProjectAnalysisCacheInvalidation(input)` and deletes `analysis.json` on `delete`
/// (not in read-only state). Returns the decision (`action`, `reason`) with what was done.
/// With `options.io`, through the host's ports.
#[napi(
    ts_args_type = "state: CacheState, runtime: CacheRuntime | undefined | null, input: LocaleWriteInvalidationInput, options?: CacheStoreOptions | undefined | null",
    ts_return_type = "AnalysisInvalidationOutcome"
)]
pub fn invalidate_project_analysis_cache_after_locale_writes<'a>(
    env: &'a Env,
    state: Unknown<'a>,
    runtime: Option<Unknown<'a>>,
    input: Unknown<'a>,
    options: Option<Unknown<'a>>,
) -> napi::Result<AnalysisInvalidationOutcome> {
    let _ = runtime;
    exported(
        env,
        "invalidateProjectAnalysisCacheAfterLocaleWrites",
        || {
            let state = state_arg(env, state)?;
            let i: LocaleWriteInvalidationInput = arg(env, input, "input")?;
            let decision = core_inv::decide_project_analysis_cache_invalidation(
                &core_inv::LocaleWriteInvalidationInput {
                    enabled: i.enabled,
                    rebuild_config: i.rebuild_config.into(),
                    source_locale_segment_key: i.source_locale_segment_key,
                    source_locale_segment_keys: i.source_locale_segment_keys.unwrap_or_default(),
                    mutated_locale_segment_keys: i.mutated_locale_segment_keys,
                },
            );
            let (_, _, io) = store_options(env, options)?;
            let done = if decision.action == core_inv::AnalysisCacheInvalidationAction::Delete {
                delete_analysis(env, io, &state)?
            } else {
                AnalysisInvalidationResult {
                    deleted: false,
                    warnings: Vec::new(),
                }
            };
            Ok(AnalysisInvalidationOutcome {
                action: decision.action.into(),
                reason: decision.reason.into(),
                deleted: done.deleted,
                warnings: done.warnings,
            })
        },
    )
}

/// The write mode of a state.
pub(crate) fn cache_mode(state: &CacheState) -> CacheMode {
    if state.read_only {
        CacheMode::ReadOnly
    } else {
        CacheMode::ReadWrite
    }
}
