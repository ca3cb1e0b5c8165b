//! `fingerprint` / `fingerprintSync`: the engine for any host (argument conversion only).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};

use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{AsyncTask, Either, Either3, Function, Object, Unknown};
use napi::{Env, ScopedTask, ValueType};
use napi_derive::napi;

use super::async_control::AsyncControl;
use super::errors::{
    arg, check_field_keys, coded_type_error, failpoint, guarded, strict_arg, to_js,
};
use super::handoff::{define_lazy_json, into_js_json};
use super::option_keys::{EXCLUDE_RULES, FINGERPRINT_OPTIONS, INCLUDE_RULES};
use crate::core::control::{Control, Progress, ProgressFn};
use crate::core::delta::{Change, Reason};
use crate::core::digest::Digest;
use crate::core::error::{CoreError, Warning};
use crate::core::filter::FilterSpec;
use crate::core::filter::JsPattern;
use crate::core::fingerprint::{self as fp, FingerprintOutcome, Previous, Strategy};
use crate::core::hash::HashAlgo;
use crate::core::index_table::FileTable;
use crate::core::manifest::{Manifest, ManifestRecord};

/// A content hash algorithm. `sha256` hashes the file's UTF-8 text exactly as the TypeScript
/// core does (compatible caches); `blake3` hashes raw bytes (fastest); `fnv1a64` is the
/// contract's 64-bit FNV-1a over UTF-16 code units.
#[napi(string_enum)]
#[derive(serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    /// SHA-256 of the UTF-8 text.
    #[napi(value = "sha256")]
    Sha256,
    /// BLAKE3 of the raw bytes.
    #[napi(value = "blake3")]
    Blake3,
    /// FNV-1a 64 over UTF-16 code units.
    #[napi(value = "fnv1a64")]
    Fnv1a64,
}

impl From<HashAlgorithm> for HashAlgo {
    fn from(a: HashAlgorithm) -> Self {
        match a {
            HashAlgorithm::Sha256 => HashAlgo::Sha256,
            HashAlgorithm::Blake3 => HashAlgo::Blake3,
            HashAlgorithm::Fnv1a64 => HashAlgo::Fnv1a64,
        }
    }
}

impl From<HashAlgo> for HashAlgorithm {
    fn from(a: HashAlgo) -> Self {
        match a {
            HashAlgo::Sha256 => HashAlgorithm::Sha256,
            HashAlgo::Blake3 => HashAlgorithm::Blake3,
            HashAlgo::Fnv1a64 => HashAlgorithm::Fnv1a64,
        }
    }
}

/// What a result lists: `all` (default) every record and every unchanged path; `changes` only
/// the records of added and changed files and no `unchanged` list (`counts` still counts
/// everything). With `all`, `records` and `delta.unchanged` are built from the engine's
/// compact table the first time they are read (then they are plain arrays), so a host that
/// reads only what changed pays for neither; `changes` also frees that table at once.
#[napi(string_enum)]
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum FingerprintReport {
    /// Every record and every unchanged path.
    #[default]
    #[napi(value = "all")]
    All,
    /// Only what changed.
    #[napi(value = "changes")]
    Changes,
}

/// How far stat data is trusted: `content` (default) skips files whose whole stat tuple is
/// unchanged and not racy; `metadata` trusts type, size and mtime alone (risk: a same-size
/// rewrite with a restored mtime goes unseen); `hash-always` reads every file.
#[napi(string_enum)]
pub enum FingerprintStrategy {
    /// Stat hints skip unchanged files.
    #[napi(value = "content")]
    Content,
    /// Trust type, size and mtime.
    #[napi(value = "metadata")]
    Metadata,
    /// Hash every file.
    #[napi(value = "hash-always")]
    HashAlways,
}

/// A JavaScript `RegExp` as the engine reads it: its `source` and `flags` (a `RegExp` object
/// is accepted as it is). It runs with JavaScript semantics.
#[napi(object)]
pub struct JsRegExp {
    /// `re.source`.
    pub source: String,
    /// `re.flags` (`d`, `i`, `m`, `s`, `u`, `v`; `g` and `y` are refused: their `test()` is
    /// stateful).
    pub flags: String,
}

/// A pattern option: a string in Rust `regex` syntax, or a JavaScript `RegExp`.
type PatternOption = Either<String, JsRegExp>;

/// Which files are recorded: a file must match every rule that is set.
#[napi(object)]
pub struct IncludeRules {
    /// A regular expression on the root-relative POSIX path: a string in Rust `regex` syntax
    /// (e.g. `"(?i)\\.(tsx?|jsx?)$"`, `(?i)` for case-insensitive), or a JavaScript `RegExp`,
    /// matched exactly as `RegExp.prototype.test` matches (e.g. `/\\.(tsx?|jsx?)$/i`).
    #[napi(ts_type = "string | RegExp")]
    pub pattern: Option<PatternOption>,
    /// Globs on the root-relative path (`*` does not cross `/`, `**` does).
    pub globs: Option<Vec<String>>,
}

/// What is never walked or recorded.
#[napi(object)]
pub struct ExcludeRules {
    /// Directory names never entered (`node_modules`).
    pub dirs: Option<Vec<String>>,
    /// File base names never recorded.
    pub files: Option<Vec<String>>,
    /// Dotted suffixes never recorded (`d.ts` drops `a.d.ts`; every dotted suffix is tried).
    pub suffixes: Option<Vec<String>>,
    /// Regular expressions on the relative path of files and directories: strings in Rust
    /// `regex` syntax, or JavaScript `RegExp`s (JavaScript semantics).
    #[napi(ts_type = "Array<string | RegExp>")]
    pub patterns: Option<Vec<PatternOption>>,
    /// Globs on the relative path of files and directories.
    pub globs: Option<Vec<String>>,
}

