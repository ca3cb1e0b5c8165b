//! `watch`: live fingerprints for IDE hosts (argument conversion only; see `core::watch`).
//!
//! Events travel from the watcher thread to JavaScript through a queue and a weak threadsafe
//! function that calls a relay on the JS thread. The relay checks the watcher's closed flag
//! before calling the host's callback, so nothing is delivered after `close()` returns, not
//! even events already queued.
//!
//! Like `fs.watch`, a watcher keeps the process alive while it is open (`persistent`, default
//! true): a watcher exists to deliver events, so `await`ing them must not end the process, and
//! a CLI's `--watch` mode needs nothing else to stay up. `close()` releases the threadsafe
//! function, and the process then exits normally. With `persistent: false` the threadsafe
//! function is weak and the watcher never holds the process. At environment teardown
//! (`process.exit`, a worker ending) a cleanup hook stops the watcher's threads first.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::{Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;

use super::contract_policy::{AnalysisRebuildDecision, ClassifiedCacheFileDelta};
use super::errors::{ensure_function, exported, invalid, strict_arg, to_js};
use super::fingerprint::{
    base_options, check_rule_keys, to_changes, to_records, CacheWarning, ExcludeRules, FileChange,
    FileRecord, FingerprintStrategy, HashAlgorithm, IncludeRules,
};
use super::option_keys::{WATCH_LAYOUT, WATCH_OPTIONS};
use crate::core::watch as core;

/// What a watch event reports.
#[napi(string_enum)]
pub enum WatchEventKind {
    /// The initial full scan is done; `delta.added` lists every file.
    #[napi(value = "ready")]
    Ready,
    /// A batch of file system events was re-checked.
    #[napi(value = "change")]
    Change,
    /// A full rescan ran: queue overflow, a watcher error or restart, an event on the root or
    /// outside it, or `rescan()`. `rescan.reason` says which.
    #[napi(value = "rescan")]
    Rescan,
    /// Something failed (for example the root is gone); the index is unchanged and the next
    /// event triggers a full rescan. `warnings` says what.
    #[napi(value = "error")]
    Error,
}

/// Which watcher feeds the index.
#[napi(string_enum)]
pub enum WatchMode {
    /// inotify (Linux), FSEvents (macOS), ReadDirectoryChangesW (Windows).
    #[napi(value = "native")]
    Native,
    /// A stat sweep of the tree every `pollIntervalMs`, reading only files whose stat tuple
    /// moved.
    #[napi(value = "poll")]
    Poll,
}

/// Options of `watch`: those of `fingerprint` (without `previous`/`writeTo`), plus batching
/// and polling.
#[napi(object, object_to_js = false)]
pub struct WatchOptions {
    /// The directory to watch.
    pub root: String,
    /// Which files are recorded (default: every regular file and symlink).
    pub include: Option<IncludeRules>,
    /// What is never walked or recorded.
    pub exclude: Option<ExcludeRules>,
    /// Directories nested deeper than this are not entered (default 48; an integer of at least
    /// 1).
    pub max_depth: Option<f64>,
    /// Follow symlinks that stay inside the root (default false). When true, every batch is a
    /// full re-check (what a path names depends on links elsewhere).
    pub follow_symlinks: Option<bool>,
    /// Hash algorithm (default `sha256`).
    pub hash: Option<HashAlgorithm>,
    /// Stat trust strategy (default `content`).
    pub strategy: Option<FingerprintStrategy>,
    /// Poll instead of using the native watcher (default false; polling is also used when the
    /// native watcher cannot start, with a `watch_limit` or `native_watcher_unavailable`
    /// warning on the `ready` event).
    pub poll: Option<bool>,
    /// Interval of poll sweeps in milliseconds (default 1000; a positive integer).
    pub poll_interval_ms: Option<f64>,
    /// A batch is flushed after this much quiet, in milliseconds (default 100; a positive
    /// integer).
    pub debounce_ms: Option<f64>,
    /// A batch is flushed at most this long after its first event, in milliseconds
    /// (default 500; a positive integer).
    pub max_batch_ms: Option<f64>,
    /// The i18n host's layout under the root: when set, every event (but `error`) carries the
    /// contract's `classified` delta and its analysis rebuild `decision`.
    pub layout: Option<WatchLayout>,
    /// Keep the process alive while the watcher is open, like `fs.watch` (default true).
    /// `false`: the watcher never holds the process, which exits once nothing else is left.
    pub persistent: Option<bool>,
}

