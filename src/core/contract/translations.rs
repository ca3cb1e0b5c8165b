//! §6 the translation cache (L2): `projects/<id>/translations/<code>.json`,
//! `{ version: 1, updatedAt, targetLang, translateConfigEpoch, inputFilesEpoch, entries }`.
//!
//! Locale codes are checked against an allowlist before any path is built: ASCII letters,
//! digits, `_` and `-`, 1 to 64 characters, not a reserved Windows device name. Anything else is
//! `INVALID_KEY` and nothing is created. Codes keep their case; since `targetLang` is compared
//! exactly, `pt-BR` and `pt-br` sharing one file on a case-insensitive file system never reuse
//! each other's rows. Rows are used only when `targetLang` and both epochs match.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::cache_file::{self, CACHE_LOCK_TIMEOUT, CACHE_READ_ONLY};
use super::config::{CacheMode, CACHE_SCHEMA_VERSION};
use super::dispatch_info::CacheWarning;
use super::iso_time::now_iso;
use super::lock;
use super::store_paths::CacheLocation;
use crate::core::error::{CoreError, CoreResult};

/// The longest accepted locale code.
pub const MAX_LOCALE_CODE_LEN: usize = 64;

const RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

fn invalid(code: &str, message: &str) -> CoreError {
    let shown: String = code.chars().take(80).collect();
    CoreError::InvalidKey {
        key: shown,
        message: message.to_owned(),
    }
}

/// Checks a locale code against the allowlist (`INVALID_KEY` when it fails).
pub fn validate_locale_code(code: &str) -> CoreResult<()> {
    if code.is_empty() {
        return Err(invalid(code, "locale code is empty"));
    }
    if code.len() > MAX_LOCALE_CODE_LEN {
        return Err(invalid(code, "locale code is longer than 64 characters"));
    }
    if !code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(invalid(
            code,
            "locale code may only hold ASCII letters, digits, '_' and '-'",
        ));
    }
    let upper = code.to_ascii_uppercase();
    let device = RESERVED.contains(&upper.as_str())
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && matches!(upper.as_bytes()[3], b'1'..=b'9'));
    if device {
        return Err(invalid(code, "locale code is a reserved device name"));
    }
    Ok(())
}