/// One file's record in a manifest.
#[napi(object)]
#[derive(Clone)]
pub struct ManifestEntry {
    /// Lowercase hex digest.
    pub hash: String,
    /// Size by the algorithm's rule (UTF-8 text length for `sha256` and `fnv1a64`).
    pub size: i64,
    /// Modification time in whole milliseconds.
    pub mtime_ms: i64,
}

/// A generic manifest, as stored in the manifest file (`fingerprints.json`).
#[napi(object)]
pub struct FingerprintManifest {
    /// Format version (1).
    pub version: u32,
    /// The algorithm of every hash.
    pub algorithm: HashAlgorithm,
    /// Records keyed by root-relative POSIX path.
    pub files: HashMap<String, ManifestEntry>,
}

/// A recorded file.
#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    /// Root-relative POSIX path.
    pub path: String,
    /// Lowercase hex digest.
    pub hash: String,
    /// Size by the algorithm's rule.
    pub size: i64,
    /// Modification time in whole milliseconds.
    pub mtime_ms: i64,
}

/// The part of a run a progress report is about: `walk` (listing directories and reading stat
/// data), `hash` (reading and hashing contents), `done` (the last report).
#[napi(string_enum = "lowercase")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FingerprintPhase {
    Walk,
    Hash,
    Done,
}
mirror_enum!(
    FingerprintPhase,
    crate::core::control::Phase,
    [Walk, Hash, Done]
);

/// Progress of a run, reported at most every 50 ms and once at the end.
#[napi(object)]
pub struct FingerprintProgress {
    /// `walk`, `hash` or `done`.
    pub phase: FingerprintPhase,
    /// Files found so far.
    pub files_seen: i64,
    /// Files whose content must be read (known after the walk).
    pub files_to_hash: i64,
    /// Files read so far.
    pub files_hashed: i64,
    /// Bytes read so far.
    pub bytes_hashed: i64,
}

impl From<Progress> for FingerprintProgress {
    fn from(p: Progress) -> Self {
        FingerprintProgress {
            phase: p.phase.into(),
            files_seen: p.files_seen as i64,
            files_to_hash: p.files_to_hash as i64,
            files_hashed: p.files_hashed as i64,
            bytes_hashed: p.bytes_hashed as i64,
        }
    }
}

/// The rules of a dispatch's src walk: the host's `exclude` (its `ScanExcludeConfig`) and src
/// file pattern, as in [`CachedProjectInput`](super::contract_dispatch::CachedProjectInput).
#[napi(object)]
pub struct SrcRules<'a> {
    /// The host's src excludes, as the dispatch input's `exclude`.
    #[napi(ts_type = "CachedProjectInput['exclude']")]
    pub exclude: Option<Unknown<'a>>,
    /// The host's src file pattern, as the dispatch input's `srcPattern`.
    #[napi(ts_type = "string | RegExp")]
    pub src_pattern: Option<Unknown<'a>>,
}

/// The keys of [`SrcRules`].
pub(crate) const SRC_RULES: &[&str] = &["exclude", "srcPattern"];

/// Options of `fingerprint` and `fingerprintSync`.
#[napi(object, object_to_js = false)]
pub struct FingerprintOptions<'a> {
    /// The directory to fingerprint.
    pub root: String,
    /// Which files are recorded (default: every regular file and symlink).
    pub include: Option<IncludeRules>,
    /// What is never walked or recorded.
    pub exclude: Option<ExcludeRules>,
    /// Directories nested deeper than this are not entered (default 48; an integer of at least
    /// 1).
    pub max_depth: Option<f64>,
    /// Follow symlinks that stay inside the root (default false: links are recorded as links).
    pub follow_symlinks: Option<bool>,
    /// Apply git's ignore rules (default true), as ripgrep and fd do: `.ignore` files always,
    /// and inside a git work tree `.gitignore` files (the root's, below it and above it up to
    /// the repository root), `.git/info/exclude` and the global excludes file
    /// (`core.excludesFile`, else `~/.config/git/ignore`); `.git` is never walked. The git
    /// index is not read: a committed file that matches a rule is left out too. `false`: every
    /// file the include and exclude rules keep.
    pub gitignore: Option<bool>,
    /// The src walk of a dispatch with this `exclude` and `srcPattern`, rule for rule (with
    /// JavaScript `RegExp` semantics), in place of `include` and `exclude` (giving both is
    /// `INVALID_OPTION`). `srcWalkOptions()` returns it with the walk's other options.
    pub src_rules: Option<SrcRules<'a>>,
    /// Hash algorithm (default `sha256`).
    pub hash: Option<HashAlgorithm>,
    /// Stat trust strategy (default `content`).
    pub strategy: Option<FingerprintStrategy>,
    /// The previous index: a manifest file's path (its stat hints are read from
    /// `<path>.hints`), a manifest object, or the `records` of an earlier result.
    pub previous: Option<Either3<String, FingerprintManifest, Vec<FileRecord>>>,
    /// Where to publish the new manifest (atomically; stat hints go to `<path>.hints`).
    pub write_to: Option<String>,
    /// What the result lists (default `all`).
    pub report: Option<FingerprintReport>,
    /// Called with progress. Async: on the JS thread, as the work goes on. Sync: on the
    /// calling thread, between steps of the work.
    pub on_progress: Option<Function<'a, FingerprintProgress, ()>>,
    /// Aborts the async form: it rejects with an `AbortError` (`name: 'AbortError'`, `cause`:
    /// the signal's `reason`, `code: 'ABORTED'`). Ignored by the sync form.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'a>>,
}

