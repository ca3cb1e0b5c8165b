//! Watch mode (fingerprints.md §Watch): a file system watcher only says what to re-check.
//!
//! The watcher starts with a full run of the engine ([`fingerprint`]) and keeps the index in
//! memory. Events from `notify` (inotify on Linux, FSEvents, ReadDirectoryChanges) are batched:
//! a batch is flushed after `debounce` of quiet, and at most `max_batch` after its first event.
//! A batch
//! re-fingerprints only the paths its events name, with the engine's own rules
//! ([`walk::walk_paths`] and the engine's per-file evaluation): a path that is now a directory
//! re-walks that subtree, a path that is gone removes everything at or under it, and a rename
//! is a remove plus an add. Anything that says "events may be missing" (queue overflow, a
//! watcher error, a restarted watcher, an event on the root or outside it) becomes a full
//! rescan, which is the engine's full run with the index as its previous state, and is reported
//! as such. So the index always converges to what a fresh scan finds.
//!
//! Polling (asked for, or when the native watcher cannot start, e.g. at the inotify watch
//! limit) is a full run of the engine every interval with the index and its stat hints as the
//! previous state: it lists and stats the tree and reads only files whose whole stat tuple
//! moved. `notify::PollWatcher` is not used on purpose: it compares whole-second mtimes with
//! `>`, so a same-size edit within the same second goes unseen, which fingerprints.md
//! §Authority 3 rules out and which a fresh scan would see.
//!
//! Nothing here decides reuse: hosts get deltas and the index, and decide with the contract.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub mod registry;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher as _};

use super::contract::classify::{
    classify_cache_file_delta, ClassifiedCacheFileDelta, ClassifyCacheFileDeltaInput,
};
use super::contract::config::CacheRebuildConfig;
use super::contract::decide::{decide_analysis_rebuild, AnalysisRebuildDecision};
use super::contract::delta::{CacheFileDelta, FilesIndexStatus};
use super::contract::layout::{CachedLocalesLayout, LocalesLayoutMode, LocalesLayoutStructure};
use super::contract::walk_specs;
use super::control::Control;
use super::delta::{Change, Delta};
use super::error::{CoreError, CoreResult, Warning};
use super::filter::Filter;
use super::fingerprint::{self as fp, FileState, FingerprintOptions, Previous};
use super::index_table::IndexTable;
use super::stat::Snapshot;
use super::walk::{self, WalkOptions};

/// Default quiet time before a batch is flushed.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);
/// Default cap on how long a batch may keep growing.
pub const DEFAULT_MAX_BATCH: Duration = Duration::from_millis(500);
/// Default interval of the polling watcher.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(1000);

/// How a watcher is set up.
#[derive(Clone, Debug)]
pub struct WatchOptions {
    /// The same options as a run; `previous` and `write_to` are ignored (the index lives in
    /// memory).
    pub fingerprint: FingerprintOptions,
    /// Use the polling watcher instead of the native one.
    pub poll: bool,
    /// Interval of the poll sweeps.
    pub poll_interval: Duration,
    /// Quiet time before a batch is flushed.
    pub debounce: Duration,
    /// A batch is flushed at most this long after its first event, however busy the tree.
    pub max_batch: Duration,
    /// The host contract's layout: when set, every event carries the contract's
    /// classification of its delta and the analysis rebuild decision on it.
    pub layout: Option<WatchLayout>,
    /// Test hook: the native watcher fails to start, as when the inotify watch limit is hit.
    #[doc(hidden)]
    pub fail_native: bool,
}

/// Where the i18n host's src files and locale segments live under the watched root.
#[derive(Clone, Debug, Default)]
pub struct WatchLayout {
    /// The src directory, root-relative POSIX (`""` for the root). Src keys are paths relative
    /// to it that match the contract's src pattern, as the contract's src walk spells them.
    pub src_dir: String,
    /// The locales directory, root-relative POSIX. Segment keys are `*.json` paths relative to
    /// it, as the contract's locale walk spells them.
    pub locales_dir: String,
    /// The source locale's segment keys (`en.json`, or `en/common.json`, ...); the first is the
    /// primary one.
    pub source_locale_segment_keys: Vec<String>,
    /// The rebuild config the decision uses.
    pub rebuild: CacheRebuildConfig,
    /// The host's src file pattern (a JavaScript `RegExp` tested on a file's name, as the
    /// dispatch's `srcPattern`); `None`: the contract's.
    pub src_pattern: Option<crate::core::filter::JsPattern>,
}

/// The contract's view of one event.
#[derive(Clone, Debug)]
pub struct ContractView {
    /// The event's delta, classified by role.
    pub classified: ClassifiedCacheFileDelta,
    /// `decideAnalysisRebuild` on it: for `ready`, as with no previous analysis; afterwards, as
    /// with an analysis built from the index before the event. `None` when no tracked file
    /// changed: the contract's cache hit, with nothing to decide.
    pub decision: Option<AnalysisRebuildDecision>,
}

fn key_in<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir)?.strip_prefix('/')
    }
}

impl WatchLayout {
    fn src_matcher(&self) -> CoreResult<walk_specs::SrcMatcher> {
        walk_specs::SrcWalkRules {
            src_pattern: self.src_pattern.clone(),
            ..walk_specs::SrcWalkRules::default()
        }
        .src_matcher()
    }

