//! §6 `projects/<id>/files.json`: the tracked-file index, its load status and its writing.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cache_file::{self, CacheReadFailure};
use super::config::CACHE_SCHEMA_VERSION;
use super::delta::FilesIndexStatus;
use super::dispatch_info::CacheWarning;
use super::iso_time::now_iso;
use super::layout::CachedLocalesLayout;
use super::records::FileRecordMap;

/// The legacy key older CLIs stored in `files`; ignored (the source lives in `localeSegments`).
pub const LEGACY_SOURCE_LOCALE_KEY: &str = "__source_locale__";

/// `files.json`: `{ version: 1, updatedAt, files, localeSegments, localesLayout }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesIndex {
    /// Schema version (1). Absent in very old files, which the TypeScript core accepts.
    #[serde(default = "schema_version")]
    pub version: u32,
    /// When it was written.
    #[serde(default)]
    pub updated_at: String,
    /// Src records keyed by src-root-relative POSIX path.
    pub files: FileRecordMap,
    /// Locale segment records keyed by locales-dir-relative POSIX path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale_segments: Option<FileRecordMap>,
    /// The locales layout the records were taken with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locales_layout: Option<CachedLocalesLayout>,
}

fn schema_version() -> u32 {
    CACHE_SCHEMA_VERSION
}

impl FilesIndex {
    /// A new index stamped now.
    pub fn new(
        files: FileRecordMap,
        locale_segments: FileRecordMap,
        layout: CachedLocalesLayout,
    ) -> Self {
        Self {
            version: CACHE_SCHEMA_VERSION,
            updated_at: now_iso(),
            files,
            locale_segments: Some(locale_segments),
            locales_layout: Some(layout),
        }
    }

    /// `files` and `localeSegments` merged (`{ ...files, ...localeSegments }`), the legacy key
    /// omitted: the stored baseline of a dispatch.
    pub fn merged(&self) -> FileRecordMap {
        let mut out: FileRecordMap = self
            .files
            .iter()
            .filter(|(k, _)| *k != LEGACY_SOURCE_LOCALE_KEY)
            .map(|(k, r)| (k.to_owned(), r.clone()))
            .collect();
        for (k, r) in self.locale_segments.iter().flat_map(|m| m.iter()) {
            out.insert(k, r.clone());
        }
        out
    }

    /// The TypeScript "default empty index": no src, no segments, no layout.
    fn is_default_empty(&self) -> bool {
        self.files.is_empty()
            && self.locale_segments.as_ref().is_none_or(|m| m.is_empty())
            && self.locales_layout.is_none()
    }

    /// The serialised file: 2-space indented, as the TypeScript core writes it.
    pub fn to_bytes(&self) -> Vec<u8> {
        cache_file::to_pretty_json(self)
    }
}

/// What loading `files.json` gave.
#[derive(Debug, Clone, Default)]
pub struct LoadedFilesIndex {
    /// The index when usable as a baseline (`status` ok or empty).
    pub index: Option<FilesIndex>,
    /// The exact bytes read (they identify the generation of the stat hints).
    pub bytes: Option<Vec<u8>>,
    /// Warnings (`cache_malformed`, `cache_oversize`, `cache_io_error`).
    pub warnings: Vec<CacheWarning>,
    /// Whether the file is corrupt (to be replaced or removed).
    pub corrupt: bool,
}

impl LoadedFilesIndex {
    /// The `FilesIndexStatus` of this load: malformed (any failure, including a path that is
    /// not a regular file), missing, empty, or ok.
    pub fn status(&self) -> FilesIndexStatus {
        if !self.warnings.is_empty() {
            return FilesIndexStatus::Malformed;
        }
        match &self.index {
            None => FilesIndexStatus::Missing,
            Some(index) if index.is_default_empty() => FilesIndexStatus::Empty,
            Some(_) => FilesIndexStatus::Ok,
        }
    }
}

