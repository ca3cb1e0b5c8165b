//! Where the cache's IO goes: the disk ([`NativeIo`]), or a host's own ports (a virtual file
//! system and its own text hasher, implemented by the binding over JavaScript callbacks).
//!
//! The store and the dispatch are written once, against [`CacheIo`]: the policy, the steps and
//! the file formats never depend on where the bytes live. [`NativeIo`] keeps everything that
//! only the disk allows (the parallel walk with stat hints, locks, temp sweeping, positional
//! envelope-first reads of `analysis.json`, stamps for the same-process memory); a host's ports
//! get the plain form of each step ([`CacheIo::scan`]'s default walks through
//! [`CacheIo::list_dir`] and reads every tracked file with [`CacheIo::read_text`], as the
//! TypeScript core did).

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::analysis_file::{self, AnalysisEnvelope};
use super::cache_file::{self, CacheReadFailure};
use super::dispatch_info::CacheWarning;
use super::files_index::LoadedFilesIndex;
use super::files_shadow::{self, Beside, FilesShadow};
use super::hashing::TextHash;
use super::lock::{self, CacheLock};
use super::records::FileRecord;
use super::tracked::{self, TreeScanOutput};
use crate::core::error::CoreResult;
use crate::core::filter::{Filter, FilterSpec};
use crate::core::hints::Hint;
use crate::core::safe_dir::{self, SafeDir};
use crate::core::stat::{Snapshot, StatTuple};
use rustc_hash::FxHashMap;

/// What a directory entry is (links resolved by whoever lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else (a FIFO, a socket, a device, a link the lister does not resolve).
    Other,
}

/// One entry of a listed directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
}

/// What a same-process memory record relies on about one cache file: its stat identity, that
/// it was missing, or that the IO cannot tell (a host's ports: never equal, so never trusted).
#[derive(Debug, Clone, Copy)]
pub enum Stamp {
    /// The file's stat tuple (type, size, mtime and ctime in ns, inode).
    File(StatTuple),
    /// The file did not exist.
    Missing,
    /// Unknown: a memory record with such a stamp is never served.
    Unknown,
}

impl Stamp {
    /// Whether both stamps vouch for the same file content (`Unknown` never does).
    pub fn same(&self, other: &Stamp) -> bool {
        match (self, other) {
            (Stamp::File(a), Stamp::File(b)) => a == b,
            (Stamp::Missing, Stamp::Missing) => true,
            _ => false,
        }
    }
}

/// A held cache lock (a host's ports have none: their writes are the host's to order).
#[derive(Debug)]
pub enum IoGuard {
    /// An advisory lock on the disk.
    Native(CacheLock),
    /// No lock.
    Unlocked,
}

/// One tree to fingerprint in a [`ScanJob`].
pub struct ScanTree<'a> {
    /// The tree's root (a missing root is an empty tree).
    pub root: &'a Path,
    /// What to keep.
    pub filter: &'a Filter,
    /// The spec the filter was built from (a watcher compares it with its own).
    pub spec: &'a FilterSpec,
    /// Depth cap (0: top level only).
    pub max_depth: usize,
    /// The prefix of this tree's keys in the stat hints.
    pub hint_prefix: &'a str,
}

/// Steps 3 and 4 of a dispatch: load `files.json`, fingerprint the src and locale trees.
pub struct ScanJob<'a> {
    /// `files.json` (`None`: no stored index, every file is read).
    pub files_path: Option<&'a Path>,
    /// Its stat hints (native only).
    pub hints_path: &'a Path,
    /// The project directory (the clock sentinel lives there, native only).
    pub project_dir: &'a Path,
    /// Nothing may be written (no clock sentinel).
    pub read_only: bool,
    /// The cap of `files.json`.
    pub files_cap: u64,
    /// The text hash of records.
    pub hash: TextHash,
    /// The src tree (`None`: not fingerprinted).
    pub src: Option<ScanTree<'a>>,
    /// The locale tree (`None`: not fingerprinted).
    pub locales: Option<ScanTree<'a>>,
    /// Whether a live watcher of this process may answer instead of a walk (native only).
    pub use_watcher: bool,
    /// Whether the binary shadow of `files.json` may stand for it when the walks vouch for
    /// every stored record (native only; not with a baseline given by the host).
    pub shadow_may_stand: bool,
    /// The ISO time stamped on new records.
    pub now: &'a str,
    /// Cancellation and progress of the walks and the hashing (native only).
    pub ctl: &'a crate::core::control::Control,
}