    fn src_key<'a>(&self, m: &walk_specs::SrcMatcher, path: &'a str) -> Option<&'a str> {
        key_in(path, &self.src_dir).filter(|k| m.is_src_key(k))
    }

    fn locale_key<'a>(&self, path: &'a str) -> Option<&'a str> {
        key_in(path, &self.locales_dir).filter(|k| k.ends_with(".json"))
    }

    /// Classifies a delta between two index states and decides, as the contract does.
    fn view(
        &self,
        before: &[String],
        after: &[String],
        delta: &Delta,
        ready: bool,
    ) -> ContractView {
        // Checked when the watcher started (`start`), so it compiles here.
        let src_keys = self.src_matcher().unwrap_or_default();
        let keys = |paths: &[String]| -> (Vec<String>, Vec<String>) {
            let mut src = Vec::new();
            let mut loc = Vec::new();
            for p in paths {
                if let Some(k) = self.src_key(&src_keys, p) {
                    src.push(k.to_string());
                } else if let Some(k) = self.locale_key(p) {
                    loc.push(k.to_string());
                }
            }
            (src, loc)
        };
        let (cur_src, cur_loc) = keys(after);
        let (base_src, base_loc) = keys(before);
        let map = |paths: &[String]| -> Vec<String> {
            paths
                .iter()
                .filter_map(|p| self.src_key(&src_keys, p).or_else(|| self.locale_key(p)))
                .map(str::to_string)
                .collect()
        };
        // Unknown files are never unchanged: they count as changed.
        let mut changed = map(&delta.changed);
        changed.extend(map(&delta.unknown));
        let cache_delta = CacheFileDelta {
            added: map(&delta.added),
            changed,
            deleted: map(&delta.deleted),
            unchanged: Vec::new(),
        };
        let layout = CachedLocalesLayout {
            mode: LocalesLayoutMode::FlatFile,
            structure: LocalesLayoutStructure::LocaleFile,
            directory: self.locales_dir.clone(),
            source: String::new(),
        };
        let tracked = cur_src.len() as u64;
        let any_change = cache_delta.has_changes();
        let classified = classify_cache_file_delta(&ClassifyCacheFileDeltaInput {
            delta: cache_delta,
            current_src_file_keys: cur_src,
            baseline_src_file_keys: base_src,
            current_locale_segment_keys: cur_loc,
            baseline_locale_segment_keys: base_loc,
            source_locale_segment_key: self
                .source_locale_segment_keys
                .first()
                .cloned()
                .unwrap_or_default(),
            source_locale_segment_keys: self.source_locale_segment_keys.clone(),
            previous_layout: Some(layout.clone()),
            current_layout: layout,
            files_index_status: FilesIndexStatus::Ok,
        });
        let decision = (ready || any_change).then(|| {
            decide_analysis_rebuild(&self.rebuild, &classified, !ready, tracked)
                .with_src_delta(classified.src.clone())
        });
        ContractView {
            classified,
            decision,
        }
    }
}

impl WatchOptions {
    /// Defaults for a root: native watcher, 100 ms debounce, 500 ms cap.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        WatchOptions {
            fingerprint: FingerprintOptions::new(root),
            poll: false,
            poll_interval: DEFAULT_POLL_INTERVAL,
            debounce: DEFAULT_DEBOUNCE,
            max_batch: DEFAULT_MAX_BATCH,
            layout: None,
            fail_native: false,
        }
    }
}

/// Which watcher feeds the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// inotify (Linux), FSEvents (macOS), ReadDirectoryChangesW (Windows).
    Native,
    /// A stat sweep of the tree with the engine every interval.
    Poll,
}

impl Mode {
    /// The name hosts see.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Native => "native",
            Mode::Poll => "poll",
        }
    }
}

/// What an event reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchEventKind {
    /// The initial full scan is done; the delta lists every file as added.
    Ready,
    /// A batch of events was re-checked.
    Change,
    /// A full rescan ran (overflow, watcher error or restart, unknown state, or asked for).
    Rescan,
    /// Something failed (the root is gone, the watcher died); the index is unchanged.
    Error,
}

impl WatchEventKind {
    /// The name hosts see.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventKind::Ready => "ready",
            WatchEventKind::Change => "change",
            WatchEventKind::Rescan => "rescan",
            WatchEventKind::Error => "error",
        }
    }
}

/// Why a full rescan ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RescanReason {
    /// The kernel's event queue overflowed (`notify`'s `Rescan` flag): events were lost.
    Overflow,
    /// The file system watcher reported an error.
    WatcherError,
    /// The inotify watch limit was reached at run time: the watcher restarted as a poller.
    WatchLimit,
    /// An event named the root itself (moved, removed, its attributes changed).
    RootChanged,
    /// An event named no path, or a path outside the root.
    UnknownPath,
    /// The host asked for it.
    Requested,
    /// An ignore file changed (`.gitignore`, `.ignore`, `.git/info/exclude`) with `gitignore`
    /// on: which files count may have changed anywhere below it.
    IgnoreRules,
}

impl RescanReason {
    /// The name hosts see.
    pub fn as_str(self) -> &'static str {
        match self {
            RescanReason::Overflow => "overflow",
            RescanReason::WatcherError => "watcher_error",
            RescanReason::WatchLimit => "watch_limit",
            RescanReason::RootChanged => "root_changed",
            RescanReason::UnknownPath => "unknown_path",
            RescanReason::Requested => "requested",
            RescanReason::IgnoreRules => "ignore_rules",
        }
    }
}

/// Counters of one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchCounts {
    /// Files in the index after the batch.
    pub files: u64,
    /// Raw file system events in the batch.
    pub events: u64,
    /// Paths re-checked (after merging paths under one another); 0 for a full scan.
    pub checked: u64,
    /// Files whose content was read.
    pub hashed: u64,
    /// Files whose previous hash was reused thanks to an equal stat tuple.
    pub reused: u64,
    /// Bytes read.
    pub bytes_hashed: u64,
}