/// Which way a file went: `added`, `changed`, `deleted`, or `unknown` (it, or a directory
/// above it, could not be read: neither unchanged nor deleted).
#[napi(string_enum = "lowercase")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileChangeKind {
    Added,
    Changed,
    Deleted,
    Unknown,
}

impl FileChangeKind {
    /// The kind of a change the delta lists with a reason (never `Unchanged`: an unchanged file
    /// has no reason).
    fn of(c: Change) -> Self {
        match c {
            Change::Added => FileChangeKind::Added,
            Change::Changed => FileChangeKind::Changed,
            Change::Deleted => FileChangeKind::Deleted,
            Change::Unknown => FileChangeKind::Unknown,
            Change::Unchanged => unreachable!("the delta gives no reason for an unchanged file"),
        }
    }
}

/// Why a file is counted added, changed, deleted or unknown: `added` (new), `removed` (gone),
/// `content_changed` (same size, other content), `size_changed`, `type_changed` (a file became a
/// link or the reverse), `racy` (equal stat data but racy, and re-hashing found new content),
/// `unstable` (it moved while it was read) or `unreadable`.
#[napi(string_enum = "snake_case")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChangeReason {
    Added,
    Removed,
    ContentChanged,
    SizeChanged,
    TypeChanged,
    Racy,
    Unstable,
    Unreadable,
}
mirror_enum!(
    FileChangeReason,
    Reason,
    [
        Added,
        Removed,
        ContentChanged,
        SizeChanged,
        TypeChanged,
        Racy,
        Unstable,
        Unreadable
    ]
);

/// One file that is not plainly unchanged, and why.
#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    /// Root-relative POSIX path.
    pub path: String,
    /// `added`, `changed`, `deleted` or `unknown`.
    pub change: FileChangeKind,
    /// `added`, `removed`, `content_changed`, `size_changed`, `type_changed`, `racy`,
    /// `unstable` or `unreadable`.
    pub reason: FileChangeReason,
}

/// What changed against the previous index; every list sorted by path.
#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FingerprintDelta {
    /// New files.
    pub added: Vec<String>,
    /// Changed files.
    pub changed: Vec<String>,
    /// Removed files.
    pub deleted: Vec<String>,
    /// Files with the same content (with `report: 'all'`, built on first read).
    pub unchanged: Vec<String>,
    /// Files that could not be read, including previously known files under an unreadable
    /// directory: never counted unchanged.
    pub unknown: Vec<String>,
    /// Why each added, changed, deleted or unknown file is so.
    pub reasons: Vec<FileChange>,
}

/// Counters of a run.
#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FingerprintCounts {
    /// Files recorded.
    pub files: i64,
    /// Directories listed.
    pub dirs: i64,
    /// Files whose content was read.
    pub hashed: i64,
    /// Files whose previous hash was reused without reading them.
    pub reused: i64,
    /// Bytes read for hashing.
    pub bytes_hashed: i64,
    /// Files re-read only because their stat hint was racy.
    pub racy: i64,
    /// Files that moved while being read.
    pub unstable: i64,
    /// Files and directories that could not be read.
    pub unreadable: i64,
    /// FIFOs, sockets and devices skipped.
    pub special: i64,
    /// Files and directories the ignore rules left out (`gitignore`; a directory counts once,
    /// nothing under it is listed).
    pub ignored: i64,
}

/// Wall time of each phase in milliseconds.
#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FingerprintTimings {
    /// Loading the previous index (while the tree is walked).
    pub load_ms: f64,
    /// From the start of the call to the end of the walk (walking and stat'ing, with the
    /// loading of the previous index beside it).
    pub walk_ms: f64,
    /// Hashing.
    pub hash_ms: f64,
    /// Publishing the new index.
    pub write_ms: f64,
    /// The whole run.
    pub total_ms: f64,
}

