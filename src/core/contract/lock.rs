//! Advisory cache locks: an exclusive lock on a lock file (std's `File::try_lock`: `flock` on
//! Unix, `LockFileEx` on Windows), taken with non-blocking retries up to a timeout. Writers hold
//! one around each read-modify-write; readers take none (atomic publication keeps every read
//! whole). The operating system releases the lock when its holder's file is closed, including
//! when the holder dies, so a lock is never stale: a crashed writer leaves a lock file that the
//! next writer takes at once, and a hung one (stopped, not dead) makes the others time out.

use std::fs::{File, TryLockError};

use super::cache_file;
use super::dispatch_info::CacheWarning;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// The default time a writer waits for a lock before giving up (and not persisting).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// A held lock; released when dropped (closing the file releases it).
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

fn open_lock_file(root: &Path, path: &Path) -> io::Result<File> {
    let (dir, leaf) = crate::core::safe_dir::open_parent(root, path, true)?;
    dir.open_lock(leaf)
}

/// One attempt: `Ok(true)` when the lock is now held, `Ok(false)` when another holder has it
/// (or the attempt was interrupted by a signal).
fn try_lock(file: &File) -> io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Interrupted => Ok(false),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Takes the lock at `path` (creating the file; `path` lies under the cache `root`, reached
/// without following links, and the lock file is opened with `O_NOFOLLOW | O_NONBLOCK` and
/// must be a regular file), retrying every few milliseconds until `timeout`. `Ok(None)` on
/// timeout; `Err` when the lock file cannot be opened or locked.
pub fn acquire(root: &Path, path: &Path, timeout: Duration) -> io::Result<Option<CacheLock>> {
    let file = open_lock_file(root, path)?;
    let start = Instant::now();
    loop {
        if try_lock(&file)? {
            return Ok(Some(CacheLock { _file: file }));
        }
        if start.elapsed() >= timeout {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// [`acquire`], with the warning a writer reports when it cannot persist: `cache_lock_timeout`
/// ("skipped persisting <what>") on timeout, `cache_io_error` when the lock cannot be taken.
pub fn acquire_or_warn(
    root: &Path,
    path: &Path,
    timeout: Duration,
    what: &str,
) -> Result<CacheLock, CacheWarning> {
    match acquire(root, path, timeout) {
        Ok(Some(g)) => Ok(g),
        Ok(None) => Err(cache_file::warning(
            cache_file::CACHE_LOCK_TIMEOUT,
            format!(
                "cache lock busy after {} ms; skipped persisting {what}",
                timeout.as_millis()
            ),
            path,
        )),
        Err(e) => Err(cache_file::warning(
            cache_file::CACHE_IO_ERROR,
            format!("cache lock error: {e}"),
            path,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_times_out_until_release() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x/.lock");
        let r = d.path();
        let held = acquire(r, &p, Duration::ZERO).unwrap().unwrap();
        let t = Instant::now();
        assert!(acquire(r, &p, Duration::from_millis(50)).unwrap().is_none());
        assert!(t.elapsed() >= Duration::from_millis(50));
        drop(held);
        assert!(acquire(r, &p, Duration::ZERO).unwrap().is_some());
    }

    #[test]
    fn a_waiting_writer_gets_the_lock_once_it_is_released() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(".lock");
        let held = acquire(d.path(), &p, Duration::ZERO).unwrap().unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(60));
            drop(held);
        });
        let t = Instant::now();
        assert!(acquire(d.path(), &p, Duration::from_secs(5))
            .unwrap()
            .is_some());
        assert!(t.elapsed() >= Duration::from_millis(50));
        releaser.join().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_place_of_the_lock_file_is_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("outside");
        std::fs::write(&target, b"keep").unwrap();
        let p = d.path().join(".lock");
        std::os::unix::fs::symlink(&target, &p).unwrap();
        assert!(acquire(d.path(), &p, Duration::ZERO).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }
}