/// The path of `translations/<code>.json`, after validation; always inside the dir.
pub fn translation_cache_path(translations_dir: &Path, code: &str) -> CoreResult<PathBuf> {
    validate_locale_code(code)?;
    let path = translations_dir.join(format!("{code}.json"));
    if path.parent() != Some(translations_dir) {
        return Err(invalid(
            code,
            "locale code leaves the translations directory",
        ));
    }
    Ok(path)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TranslationFile {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    updated_at: Option<String>,
    target_lang: String,
    translate_config_epoch: String,
    input_files_epoch: String,
    entries: Map<String, Value>,
}

/// One target language's translation cache, loaded and held in memory until flushed.
#[derive(Debug)]
pub struct TranslationStore {
    path: PathBuf,
    root: PathBuf,
    lock_path: PathBuf,
    target_lang: String,
    translate_config_epoch: String,
    input_files_epoch: String,
    entries: Map<String, Value>,
    added: Map<String, Value>,
    cap: u64,
    /// Warnings from loading.
    pub warnings: Vec<CacheWarning>,
}

fn load_rows(
    root: &Path,
    path: &Path,
    cap: u64,
    target: &str,
    tce: &str,
    ife: &str,
    warnings: &mut Vec<CacheWarning>,
) -> Map<String, Value> {
    let bytes = match cache_file::read_cache_file(root, path, cap) {
        Ok(Some(b)) => b,
        Ok(None) => return Map::new(),
        Err(f) => {
            warnings.push(f.warning);
            return Map::new();
        }
    };
    parse_translation_rows(&bytes, path, target, tce, ife, warnings)
}

/// Parses the bytes of a `translations/<code>.json` read from `path` (named in warnings): the
/// rows when the file is valid and bound to `target`, `tce` and `ife`, else none (a warning for
/// a damaged file or another schema version).
pub fn parse_translation_rows(
    bytes: &[u8],
    path: &Path,
    target: &str,
    tce: &str,
    ife: &str,
    warnings: &mut Vec<CacheWarning>,
) -> Map<String, Value> {
    let file: TranslationFile = match cache_file::parse_json(bytes, path) {
        Ok(f) => f,
        Err(f) => {
            warnings.push(f.warning);
            return Map::new();
        }
    };
    if file.version.is_some_and(|v| v != CACHE_SCHEMA_VERSION) {
        warnings.push(cache_file::warning(
            cache_file::CACHE_MALFORMED,
            "unsupported translation cache schema version",
            path,
        ));
        return Map::new();
    }
    if file.entries.values().any(|v| !v.is_object()) {
        warnings.push(cache_file::warning(
            cache_file::CACHE_MALFORMED,
            "invalid translation cache entry",
            path,
        ));
        return Map::new();
    }
    if file.target_lang == target
        && file.translate_config_epoch == tce
        && file.input_files_epoch == ife
    {
        file.entries
    } else {
        Map::new()
    }
}

impl TranslationStore {
    /// Loads `translations/<code>.json` (validating the code first; nothing is created).
    pub fn load(
        loc: &CacheLocation,
        target_lang: &str,
        translate_config_epoch: &str,
        input_files_epoch: &str,
        cap: u64,
    ) -> CoreResult<Self> {
        let path = translation_cache_path(&loc.translations_dir, target_lang)?;
        let mut warnings = Vec::new();
        let entries = load_rows(
            &loc.root_dir,
            &path,
            cap,
            target_lang,
            translate_config_epoch,
            input_files_epoch,
            &mut warnings,
        );
        Ok(Self {
            path,
            root: loc.root_dir.clone(),
            lock_path: loc.lock_path.clone(),
            target_lang: target_lang.to_owned(),
            translate_config_epoch: translate_config_epoch.to_owned(),
            input_files_epoch: input_files_epoch.to_owned(),
            entries,
            added: Map::new(),
            cap,
            warnings,
        })
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The row of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.added.get(key).or_else(|| self.entries.get(key))
    }

    /// Number of usable rows.
    pub fn len(&self) -> usize {
        self.entries.len()
            + self
                .added
                .keys()
                .filter(|k| !self.entries.contains_key(*k))
                .count()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets the row of `key` (kept in memory until [`Self::flush`]).
    pub fn put(&mut self, key: impl Into<String>, row: Value) {
        self.added.insert(key.into(), row);
    }

    /// Writes the rows added since loading, merged under the project lock with what is on
    /// disk now (rows of other writers with the same epochs are kept). `readOnly` writes
    /// nothing; a lock timeout persists nothing. Both warn.
    pub fn flush(&mut self, mode: CacheMode, lock_timeout: Duration) -> Vec<CacheWarning> {
        let mut warnings = Vec::new();
        if self.added.is_empty() {
            return warnings;
        }
        if mode == CacheMode::ReadOnly {
            warnings.push(cache_file::warning(
                CACHE_READ_ONLY,
                "cache is read-only; skipped persisting translation cache",
                &self.path,
            ));
            return warnings;
        }
        let _guard = match lock::acquire(&self.root, &self.lock_path, lock_timeout) {
            Ok(Some(g)) => g,
            Ok(None) => {
                warnings.push(cache_file::warning(
                    CACHE_LOCK_TIMEOUT,
                    format!(
                        "cache lock busy after {} ms; skipped persisting translation cache",
                        lock_timeout.as_millis()
                    ),
                    &self.path,
                ));
                return warnings;
            }
            Err(e) => {
                warnings.push(cache_file::warning(
                    cache_file::CACHE_IO_ERROR,
                    format!("cache lock error: {e}"),
                    &self.lock_path,
                ));
                return warnings;
            }
        };
        let mut ignored = Vec::new();
        let mut merged = load_rows(
            &self.root,
            &self.path,
            self.cap,
            &self.target_lang,
            &self.translate_config_epoch,
            &self.input_files_epoch,
            &mut ignored,
        );
        for (k, v) in &self.entries {
            merged.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in std::mem::take(&mut self.added) {
            merged.insert(k, v);
        }
        let file = TranslationFile {
            version: Some(CACHE_SCHEMA_VERSION),
            updated_at: Some(now_iso()),
            target_lang: self.target_lang.clone(),
            translate_config_epoch: self.translate_config_epoch.clone(),
            input_files_epoch: self.input_files_epoch.clone(),
            entries: merged,
        };
        if let Some(w) = cache_file::write_cache_parts_capped(
            &self.root,
            &self.path,
            &[&cache_file::to_pretty_json(&file)],
            self.cap,
            "caps.translations",
        ) {
            warnings.push(w);
        }
        self.entries = file.entries;
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist() {
        for ok in [
            "en",
            "pt-BR",
            "zh_Hant",
            "x".repeat(64).as_str(),
            "COM0",
            "CONSOLE",
            "lpt10",
        ] {
            assert!(validate_locale_code(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(10_000);
        for bad in [
            "../x",
            "..",
            ".",
            "",
            "/etc/passwd",
            r"C:\x",
            r"en\..\..\x",
            "en/../../x",
            "a\0b",
            "CON",
            "nul",
            "Com1",
            "lpt9",
            "aux.json",
            "en.json",
            "e\u{0301}n",
            "ｅn",
            long.as_str(),
            "x".repeat(65).as_str(),
        ] {
            let e = validate_locale_code(bad).unwrap_err();
            assert_eq!(e.code(), "INVALID_KEY", "{bad:?}");
        }
    }
}