/// Every code a `CacheWarning` can carry: the engine's (`fingerprint`, `watch`), the watcher's,
/// and those of the host contract's cache files. A warning is a diagnostic, never a failure of
/// the call; a host's exhaustive `switch` over this set type-checks.
#[napi(string_enum = "snake_case")]
pub enum CacheWarningCode {
    /// No manifest at `previous`: every file is new.
    PreviousMissing,
    /// The `previous` manifest is not a valid manifest: every file is new.
    PreviousMalformed,
    /// The `previous` manifest is over its size cap (not read): every file is new.
    PreviousOversize,
    /// The `previous` manifest was written by a newer cachecore: every file is new.
    PreviousNewerVersion,
    /// The `previous` manifest could not be read: every file is new.
    PreviousUnreadable,
    /// The `previous` manifest uses another hash algorithm: every file is new.
    PreviousAlgorithmMismatch,
    /// The stat hints belong to another generation of the manifest: every file is read.
    HintsStale,
    /// The stat hints file is corrupt: every file is read.
    HintsMalformed,
    /// A directory could not be read: the files under it are `unknown`.
    UnreadableDir,
    /// A file could not be read: it is `unknown`.
    UnreadableFile,
    /// A file moved while it was read: counted changed, re-read next run.
    UnstableFile,
    /// A file's mtime is in the future (clock skew): it is re-hashed until it is not.
    FutureMtime,
    /// A name that is not valid UTF-8: reported with its lossy form, not tracked.
    #[napi(value = "non_utf8_name")]
    NonUtf8Name,
    /// A FIFO, socket or device: skipped, never opened.
    SpecialFile,
    /// A directory nested deeper than `maxDepth`: not entered.
    DepthLimit,
    /// A path longer than the platform's limit: not read, `unknown`.
    PathTooLong,
    /// A symlink loop, reported once per directory.
    SymlinkLoop,
    /// A followed symlink whose target is outside the root: not followed.
    SymlinkOutsideRoot,
    /// A symlink whose target does not exist: recorded as a link.
    BrokenSymlink,
    /// `writeTo` could not be written: this run's results are not saved.
    WriteFailed,
    /// `writeTo` holds a manifest written by a newer cachecore: left as it is, results not saved.
    WriteSkippedNewer,
    /// `.cachecore-clock` beside `writeTo` is a link, a FIFO, a directory or a file cachecore did
    /// not make: left untouched; the racy window uses the wall clock.
    ClockUnusable,
    /// Two tracked paths differ only in letter case (one file on macOS and Windows).
    PortabilityCaseCollision,
    /// Two tracked paths differ only in Unicode normalization (NFC/NFD).
    PortabilityNormalizationCollision,
    /// An ignore file (`.gitignore`, `.ignore`, `info/exclude`, the global excludes file) could
    /// not be read, or a line of it is not a valid pattern: its valid lines still apply.
    IgnoreFileInvalid,
    /// Watch: the inotify watch limit is reached; the watcher polls.
    WatchLimit,
    /// Watch: the native watcher could not start or failed; the watcher polls.
    NativeWatcherUnavailable,
    /// Watch: the native watcher reported an error; a full rescan follows.
    WatcherError,
    /// Watch: a scan failed (the root became unusable); the index is kept.
    ScanFailed,
    /// A cache file is not valid JSON or not a valid envelope: a miss, rebuilt.
    CacheMalformed,
    /// A cache file is over its size cap (not read): a miss, rebuilt.
    CacheOversize,
    /// A cache file could not be read or written, or is not a regular file.
    CacheIoError,
    /// `mode: 'readOnly'` (or a read-only state) skipped a write or a delete.
    CacheReadOnly,
    /// The project's cache directory could not be created: nothing persisted.
    CacheDirUnavailable,
    /// Another process held the cache lock past the lock timeout: computed, nothing persisted.
    CacheLockTimeout,
    /// The project root is missing or not a directory: the cache is off for this run.
    ProjectRootMissing,
    /// The stored analysis was built with other settings, or its settings are not recorded
    /// (the TypeScript core's): not used; rebuilt.
    CacheInputsChanged,
    /// Tracked files could not be read: their records are kept; nothing is served from or
    /// stored in the cache until they can be read.
    CacheUnknownFiles,
    /// A dispatch's src root does not exist: tracked as an empty tree.
    SrcRootMissing,
    /// A dispatch's locales dir does not exist: tracked as an empty tree.
    LocalesDirMissing,
    /// Remote cache: its configuration cannot be used (a bad URL, FNV-1a records); no remote.
    RemoteUnavailable,
    /// Remote cache: the server could not be reached (refused, DNS, TLS).
    RemoteUnreachable,
    /// Remote cache: a connect or request timeout.
    RemoteTimeout,
    /// Remote cache: the server refused the token (401 or 403).
    RemoteAuth,
    /// Remote cache: another unexpected HTTP status.
    RemoteHttpError,
    /// Remote cache: a body cut short, or a corrupt compressed stream.
    RemoteTruncated,
    /// Remote cache: an artifact over `maxArtifactBytes` (not downloaded, or not uploaded).
    RemoteOversize,
    /// Remote cache: not an artifact, or one that does not bind to its key: refused.
    RemoteInvalid,
    /// Remote cache: unsigned, or a signature that does not verify: refused.
    RemoteSignature,
    /// Remote cache: skipped after an earlier failure of this process.
    RemoteSkipped,
    /// Remote cache: the shared directory could not be read or written.
    RemoteIoError,
}

/// A diagnostic with a stable code; never a failure of the call.
#[napi(object)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheWarning {
    /// Stable code, e.g. `unreadable_dir`, `previous_malformed`, `symlink_loop`.
    #[napi(ts_type = "CacheWarningCode")]
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The path concerned, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl From<Warning> for CacheWarning {
    fn from(w: Warning) -> Self {
        CacheWarning {
            code: w.code,
            message: w.message,
            path: w.path,
        }
    }
}

/// The result of a run.
#[napi(object, object_from_js = false)]
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FingerprintResult {
    /// The algorithm of every hash.
    pub algorithm: HashAlgorithm,
    /// Recorded files, sorted by path (with `report: 'all'`, built on first read).
    pub records: Vec<FileRecord>,
    /// Against the previous index.
    pub delta: FingerprintDelta,
    /// Counters.
    pub counts: FingerprintCounts,
    /// Timings.
    pub timings: FingerprintTimings,
    /// Diagnostics.
    pub warnings: Vec<CacheWarning>,
    /// Whether a new manifest was published (false when nothing changed or the write failed).
    pub written: bool,
}