/// Parses and validates `files.json` bytes (version 1, record shapes, layout literals).
pub fn parse_files_index(bytes: &[u8], path: &Path) -> Result<FilesIndex, CacheReadFailure> {
    let invalid =
        |m: String| CacheReadFailure::malformed(format!("cache files index invalid ({m})"), path);
    // Fast path: straight into the typed index (records in document order, as `JSON.parse`
    // gives them to the TypeScript core). Anything it refuses goes through the slower checks
    // below, which say what is wrong.
    if nesting_within(bytes, 128) {
        if let Ok(index) = serde_json::from_slice::<FilesIndex>(bytes) {
            if index.version == CACHE_SCHEMA_VERSION {
                return Ok(index);
            }
        }
    }
    let value: serde_json::Value = cache_file::parse_json(bytes, path)?;
    if !value.is_object() {
        return Err(invalid("root is not an object".into()));
    }
    if let Some(v) = value.get("version") {
        if v.as_u64() != Some(u64::from(CACHE_SCHEMA_VERSION)) {
            return Err(invalid(format!("unsupported cache schema version: {v}")));
        }
    }
    if !value.get("files").is_some_and(|f| f.is_object()) {
        return Err(invalid("missing or invalid field: files".into()));
    }
    serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
}

/// Whether no array or object in `bytes` nests deeper than `limit` (strings skipped). The typed
/// parser skips unknown fields without serde_json's recursion limit; this keeps a 10,000-deep
/// value in an unknown field as malformed as the full check says it is.
fn nesting_within(bytes: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Loads `files.json` with its cap: a missing, oversize, unreadable or malformed file gives no
/// index and (except missing) a warning. `path` lies under the cache `root`.
pub fn load_files_index(root: &Path, path: &Path, cap: u64) -> LoadedFilesIndex {
    load_files_index_in(&super::io::NativeIo::new(root), path, cap)
}

/// [`load_files_index`] through `io`.
pub fn load_files_index_in(io: &dyn super::io::CacheIo, path: &Path, cap: u64) -> LoadedFilesIndex {
    let mut out = LoadedFilesIndex::default();
    let bytes = match io.read_cache(path, cap) {
        Ok(Some(b)) => b,
        Ok(None) => return out,
        Err(f) => {
            out.corrupt = f.corrupt;
            out.warnings.push(f.warning);
            return out;
        }
    };
    parse_loaded(bytes, path)
}

/// [`load_files_index`] of bytes already read.
pub fn parse_loaded(bytes: Vec<u8>, path: &Path) -> LoadedFilesIndex {
    let mut out = LoadedFilesIndex::default();
    match parse_files_index(&bytes, path) {
        Ok(index) => {
            out.index = Some(index);
            out.bytes = Some(bytes);
        }
        Err(f) => {
            out.corrupt = f.corrupt;
            out.warnings.push(f.warning);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = "{\n  \"version\": 1,\n  \"updatedAt\": \"2026-01-01T00:00:00.000Z\",\n  \"files\": {\n    \"a.ts\": {\n      \"hash\": \"ab\",\n      \"size\": 3,\n      \"mtimeMs\": 0,\n      \"updatedAt\": \"2026-01-01T00:00:00.000Z\"\n    }\n  },\n  \"localeSegments\": {},\n  \"localesLayout\": {\n    \"mode\": \"flat_file\",\n    \"structure\": \"locale_file\",\n    \"directory\": \"locales\",\n    \"source\": \"en\"\n  }\n}";

    #[test]
    fn golden_round_trips_byte_for_byte() {
        let index = parse_files_index(GOLDEN.as_bytes(), Path::new("f")).unwrap();
        assert_eq!(String::from_utf8(index.to_bytes()).unwrap(), GOLDEN);
    }

    #[test]
    fn every_truncation_is_malformed() {
        for n in 0..GOLDEN.len() {
            let e = parse_files_index(&GOLDEN.as_bytes()[..n], Path::new("f")).unwrap_err();
            assert_eq!(e.warning.code, "cache_malformed", "prefix {n}");
        }
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        for bad in [
            "[]",
            "{}",
            "{\"files\":[]}",
            "{\"version\":2,\"files\":{}}",
            "{\"files\":{\"a\":{\"hash\":\"x\",\"size\":-1,\"mtimeMs\":0,\"updatedAt\":\"t\"}}}",
            "{\"files\":{},\"localesLayout\":{\"mode\":\"flat_file\"}}",
        ] {
            assert!(
                parse_files_index(bad.as_bytes(), Path::new("f")).is_err(),
                "{bad}"
            );
        }
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let text = format!("{{\"files\":{{}},\"x\":{deep}}}");
        assert!(parse_files_index(text.as_bytes(), Path::new("f")).is_err());
    }
}