/// What [`CacheIo::scan`] produced.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The loaded `files.json`.
    pub loaded: LoadedFilesIndex,
    /// The src records.
    pub src: TreeScanOutput,
    /// The locale segment records.
    pub locales: TreeScanOutput,
    /// Whether the records came from a live watcher's index.
    pub from_watcher: bool,
    /// Diagnostics of the scan itself (an unusable clock sentinel).
    pub warnings: Vec<CacheWarning>,
    /// The fast path (native only): the shadow stood for `files.json`, which was not parsed,
    /// and `loaded`, `src` and `locales` are empty.
    pub elided: Option<Elided>,
    /// A current shadow (of these `files.json` bytes) was found beside the stored index.
    pub shadow_current: bool,
}

/// What the fast path of a native scan found: a shadow of the stored index whose every record
/// the walks found again with its whole stat tuple vouched for by a trustworthy hint, so the
/// current records are the stored ones.
#[derive(Debug)]
pub struct Elided {
    /// The shadow.
    pub shadow: FilesShadow,
    /// The exact bytes of `files.json` it shadows (parsed later only if a decision needs the
    /// records).
    pub bytes: Vec<u8>,
    /// Every tracked key, src then locales, each in the walk's order.
    pub unchanged: Vec<String>,
    /// The walks' warnings.
    pub walk_warnings: Vec<CacheWarning>,
}

/// The IO of the cache store and the dispatch. Paths are the host's strings (a virtual file
/// system's paths need not exist on this machine).
pub trait CacheIo {
    /// `dir` joined with one entry name (the host's `path.join` for ports).
    fn join(&self, dir: &Path, name: &str) -> PathBuf {
        dir.join(name)
    }

    /// The directory holding `path` (the host's `path.dirname` for ports).
    fn parent(&self, path: &Path) -> PathBuf {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    }

    /// What is at `path` (`None`: nothing). The disk's answer does not follow a final link.
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>>;

    /// What is at `path`, a final link followed (a tree's root may be a link).
    fn kind_followed(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        self.kind(path)
    }

    /// A cache file's bytes: `Ok(None)` when missing, a failure for a non-file, an oversize
    /// file or a read error (see [`cache_file::read_cache_file`]).
    fn read_cache(&self, path: &Path, cap: u64) -> Result<Option<Vec<u8>>, CacheReadFailure>;

    /// Publishes the concatenation of `parts` at `path` (atomically on the disk); a failure is
    /// a `cache_io_error` warning.
    fn write_cache(&self, path: &Path, parts: &[&[u8]]) -> Option<CacheWarning>;

    /// [`Self::write_cache`], refused with a `cache_oversize` warning when the file would be
    /// over `cap`, the cap its readers use (see [`cache_file::oversize_write`]).
    fn write_cache_capped(
        &self,
        path: &Path,
        parts: &[&[u8]],
        cap: u64,
        cap_name: &str,
    ) -> Option<CacheWarning> {
        cache_file::oversize_write(path, parts, cap, cap_name)
            .or_else(|| self.write_cache(path, parts))
    }

    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()>;

    /// Creates a directory and its parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;

    /// The entries of a directory.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;

    /// Removes a directory tree (a host without a way to do it keeps it: `Ok`).
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;

    /// Takes the lock at `lock_path`, waiting at most `timeout` (`Ok(None)`: busy).
    fn lock(&self, lock_path: &Path, timeout: Duration) -> io::Result<Option<IoGuard>>;

    /// Whether stat hints are kept beside `files.json` (the disk only: ports have no stat tuple).
    fn keeps_hints(&self) -> bool {
        false
    }

    /// Removes what crashed writers left in `dir` (the disk only).
    fn sweep_temps(&self, _dir: &Path) {}

    /// What a same-process memory record may rely on about `path`.
    fn stamp(&self, _path: &Path) -> Stamp {
        Stamp::Unknown
    }

    /// A tracked file's text (a port scan reads every tracked file).
    fn read_text(&self, path: &Path) -> io::Result<String>;

    /// The hash of a text: `algo` natively, or the host's own hasher. An error aborts the
    /// operation (a record is never written with a hash nobody computed).
    fn hash_text(&self, algo: TextHash, text: &str) -> CoreResult<String> {
        Ok(algo.hash_text(text))
    }