/// The JS records of core file states.
pub(crate) fn to_records(files: Vec<fp::FileState>) -> Vec<FileRecord> {
    files
        .into_iter()
        .map(|f| FileRecord {
            path: f.path,
            hash: f.record.hash.to_hex(),
            size: f.record.size as i64,
            mtime_ms: f.record.mtime_ms,
        })
        .collect()
}

/// The JS reasons of a core delta.
pub(crate) fn to_changes(reasons: Vec<crate::core::delta::FileReason>) -> Vec<FileChange> {
    reasons
        .into_iter()
        .map(|r| FileChange {
            path: r.path,
            change: FileChangeKind::of(r.change),
            reason: r.reason.into(),
        })
        .collect()
}

/// The records and unchanged paths of a result with `report: 'all'`, kept in the core's compact
/// table until JavaScript reads them: a host that looks only at `delta.changed` or `counts`
/// never pays for 100,000 objects (see [`define_lazy_json`]).
struct LazyFiles {
    table: FileTable,
    /// Added, changed and unknown paths, sorted: every other recorded file is unchanged.
    changed: Vec<String>,
    /// How many of the two lists were not read yet (the table is freed at 0).
    pending: u8,
}

type SharedFiles = Rc<RefCell<Option<LazyFiles>>>;

/// The JSON text of `records`.
fn records_json(table: &FileTable) -> String {
    let mut out = Vec::with_capacity(table.len() * 140 + 2);
    out.push(b'[');
    let mut first = true;
    table.visit(|f| {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"{\"path\":");
        serde_json::to_writer(&mut out, f.path).expect("a string serialises");
        out.extend_from_slice(b",\"hash\":\"");
        f.record.hash.write_hex(&mut out);
        out.extend_from_slice(b"\",\"size\":");
        out.extend_from_slice(f.record.size.to_string().as_bytes());
        out.extend_from_slice(b",\"mtimeMs\":");
        out.extend_from_slice(f.record.mtime_ms.to_string().as_bytes());
        out.push(b'}');
    });
    out.push(b']');
    String::from_utf8(out).expect("JSON of UTF-8 paths")
}

/// The JSON text of `delta.unchanged`: every recorded path that is not in `changed` (sorted).
fn unchanged_json(table: &FileTable, changed: &[String]) -> String {
    let mut out = Vec::with_capacity(table.len() * 48 + 2);
    out.push(b'[');
    let mut first = true;
    let mut skip = changed.iter().peekable();
    table.visit(|f| {
        while skip.next_if(|c| c.as_str() < f.path).is_some() {}
        if skip.next_if(|c| c.as_str() == f.path).is_some() {
            return;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut out, f.path).expect("a string serialises");
    });
    out.push(b']');
    String::from_utf8(out).expect("JSON of UTF-8 paths")
}

/// Takes the text of one lazy list and frees the table once both were read.
fn take_lazy(shared: &SharedFiles, text: impl Fn(&LazyFiles) -> String) -> String {
    let mut slot = shared.borrow_mut();
    let Some(files) = slot.as_mut() else {
        return "[]".to_string();
    };
    let out = text(files);
    files.pending -= 1;
    if files.pending == 0 {
        *slot = None;
    }
    out
}

/// A result ready for JavaScript, and with `report: 'all'` the lists it reads lazily.
struct Prepared {
    result: FingerprintResult,
    lazy: Option<LazyFiles>,
}

fn to_result(o: FingerprintOutcome, report: FingerprintReport) -> Prepared {
    let c = &o.counts;
    let counts = FingerprintCounts {
        files: c.files as i64,
        dirs: c.dirs as i64,
        hashed: c.hashed as i64,
        reused: c.reused as i64,
        bytes_hashed: c.bytes_hashed as i64,
        racy: c.racy as i64,
        unstable: c.unstable as i64,
        unreadable: c.unreadable as i64,
        special: c.special as i64,
        ignored: c.ignored as i64,
    };
    let t = &o.timings;
    let timings = FingerprintTimings {
        load_ms: t.load_ms,
        walk_ms: t.walk_ms,
        hash_ms: t.hash_ms,
        write_ms: t.write_ms,
        total_ms: t.total_ms,
    };
    // The core left `unchanged` empty (`list_unchanged` is off): with `all` it is derived
    // lazily from the table, with `changes` it is not listed.
    let d = o.delta;
    let (records, lazy) = match report {
        FingerprintReport::Changes => {
            let wanted: rustc_hash::FxHashSet<&str> = d
                .added
                .iter()
                .chain(&d.changed)
                .map(String::as_str)
                .collect();
            let mut records = Vec::with_capacity(wanted.len());
            o.files.visit(|f| {
                if wanted.contains(f.path) {
                    records.push(FileRecord {
                        path: f.path.to_owned(),
                        hash: f.record.hash.to_hex(),
                        size: f.record.size as i64,
                        mtime_ms: f.record.mtime_ms,
                    });
                }
            });
            (records, None)
        }
        FingerprintReport::All => {
            // Unknown files keep their previous records in the table: never unchanged either.
            let mut changed: Vec<String> = d
                .added
                .iter()
                .chain(&d.changed)
                .chain(&d.unknown)
                .cloned()
                .collect();
            changed.sort_unstable();
            let lazy = LazyFiles {
                table: o.files,
                changed,
                pending: 2,
            };
            (Vec::new(), Some(lazy))
        }
    };
    let result = FingerprintResult {
        algorithm: o.algorithm.into(),
        records,
        delta: FingerprintDelta {
            added: d.added,
            changed: d.changed,
            deleted: d.deleted,
            unchanged: d.unchanged,
            unknown: d.unknown,
            reasons: to_changes(d.reasons),
        },
        counts,
        timings,
        warnings: o.warnings.into_iter().map(Into::into).collect(),
        written: o.written,
    };
    Prepared { result, lazy }
}

