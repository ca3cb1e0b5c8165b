//! Stat data as a hint: the tuple we compare, and the racy-file guard (fingerprints.md §Authority).
//!
//! Stat data never proves a file unchanged on its own: it only lets the engine skip re-reading
//! a file whose whole tuple is equal to the one recorded when its content was last hashed, and
//! whose record was not racy. Every comparison is equality, never `>`.

use std::fs::{self, Metadata};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::safe_dir::SafeDir;

/// What kind of directory entry a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (not followed).
    Symlink,
    /// A FIFO, socket or device: never opened.
    Special,
}

impl FileKind {
    /// One byte for the hints file.
    pub fn to_byte(self) -> u8 {
        match self {
            FileKind::File => 0,
            FileKind::Dir => 1,
            FileKind::Symlink => 2,
            FileKind::Special => 3,
        }
    }

    /// Inverse of [`FileKind::to_byte`].
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => FileKind::File,
            1 => FileKind::Dir,
            2 => FileKind::Symlink,
            3 => FileKind::Special,
            _ => return None,
        })
    }

    /// The kind of a `std::fs::FileType` (from an lstat: links are links).
    pub fn of(ft: &fs::FileType) -> Self {
        if ft.is_file() {
            FileKind::File
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Special
        }
    }
}

/// The stat tuple compared for the fast path: type, size, mtime and ctime in nanoseconds,
/// inode (0 where the platform has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatTuple {
    /// Entry kind.
    pub kind: FileKind,
    /// Size in bytes as the file system reports it.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// Status change time, nanoseconds since the Unix epoch (creation time where there is none).
    pub ctime_ns: i64,
    /// Inode number (0 where unknown).
    pub ino: u64,
}

impl StatTuple {
    /// The tuple of a metadata value.
    pub fn from_metadata(md: &Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            StatTuple {
                kind: FileKind::of(&md.file_type()),
                size: md.size(),
                mtime_ns: md.mtime().saturating_mul(1_000_000_000) + md.mtime_nsec(),
                ctime_ns: md.ctime().saturating_mul(1_000_000_000) + md.ctime_nsec(),
                ino: md.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            StatTuple {
                kind: FileKind::of(&md.file_type()),
                size: md.len(),
                mtime_ns: md.modified().map(system_time_ns).unwrap_or(0),
                ctime_ns: md.created().map(system_time_ns).unwrap_or(0),
                ino: 0,
            }
        }
    }

    /// Modification time in whole milliseconds (what manifests record as `mtimeMs`).
    pub fn mtime_ms(&self) -> i64 {
        self.mtime_ns.div_euclid(1_000_000)
    }

    /// The part of the tuple the `metadata` strategy trusts: kind, size and mtime.
    pub fn same_metadata(&self, other: &StatTuple) -> bool {
        self.kind == other.kind && self.size == other.size && self.mtime_ns == other.mtime_ns
    }
}

/// Nanoseconds since the Unix epoch of a `SystemTime` (negative before it).
pub fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// How wide the racy window is on a file system with sub-second timestamps. Timestamps come
/// from the kernel's coarse clock, which ticks every few milliseconds; the window covers it.
pub const FINE_GRANULARITY_NS: i64 = 100_000_000;
/// The racy window for a timestamp with no sub-second part (1- or 2-second file systems).
pub const COARSE_GRANULARITY_NS: i64 = 2_000_000_000;

/// The time a scan started, read from the file system's own clock where it can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Nanoseconds since the epoch.
    pub now_ns: i64,
    /// Whether it came from a sentinel file (true) or from the wall clock (false).
    pub from_fs_clock: bool,
}

/// The sentinel's file name inside a cache directory.
pub const CLOCK_SENTINEL: &str = ".cachecore-clock";

impl Snapshot {
    /// The wall clock (no sentinel).
    pub fn wall() -> Snapshot {
        Snapshot {
            now_ns: system_time_ns(SystemTime::now()),
            from_fs_clock: false,
        }
    }

