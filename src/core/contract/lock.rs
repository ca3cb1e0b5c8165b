//! Advisory cache locks: `flock` on a lock file, taken with non-blocking retries up to a
//! timeout. Writers hold one around each read-modify-write; readers take none (atomic
//! publication keeps every read whole). On platforms without `flock` the lock always succeeds.

use std::fs::File;

use super::cache_file;
use super::dispatch_info::CacheWarning;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// The default time a writer waits for a lock before giving up (and not persisting).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// A held lock; released when dropped (closing the file releases the `flock`).
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

fn open_lock_file(root: &Path, path: &Path) -> io::Result<File> {
    let (dir, leaf) = crate::core::safe_dir::open_parent(root, path, true)?;
    dir.open_lock(leaf)
}

#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(true)
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

#[cfg(all(test, unix))]
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
}