/// Where the i18n host's files live under the watched root (root-relative POSIX paths).
#[napi(object, object_to_js = false)]
pub struct WatchLayout {
    /// The src directory (`""` for the root). Src keys are paths relative to it that match the
    /// contract's src pattern.
    pub src_dir: String,
    /// The locales directory. Segment keys are `*.json` paths relative to it.
    pub locales_dir: String,
    /// The source locale's segment keys (`['en.json']`, or `['en/common.json', ...]`); the
    /// first is the primary one.
    pub source_locale_segment_keys: Vec<String>,
}

/// What changed in the index with one event; every list sorted by path.
#[napi(object, object_from_js = false)]
pub struct WatchDelta {
    /// New files.
    pub added: Vec<String>,
    /// Changed files.
    pub changed: Vec<String>,
    /// Removed files.
    pub deleted: Vec<String>,
    /// Files that could not be read (previously known ones under an unreadable directory too).
    pub unknown: Vec<String>,
    /// Why each added, changed, deleted or unknown file is so.
    pub reasons: Vec<FileChange>,
}

/// Counters of one event.
#[napi(object, object_from_js = false)]
pub struct WatchCounts {
    /// Files in the index after the event.
    pub files: i64,
    /// Raw file system events in the batch.
    pub events: i64,
    /// Paths re-checked (0 for a full scan or a poll sweep).
    pub checked: i64,
    /// Files whose content was read.
    pub hashed: i64,
    /// Files whose hash was reused because their whole stat tuple was unchanged.
    pub reused: i64,
    /// Bytes read.
    pub bytes_hashed: i64,
}

/// Why a full rescan ran.
#[napi(string_enum)]
pub enum WatchRescanReason {
    /// The kernel's event queue overflowed: events were lost.
    #[napi(value = "overflow")]
    Overflow,
    /// The file system watcher reported an error.
    #[napi(value = "watcher_error")]
    WatcherError,
    /// The inotify watch limit was reached: the watcher restarted as a poller.
    #[napi(value = "watch_limit")]
    WatchLimit,
    /// An event named the root itself (moved, removed).
    #[napi(value = "root_changed")]
    RootChanged,
    /// An event named no path, or a path outside the root.
    #[napi(value = "unknown_path")]
    UnknownPath,
    /// `rescan()` was called.
    #[napi(value = "requested")]
    Requested,
}

/// A full rescan, and why.
#[napi(object, object_from_js = false)]
pub struct WatchRescan {
    /// Why it ran.
    pub reason: WatchRescanReason,
}

/// One watch event.
#[napi(object, object_from_js = false)]
pub struct WatchEvent {
    /// What it reports.
    pub kind: WatchEventKind,
    /// The watcher in use.
    pub mode: WatchMode,
    /// Sequence number, from 0 (`ready`).
    pub seq: i64,
    /// What changed in the index.
    pub delta: WatchDelta,
    /// Counters.
    pub counts: WatchCounts,
    /// Set on `rescan` events (and on an `error` during one).
    pub rescan: Option<WatchRescan>,
    /// Diagnostics, the scan's and the watcher's.
    pub warnings: Vec<CacheWarning>,
    /// Wall time of the re-check in milliseconds.
    pub elapsed_ms: f64,
    /// With `layout`: the event's delta classified by the contract (src, source and target
    /// locale segments). Reuse is never decided by the watcher; this is the contract's view.
    pub classified: Option<ClassifiedCacheFileDelta>,
    /// With `layout`: `decideAnalysisRebuild` on `classified` (the balanced profile's rebuild
    /// config): on `ready` as with no previous analysis, afterwards as with an analysis built
    /// from the index before the event. Absent when no tracked file changed (the contract's
    /// cache hit: nothing to rebuild).
    pub decision: Option<AnalysisRebuildDecision>,
}

fn mode_of(m: core::Mode) -> WatchMode {
    match m {
        core::Mode::Native => WatchMode::Native,
        core::Mode::Poll => WatchMode::Poll,
    }
}

