//! File records of `files.json` and an insertion-ordered map of them (a JavaScript object's
//! key order is what the contract's diff order follows).

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::js_number::serialize_js_number;

/// One tracked file: `{ hash, size, mtimeMs, updatedAt }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    /// The content hash (hex).
    pub hash: String,
    /// The UTF-8 byte length of the content.
    pub size: u64,
    /// A JSON number; the i18nprune CLI always stores `0`.
    #[serde(serialize_with = "serialize_js_number")]
    pub mtime_ms: f64,
    /// An ISO timestamp; not part of any comparison.
    pub updated_at: String,
}

impl FileRecord {
    /// Whether `hash`, `size` and `mtimeMs` are all equal (what `diffProjectFiles` compares).
    pub fn same_fingerprint(&self, other: &FileRecord) -> bool {
        self.hash == other.hash && self.size == other.size && self.mtime_ms == other.mtime_ms
    }
}

/// `Record<string, FileRecord>` in insertion order, serialised as a JSON object.
///
/// Inserting an existing key replaces its record in place, as assigning a JavaScript object
/// property does. Equality compares the entries in order.
///
/// An `IndexMap` with the Fx hasher: one allocation per key (no separate index of cloned keys)
/// and a hash that costs a few instructions per path instead of SipHash's rounds; the keys are
/// the project's own paths, so hash flooding is not a concern. Both showed at the top of the
/// profile of a no-change dispatch on 20,000 files.
#[derive(Debug, Clone, Default)]
pub struct FileRecordMap {
    entries: IndexMap<String, FileRecord, FxBuildHasher>,
}

impl FileRecordMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `capacity` records.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: IndexMap::with_capacity_and_hasher(capacity, FxBuildHasher),
        }
    }

    /// Sets `key` to `record`; returns the record it replaced (the key keeps its position).
    pub fn insert(&mut self, key: impl Into<String>, record: FileRecord) -> Option<FileRecord> {
        self.entries.insert(key.into(), record)
    }

    /// The record of `key`.
    pub fn get(&self, key: &str) -> Option<&FileRecord> {
        self.entries.get(key)
    }

    /// Whether `key` has a record.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys and records, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FileRecord)> {
        self.entries
            .iter()
            .map(|(key, record)| (key.as_str(), record))
    }

    /// The same records in byte order of their keys (the order a walk lists them in).
    pub fn sorted_by_key(mut self) -> Self {
        self.entries.sort_unstable_keys();
        self
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.as_str())
    }
}

impl PartialEq for FileRecordMap {
    fn eq(&self, other: &Self) -> bool {
        // In order (`IndexMap`'s own equality ignores it).
        self.entries.len() == other.entries.len() && self.entries.iter().eq(other.entries.iter())
    }
}

impl<K: Into<String>> FromIterator<(K, FileRecord)> for FileRecordMap {
    fn from_iter<I: IntoIterator<Item = (K, FileRecord)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut map = Self::with_capacity(iter.size_hint().0);
        for (key, record) in iter {
            map.insert(key, record);
        }
        map
    }
}

impl Serialize for FileRecordMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, record) in &self.entries {
            map.serialize_entry(key, record)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for FileRecordMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;

        impl<'de> Visitor<'de> for MapVisitor {
            type Value = FileRecordMap;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of file records")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = FileRecordMap::with_capacity(access.size_hint().unwrap_or(0));
                while let Some((key, record)) = access.next_entry::<String, FileRecord>()? {
                    map.insert(key, record);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record with the given hash and size, `mtimeMs` 0.
    pub(crate) fn record(hash: &str, size: u64) -> FileRecord {
        FileRecord {
            hash: hash.to_owned(),
            size,
            mtime_ms: 0.0,
            updated_at: "2026-01-01T00:00:00.000Z".to_owned(),
        }
    }

    #[test]
    fn record_json_shape_is_the_cli_shape() {
        let json = serde_json::to_string(&record("abc", 3)).unwrap();
        assert_eq!(
            json,
            r#"{"hash":"abc","size":3,"mtimeMs":0,"updatedAt":"2026-01-01T00:00:00.000Z"}"#
        );
        let back: FileRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record("abc", 3));
    }

    #[test]
    fn fingerprint_ignores_updated_at() {
        let mut other = record("abc", 3);
        other.updated_at = "later".to_owned();
        assert!(record("abc", 3).same_fingerprint(&other));
        other.mtime_ms = 1.5;
        assert!(!record("abc", 3).same_fingerprint(&other));
        assert!(!record("abc", 3).same_fingerprint(&record("abc", 4)));
        assert!(!record("abc", 3).same_fingerprint(&record("abd", 3)));
    }

    #[test]
    fn map_keeps_insertion_order_through_json() {
        let json = r#"{"z.ts":{"hash":"1","size":1,"mtimeMs":0,"updatedAt":"t"},"a.ts":{"hash":"2","size":2,"mtimeMs":0,"updatedAt":"t"}}"#;
        let map: FileRecordMap = serde_json::from_str(json).unwrap();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["z.ts", "a.ts"]);
        assert_eq!(serde_json::to_string(&map).unwrap(), json);
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut map: FileRecordMap = [("a", record("1", 1)), ("b", record("2", 2))]
            .into_iter()
            .collect();
        assert_eq!(map.insert("a", record("3", 3)), Some(record("1", 1)));
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(map.get("a"), Some(&record("3", 3)));
        assert_eq!(map.len(), 2);
        assert!(map.contains_key("b") && !map.contains_key("c"));
    }
}