/// One event: the result of a batch, a rescan, the initial scan, or an error.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    /// What it reports.
    pub kind: WatchEventKind,
    /// The watcher in use when it was produced.
    pub mode: Mode,
    /// Sequence number, from 0 (the `ready` event).
    pub seq: u64,
    /// What changed in the index (`unchanged` is always empty).
    pub delta: Delta,
    /// Counters.
    pub counts: WatchCounts,
    /// Why a full rescan ran, for `rescan` events (and an `error` during one).
    pub rescan_reason: Option<RescanReason>,
    /// Diagnostics: the scan's own, and the watcher's (`native_watcher_unavailable`,
    /// `watcher_error`, `scan_failed`, ...).
    pub warnings: Vec<Warning>,
    /// Wall time of the re-check in milliseconds.
    pub elapsed_ms: f64,
    /// The contract's classification and decision (with a `layout` option; not on `error`).
    pub contract: Option<ContractView>,
}

/// Where events go; called on the watcher's thread.
pub type EventSink = Box<dyn Fn(WatchEvent) + Send>;

enum Msg {
    Fs(notify::Result<notify::Event>),
    /// A registry barrier: answer `true` once the token file is seen and the index is settled.
    Sync(u64, Sender<bool>),
    Flush(Sender<()>),
    Rescan(RescanReason),
    Stop,
}

#[derive(Default)]
struct Index {
    files: BTreeMap<String, FileState>,
    unreadable: BTreeSet<String>,
    /// Directories the walk did not enter because of the depth cap.
    depth_limited: BTreeSet<String>,
    /// What the ignore rules left out (directories with a trailing `/`).
    ignored: BTreeSet<String>,
    ready: bool,
}

fn depth_limited_of(warnings: &[Warning]) -> impl Iterator<Item = String> + '_ {
    warnings
        .iter()
        .filter(|w| w.code == "depth_limit")
        .filter_map(|w| w.path.clone())
}

impl Index {
    fn replace(&mut self, o: &mut fp::FingerprintOutcome) {
        self.files = std::mem::take(&mut o.files)
            .into_states()
            .into_iter()
            .map(|f| (f.path.clone(), f))
            .collect();
        self.unreadable = std::mem::take(&mut o.unreadable).into_iter().collect();
        self.depth_limited = depth_limited_of(&o.warnings).collect();
        self.ignored = std::mem::take(&mut o.ignored).into_iter().collect();
    }

    fn sorted(&self) -> Vec<FileState> {
        self.files.values().cloned().collect()
    }
}

/// Keys of `map` at or under `prefix` (component-wise).
fn keys_under<V>(map: &BTreeMap<String, V>, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    if map.contains_key(prefix) {
        out.push(prefix.to_string());
    }
    let lo = format!("{prefix}/");
    let hi = format!("{prefix}0"); // '0' is the byte after '/'
    out.extend(map.range(lo..hi).map(|(k, _)| k.clone()));
    out
}

fn set_under(set: &BTreeSet<String>, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    if set.contains(prefix) {
        out.push(prefix.to_string());
    }
    let lo = format!("{prefix}/");
    let hi = format!("{prefix}0");
    out.extend(set.range(lo..hi).cloned());
    out
}

#[derive(Default)]
struct Status {
    last_fs: Option<Instant>,
    pending: bool,
    busy: bool,
    seq: u64,
}

struct Shared {
    index: Mutex<Index>,
    status: Mutex<Status>,
    cancel: Arc<AtomicBool>,
    mode: Mutex<Mode>,
    /// Test hook: file system events are dropped, as a kernel queue overflow drops them.
    deaf: AtomicBool,
    /// The options of the watcher (for the registry's compatibility checks).
    opts: FingerprintOptions,
    /// The last scan failed: the index is unchanged and a full rescan is owed.
    stale: AtomicBool,
    /// A private directory the native watcher also watches, for registry barriers.
    sentinel: Option<PathBuf>,
    /// Whether the native watcher watches `sentinel`.
    sync_ok: AtomicBool,
    /// Where registry barriers are sent (`None` once closed).
    sync_tx: Mutex<Option<Sender<Msg>>>,
}