fn to_event(e: core::WatchEvent) -> WatchEvent {
    let c = e.counts;
    let (classified, decision) = match e.contract {
        Some(v) => (Some(v.classified.into()), v.decision.map(Into::into)),
        None => (None, None),
    };
    WatchEvent {
        kind: match e.kind {
            core::WatchEventKind::Ready => WatchEventKind::Ready,
            core::WatchEventKind::Change => WatchEventKind::Change,
            core::WatchEventKind::Rescan => WatchEventKind::Rescan,
            core::WatchEventKind::Error => WatchEventKind::Error,
        },
        mode: mode_of(e.mode),
        seq: e.seq as i64,
        delta: WatchDelta {
            added: e.delta.added,
            changed: e.delta.changed,
            deleted: e.delta.deleted,
            unknown: e.delta.unknown,
            reasons: to_changes(e.delta.reasons),
        },
        counts: WatchCounts {
            files: c.files as i64,
            events: c.events as i64,
            checked: c.checked as i64,
            hashed: c.hashed as i64,
            reused: c.reused as i64,
            bytes_hashed: c.bytes_hashed as i64,
        },
        rescan: e.rescan_reason.map(|r| WatchRescan {
            reason: match r {
                core::RescanReason::Overflow => WatchRescanReason::Overflow,
                core::RescanReason::WatcherError => WatchRescanReason::WatcherError,
                core::RescanReason::WatchLimit => WatchRescanReason::WatchLimit,
                core::RescanReason::RootChanged => WatchRescanReason::RootChanged,
                core::RescanReason::UnknownPath => WatchRescanReason::UnknownPath,
                core::RescanReason::Requested => WatchRescanReason::Requested,
            },
        }),
        warnings: e.warnings.into_iter().map(Into::into).collect(),
        elapsed_ms: e.elapsed_ms,
        classified,
        decision,
    }
}

fn ms(env: &Env, option: &str, v: Option<f64>, default: Duration) -> napi::Result<Duration> {
    match v {
        None => Ok(default),
        Some(v) if v.is_finite() && v.fract() == 0.0 && (1.0..=u32::MAX as f64).contains(&v) => {
            Ok(Duration::from_millis(v as u64))
        }
        Some(v) => Err(invalid(
            env,
            option,
            format!("must be an integer of at least 1, got {v}"),
        )),
    }
}

/// The threadsafe function that wakes the relay: strong (holds the event loop) or weak.
enum Wake {
    Strong(ThreadsafeFunction<(), (), (), Status, false, false>),
    Weak(ThreadsafeFunction<(), (), (), Status, false, true>),
}

impl Wake {
    fn call(&self) {
        match self {
            Wake::Strong(f) => f.call((), ThreadsafeFunctionCallMode::NonBlocking),
            Wake::Weak(f) => f.call((), ThreadsafeFunctionCallMode::NonBlocking),
        };
    }
}

type SharedWake = Arc<Mutex<Option<Wake>>>;

/// A root-relative directory as the core spells it: POSIX, no `./`, no trailing `/`, `""`
/// for the root.
fn rel_dir(d: &str) -> String {
    let d = d.replace('\\', "/");
    let d = d.trim_start_matches("./").trim_matches('/');
    if d == "." {
        String::new()
    } else {
        d.to_string()
    }
}

fn plan(env: &Env, o: &mut WatchOptions) -> napi::Result<core::WatchOptions> {
    let fingerprint = base_options(
        &o.root,
        o.include.take(),
        o.exclude.take(),
        o.max_depth,
        o.follow_symlinks,
        o.hash.take(),
        o.strategy.take(),
    )
    .map_err(|e| to_js(env, &e))?;
    Ok(core::WatchOptions {
        fingerprint,
        poll: o.poll.unwrap_or(false),
        poll_interval: ms(
            env,
            "pollIntervalMs",
            o.poll_interval_ms,
            core::DEFAULT_POLL_INTERVAL,
        )?,
        debounce: ms(env, "debounceMs", o.debounce_ms, core::DEFAULT_DEBOUNCE)?,
        max_batch: ms(env, "maxBatchMs", o.max_batch_ms, core::DEFAULT_MAX_BATCH)?,
        layout: o.layout.take().map(|l| core::WatchLayout {
            src_dir: rel_dir(&l.src_dir),
            locales_dir: rel_dir(&l.locales_dir),
            source_locale_segment_keys: l.source_locale_segment_keys,
            rebuild: Default::default(),
        }),
        fail_native: false,
    })
}

/// A live watcher over a root. `close()` it when done: while open it keeps the process alive
/// (unless created with `persistent: false`).
#[napi]
pub struct Watcher {
    inner: Arc<core::Watcher>,
    closed: Arc<AtomicBool>,
    queue: Arc<Mutex<VecDeque<core::WatchEvent>>>,
    wake: SharedWake,
}

#[napi]
impl Watcher {
    /// The current index: recorded files sorted by path, in the shape of
    /// `fingerprintSync(...).records` (empty until the `ready` event).
    #[napi]
    pub fn records(&self) -> Vec<FileRecord> {
        to_records(self.inner.records())
    }

