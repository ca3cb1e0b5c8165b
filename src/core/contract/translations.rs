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
use super::io::{CacheIo, EntryKind, NativeIo};
use super::iso_time::now_iso;
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
    if is_device_name(code) {
        return Err(invalid(code, "locale code is a reserved device name"));
    }
    Ok(())
}

/// Whether `stem` names a Windows device (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`,
/// `LPT1`-`LPT9`, any case): such a file name would open the device, not a file.
pub fn is_device_name(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    RESERVED.contains(&upper.as_str())
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && matches!(upper.as_bytes()[3], b'1'..=b'9'))
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
    io: &dyn CacheIo,
    path: &Path,
    cap: u64,
    target: &str,
    tce: &str,
    ife: &str,
    warnings: &mut Vec<CacheWarning>,
) -> Map<String, Value> {
    let bytes = match io.read_cache(path, cap) {
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
        Ok(Self::load_at(
            &NativeIo::new(&loc.root_dir),
            loc,
            path,
            target_lang,
            translate_config_epoch,
            input_files_epoch,
            cap,
        ))
    }

    /// Loads the file at `path` through `io` (the caller checked that `path` is a file of
    /// `loc`'s translations directory; `loc`'s project lock guards its flush).
    pub fn load_at(
        io: &dyn CacheIo,
        loc: &CacheLocation,
        path: PathBuf,
        target_lang: &str,
        translate_config_epoch: &str,
        input_files_epoch: &str,
        cap: u64,
    ) -> Self {
        let mut warnings = Vec::new();
        let entries = load_rows(
            io,
            &path,
            cap,
            target_lang,
            translate_config_epoch,
            input_files_epoch,
            &mut warnings,
        );
        Self {
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
        }
    }

    /// The cache root it was loaded from.
    pub fn root(&self) -> &Path {
        &self.root
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
        self.flush_in(&NativeIo::new(&self.root), mode, lock_timeout)
    }

    /// [`Self::flush`] through `io` (the IO it was loaded with).
    pub fn flush_in(
        &mut self,
        io: &dyn CacheIo,
        mode: CacheMode,
        lock_timeout: Duration,
    ) -> Vec<CacheWarning> {
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
        let _guard = match io.lock(&self.lock_path, lock_timeout) {
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
            io,
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
        if let Some(w) = io.write_cache_capped(
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

/// Drops corrupt translation cache files (§6, as `prepareCacheForRun` does for `files.json` and
/// `analysis.json`): every `*.json` file of `translations_dir` that is not JSON, not a
/// translation file, or over `cap` gets a `cache_malformed` / `cache_oversize` warning naming it
/// and is deleted, unless `read_only`. Files that only fail to read (`cache_io_error`) are
/// reported and kept. Links and other non-files are never read or deleted.
pub fn heal_translation_files(
    io: &dyn CacheIo,
    translations_dir: &Path,
    cap: u64,
    read_only: bool,
) -> Vec<CacheWarning> {
    let mut warnings = Vec::new();
    if !matches!(io.kind(translations_dir), Ok(Some(EntryKind::Dir))) {
        return warnings;
    }
    let Ok(entries) = io.list_dir(translations_dir) else {
        return warnings;
    };
    let mut names: Vec<String> = entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::File && e.name.ends_with(".json"))
        .map(|e| e.name)
        .collect();
    names.sort();
    for name in names {
        if name.contains(['/', '\\', '\0']) {
            continue;
        }
        let path = io.join(translations_dir, &name);
        let corrupt = match io.read_cache(&path, cap) {
            Ok(None) => false,
            Ok(Some(bytes)) => match translation_file_problem(&bytes, &path) {
                None => false,
                Some(w) => {
                    warnings.push(w);
                    true
                }
            },
            Err(f) => {
                warnings.push(f.warning);
                f.corrupt
            }
        };
        if corrupt && !read_only {
            let _ = io.remove_file(&path);
        }
    }
    warnings
}

/// [`heal_translation_files`] of a project's `translations/`, deleting only under the project
/// lock (when it is busy, or in `read_only` mode, corrupt files are reported and kept).
pub fn heal_project_translations(
    io: &dyn CacheIo,
    loc: &CacheLocation,
    cap: u64,
    read_only: bool,
    lock_timeout: Duration,
) -> Vec<CacheWarning> {
    let heal = |read_only| heal_translation_files(io, &loc.translations_dir, cap, read_only);
    if read_only {
        return heal(true);
    }
    match io.lock(&loc.lock_path, lock_timeout) {
        Ok(Some(_guard)) => heal(false),
        _ => heal(true),
    }
}

/// Why bytes are not a translation cache file (`None`: they are one).
fn translation_file_problem(bytes: &[u8], path: &Path) -> Option<CacheWarning> {
    let mut warnings = Vec::new();
    parse_translation_rows(bytes, path, "", "", "", &mut warnings);
    warnings.into_iter().next()
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