    /// Reads the file system clock through the sentinel file in `dir`
    /// ([`Self::take_reporting`] without its warning).
    pub fn take(dir: Option<&Path>) -> Snapshot {
        Self::take_reporting(dir).0
    }

    /// Reads the file system clock through the sentinel in `dir` ([`Self::take_in`]); the wall
    /// clock when `dir` is `None` or cannot be opened. The message says why a sentinel that is
    /// there was not used (a link, a FIFO, a directory, a file that is not cachecore's).
    pub fn take_reporting(dir: Option<&Path>) -> (Snapshot, Option<String>) {
        match dir.map(|d| SafeDir::open_root(d, false)) {
            Some(Ok(d)) => Self::take_in(&d),
            _ => (Self::wall(), None),
        }
    }

    /// Reads the file system clock through the sentinel [`CLOCK_SENTINEL`] in an open
    /// directory: created when missing, never followed, never truncated or written, never
    /// blocking ([`SafeDir::clock`]). Falls back to the wall clock when it cannot be used.
    pub fn take_in(dir: &SafeDir) -> (Snapshot, Option<String>) {
        match dir.clock(std::ffi::OsStr::new(CLOCK_SENTINEL)) {
            Ok(Some(ns)) => (
                Snapshot {
                    now_ns: ns,
                    from_fs_clock: true,
                },
                None,
            ),
            Ok(None) => (Self::wall(), None),
            Err(message) => (Self::wall(), Some(message)),
        }
    }

    /// Whether a record observed with `tuple` is racy: its mtime or ctime is at or after the
    /// snapshot minus the granularity. A timestamp with no sub-second part gets the coarse
    /// window, since it may come from a 1- or 2-second file system.
    pub fn is_racy(&self, tuple: &StatTuple) -> bool {
        let near = |t: i64| {
            let g = if t.rem_euclid(1_000_000_000) == 0 {
                COARSE_GRANULARITY_NS
            } else {
                FINE_GRANULARITY_NS
            };
            t >= self.now_ns.saturating_sub(g)
        };
        near(tuple.mtime_ns) || near(tuple.ctime_ns)
    }

    /// Whether a modification time lies in the future of this snapshot (clock skew).
    pub fn is_future(&self, tuple: &StatTuple) -> bool {
        tuple.mtime_ns > self.now_ns.saturating_add(COARSE_GRANULARITY_NS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuple(mtime_ns: i64, ctime_ns: i64) -> StatTuple {
        StatTuple {
            kind: FileKind::File,
            size: 1,
            mtime_ns,
            ctime_ns,
            ino: 1,
        }
    }

    #[test]
    fn racy_window_is_inclusive_and_uses_both_times() {
        let s = Snapshot {
            now_ns: 10_000_000_001,
            from_fs_clock: true,
        };
        assert!(s.is_racy(&tuple(10_000_000_001 - FINE_GRANULARITY_NS, 1)));
        assert!(!s.is_racy(&tuple(10_000_000_000 - FINE_GRANULARITY_NS, 5)));
        assert!(s.is_racy(&tuple(5, 10_000_000_001)));
        // A whole-second mtime gets the coarse window.
        assert!(s.is_racy(&tuple(9_000_000_000, 5)));
        assert!(!s.is_racy(&tuple(7_000_000_000, 5)));
    }

    #[test]
    fn sentinel_snapshot_reads_the_fs_clock() {
        let dir = tempfile::tempdir().unwrap();
        let before = system_time_ns(SystemTime::now());
        let s = Snapshot::take(Some(dir.path()));
        assert!(s.from_fs_clock);
        // The coarse clock may lag the wall clock by a tick, never by seconds.
        assert!((s.now_ns - before).abs() < 2_000_000_000);
        let fallback = Snapshot::take(Some(&dir.path().join("missing/dir")));
        assert!(!fallback.from_fs_clock);
    }

    #[test]
    fn metadata_equality_ignores_ctime_and_inode() {
        let a = tuple(5, 6);
        let mut b = a;
        b.ctime_ns = 9;
        b.ino = 2;
        assert!(a.same_metadata(&b));
        assert_ne!(a, b);
    }
}
