//! Atomic publication of files: a unique temp file in the same directory, fsync, rename,
//! fsync of the directory. Readers see the complete old or the complete new file, never a
//! torn one; the temp file is created with `create_new`, so an existing symlink is never
//! written through.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The suffix of every temp file cachecore creates.
pub const TEMP_SUFFIX: &str = ".cachecore-tmp";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh temp file name for the file `name`: `.<name>.<pid>-<n>-<nanos hex>.cachecore-tmp`.
pub fn temp_name(name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{name}.{}-{n}-{nanos:x}{TEMP_SUFFIX}", std::process::id())
}

fn temp_path(path: &Path) -> PathBuf {
    path.with_file_name(temp_name(path.file_name().unwrap_or_default()))
}

/// Writes `bytes` to `path` atomically, creating the parent directory if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_parts(path, &[bytes])
}

/// [`write_atomic`] of the concatenation of `parts`, without building it in memory (a large
/// analysis is written as its envelope head, the data text and the closing brace).
pub fn write_atomic_parts(path: &Path, parts: &[&[u8]]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = loop {
        let candidate = temp_path(path);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => break (candidate, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let (tmp_path, mut file) = tmp;
    let result = (|| {
        for part in parts {
            file.write_all(part)?;
        }
        if let Some(d) = test_write_delay() {
            std::thread::sleep(d);
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp_path, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

/// Test hook: `CACHECORE_TEST_WRITE_DELAY_MS` holds every temp file open, written but not yet
/// synced or renamed, for that long, so crash and signal tests can land their kills inside the
/// write window. Read once per process; unset (the default) it costs nothing.
pub const TEST_WRITE_DELAY_ENV: &str = "CACHECORE_TEST_WRITE_DELAY_MS";

/// The test hook's delay, if set.
pub fn test_write_delay() -> Option<Duration> {
    static DELAY: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var(TEST_WRITE_DELAY_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis)
    })
}

fn sync_dir(dir: &Path) {
    // `O_DIRECTORY | O_NONBLOCK`: whatever was swapped in at `dir` meanwhile, never a FIFO
    // that would block.
    #[cfg(unix)]
    if let Ok(d) = {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
            .open(dir)
    } {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The pid of the writer that created a temp file, from its name.
pub fn temp_writer_pid(name: &str) -> Option<u32> {
    let stem = name.strip_suffix(TEMP_SUFFIX)?;
    let tail = stem.rsplit('.').next()?;
    tail.split('-').next()?.parse().ok()
}

/// Whether `name` has exactly the shape of a temp file cachecore creates:
/// `.<name>.<pid>-<counter>-<hex nanos>.cachecore-tmp`. Nothing else is ever swept.
pub fn is_temp_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(TEMP_SUFFIX) else {
        return false;
    };
    let Some((head, tail)) = stem.rsplit_once('.') else {
        return false;
    };
    let mut parts = tail.split('-');
    let (Some(pid), Some(n), Some(nanos), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    head.len() > 1
        && head.starts_with('.')
        && digits(pid)
        && digits(n)
        && !nanos.is_empty()
        && nanos.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether the process that wrote a temp file is certainly gone (never for our own pid).
pub fn writer_is_dead(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Removes cachecore temp files in `dir` left by a crashed writer: regular files with
/// cachecore's temp name shape ([`is_temp_name`]) whose writer process is gone, or older than
/// `min_age`. Never follows a link (`dir` itself is the caller's; its entries are checked and
/// removed relative to it). Returns how many were removed.
pub fn sweep_temps(dir: &Path, min_age: Duration) -> usize {
    match super::safe_dir::SafeDir::open_root(dir, false) {
        Ok(d) => d.sweep_temps(min_age),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_leave_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f.json"]);
    }

    #[test]
    fn sweep_removes_only_old_temps() {
        let d = tempfile::tempdir().unwrap();
        let me = std::process::id();
        fs::write(d.path().join(format!(".x.json.{me}-1-1{TEMP_SUFFIX}")), "t").unwrap();
        // Not cachecore's shape: never swept.
        fs::write(d.path().join(format!("x.{me}-1-1{TEMP_SUFFIX}")), "t").unwrap();
        fs::write(
            d.path().join(format!(".x.json.{me}-1-zz{TEMP_SUFFIX}")),
            "t",
        )
        .unwrap();
        fs::write(d.path().join("keep.json"), "k").unwrap();
        assert_eq!(sweep_temps(d.path(), Duration::from_secs(3600)), 0);
        assert_eq!(sweep_temps(d.path(), Duration::ZERO), 1);
        assert!(d.path().join("keep.json").exists());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn sweep_removes_temps_of_dead_writers_at_once() {
        let d = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        fs::write(
            d.path().join(format!(".a.json.{dead}-0-f{TEMP_SUFFIX}")),
            "t",
        )
        .unwrap();
        fs::write(d.path().join(format!(".b.json.{me}-0-f{TEMP_SUFFIX}")), "t").unwrap();
        assert_eq!(
            temp_writer_pid(&format!(".a.b.c.{dead}-0-f{TEMP_SUFFIX}")),
            Some(dead)
        );
        assert_eq!(sweep_temps(d.path(), Duration::from_secs(3600)), 1);
        assert!(d
            .path()
            .join(format!(".b.json.{me}-0-f{TEMP_SUFFIX}"))
            .exists());
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_symlink() {
        let d = tempfile::tempdir().unwrap();
        let outside = d.path().join("outside.txt");
        fs::write(&outside, "untouched").unwrap();
        let p = d.path().join("f.json");
        std::os::unix::fs::symlink(&outside, &p).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read(&outside).unwrap(), b"untouched");
        assert!(!fs::symlink_metadata(&p).unwrap().file_type().is_symlink());
    }
}