    /// The size recorded for a text (its UTF-8 length, or the host's own `byteLength`).
    fn text_len(&self, text: &str) -> CoreResult<u64> {
        Ok(text.len() as u64)
    }

    /// The canonical path of a directory, when the IO can tell (a port walk's cycle guard).
    fn realpath(&self, _path: &Path) -> Option<PathBuf> {
        None
    }

    /// Loads `analysis.json`'s envelope (see [`analysis_file::load_analysis`]).
    fn load_analysis(
        &self,
        path: &Path,
        cap: u64,
        project_id: &str,
    ) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
        match self.read_cache(path, cap)? {
            None => Ok(None),
            Some(bytes) => analysis_file::parse_analysis(&bytes, path, project_id).map(Some),
        }
    }

    /// Steps 3 and 4 of a dispatch. A host's ports use [`super::port_scan::scan`]: it walks
    /// through [`Self::list_dir`] and reads and hashes every tracked file.
    fn scan(&self, job: &ScanJob<'_>) -> CoreResult<Scanned>;
}

/// The disk under one cache root, with every guard cachecore keeps there: every cache path is
/// reached from the root one directory at a time without following links
/// ([`crate::core::safe_dir`]), reads never follow a link or block on a FIFO, writes are atomic,
/// writers lock, temp files of crashed writers are swept. A cache path outside the root is
/// refused (an IO error, so a warning).
#[derive(Debug, Clone)]
pub struct NativeIo {
    root: PathBuf,
}

impl NativeIo {
    /// The disk under the cache root `root` (as the cache location derived it).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, dir: &Path, create: bool) -> io::Result<SafeDir> {
        safe_dir::open_dir(&self.root, dir, create)
    }
}

fn kind_of(ft: std::fs::FileType) -> EntryKind {
    if ft.is_file() {
        EntryKind::File
    } else if ft.is_dir() {
        EntryKind::Dir
    } else {
        EntryKind::Other
    }
}

fn kind_of_safe(kind: safe_dir::EntryKind) -> EntryKind {
    match kind {
        safe_dir::EntryKind::File => EntryKind::File,
        safe_dir::EntryKind::Dir => EntryKind::Dir,
        _ => EntryKind::Other,
    }
}