/// The result as a JavaScript object: one JSON text parsed by V8, then, with `report: 'all'`,
/// `records` and `delta.unchanged` made lazy (built from the core's table on first read).
fn result_to_js(env: &Env, prepared: Prepared) -> napi::Result<Unknown<'_>> {
    let Prepared { result, lazy } = prepared;
    let value = into_js_json(env, result)?;
    let Some(lazy) = lazy else {
        return Ok(value);
    };
    let shared: SharedFiles = Rc::new(RefCell::new(Some(lazy)));
    let obj: Object<'_> = arg(env, value, "result")?;
    let records = shared.clone();
    define_lazy_json(env, &obj, "records", move || {
        take_lazy(&records, |f| records_json(&f.table))
    })?;
    let delta: Object<'_> = obj.get_named_property("delta")?;
    define_lazy_json(env, &delta, "unchanged", move || {
        take_lazy(&shared, |f| unchanged_json(&f.table, &f.changed))
    })?;
    Ok(value)
}

fn record_from(e: &ManifestEntry, path: &str) -> Result<ManifestRecord, CoreError> {
    if e.size < 0 {
        return Err(CoreError::invalid_option(
            "previous",
            format!("negative size for {path:?}"),
        ));
    }
    Ok(ManifestRecord {
        // Hashes from JavaScript were never validated: one that is not lowercase hex of 16 or
        // 64 digits still only compares as different from every file's digest.
        hash: Digest::from_hex(&e.hash).unwrap_or(Digest::UNMATCHED),
        size: e.size as u64,
        mtime_ms: e.mtime_ms,
    })
}

fn manifest_from(
    algo: HashAlgo,
    files: Vec<(String, ManifestRecord)>,
) -> Result<Manifest, CoreError> {
    let mut files = files;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = files.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(CoreError::invalid_option(
            "previous",
            format!("duplicate path {:?}", w[0].0),
        ));
    }
    if let Some((p, _)) = files
        .iter()
        .find(|(p, _)| !crate::core::relpath::is_safe(p))
    {
        return Err(CoreError::invalid_option(
            "previous",
            format!("not a safe root-relative path: {p:?}"),
        ));
    }
    Ok(Manifest {
        algorithm: algo,
        files,
    })
}

/// The JS type of the named property of `value` (`undefined` when absent).
fn field_type(env: &Env, value: &Unknown<'_>, name: &str) -> napi::Result<ValueType> {
    let obj: Object<'_> = arg(env, *value, "options")?;
    let field: Unknown<'_> = obj.get_named_property(name)?;
    field.get_type()
}

/// Converts the options object, rejecting fields of the wrong type that napi's conversion
/// would let through (a string where an object belongs, a non-function callback).
fn convert_options<'a>(env: &Env, value: Unknown<'a>) -> napi::Result<FingerprintOptions<'a>> {
    if value.get_type()? != ValueType::Object {
        return Err(type_error(env, "options", "expected an options object"));
    }
    for (name, want) in [
        ("include", ValueType::Object),
        ("exclude", ValueType::Object),
        ("previous", ValueType::Unknown),
        ("onProgress", ValueType::Function),
        ("signal", ValueType::Object),
    ] {
        let t = field_type(env, &value, name)?;
        let ok = match want {
            ValueType::Unknown => true,
            _ => t == want || t == ValueType::Undefined || t == ValueType::Null,
        };
        if !ok {
            return Err(type_error(
                env,
                name,
                format!("expected {want:?}, got {t:?}"),
            ));
        }
    }
    let signal = options_field(env, &value, "signal")?;
    if let Some(signal) = signal {
        check_signal(env, signal)?;
    }
    strict_arg(
        env,
        value,
        "options",
        FINGERPRINT_OPTIONS,
        &[
            ("include", INCLUDE_RULES),
            ("exclude", EXCLUDE_RULES),
            ("srcRules", SRC_RULES),
        ],
    )
}

fn options_field<'a>(
    env: &Env,
    value: &Unknown<'a>,
    name: &str,
) -> napi::Result<Option<Unknown<'a>>> {
    let obj: Object<'_> = arg(env, *value, "options")?;
    let field: Unknown<'_> = obj.get_named_property(name)?;
    // SAFETY: the property lives in the caller's handle scope, as `value` does.
    let field = unsafe { std::mem::transmute::<Unknown<'_>, Unknown<'a>>(field) };
    Ok(match field.get_type()? {
        ValueType::Undefined | ValueType::Null => None,
        _ => Some(field),
    })
}

/// An `AbortSignal` (or anything shaped like one: `aborted` and `addEventListener`), else
/// `INVALID_OPTION` naming `signal`.
fn check_signal(env: &Env, signal: Unknown<'_>) -> napi::Result<()> {
    let bad = || type_error(env, "signal", "expected an AbortSignal");
    if signal.get_type()? != ValueType::Object {
        return Err(bad());
    }
    let o: Object<'_> = arg(env, signal, "signal")?;
    let add: Unknown<'_> = o.get_named_property("addEventListener")?;
    let aborted: Unknown<'_> = o.get_named_property("aborted")?;
    if add.get_type()? != ValueType::Function || aborted.get_type()? != ValueType::Boolean {
        return Err(bad());
    }
    Ok(())
}

