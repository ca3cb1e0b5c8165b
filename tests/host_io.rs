//! The store and the dispatch over a host's IO (`CacheIo`) instead of the disk: an in-memory file
//! system whose paths do not exist on this machine. The same steps and decisions as on the disk;
//! nothing is ever written to the real file system.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::cache_file::{self, CacheReadFailure};
use cachecore::core::contract::dispatch::{begin_with, commit_with, DispatchOutcome};
use cachecore::core::contract::dispatch_info::{
    CacheDispatchReason, CacheDispatchStatus, CacheWarning,
};
use cachecore::core::contract::io::{CacheIo, DirEntry, EntryKind, IoGuard, ScanJob, Scanned};
use cachecore::core::contract::port_scan;
use cachecore::core::contract::translations::heal_translation_files;
use cachecore::core::error::CoreResult;

/// A file system in memory; `hashes` counts the texts hashed.
#[derive(Default)]
struct MemIo {
    files: RefCell<BTreeMap<PathBuf, String>>,
    dirs: RefCell<BTreeSet<PathBuf>>,
    hashes: RefCell<u64>,
}

impl MemIo {
    fn put(&self, path: &str, text: &str) {
        let p = PathBuf::from(path);
        self.mkdirs(p.parent().unwrap());
        self.files.borrow_mut().insert(p, text.to_owned());
    }
    fn get(&self, path: &Path) -> Option<String> {
        self.files.borrow().get(path).cloned()
    }
    fn mkdirs(&self, dir: &Path) {
        for a in dir.ancestors() {
            self.dirs.borrow_mut().insert(a.to_path_buf());
        }
    }
}

impl CacheIo for MemIo {
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        Ok(if self.files.borrow().contains_key(path) {
            Some(EntryKind::File)
        } else if self.dirs.borrow().contains(path) {
            Some(EntryKind::Dir)
        } else {
            None
        })
    }
    fn read_cache(&self, path: &Path, cap: u64) -> Result<Option<Vec<u8>>, CacheReadFailure> {
        match self.get(path) {
            None => Ok(None),
            Some(t) if t.len() as u64 > cap => Err(CacheReadFailure {
                warning: cache_file::warning(cache_file::CACHE_OVERSIZE, "over the cap", path),
                corrupt: true,
            }),
            Some(t) => Ok(Some(t.into_bytes())),
        }
    }
    fn write_cache(&self, path: &Path, parts: &[&[u8]]) -> Option<CacheWarning> {
        self.put(
            path.to_str().unwrap(),
            &String::from_utf8(parts.concat()).unwrap(),
        );
        None
    }
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.files.borrow_mut().remove(path);
        Ok(())
    }
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.mkdirs(path);
        Ok(())
    }
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_owned();
        let mut out: Vec<DirEntry> = self
            .files
            .borrow()
            .keys()
            .filter(|p| p.parent() == Some(path))
            .map(|p| DirEntry {
                name: name(p),
                kind: EntryKind::File,
            })
            .collect();
        out.extend(
            self.dirs
                .borrow()
                .iter()
                .filter(|p| p.parent() == Some(path))
                .map(|p| DirEntry {
                    name: name(p),
                    kind: EntryKind::Dir,
                }),
        );
        Ok(out)
    }
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        self.files.borrow_mut().retain(|p, _| !p.starts_with(path));
        self.dirs.borrow_mut().retain(|p| !p.starts_with(path));
        Ok(())
    }
    fn lock(&self, _: &Path, _: Duration) -> io::Result<Option<IoGuard>> {
        Ok(Some(IoGuard::Unlocked))
    }
    fn read_text(&self, path: &Path) -> io::Result<String> {
        self.get(path)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
    fn hash_text(
        &self,
        algo: cachecore::core::contract::hashing::TextHash,
        text: &str,
    ) -> CoreResult<String> {
        *self.hashes.borrow_mut() += 1;
        Ok(algo.hash_text(text))
    }
    fn scan(&self, job: &ScanJob<'_>) -> CoreResult<Scanned> {
        port_scan::scan(self, job)
    }
}