impl CacheIo for NativeIo {
    fn kind(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        if path.starts_with(&self.root) {
            // A cache path: asked of its directory reached without links.
            let (dir, leaf) = match safe_dir::open_parent(&self.root, path, false) {
                Ok(p) => p,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            return dir.kind(leaf).map(|k| k.map(kind_of_safe));
        }
        match std::fs::symlink_metadata(path) {
            Ok(md) => Ok(Some(kind_of(md.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn kind_followed(&self, path: &Path) -> io::Result<Option<EntryKind>> {
        match std::fs::metadata(path) {
            Ok(md) => Ok(Some(kind_of(md.file_type()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn read_cache(&self, path: &Path, cap: u64) -> Result<Option<Vec<u8>>, CacheReadFailure> {
        cache_file::read_cache_file(&self.root, path, cap)
    }

    fn write_cache(&self, path: &Path, parts: &[&[u8]]) -> Option<CacheWarning> {
        cache_file::write_cache_parts(&self.root, path, parts)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let (dir, leaf) = safe_dir::open_parent(&self.root, path, false)?;
        dir.remove_file(leaf)
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.dir(path, true).map(drop)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        Ok(self
            .dir(path, false)?
            .entries()?
            .into_iter()
            .map(|(name, kind)| DirEntry {
                name,
                kind: kind_of_safe(kind),
            })
            .collect())
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        // Only a project dir of cachecore's is ever removed whole, by identification.
        if path.parent() != Some(self.root.join("projects").as_path()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a project dir of the cache", path.display()),
            ));
        }
        let (projects, name) = safe_dir::open_parent(&self.root, path, false)?;
        let name = name.to_str().unwrap_or_default();
        super::cache_tree::remove_project_dir(&projects, name).map(drop)
    }

    fn lock(&self, lock_path: &Path, timeout: Duration) -> io::Result<Option<IoGuard>> {
        lock::acquire(&self.root, lock_path, timeout).map(|g| g.map(IoGuard::Native))
    }

    fn keeps_hints(&self) -> bool {
        true
    }

    fn sweep_temps(&self, dir: &Path) {
        if let Ok(d) = self.dir(dir, false) {
            d.sweep_temps(Duration::from_secs(60));
        }
    }

    fn stamp(&self, path: &Path) -> Stamp {
        match std::fs::symlink_metadata(path) {
            Ok(md) => Stamp::File(StatTuple::from_metadata(&md)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Stamp::Missing,
            Err(_) => Stamp::Unknown,
        }
    }

    fn read_text(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn load_analysis(
        &self,
        path: &Path,
        cap: u64,
        project_id: &str,
    ) -> Result<Option<AnalysisEnvelope>, CacheReadFailure> {
        analysis_file::load_analysis(&self.root, path, cap, project_id)
    }

    fn scan(&self, job: &ScanJob<'_>) -> CoreResult<Scanned> {
        native_scan(&self.root, job)
    }
}

/// The unparsed `files.json` bytes and the plain shadow that may stand for them.
type KeptShadow = Box<(Vec<u8>, FilesShadow)>;

/// The native steps 3 and 4: the walks of both trees (readdir and stat only) run on the pool
/// while `files.json` and its stat hints are parsed, unless a settled watcher of this process
/// may answer instead; the stored records then join the walk (a hash is reused only when its
/// whole stat tuple is vouched for by a hint, otherwise the file is read).
fn native_scan(root: &Path, job: &ScanJob<'_>) -> CoreResult<Scanned> {
    use super::files_index;
    use super::records::FileRecordMap;
    use super::tracked::TreeScan;
    use super::watched;
    // The file system's clock, through the sentinel in the project dir reached from the root
    // without following links (the wall clock when read-only or when it cannot be reached).
    let mut warnings = Vec::new();
    let project_dir = if job.read_only {
        None
    } else {
        safe_dir::open_dir(root, job.project_dir, false).ok()
    };
    let snapshot = match &project_dir {
        None => Snapshot::wall(),
        Some(dir) => {
            let (snapshot, problem) = Snapshot::take_in(dir);
            if let Some(message) = problem {
                warnings.push(cache_file::warning(
                    cache_file::CACHE_IO_ERROR,
                    message,
                    &job.project_dir.join(crate::core::stat::CLOCK_SENTINEL),
                ));
            }
            snapshot
        }
    };
    drop(project_dir);
    // files.json is read whole (its bytes identify the shadow's generation) but parsed only
    // when its binary shadow cannot stand for it: `Err` holds the bytes and a plain shadow.
    let load = || -> Result<(LoadedFilesIndex, Beside), KeptShadow> {
        let Some(files_path) = job.files_path else {
            return Ok((LoadedFilesIndex::default(), Beside::Nothing));
        };
        let bytes = match cache_file::read_cache_file(root, files_path, job.files_cap) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok((LoadedFilesIndex::default(), Beside::Nothing)),
            Err(f) => {
                let mut loaded = LoadedFilesIndex {
                    corrupt: f.corrupt,
                    ..LoadedFilesIndex::default()
                };
                loaded.warnings.push(f.warning);
                return Ok((loaded, Beside::Nothing));
            }
        };
        match files_shadow::load(root, job.hints_path, job.hash, &bytes) {
            Beside::Shadow(shadow) if shadow.plain() && job.shadow_may_stand => {
                Err(Box::new((bytes, shadow)))
            }
            beside => Ok((files_index::parse_loaded(bytes, files_path), beside)),
        }
    };
    let walk = |tree: &Option<ScanTree<'_>>| match tree {
        Some(t) => tracked::walk_tree(t.root, t.filter, t.max_depth, job.ctl),
        None => Ok(None),
    };
    let walks = || -> CoreResult<_> { Ok((walk(&job.src)?, walk(&job.locales)?)) };
    let watcher_may_answer = job.use_watcher && crate::core::watch::registry::live_watchers() > 0;
    let (stored_load, walked) = if watcher_may_answer {
        (load(), None)
    } else {
        let (loaded, walked) = rayon::join(load, walks);
        (loaded, Some(walked?))
    };
    let (loaded, beside) = match stored_load {
        Ok(pair) => pair,
        Err(kept) => {
            let (bytes, shadow) = *kept;
            // The fast path, when the walks vouch for every stored record.
            if let Some((src_walk, locale_walk)) = &walked {
                if tracked::all_vouched(&shadow, files_shadow::Tree::Src, src_walk.as_ref())
                    && tracked::all_vouched(
                        &shadow,
                        files_shadow::Tree::Locales,
                        locale_walk.as_ref(),
                    )
                {
                    let (src_walk, locale_walk) = walked.expect("matched above");
                    let mut unchanged = Vec::with_capacity(
                        shadow.len(files_shadow::Tree::Src)
                            + shadow.len(files_shadow::Tree::Locales),
                    );
                    let mut walk_warnings = Vec::new();
                    for (tree, walk) in [(&job.src, src_walk), (&job.locales, locale_walk)] {
                        if let (Some(t), Some(w)) = (tree, walk) {
                            walk_warnings.extend(tracked::walk_warnings(
                                t.root,
                                t.max_depth,
                                w.warnings,
                            ));
                            unchanged.extend(w.entries.into_iter().map(|e| e.rel));
                        }
                    }
                    return Ok(Scanned {
                        warnings,
                        elided: Some(Elided {
                            shadow,
                            bytes,
                            unchanged,
                            walk_warnings,
                        }),
                        shadow_current: true,
                        ..Scanned::default()
                    });
                }
            }
            let path = job.files_path.expect("a shadow was read beside it");
            (
                files_index::parse_loaded(bytes, path),
                Beside::Shadow(shadow),
            )
        }
    };
    let shadow_current = matches!(beside, Beside::Shadow(_));
    let hints_by_key: FxHashMap<String, Hint> = beside.hints();
    let stored = loaded.index.as_ref();
    let src_stored = stored.map(|s| &s.files);
    let locale_stored = stored.and_then(|s| s.locale_segments.as_ref());
    // A settled watcher of this process that covers both trees answers without a walk.
    let watched = match (&job.src, &job.locales, watcher_may_answer) {
        (Some(src), Some(locales), true) => watched::scan_from_watcher(
            &watched::WatchedTree {
                root: src.root,
                filter: src.filter,
                spec: src.spec,
                max_depth: src.max_depth,
                hint_prefix: src.hint_prefix,
                stored: src_stored,
            },
            &watched::WatchedTree {
                root: locales.root,
                filter: locales.filter,
                spec: locales.spec,
                max_depth: locales.max_depth,
                hint_prefix: locales.hint_prefix,
                stored: locale_stored,
            },
            job.hash,
            &snapshot,
            job.now,
        ),
        _ => None,
    };
    let from_watcher = watched.is_some();
    let (src, locales) = match watched {
        Some(pair) => pair,
        None => {
            let evaluate = |tree: &Option<ScanTree<'_>>,
                            stored: Option<&FileRecordMap>,
                            walked: Option<Option<crate::core::walk::WalkOutput>>|
             -> CoreResult<TreeScanOutput> {
                let Some(t) = tree else {
                    return Ok(TreeScanOutput::default());
                };
                let scan = TreeScan {
                    root: t.root,
                    filter: t.filter,
                    max_depth: t.max_depth,
                    hint_prefix: t.hint_prefix,
                    stored,
                    ctl: job.ctl,
                };
                let walked = match walked {
                    Some(w) => w,
                    None => tracked::walk_tree(t.root, t.filter, t.max_depth, job.ctl)?,
                };
                tracked::evaluate_tree(&scan, walked, &hints_by_key, job.hash, &snapshot, job.now)
            };
            let (src_walk, locale_walk) = match walked {
                Some((s, l)) => (Some(s), Some(l)),
                None => (None, None),
            };
            (
                evaluate(&job.src, src_stored, src_walk)?,
                evaluate(&job.locales, locale_stored, locale_walk)?,
            )
        }
    };
    Ok(Scanned {
        loaded,
        src,
        locales,
        from_watcher,
        warnings,
        elided: None,
        shadow_current,
    })
}

/// The record of a file just read: `mtimeMs: 0`, stamped `now`, but keeping the stored
/// `updatedAt` when the content did not change (both scans).
pub fn fresh_record(stored: Option<&FileRecord>, hash: String, size: u64, now: &str) -> FileRecord {
    let updated_at = match stored {
        Some(s) if s.hash == hash && s.size == size => s.updated_at.clone(),
        _ => now.to_owned(),
    };
    FileRecord {
        hash,
        size,
        mtime_ms: 0.0,
        updated_at,
    }
}