/// A live watcher. Dropping it closes it.
pub struct Watcher {
    id: u64,
    shared: Arc<Shared>,
    tx: Mutex<Option<Sender<Msg>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Watcher {
    /// Checks the options and the root, then starts the watcher thread, which sets up the file
    /// system watcher, runs the initial scan (reported as `ready`) and then handles batches.
    /// Fails only on a bad option or an unusable root.
    pub fn start(opts: WatchOptions, sink: EventSink) -> CoreResult<Watcher> {
        Filter::new(&opts.fingerprint.filter)?;
        fp::scopes_of(&opts.fingerprint.scopes)?;
        if let Some(p) = opts.layout.as_ref().and_then(|l| l.src_pattern.as_ref()) {
            crate::core::filter::JsRegex::new(p, "layout.srcPattern")?;
        }
        if opts.fingerprint.max_depth == 0 {
            return Err(CoreError::invalid_option("maxDepth", "must be at least 1"));
        }
        if opts.poll && opts.poll_interval.is_zero() {
            return Err(CoreError::invalid_option(
                "pollIntervalMs",
                "must be at least 1",
            ));
        }
        walk::check_root(&opts.fingerprint.root)?;
        let id = registry::next_id();
        let canonical_root = std::fs::canonicalize(&opts.fingerprint.root).ok();
        // The barrier directory must not be inside the watched tree (it would be indexed).
        let sentinel =
            std::env::temp_dir().join(format!("cachecore-watch-sync-{}-{id}", std::process::id()));
        if !opts.poll {
            registry::sweep_dead_sentinels();
        }
        // Created exclusively (never an existing directory or a link someone put at this name in
        // a shared temp dir), so the removal at close removes only what this watcher made.
        let sentinel = (!opts.poll)
            .then(|| registry::create_private_dir(&sentinel).ok())
            .flatten()
            .and_then(|_| std::fs::canonicalize(&sentinel).ok())
            .filter(|s| canonical_root.as_ref().is_some_and(|r| !s.starts_with(r)));
        let (tx, rx) = mpsc::channel::<Msg>();
        let shared = Arc::new(Shared {
            index: Mutex::new(Index::default()),
            status: Mutex::new(Status::default()),
            cancel: Arc::new(AtomicBool::new(false)),
            mode: Mutex::new(if opts.poll { Mode::Poll } else { Mode::Native }),
            deaf: AtomicBool::new(false),
            opts: opts.fingerprint.clone(),
            stale: AtomicBool::new(false),
            sentinel,
            sync_ok: AtomicBool::new(false),
            sync_tx: Mutex::new(Some(tx.clone())),
        });
        let worker_shared = shared.clone();
        let worker_tx = tx.clone();
        let worker = std::thread::Builder::new()
            .name("cachecore-watch".into())
            .spawn(move || {
                let mut w = Worker {
                    scopes: fp::scopes_of(&opts.fingerprint.scopes).unwrap_or_default(),
                    opts,
                    shared: worker_shared,
                    tx: worker_tx,
                    sink,
                    native: None,
                    next_poll: None,
                    before: None,
                    pending: Pending::default(),
                    syncs: Default::default(),
                    sync_due: Vec::new(),
                };
                w.run(rx);
            })
            .map_err(|e| CoreError::io("cannot start the watcher thread", e))?;
        if let Some(root) = canonical_root {
            registry::register(id, root, Arc::downgrade(&shared));
        }
        Ok(Watcher {
            id,
            shared,
            tx: Mutex::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
        })
    }

    /// The current index, sorted by path (empty until the initial scan is done).
    pub fn records(&self) -> Vec<FileState> {
        self.shared
            .index
            .lock()
            .map(|i| i.sorted())
            .unwrap_or_default()
    }

    /// Whether the initial scan is done.
    pub fn is_ready(&self) -> bool {
        self.shared.index.lock().map(|i| i.ready).unwrap_or(false)
    }

    /// The watcher in use.
    pub fn mode(&self) -> Mode {
        self.shared.mode.lock().map(|m| *m).unwrap_or(Mode::Poll)
    }

    fn send(&self, msg: Msg) -> bool {
        match self.tx.lock() {
            Ok(tx) => tx.as_ref().is_some_and(|tx| tx.send(msg).is_ok()),
            Err(_) => false,
        }
    }

    /// Handles the pending batch now, and returns once its event has been handed to the sink.
    /// Events the kernel has not delivered yet are not waited for.
    pub fn flush(&self) {
        let (tx, rx) = mpsc::channel();
        if self.send(Msg::Flush(tx)) {
            let _ = rx.recv();
        }
    }

    /// Asks for a full rescan (reported as a `rescan` event with reason `requested`).
    pub fn request_rescan(&self) {
        self.send(Msg::Rescan(RescanReason::Requested));
    }

    /// Test hook: while set, file system events are dropped (what an overflowing kernel queue
    /// does), so the index goes stale until a rescan.
    #[doc(hidden)]
    pub fn drop_events_for_test(&self, on: bool) {
        self.shared.deaf.store(on, Ordering::SeqCst);
    }

    /// Test hook: feeds an event (or an error) as if the file system watcher had sent it: for
    /// example one flagged `Rescan`, which is how `notify` reports an inotify queue overflow.
    #[doc(hidden)]
    pub fn inject_event_for_test(&self, ev: notify::Result<notify::Event>) {
        self.send(Msg::Fs(ev));
    }

    /// Waits until no file system event has arrived for `quiet` (counted from the call at the
    /// earliest), nothing is pending and no batch is running, or until `timeout`. Returns
    /// whether it settled.
    pub fn settle(&self, quiet: Duration, timeout: Duration) -> bool {
        let t0 = Instant::now();
        loop {
            // Quiet is counted from the call too: an event the kernel has not delivered yet
            // must have had the time to arrive.
            let ok = self.is_ready()
                && t0.elapsed() >= quiet
                && self.shared.status.lock().is_ok_and(|s| {
                    !s.pending && !s.busy && s.last_fs.is_none_or(|t| t.elapsed() >= quiet)
                });
            if ok {
                return true;
            }
            if t0.elapsed() >= timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The number of events emitted so far.
    pub fn events_emitted(&self) -> u64 {
        self.shared.status.lock().map(|s| s.seq).unwrap_or(0)
    }

    /// Stops the watcher: no event reaches the sink after this returns. Idempotent.
    pub fn close(&self) {
        registry::unregister(self.id);
        if let Ok(mut tx) = self.shared.sync_tx.lock() {
            tx.take();
        }
        self.shared.cancel.store(true, Ordering::SeqCst);
        if let Ok(mut tx) = self.tx.lock() {
            if let Some(tx) = tx.take() {
                let _ = tx.send(Msg::Stop);
            }
        }
        let handle = self.worker.lock().ok().and_then(|mut w| w.take());
        if let Some(h) = handle {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
        if let Some(s) = &self.shared.sentinel {
            let _ = std::fs::remove_dir_all(s);
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.close();
    }
}

#[derive(Default)]
struct Pending {
    dirty: BTreeSet<String>,
    rescan: Option<RescanReason>,
    warnings: Vec<Warning>,
    events: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.first.is_none()
    }
    fn touch(&mut self) {
        let now = Instant::now();
        self.first.get_or_insert(now);
        self.last = Some(now);
    }
    fn rescan(&mut self, reason: RescanReason) {
        if self.rescan.is_none() {
            self.rescan = Some(reason);
        }
        self.touch();
    }
}

struct Worker {
    opts: WatchOptions,
    /// The directories watched and indexed ([`fp::scopes_of`]); empty: the whole root.
    scopes: Vec<String>,
    shared: Arc<Shared>,
    tx: Sender<Msg>,
    sink: EventSink,
    /// The native watcher, held for its lifetime (dropping it stops it); `None` when polling.
    native: Option<notify::RecommendedWatcher>,
    /// When the next poll sweep is due (poll mode only).
    next_poll: Option<Instant>,
    /// The index paths before the batch being handled (with a layout only).
    before: Option<Vec<String>>,
    pending: Pending,
    /// Registry barriers waiting for their token file.
    syncs: std::collections::HashMap<u64, Sender<bool>>,
    /// Registry barriers whose token file was seen: answered once the batch is handled.
    sync_due: Vec<Sender<bool>>,
}

/// Root-relative POSIX path of an event path: `None` when it is not under the root or not
/// UTF-8, `Some("")` for the root itself.
fn rel_of(root: &Path, p: &Path) -> Option<Option<String>> {
    let rest = p.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rest.components() {
        match c {
            std::path::Component::Normal(s) => match s.to_str() {
                Some(s) => parts.push(s),
                // Not UTF-8: a fresh scan does not track it (or anything under it) either.
                None => return Some(None),
            },
            std::path::Component::CurDir => {}
            _ => return None,
        }
    }
    Some(Some(parts.join("/")))
}

impl Worker {
    /// Whether `rel` is at or under one of the scopes.
    fn in_scope(&self, rel: &str) -> bool {
        self.scopes.iter().any(|s| walk::is_under(rel, s))
    }

    /// Whether an event path lies beside every scope: under the root, but neither in a scope
    /// nor on the way to one (nor an ignore file whose rules could apply to a scope). Always
    /// false without scopes.
    fn beside_scopes(&self, p: &Path) -> bool {
        if self.scopes.is_empty() {
            return false;
        }
        match rel_of(&self.opts.fingerprint.root, p) {
            Some(Some(rel)) if !rel.is_empty() => {
                let relevant = self.in_scope(&rel)
                    || self.scopes.iter().any(|s| walk::is_under(s, &rel))
                    || (self.opts.fingerprint.gitignore
                        && super::ignore_rules::is_ignore_file(&rel));
                !relevant
            }
            _ => false,
        }
    }

    fn mode(&self) -> Mode {
        if self.native.is_some() {
            Mode::Native
        } else {
            Mode::Poll
        }
    }

    fn set_mode(&self) {
        if let Ok(mut m) = self.shared.mode.lock() {
            *m = self.mode();
        }
    }

    fn start_native(&mut self) -> Result<(), notify::Error> {
        if self.opts.fail_native {
            return Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch));
        }
        let tx = self.tx.clone();
        let handler = move |res| {
            let _ = tx.send(Msg::Fs(res));
        };
        let config =
            notify::Config::default().with_follow_symlinks(self.opts.fingerprint.follow_symlinks);
        let mut w = notify::RecommendedWatcher::new(handler, config)?;
        if self.scopes.is_empty() {
            w.watch(&self.opts.fingerprint.root, RecursiveMode::Recursive)?;
        } else {
            Self::watch_scopes(&mut w, &self.opts.fingerprint.root, &self.scopes)?;
        }
        // The same watcher (one kernel queue) watches the barrier directory: a token seen
        // there means every event before it has been delivered. Only inotify gives that order
        // across watched directories (one FIFO queue per instance); elsewhere (FSEvents,
        // ReadDirectoryChangesW with a handle per directory) no barrier is offered, and
        // dispatches walk.
        let sync_ok = cfg!(target_os = "linux")
            && self
                .shared
                .sentinel
                .as_ref()
                .is_some_and(|s| w.watch(s, RecursiveMode::NonRecursive).is_ok());
        self.shared.sync_ok.store(sync_ok, Ordering::SeqCst);
        self.native = Some(w);
        Ok(())
    }

    /// Watches only the scopes (each recursively, once it exists) and, without recursion, the
    /// root and every directory between it and a scope, so that a scope that appears, goes or
    /// is replaced is seen (and watched again: [`Self::take`]). Idempotent.
    fn watch_scopes(
        w: &mut notify::RecommendedWatcher,
        root: &Path,
        scopes: &[String],
    ) -> Result<(), notify::Error> {
        w.watch(root, RecursiveMode::NonRecursive)?;
        for s in scopes {
            let mut dir = String::new();
            let parts: Vec<&str> = s.split('/').collect();
            for (i, part) in parts.iter().enumerate() {
                if !dir.is_empty() {
                    dir.push('/');
                }
                dir.push_str(part);
                let abs = root.join(&dir);
                if !abs.is_dir() {
                    break;
                }
                let last = i + 1 == parts.len();
                let mode = if last {
                    RecursiveMode::Recursive
                } else {
                    RecursiveMode::NonRecursive
                };
                match w.watch(&abs, mode) {
                    Ok(()) => {}
                    // Gone between the check and the watch: its parent's watch reports it.
                    Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => break,
                    Err(e) if matches!(&e.kind, notify::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound) => {
                        break
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Polling: every interval, a full run of the engine with the index (and its stat hints)
    /// as the previous state. It lists and stats the tree, and reads only files whose whole
    /// stat tuple moved (or that are racy), so it sees what a fresh scan sees.
    fn start_poll(&mut self) {
        self.native = None;
        self.shared.sync_ok.store(false, Ordering::SeqCst);
        self.next_poll = Some(Instant::now() + self.opts.poll_interval);
    }

    /// Starts the native watcher unless polling is asked for, and polls when it cannot start.
    /// Returns the warnings to report.
    fn start_fs(&mut self, native: bool) -> Vec<Warning> {
        let mut warnings = Vec::new();
        if native {
            match self.start_native() {
                Ok(()) => return warnings,
                Err(e) => {
                    self.native = None;
                    warnings.push(self.fallback_warning(&e));
                }
            }
        }
        self.start_poll();
        warnings
    }

    fn fallback_warning(&self, e: &notify::Error) -> Warning {
        let (code, why) = if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
            (
                "watch_limit",
                "the inotify watch limit is reached (fs.inotify.max_user_watches)",
            )
        } else {
            ("native_watcher_unavailable", "the native watcher failed")
        };
        Warning::new(
            code,
            format!(
                "{why} ({e}); polling every {} ms instead",
                self.opts.poll_interval.as_millis()
            ),
        )
    }

    fn run(&mut self, rx: Receiver<Msg>) {
        let mut warnings = self.start_fs(!self.opts.poll);
        self.set_mode();
        // The watcher is up before the initial scan, so nothing that happens during the scan
        // is missed: its events are handled as the first batch.
        let t0 = Instant::now();
        let ctl = Control::new(self.shared.cancel.clone(), None);
        let mut opts = self.opts.fingerprint.clone();
        opts.previous = Previous::None;
        opts.write_to = None;
        match fp::fingerprint(&opts, &ctl) {
            Ok(mut o) => {
                warnings.extend(o.warnings.iter().cloned());
                let counts = WatchCounts {
                    files: o.files.len() as u64,
                    hashed: o.counts.hashed,
                    reused: o.counts.reused,
                    bytes_hashed: o.counts.bytes_hashed,
                    ..WatchCounts::default()
                };
                let mut delta = std::mem::take(&mut o.delta);
                delta.unchanged.clear();
                if let Ok(mut idx) = self.shared.index.lock() {
                    idx.replace(&mut o);
                    idx.ready = true;
                }
                self.emit(WatchEventKind::Ready, delta, counts, None, warnings, t0);
            }
            Err(CoreError::Aborted) => return,
            Err(e) => {
                warnings.push(Warning::new("scan_failed", e.to_string()));
                self.shared.stale.store(true, Ordering::SeqCst);
                if let Ok(mut idx) = self.shared.index.lock() {
                    idx.ready = true;
                }
                self.emit(
                    WatchEventKind::Error,
                    Delta::default(),
                    WatchCounts::default(),
                    None,
                    warnings,
                    t0,
                );
            }
        }
        loop {
            let wake = match (self.deadline(), self.next_poll) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let msg = match wake {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            match msg {
                Ok(Msg::Fs(res)) => self.take(res),
                Ok(Msg::Flush(reply)) => {
                    // Take what is already queued, then handle the batch now.
                    while let Ok(m) = rx.try_recv() {
                        match m {
                            Msg::Fs(res) => self.take(res),
                            Msg::Sync(token, reply) => {
                                self.syncs.insert(token, reply);
                            }
                            Msg::Rescan(r) => self.pending.rescan(r),
                            Msg::Flush(other) => {
                                let _ = other.send(());
                            }
                            Msg::Stop => return,
                        }
                    }
                    if self.native.is_none() {
                        self.pending.touch(); // a sweep now
                    }
                    self.process();
                    let _ = reply.send(());
                }
                Ok(Msg::Rescan(reason)) => self.pending.rescan(reason),
                Ok(Msg::Sync(token, reply)) => {
                    self.syncs.insert(token, reply);
                }
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if self.shared.cancel.load(Ordering::SeqCst) {
                return;
            }
            self.answer_syncs();
            if let Some(d) = self.deadline() {
                if Instant::now() >= d {
                    self.process();
                }
            }
            if let Some(t) = self.next_poll {
                if Instant::now() >= t {
                    self.pending.touch();
                    self.process();
                    self.next_poll = Some(Instant::now() + self.opts.poll_interval);
                }
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        let (first, last) = (self.pending.first?, self.pending.last?);
        Some((last + self.opts.debounce).min(first + self.opts.max_batch))
    }

    /// Notes one event from the file system watcher.
    fn take(&mut self, res: notify::Result<notify::Event>) {
        if self.shared.deaf.load(Ordering::SeqCst) {
            return;
        }
        let ev = match res {
            Ok(ev) if self.is_barrier(&ev) => return,
            Ok(ev) => ev,
            Err(e) => {
                if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) && self.native.is_some() {
                    // New directories can no longer be watched: restart as a poller.
                    let w = self.fallback_warning(&e);
                    self.start_poll();
                    self.set_mode();
                    self.pending.warnings.push(w);
                    self.pending.rescan(RescanReason::WatchLimit);
                } else {
                    self.pending
                        .warnings
                        .push(Warning::new("watcher_error", e.to_string()));
                    self.pending.rescan(RescanReason::WatcherError);
                }
                self.note_fs();
                return;
            }
        };
        // Reads (ours included: hashing opens files) change nothing.
        if let EventKind::Access(a) = ev.kind {
            if a != AccessKind::Close(AccessMode::Write) {
                return;
            }
        }
        // An event only beside the scopes is not looked at (not even counted: the index is as
        // settled as before it).
        if !ev.need_rescan()
            && !ev.paths.is_empty()
            && ev.paths.iter().all(|p| self.beside_scopes(p))
        {
            return;
        }
        self.pending.events += 1;
        self.note_fs();
        if ev.need_rescan() {
            self.pending.rescan(RescanReason::Overflow);
            return;
        }
        if ev.paths.is_empty() {
            self.pending.rescan(RescanReason::UnknownPath);
            return;
        }
        let root = self.opts.fingerprint.root.clone();
        for p in &ev.paths {
            match rel_of(&root, p) {
                None => self.pending.rescan(RescanReason::UnknownPath),
                Some(None) => self.pending.touch(),
                Some(Some(rel)) if rel.is_empty() => self.pending.rescan(RescanReason::RootChanged),
                Some(Some(rel))
                    if self.opts.fingerprint.gitignore
                        && super::ignore_rules::is_ignore_file(&rel) =>
                {
                    self.pending.rescan(RescanReason::IgnoreRules)
                }
                Some(Some(rel))
                    if !self.scopes.is_empty()
                        && (!self.in_scope(&rel) || self.scopes.contains(&rel)) =>
                {
                    // A scope itself or a directory on the way to one: the scope may have
                    // appeared, gone or been replaced; watch what exists now and re-check the
                    // scopes at or below it. Anything else outside the scopes is not indexed.
                    let below: Vec<String> = self
                        .scopes
                        .iter()
                        .filter(|s| walk::is_under(s, &rel))
                        .cloned()
                        .collect();
                    if below.is_empty() {
                        continue; // beside the scopes: not indexed
                    }
                    if let Some(w) = self.native.as_mut() {
                        if let Err(e) = Self::watch_scopes(w, &root, &self.scopes) {
                            self.pending
                                .warnings
                                .push(Warning::new("watcher_error", e.to_string()));
                            self.pending.rescan(RescanReason::WatcherError);
                        }
                    }
                    for s in below {
                        self.pending.dirty.insert(s);
                    }
                    self.pending.touch();
                }
                Some(Some(rel)) => {
                    self.pending.dirty.insert(rel);
                    self.pending.touch();
                }
            }
        }
    }

    /// Whether `ev` is about the barrier directory; notes the barriers it completes.
    fn is_barrier(&mut self, ev: &notify::Event) -> bool {
        let Some(dir) = self.shared.sentinel.as_ref() else {
            return false;
        };
        let mut ours = false;
        for p in &ev.paths {
            if p.starts_with(dir) {
                ours = true;
                let token = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(registry::token_of);
                if let Some(reply) = token.and_then(|t| self.syncs.remove(&t)) {
                    self.sync_due.push(reply);
                }
            }
        }
        ours
    }

    /// Answers the barriers that were seen: the pending batch is handled first, and the answer
    /// says whether the index is then settled.
    fn answer_syncs(&mut self) {
        if self.sync_due.is_empty() {
            return;
        }
        self.process();
        let settled = self.native.is_some()
            && self.pending.is_empty()
            && self.pending.rescan.is_none()
            && !self.shared.stale.load(Ordering::SeqCst);
        for reply in self.sync_due.drain(..) {
            let _ = reply.send(settled);
        }
    }

    fn note_fs(&self) {
        if let Ok(mut s) = self.shared.status.lock() {
            s.last_fs = Some(Instant::now());
            s.pending = true;
        }
    }

    fn emit(
        &mut self,
        kind: WatchEventKind,
        delta: Delta,
        counts: WatchCounts,
        rescan_reason: Option<RescanReason>,
        warnings: Vec<Warning>,
        t0: Instant,
    ) {
        let seq = match self.shared.status.lock() {
            Ok(mut s) => {
                s.seq += 1;
                s.seq - 1
            }
            Err(_) => 0,
        };
        if self.shared.cancel.load(Ordering::SeqCst) {
            return;
        }
        let before = self.before.take().unwrap_or_default();
        let contract = match &self.opts.layout {
            Some(l) if kind != WatchEventKind::Error => Some(l.view(
                &before,
                &self.index_paths(),
                &delta,
                kind == WatchEventKind::Ready,
            )),
            _ => None,
        };
        (self.sink)(WatchEvent {
            kind,
            mode: self.mode(),
            seq,
            delta,
            counts,
            rescan_reason,
            warnings,
            elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
            contract,
        });
    }

    fn index_paths(&self) -> Vec<String> {
        self.shared
            .index
            .lock()
            .map(|i| i.files.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Handles the pending batch.
    fn process(&mut self) {
        if self.pending.is_empty() {
            // Nothing new (a rescan owed after a failure waits for the next event).
            if let Ok(mut s) = self.shared.status.lock() {
                s.pending = false;
            }
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        if let Ok(mut s) = self.shared.status.lock() {
            s.busy = true;
        }
        self.process_batch(pending);
        if let Ok(mut s) = self.shared.status.lock() {
            s.busy = false;
            s.pending = !self.pending.is_empty();
        }
    }

    fn process_batch(&mut self, pending: Pending) {
        let t0 = Instant::now();
        let Pending {
            dirty,
            rescan,
            mut warnings,
            events,
            ..
        } = pending;
        let polling = self.native.is_none();
        if rescan.is_none() && dirty.is_empty() && !polling {
            return;
        }
        // The index before this batch, for the contract's baseline keys.
        self.before = self.opts.layout.as_ref().map(|_| self.index_paths());
        // With links followed, what a path names depends on links elsewhere: re-check it all.
        // A poll sweep is a full re-check by nature.
        let full = rescan.is_some() || polling || self.opts.fingerprint.follow_symlinks;
        if full {
            let current = self
                .shared
                .index
                .lock()
                .map(|i| i.sorted())
                .unwrap_or_default();
            let mut opts = self.opts.fingerprint.clone();
            opts.previous = Previous::State(current);
            opts.write_to = None;
            let ctl = Control::new(self.shared.cancel.clone(), None);
            match fp::fingerprint(&opts, &ctl) {
                Ok(mut o) => {
                    warnings.extend(o.warnings.iter().cloned());
                    let counts = WatchCounts {
                        files: o.files.len() as u64,
                        events,
                        checked: 0,
                        hashed: o.counts.hashed,
                        reused: o.counts.reused,
                        bytes_hashed: o.counts.bytes_hashed,
                    };
                    let mut delta = std::mem::take(&mut o.delta);
                    delta.unchanged.clear();
                    if let Ok(mut idx) = self.shared.index.lock() {
                        idx.replace(&mut o);
                        self.shared.stale.store(false, Ordering::SeqCst);
                    }
                    if rescan.is_none() && delta.is_clean() {
                        // A sweep (or a batch of touches) that found nothing: nothing to say.
                        return;
                    }
                    if polling {
                        // What a poll sweep finds stands for file system events.
                        self.note_fs();
                    }
                    let kind = if rescan.is_some() {
                        WatchEventKind::Rescan
                    } else {
                        WatchEventKind::Change
                    };
                    self.emit(kind, delta, counts, rescan, warnings, t0);
                }
                Err(CoreError::Aborted) => {}
                Err(e) => self.fail(e, rescan, warnings, events, t0),
            }
            return;
        }

        // The paths to re-check: a path under an unreadable directory widens to that
        // directory; a path under another dirty path is covered by it.
        let scopes: Vec<String> = {
            let idx = match self.shared.index.lock() {
                Ok(i) => i,
                Err(_) => return,
            };
            let mut widened = BTreeSet::new();
            for p in dirty {
                let u = idx
                    .unreadable
                    .iter()
                    .find(|u| walk::is_under(&p, u))
                    .cloned();
                widened.insert(u.unwrap_or(p));
            }
            let covered = |p: &str| {
                let mut cur = p;
                while let Some(i) = cur.rfind('/') {
                    cur = &cur[..i];
                    if widened.contains(cur) {
                        return true;
                    }
                }
                false
            };
            widened.iter().filter(|p| !covered(p)).cloned().collect()
        };
        let (prev_files, prev_hints) = {
            let idx = match self.shared.index.lock() {
                Ok(i) => i,
                Err(_) => return,
            };
            let mut files = Vec::new();
            let mut hints = Vec::new();
            for s in &scopes {
                for k in keys_under(&idx.files, s) {
                    let f = &idx.files[&k];
                    files.push((k.clone(), f.record));
                    hints.push((k, f.hint));
                }
            }
            files.sort_by(|a, b| a.0.cmp(&b.0));
            hints.sort_by(|a, b| a.0.cmp(&b.0));
            (files, hints)
        };
        let fo = &self.opts.fingerprint;
        let result = (|| {
            let filter = Filter::new(&fo.filter)?;
            let ctl = Control::new(self.shared.cancel.clone(), None);
            let walked = walk::walk_paths(
                &fo.root,
                &scopes,
                &WalkOptions {
                    filter: &filter,
                    max_depth: fo.max_depth,
                    follow_symlinks: false,
                    gitignore: fo.gitignore,
                },
                &ctl,
            )?;
            let mut walked = walked;
            let walk_warnings = std::mem::take(&mut walked.warnings);
            let ignored = std::mem::take(&mut walked.ignored);
            let ev = fp::evaluate(
                &fo.root,
                fo.algorithm,
                fo.strategy,
                &Snapshot::take(None),
                walked,
                IndexTable::from_lists(prev_files, prev_hints),
                true,
                &ctl,
            )?;
            Ok::<_, CoreError>((walk_warnings, ignored, ev))
        })();
        match result {
            Ok((walk_warnings, ignored, ev)) => {
                warnings.extend(walk_warnings.iter().cloned());
                warnings.extend(ev.warnings);
                let files_after = {
                    let mut idx = match self.shared.index.lock() {
                        Ok(i) => i,
                        Err(_) => return,
                    };
                    for s in &scopes {
                        for k in keys_under(&idx.files, s) {
                            idx.files.remove(&k);
                        }
                        for k in set_under(&idx.unreadable, s) {
                            idx.unreadable.remove(&k);
                        }
                        for k in set_under(&idx.depth_limited, s) {
                            idx.depth_limited.remove(&k);
                        }
                        for k in set_under(&idx.ignored, s) {
                            idx.ignored.remove(&k);
                        }
                    }
                    idx.ignored.extend(ignored);
                    for f in ev.files.into_states() {
                        idx.files.insert(f.path.clone(), f);
                    }
                    idx.unreadable.extend(ev.unreadable);
                    idx.depth_limited
                        .extend(depth_limited_of(&walk_warnings).collect::<Vec<_>>());
                    idx.files.len() as u64
                };
                let mut delta = ev.delta;
                delta.unchanged.clear();
                if delta.is_clean() && warnings.is_empty() {
                    // Touched but equal (an open for writing, a metadata change): nothing to say.
                    return;
                }
                let counts = WatchCounts {
                    files: files_after,
                    events,
                    checked: scopes.len() as u64,
                    hashed: ev.counts.hashed,
                    reused: ev.counts.reused,
                    bytes_hashed: ev.counts.bytes_hashed,
                };
                self.emit(WatchEventKind::Change, delta, counts, None, warnings, t0);
            }
            Err(CoreError::Aborted) => {}
            Err(e) => self.fail(e, None, warnings, events, t0),
        }
    }

    fn fail(
        &mut self,
        e: CoreError,
        rescan: Option<RescanReason>,
        mut warnings: Vec<Warning>,
        events: u64,
        t0: Instant,
    ) {
        warnings.push(Warning::new(
            "scan_failed",
            format!("{e}; the index is unchanged, and is rebuilt once the root is usable"),
        ));
        // Whatever happened, the next batch must be a full rescan.
        self.shared.stale.store(true, Ordering::SeqCst);
        self.pending
            .rescan(rescan.unwrap_or(RescanReason::RootChanged));
        self.pending.first = None;
        self.pending.last = None;
        let counts = WatchCounts {
            files: self
                .shared
                .index
                .lock()
                .map(|i| i.files.len() as u64)
                .unwrap_or(0),
            events,
            ..WatchCounts::default()
        };
        self.emit(
            WatchEventKind::Error,
            Delta::default(),
            counts,
            rescan,
            warnings,
            t0,
        );
    }
}

/// Whether a delta names `path` with `change`.
pub fn delta_has(delta: &Delta, path: &str, change: Change) -> bool {
    delta
        .reasons
        .iter()
        .any(|r| r.path == path && r.change == change)
}