const ROOT: &str = "/cachecore-host-io-test-does-not-exist";

fn dispatch(io: &MemIo, produced: &str) -> DispatchOutcome {
    let input = common::flat_file_input(
        Path::new(&format!("{ROOT}/p")),
        Path::new(&format!("{ROOT}/home")),
    );
    let begun = begin_with(io, input).unwrap();
    let plan = begun.decide(true);
    let data = plan
        .needs_producer()
        .then(|| JsonData::parse(produced).unwrap());
    commit_with(io, plan, data).unwrap()
}

#[test]
fn a_dispatch_over_a_hosts_io_never_touches_the_disk() {
    let io = MemIo::default();
    io.put(&format!("{ROOT}/p/src/a.ts"), "t('a')");
    io.put(&format!("{ROOT}/p/src/node_modules/x.ts"), "skipped");
    io.put(&format!("{ROOT}/p/locales/en.json"), "{}");
    io.put(&format!("{ROOT}/p/locales/fr.json"), "{}");

    let first = dispatch(&io, r#"{"n":1}"#);
    assert_eq!(first.cache.status, CacheDispatchStatus::Miss);
    let index_path = first.cache.paths.as_ref().unwrap().files.clone();
    let index = io.get(Path::new(&index_path)).unwrap();
    assert!(index.contains("\"a.ts\"") && !index.contains("node_modules"));
    assert!(io
        .get(Path::new(&format!("{ROOT}/home/cache/meta.json")))
        .is_some());

    let hit = dispatch(&io, r#"{"n":2}"#);
    assert_eq!(
        (hit.cache.status, hit.cache.reason),
        (CacheDispatchStatus::Hit, CacheDispatchReason::CacheHit)
    );
    assert!(
        !hit.memory_hit,
        "a host's IO has no stamps: never served from memory"
    );
    assert_eq!(hit.data.get(), r#"{"n":1}"#);

    io.put(&format!("{ROOT}/p/locales/fr.json"), r#"{"x":1}"#);
    let target = dispatch(&io, r#"{"n":3}"#);
    assert_eq!(target.cache.reason, CacheDispatchReason::FilesChanged);
    assert_eq!(target.data.get(), r#"{"n":1}"#, "target_locale_only reuses");

    io.put(&format!("{ROOT}/p/src/a.ts"), "t('b')");
    let edited = dispatch(&io, r#"{"n":4}"#);
    assert_eq!(edited.data.get(), r#"{"n":4}"#);
    assert!(*io.hashes.borrow() > 0, "hashed through the host's IO");
    assert!(!Path::new(ROOT).exists(), "the real disk was never touched");
}

#[test]
fn corrupt_translation_files_are_dropped_and_named_valid_ones_kept() {
    let io = MemIo::default();
    let dir = format!("{ROOT}/t/translations");
    io.put(&format!("{dir}/fr.json"), "{not json");
    io.put(&format!("{dir}/de.json"), "[]");
    io.put(
        &format!("{dir}/it.json"),
        r#"{"targetLang":"it","translateConfigEpoch":"a","inputFilesEpoch":"b","entries":{}}"#,
    );
    io.put(&format!("{dir}/notes.txt"), "kept");
    let read_only = heal_translation_files(&io, Path::new(&dir), 1 << 20, true);
    assert_eq!(read_only.len(), 2);
    assert_eq!(io.files.borrow().len(), 4, "read-only deletes nothing");
    let w = heal_translation_files(&io, Path::new(&dir), 1 << 20, false);
    let mut named: Vec<_> = w
        .iter()
        .map(|w| (w.code.as_str(), w.path.clone().unwrap()))
        .collect();
    named.sort();
    assert_eq!(
        named,
        [
            ("cache_malformed", format!("{dir}/de.json")),
            ("cache_malformed", format!("{dir}/fr.json"))
        ]
    );
    let left: Vec<_> = io.files.borrow().keys().cloned().collect();
    assert_eq!(
        left,
        [
            PathBuf::from(format!("{dir}/it.json")),
            PathBuf::from(format!("{dir}/notes.txt"))
        ]
    );
}