/// Whether a watch's options object names only known keys (and its `include`, `exclude`).
pub(crate) fn check_rule_keys(env: &Env, value: Unknown<'_>) -> napi::Result<()> {
    check_field_keys(env, value, "include", INCLUDE_RULES, "")?;
    check_field_keys(env, value, "exclude", EXCLUDE_RULES, "")
}

/// A pattern option as the filter takes it: a Rust `regex` string, or a JavaScript pattern
/// (checked here so that the error names the option).
fn pattern_of(p: PatternOption, option: &str) -> Result<Either<String, JsPattern>, CoreError> {
    match p {
        Either::A(s) => Ok(Either::A(s)),
        Either::B(re) => {
            let p = JsPattern::new(re.source, re.flags);
            crate::core::filter::JsRegex::new(&p, option)?;
            Ok(Either::B(p))
        }
    }
}

fn type_error(env: &Env, option: &str, message: impl Into<String>) -> napi::Error {
    let e = CoreError::invalid_option(option, message);
    coded_type_error(env, e.code(), e.to_string())
}

/// Everything of the options that can cross threads.
struct Plan {
    opts: fp::FingerprintOptions,
    report: FingerprintReport,
}

/// The options a run and a watcher share, as core options (no previous index, no output).
#[allow(clippy::too_many_arguments)]
pub(crate) fn base_options(
    root: &str,
    include: Option<IncludeRules>,
    exclude: Option<ExcludeRules>,
    max_depth: Option<f64>,
    follow_symlinks: Option<bool>,
    hash: Option<HashAlgorithm>,
    strategy: Option<FingerprintStrategy>,
) -> Result<fp::FingerprintOptions, CoreError> {
    if root.is_empty() {
        return Err(CoreError::invalid_option("root", "must not be empty"));
    }
    if root.contains('\0') {
        return Err(CoreError::invalid_option(
            "root",
            "contains a NUL character",
        ));
    }
    let mut opts = fp::FingerprintOptions::new(PathBuf::from(root));
    opts.algorithm = hash.map(Into::into).unwrap_or_default();
    opts.strategy = match strategy {
        None | Some(FingerprintStrategy::Content) => Strategy::Content,
        Some(FingerprintStrategy::Metadata) => Strategy::Metadata,
        Some(FingerprintStrategy::HashAlways) => Strategy::HashAlways,
    };
    if let Some(d) = max_depth {
        if !(d.is_finite() && d.fract() == 0.0 && d >= 1.0) {
            return Err(CoreError::invalid_option(
                "maxDepth",
                format!("must be an integer of at least 1, got {d}"),
            ));
        }
        opts.max_depth = d.min(u32::MAX as f64) as usize;
    }
    opts.follow_symlinks = follow_symlinks.unwrap_or(false);
    let mut spec = FilterSpec::default();
    if let Some(inc) = include {
        match inc
            .pattern
            .map(|p| pattern_of(p, "include.pattern"))
            .transpose()?
        {
            Some(Either::A(s)) => spec.include_pattern = Some(s),
            Some(Either::B(p)) => spec.js.include_path = Some(p),
            None => {}
        }
        spec.include_globs = inc.globs.unwrap_or_default();
    }
    if let Some(exc) = exclude {
        spec.exclude_dirs = exc.dirs.unwrap_or_default();
        spec.exclude_files = exc.files.unwrap_or_default();
        spec.exclude_suffixes = exc.suffixes.unwrap_or_default();
        for (n, p) in exc.patterns.unwrap_or_default().into_iter().enumerate() {
            match pattern_of(p, &format!("exclude.patterns[{n}]"))? {
                Either::A(s) => spec.exclude_patterns.push(s),
                Either::B(p) => spec.js.exclude_path.push(p),
            }
        }
        spec.exclude_globs = exc.globs.unwrap_or_default();
    }
    opts.filter = spec;
    Ok(opts)
}

/// The core rules of `srcRules`, when given.
fn src_rules_of(
    env: &Env,
    o: &mut FingerprintOptions<'_>,
) -> napi::Result<Option<crate::core::contract::walk_specs::SrcWalkRules>> {
    match o.src_rules.take() {
        None => Ok(None),
        Some(r) => {
            super::contract_dispatch::src_walk_rules(env, r.exclude, r.src_pattern).map(Some)
        }
    }
}

