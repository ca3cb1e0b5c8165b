//! The per-process memory of successful dispatches: for each project (and tracked-file
//! configuration), the input files epoch and the data of the last success. A later dispatch
//! in the same process whose epoch is unchanged is a hit without re-reading `analysis.json`
//! (`<label> cache memory hit (same_run)`), whatever baseline the host passes, as long as the
//! cache files it relies on are still the ones it remembers (their stamps: a stat each), so a
//! `files.json` deleted or an `analysis.json` rewritten by someone else is seen.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::analysis_file::JsonData;
use super::io::Stamp;

/// One remembered success.
#[derive(Debug, Clone)]
pub struct MemoryRecord {
    /// The input files epoch the data belongs to.
    pub epoch: String,
    /// The data.
    pub data: JsonData,
    /// The cache files the record relies on, as they were when it was made.
    pub stamps: Vec<(PathBuf, Stamp)>,
}

impl MemoryRecord {
    /// Whether the record may serve a dispatch whose files have `epoch`: same epoch, and every
    /// file it relies on still has its stamp.
    pub fn serves(&self, epoch: &str, stamp: impl Fn(&Path) -> Stamp) -> bool {
        self.epoch == epoch && self.stamps.iter().all(|(p, s)| s.same(&stamp(p)))
    }
}

fn table() -> &'static Mutex<HashMap<String, MemoryRecord>> {
    static TABLE: OnceLock<Mutex<HashMap<String, MemoryRecord>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The record of `key`, if any.
pub fn recall(key: &str) -> Option<MemoryRecord> {
    table().lock().ok()?.get(key).cloned()
}

/// Remembers `record` for `key`.
pub fn remember(key: &str, record: MemoryRecord) {
    if let Ok(mut t) = table().lock() {
        t.insert(key.to_owned(), record);
    }
}

/// Forgets `key` (after an invalidation deleted its analysis, for example).
pub fn forget(key: &str) {
    if let Ok(mut t) = table().lock() {
        t.remove(key);
    }
}

/// Forgets every project whose key starts with `prefix` (a project dir).
pub fn forget_prefix(prefix: &str) {
    if let Ok(mut t) = table().lock() {
        t.retain(|k, _| !k.starts_with(prefix));
    }
}
