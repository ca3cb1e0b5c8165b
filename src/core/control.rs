//! Cooperative cancellation and throttled progress for long operations.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::error::{CoreError, CoreResult};

/// Which part of a scan is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Listing directories and reading stat data.
    Walk,
    /// Reading and hashing file contents.
    Hash,
    /// Everything is done.
    Done,
}

impl Phase {
    /// The name hosts see.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Walk => "walk",
            Phase::Hash => "hash",
            Phase::Done => "done",
        }
    }
}

/// A progress report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The phase running.
    pub phase: Phase,
    /// Files found so far.
    pub files_seen: u64,
    /// Files whose content must be hashed (known once the walk is done).
    pub files_to_hash: u64,
    /// Files hashed so far.
    pub files_hashed: u64,
    /// Bytes hashed so far.
    pub bytes_hashed: u64,
}

/// A progress callback; it may be called from any thread.
pub type ProgressFn = dyn Fn(Progress) + Send + Sync;

/// Cancellation flag and progress sink shared by the threads of one operation.
pub struct Control {
    cancel: Arc<AtomicBool>,
    progress: Option<Box<ProgressFn>>,
    interval_ms: u64,
    start: Instant,
    last_emit_ms: AtomicU64,
    phase: AtomicU8,
    files_seen: AtomicU64,
    files_to_hash: AtomicU64,
    files_hashed: AtomicU64,
    bytes_hashed: AtomicU64,
}

impl Default for Control {
    fn default() -> Self {
        Control::new(Arc::new(AtomicBool::new(false)), None)
    }
}

impl Control {
    /// A control with a cancellation flag and an optional progress callback, which is called
    /// at most every 50 ms and once at the end.
    pub fn new(cancel: Arc<AtomicBool>, progress: Option<Box<ProgressFn>>) -> Self {
        Control {
            cancel,
            progress,
            interval_ms: 50,
            start: Instant::now(),
            last_emit_ms: AtomicU64::new(0),
            phase: AtomicU8::new(0),
            files_seen: AtomicU64::new(0),
            files_to_hash: AtomicU64::new(0),
            files_hashed: AtomicU64::new(0),
            bytes_hashed: AtomicU64::new(0),
        }
    }

    /// `Err(Aborted)` once the caller has asked to stop.
    pub fn check(&self) -> CoreResult<()> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(CoreError::Aborted)
        } else {
            Ok(())
        }
    }

    /// Whether the caller has asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    fn snapshot(&self) -> Progress {
        let phase = match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Walk,
            1 => Phase::Hash,
            _ => Phase::Done,
        };
        Progress {
            phase,
            files_seen: self.files_seen.load(Ordering::Relaxed),
            files_to_hash: self.files_to_hash.load(Ordering::Relaxed),
            files_hashed: self.files_hashed.load(Ordering::Relaxed),
            bytes_hashed: self.bytes_hashed.load(Ordering::Relaxed),
        }
    }

    fn maybe_emit(&self) {
        let Some(cb) = &self.progress else { return };
        let now = self.start.elapsed().as_millis() as u64 + 1;
        let last = self.last_emit_ms.load(Ordering::Relaxed);
        if now >= last + self.interval_ms
            && self
                .last_emit_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            cb(self.snapshot());
        }
    }

    /// Counts files found by the walk.
    pub fn saw_files(&self, n: u64) {
        self.files_seen.fetch_add(n, Ordering::Relaxed);
        self.maybe_emit();
    }

    /// Enters the hash phase with `n` files to hash.
    pub fn start_hashing(&self, n: u64) {
        self.files_to_hash.store(n, Ordering::Relaxed);
        self.phase.store(1, Ordering::Relaxed);
        self.maybe_emit();
    }

    /// Enters the hash phase with `n` more files to hash (several trees add up).
    pub fn more_to_hash(&self, n: u64) {
        self.files_to_hash.fetch_add(n, Ordering::Relaxed);
        self.phase.store(1, Ordering::Relaxed);
        self.maybe_emit();
    }

    /// Counts one hashed file of `bytes` bytes.
    pub fn hashed(&self, bytes: u64) {
        self.files_hashed.fetch_add(1, Ordering::Relaxed);
        self.bytes_hashed.fetch_add(bytes, Ordering::Relaxed);
        self.maybe_emit();
    }

    /// Reports the final state once.
    pub fn finish(&self) {
        self.phase.store(2, Ordering::Relaxed);
        if let Some(cb) = &self.progress {
            cb(self.snapshot());
        }
    }
}