    /// Handles the pending batch now (events the kernel has already delivered), instead of
    /// after the debounce; in poll mode, sweeps now. Its event is delivered asynchronously, as
    /// always. A no-op once closed.
    #[napi]
    pub fn flush(&self) {
        if !self.closed.load(Ordering::SeqCst) {
            self.inner.flush();
        }
    }

    /// Asks for a full rescan (a `rescan` event with reason `requested`), for a host that
    /// suspects the index, e.g. after resuming from sleep.
    #[napi]
    pub fn rescan(&self) {
        if !self.closed.load(Ordering::SeqCst) {
            self.inner.request_rescan();
        }
    }

    /// Stops the watcher and its threads and releases its handles (the process may then
    /// exit). No event is delivered after this returns, not even one already queued.
    /// Idempotent; fine from inside `onEvent`.
    #[napi]
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.inner.close();
        if let Ok(mut q) = self.queue.lock() {
            q.clear();
        }
        // Releasing the threadsafe function lets the event loop go.
        let wake = self.wake.lock().ok().and_then(|mut w| w.take());
        drop(wake);
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Whether the initial scan is done.
    #[napi(getter)]
    pub fn ready(&self) -> bool {
        self.inner.is_ready()
    }

    /// The watcher in use: `native`, or `poll` (asked for, or the native one could not start).
    #[napi(getter)]
    pub fn mode(&self) -> WatchMode {
        mode_of(self.inner.mode())
    }
}

/// Watches a tree: a full scan first (the `ready` event), then one event per batch of file
/// system events, re-checking only the paths they name; overflow, watcher errors and unknown
/// state become full rescans. `onEvent` is called on the JS thread. `records()` always
/// converges to what `fingerprintSync` of the same options returns. Throws with `code`
/// `ROOT_NOT_FOUND`, `ROOT_NOT_DIRECTORY` or `INVALID_OPTION`.
#[napi(ts_args_type = "options: WatchOptions, onEvent: (event: WatchEvent) => void")]
pub fn watch(
    env: Env,
    options: Unknown<'_>,
    on_event: Function<'_, WatchEvent, ()>,
) -> napi::Result<Watcher> {
    exported(&env, "watch", || {
        check_rule_keys(&env, options)?;
        let mut options: WatchOptions = strict_arg(
            &env,
            options,
            "options",
            WATCH_OPTIONS,
            &[("layout", WATCH_LAYOUT)],
        )?;
        ensure_function(&env, &on_event, "onEvent")?;
        let opts = plan(&env, &mut options)?;
        let closed = Arc::new(AtomicBool::new(false));
        let queue: Arc<Mutex<VecDeque<core::WatchEvent>>> = Arc::default();
        let callback = on_event.create_ref()?;
        let (relay_closed, relay_queue) = (closed.clone(), queue.clone());
        // Runs on the JS thread, once per queued event.
        let relay =
            env.create_function_from_closure::<(), (), _>("cachecoreWatchRelay", move |ctx| {
                let next = relay_queue.lock().ok().and_then(|mut q| q.pop_front());
                if relay_closed.load(Ordering::SeqCst) {
                    return Ok(());
                }
                if let Some(ev) = next {
                    let f = callback.borrow_back(ctx.env)?;
                    f.call(to_event(ev))?;
                }
                Ok(())
            })?;
        let builder = relay
            .build_threadsafe_function::<()>()
            .callee_handled::<false>();
        let wake = if options.persistent.unwrap_or(true) {
            Wake::Strong(builder.weak::<false>().build()?)
        } else {
            Wake::Weak(builder.weak::<true>().build()?)
        };
        let wake: SharedWake = Arc::new(Mutex::new(Some(wake)));
        let (sink_closed, sink_queue, sink_wake) = (closed.clone(), queue.clone(), wake.clone());
        let sink: core::EventSink = Box::new(move |ev| {
            if sink_closed.load(Ordering::SeqCst) {
                return;
            }
            if let Ok(mut q) = sink_queue.lock() {
                q.push_back(ev);
            }
            if let Ok(w) = sink_wake.lock() {
                if let Some(w) = w.as_ref() {
                    w.call();
                }
            }
        });
        let inner = Arc::new(core::Watcher::start(opts, sink).map_err(|e| to_js(&env, &e))?);
        // At environment teardown (process exit, worker end), stop the threads first.
        let hook_inner = inner.clone();
        let hook_closed = closed.clone();
        env.add_env_cleanup_hook((), move |_| {
            hook_closed.store(true, Ordering::SeqCst);
            hook_inner.close();
        })?;
        Ok(Watcher {
            inner,
            closed,
            queue,
            wake,
        })
    })
}
