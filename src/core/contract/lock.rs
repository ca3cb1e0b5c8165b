//! Advisory cache locks: `flock` on a lock file, taken with non-blocking retries up to a
//! timeout. Writers hold one around each read-modify-write; readers take none (atomic
//! publication keeps every read whole). On platforms without `flock` the lock always succeeds.

use std::fs::{File, OpenOptions};
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

fn open_lock_file(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
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

/// Takes the lock at `path` (creating the file), retrying every few milliseconds until
/// `timeout`. `Ok(None)` on timeout; `Err` when the lock file cannot be opened or locked.
pub fn acquire(path: &Path, timeout: Duration) -> io::Result<Option<CacheLock>> {
    let file = open_lock_file(path)?;
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn second_holder_times_out_until_release() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x/.lock");
        let held = acquire(&p, Duration::ZERO).unwrap().unwrap();
        let t = Instant::now();
        assert!(acquire(&p, Duration::from_millis(50)).unwrap().is_none());
        assert!(t.elapsed() >= Duration::from_millis(50));
        drop(held);
        assert!(acquire(&p, Duration::ZERO).unwrap().is_some());
    }
}
