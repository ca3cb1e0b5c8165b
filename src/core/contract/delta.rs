//! §2 file deltas: `diffProjectFiles` and the status of the `files.json` index.

use rustc_hash::FxHashSet;

use serde::{Deserialize, Serialize};

use super::records::FileRecordMap;

/// `CacheFileDelta = { added, changed, deleted, unchanged }` (keys of the compared maps).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheFileDelta {
    /// Keys only in current.
    pub added: Vec<String>,
    /// Keys in both whose hash, size or mtimeMs differs.
    pub changed: Vec<String>,
    /// Keys only in previous.
    pub deleted: Vec<String>,
    /// Keys in both with the same hash, size and mtimeMs.
    pub unchanged: Vec<String>,
}

impl CacheFileDelta {
    /// Whether any key was added, changed or deleted.
    pub fn has_changes(&self) -> bool {
        !(self.added.is_empty() && self.changed.is_empty() && self.deleted.is_empty())
    }
}

/// `diffProjectFiles(previous, current)`: added, changed and unchanged in current's insertion
/// order, then deleted in previous's.
pub fn diff_project_files(previous: &FileRecordMap, current: &FileRecordMap) -> CacheFileDelta {
    let mut delta = CacheFileDelta::default();
    for (key, next) in current.iter() {
        let bucket = match previous.get(key) {
            None => &mut delta.added,
            Some(prev) if prev.same_fingerprint(next) => &mut delta.unchanged,
            Some(_) => &mut delta.changed,
        };
        bucket.push(key.to_owned());
    }
    let current_keys: FxHashSet<&str> = current.keys().collect();
    delta.deleted = previous
        .keys()
        .filter(|key| !current_keys.contains(key))
        .map(str::to_owned)
        .collect();
    delta
}

/// `FilesIndexStatus = {kind:'ok'} | {kind:'missing'} | {kind:'malformed'} | {kind:'empty'}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FilesIndexStatus {
    /// `files.json` loaded and usable as a diff baseline.
    Ok,
    /// `files.json` does not exist.
    Missing,
    /// `files.json` is invalid or oversized.
    Malformed,
    /// `files.json` has no records.
    Empty,
}

impl FilesIndexStatus {
    /// Whether the index is usable as a diff baseline (`kind === 'ok'`).
    pub fn is_usable(self) -> bool {
        self == Self::Ok
    }

    /// The `kind` literal.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::Empty => "empty",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::records::tests::record;
    use crate::core::contract::records::FileRecord;

    fn map(entries: &[(&str, FileRecord)]) -> FileRecordMap {
        entries.iter().cloned().collect()
    }

    #[test]
    fn diff_classifies_and_keeps_order() {
        let mut touched = record("same", 1);
        touched.mtime_ms = 5.0;
        let mut restamped = record("u", 1);
        restamped.updated_at = "later".to_owned();
        let previous = map(&[
            ("gone2.ts", record("x", 1)),
            ("hash.ts", record("old", 1)),
            ("u.ts", record("u", 1)),
            ("size.ts", record("s", 1)),
            ("mtime.ts", record("same", 1)),
            ("gone1.ts", record("y", 1)),
        ]);
        let current = map(&[
            ("new2.ts", record("n", 1)),
            ("mtime.ts", touched),
            ("u.ts", restamped),
            ("hash.ts", record("new", 1)),
            ("new1.ts", record("n", 1)),
            ("size.ts", record("s", 2)),
        ]);
        let delta = diff_project_files(&previous, &current);
        assert_eq!(delta.added, ["new2.ts", "new1.ts"]);
        assert_eq!(delta.changed, ["mtime.ts", "hash.ts", "size.ts"]);
        assert_eq!(delta.deleted, ["gone2.ts", "gone1.ts"]);
        assert_eq!(delta.unchanged, ["u.ts"]);
        assert!(delta.has_changes());
        assert_eq!(
            serde_json::to_value(&delta).unwrap(),
            serde_json::json!({
                "added": ["new2.ts", "new1.ts"],
                "changed": ["mtime.ts", "hash.ts", "size.ts"],
                "deleted": ["gone2.ts", "gone1.ts"],
                "unchanged": ["u.ts"],
            })
        );
    }

    #[test]
    fn identical_maps_have_no_changes() {
        let files = map(&[("a.ts", record("a", 1))]);
        let delta = diff_project_files(&files, &files);
        assert!(!delta.has_changes());
        assert_eq!(delta.unchanged, ["a.ts"]);
        assert!(!diff_project_files(&FileRecordMap::new(), &FileRecordMap::new()).has_changes());
    }

    #[test]
    fn files_index_status_json_and_usability() {
        for (status, json) in [
            (FilesIndexStatus::Ok, r#"{"kind":"ok"}"#),
            (FilesIndexStatus::Missing, r#"{"kind":"missing"}"#),
            (FilesIndexStatus::Malformed, r#"{"kind":"malformed"}"#),
            (FilesIndexStatus::Empty, r#"{"kind":"empty"}"#),
        ] {
            assert_eq!(serde_json::to_string(&status).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<FilesIndexStatus>(json).unwrap(),
                status
            );
            assert_eq!(json, format!(r#"{{"kind":"{}"}}"#, status.kind()));
            assert_eq!(status.is_usable(), status == FilesIndexStatus::Ok);
        }
    }
}