fn plan(
    o: &mut FingerprintOptions<'_>,
    src_rules: Option<crate::core::contract::walk_specs::SrcWalkRules>,
) -> Result<Plan, CoreError> {
    if src_rules.is_some() && (o.include.is_some() || o.exclude.is_some()) {
        return Err(CoreError::invalid_option(
            "srcRules",
            "replaces include and exclude: give either srcRules or include/exclude",
        ));
    }
    let mut opts = base_options(
        &o.root,
        o.include.take(),
        o.exclude.take(),
        o.max_depth,
        o.follow_symlinks,
        o.hash.take(),
        o.strategy.take(),
    )?;
    opts.gitignore = o.gitignore.unwrap_or(true);
    if let Some(rules) = src_rules {
        opts.filter = rules.filter_spec();
    }
    let algorithm = opts.algorithm;
    opts.previous = match o.previous.take() {
        None => Previous::None,
        Some(Either3::A(path)) => Previous::Path(PathBuf::from(path)),
        Some(Either3::B(m)) => {
            if m.version != 1 {
                return Err(CoreError::invalid_option(
                    "previous",
                    format!("unsupported manifest version {}", m.version),
                ));
            }
            let files = m
                .files
                .iter()
                .map(|(p, e)| Ok((p.clone(), record_from(e, p)?)))
                .collect::<Result<Vec<_>, CoreError>>()?;
            Previous::Manifest(manifest_from(m.algorithm.into(), files)?)
        }
        Some(Either3::C(records)) => {
            let files = records
                .iter()
                .map(|r| {
                    let e = ManifestEntry {
                        hash: r.hash.clone(),
                        size: r.size,
                        mtime_ms: r.mtime_ms,
                    };
                    Ok((r.path.clone(), record_from(&e, &r.path)?))
                })
                .collect::<Result<Vec<_>, CoreError>>()?;
            Previous::Manifest(manifest_from(algorithm, files)?)
        }
    };
    opts.write_to = o.write_to.take().map(PathBuf::from);
    let report = o.report.unwrap_or_default();
    // Unchanged paths are derived from the recorded files when JavaScript reads them.
    opts.list_unchanged = false;
    Ok(Plan { opts, report })
}

fn run_plan(plan: &Plan, ctl: &Control, export: &str) -> Result<FingerprintOutcome, CoreError> {
    guarded(|| {
        failpoint(export);
        fp::fingerprint(&plan.opts, ctl)
    })
}

/// Fingerprints a tree synchronously on the calling thread (the work itself runs on the
/// rayon pool). Throws with `code`: `ROOT_NOT_FOUND`, `ROOT_NOT_DIRECTORY`, `INVALID_OPTION`,
/// `IO_ERROR` or `INTERNAL`. A missing or damaged previous manifest is a warning, not a throw.
#[napi(
    ts_args_type = "options: FingerprintOptions",
    ts_return_type = "FingerprintResult"
)]
pub fn fingerprint_sync<'e>(env: &'e Env, options: Unknown<'_>) -> napi::Result<Unknown<'e>> {
    // A value of the wrong type is a TypeError (code INVALID_OPTION), thrown before any work.
    let mut options = convert_options(env, options)?;
    let src_rules = src_rules_of(env, &mut options)?;
    let plan = plan(&mut options, src_rules).map_err(|e| to_js(env, &e))?;
    let outcome = match options.on_progress.take() {
        None => run_plan(&plan, &Control::default(), "fingerprintSync"),
        Some(cb) => {
            // The work runs on another thread; this thread relays its progress to JS.
            let (tx, rx) = mpsc::channel::<Progress>();
            let tx = std::sync::Mutex::new(tx);
            let progress: Box<ProgressFn> = Box::new(move |p| {
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(p);
                }
            });
            let ctl = Control::new(Arc::new(AtomicBool::new(false)), Some(progress));
            std::thread::scope(|s| {
                let worker = s.spawn(|| {
                    let r = run_plan(&plan, &ctl, "fingerprintSync");
                    drop(ctl);
                    r
                });
                for p in rx.iter() {
                    // An exception in the callback is reported by Node; the scan goes on.
                    let _ = cb.call(p.into());
                }
                worker
                    .join()
                    .unwrap_or_else(|_| Err(CoreError::Internal("worker panicked".into())))
            })
        }
    };
    let prepared = outcome
        .map(|o| to_result(o, plan.report))
        .map_err(|e| to_js(env, &e))?;
    result_to_js(env, prepared)
}

/// The async job: runs on the libuv pool.
pub struct FingerprintTask {
    plan: Option<Result<Plan, CoreError>>,
    report: FingerprintReport,
    control: AsyncControl,
}

impl<'task> ScopedTask<'task> for FingerprintTask {
    type Output = Result<FingerprintOutcome, CoreError>;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let plan = match self.plan.take() {
            Some(Ok(plan)) => plan,
            Some(Err(e)) => return Ok(Err(e)),
            None => return Ok(Err(CoreError::Internal("task ran twice".into()))),
        };
        let ctl = self.control.control();
        Ok(run_plan(&plan, &ctl, "fingerprint"))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        match output {
            Ok(o) => result_to_js(env, to_result(o, self.report)),
            Err(CoreError::Aborted) => Err(self.control.abort_error(env)),
            Err(e) => Err(to_js(env, &e)),
        }
    }

    fn finally(mut self, env: Env) -> napi::Result<()> {
        self.control.release(&env);
        Ok(())
    }
}

/// Fingerprints a tree on the libuv thread pool. Rejects with the same codes as
/// `fingerprintSync`, and, when `signal` aborts (the walk and the hashing check it between
/// files), with an `AbortError` as Node's own APIs do: `name: 'AbortError'`, `cause` the
/// signal's `reason`, `code: 'ABORTED'`.
#[napi(
    ts_args_type = "options: FingerprintOptions",
    ts_return_type = "Promise<FingerprintResult>"
)]
pub fn fingerprint(env: Env, options: Unknown<'_>) -> napi::Result<AsyncTask<FingerprintTask>> {
    let mut options = convert_options(&env, options)?;
    let src_rules = src_rules_of(&env, &mut options)?;
    // A bad option rejects the promise like any other failure.
    let plan = plan(&mut options, src_rules);
    let control = AsyncControl::new(&env, options.on_progress.take(), options.signal.take())?;
    Ok(AsyncTask::new(FingerprintTask {
        report: options.report.unwrap_or_default(),
        plan: Some(plan),
        control,
    }))
}
