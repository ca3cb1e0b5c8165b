//! Reading and writing one cache JSON file with the TypeScript core's guards and warnings.
//!
//! Reading never follows a symlink and never blocks on a FIFO (the file is opened with
//! `O_NOFOLLOW | O_NONBLOCK` and must then be a regular file), refuses a file over its cap before
//! reading it, and turns every failure into a [`CacheWarning`]: a miss, never a throw.
//! Writing is atomic ([`crate::core::safe_dir::SafeDir::write_atomic`]). Every path lies under
//! the cache root and is reached one directory at a time without following links.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::dispatch_info::CacheWarning;
use crate::core::safe_dir;

/// Warning code: a cache file is not valid JSON or not a valid envelope.
pub const CACHE_MALFORMED: &str = "cache_malformed";
/// Warning code: a cache file is over its size cap (not read).
pub const CACHE_OVERSIZE: &str = "cache_oversize";
/// Warning code: a cache file could not be read or written, or is not a regular file.
pub const CACHE_IO_ERROR: &str = "cache_io_error";
/// Warning code: `mode: 'readOnly'` skipped a write.
pub const CACHE_READ_ONLY: &str = "cache_read_only";
/// Warning code: the project directory could not be created.
pub const CACHE_DIR_UNAVAILABLE: &str = "cache_dir_unavailable";
/// Warning code (cachecore's): another process held the cache lock too long; nothing persisted.
pub const CACHE_LOCK_TIMEOUT: &str = "cache_lock_timeout";
/// The stored analysis was built with other settings, or its settings are not recorded
/// (cachecore's own code): it is not used, and the analysis is rebuilt.
pub const CACHE_INPUTS_CHANGED: &str = "cache_inputs_changed";
/// Tracked files could not be read (cachecore's own code): their records are kept, nothing is
/// served from or stored in the cache until they can be read.
pub const CACHE_UNKNOWN_FILES: &str = "cache_unknown_files";

/// Why a cache file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheReadFailure {
    /// The warning to report.
    pub warning: CacheWarning,
    /// Whether the file is corrupt (malformed or oversize): it may be removed or replaced.
    pub corrupt: bool,
}

impl CacheReadFailure {
    fn new(code: &str, message: String, path: &Path, corrupt: bool) -> Self {
        Self {
            warning: warning(code, message, path),
            corrupt,
        }
    }

    /// A `cache_io_error` failure (not corrupt: the file may be fine) for a read error.
    pub fn io(e: io::Error, path: &Path) -> Self {
        Self::new(
            CACHE_IO_ERROR,
            format!("cache read error: {e}"),
            path,
            false,
        )
    }

    /// A `cache_malformed` failure with the given message.
    pub fn malformed(message: String, path: &Path) -> Self {
        Self::new(CACHE_MALFORMED, message, path, true)
    }
}

/// A warning about `path`.
pub fn warning(code: &str, message: impl Into<String>, path: &Path) -> CacheWarning {
    CacheWarning {
        code: code.to_owned(),
        message: message.into(),
        path: Some(path.display().to_string()),
    }
}

fn oversize_failure(size: u64, cap: u64, path: &Path) -> CacheReadFailure {
    CacheReadFailure::new(
        CACHE_OVERSIZE,
        format!("cache file exceeds size limit ({size} > {cap} bytes); skipping"),
        path,
        true,
    )
}

/// Opens a cache file for reading: `Ok(None)` when it does not exist, the open file and its
/// length when it is a regular file within `cap` bytes, else a failure (`cache_io_error` for a
/// symlink, directory, FIFO, a linked directory on the way, or an open error; `cache_oversize`
/// over the cap). `path` must lie under the cache `root`: every directory below the root is
/// opened without following links ([`crate::core::safe_dir`]), and the file itself with
/// `O_NOFOLLOW | O_NONBLOCK`, its type checked on the open descriptor.
pub fn open_cache_file(
    root: &Path,
    path: &Path,
    cap: u64,
) -> Result<Option<(File, u64)>, CacheReadFailure> {
    let not_a_file = || {
        CacheReadFailure::new(
            CACHE_IO_ERROR,
            "cache path is not a file; skipping".into(),
            path,
            false,
        )
    };
    let opened = safe_dir::open_parent(root, path, false).and_then(|(d, leaf)| d.open_read(leaf));
    let file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Err(not_a_file()),
        Err(e) => return Err(CacheReadFailure::io(e, path)),
    };
    let md = file.metadata().map_err(|e| CacheReadFailure::io(e, path))?;
    if md.len() > cap {
        return Err(oversize_failure(md.len(), cap, path));
    }
    Ok(Some((file, md.len())))
}

/// Reads a cache file: `Ok(None)` when it does not exist, its bytes when it is a regular file
/// within `cap` bytes, else a failure (`cache_io_error` for a symlink, directory, FIFO or read
/// error, `cache_oversize` over the cap).
pub fn read_cache_file(
    root: &Path,
    path: &Path,
    cap: u64,
) -> Result<Option<Vec<u8>>, CacheReadFailure> {
    let Some((file, len)) = open_cache_file(root, path, cap)? else {
        return Ok(None);
    };
    read_opened(file, len, path, cap).map(Some)
}

/// Reads an opened cache file from its start (at most `cap` bytes; more is `cache_oversize`).
pub fn read_opened(
    mut file: File,
    len: u64,
    path: &Path,
    cap: u64,
) -> Result<Vec<u8>, CacheReadFailure> {
    let oversize = |size: u64| oversize_failure(size, cap, path);
    let io_error = |e| CacheReadFailure::io(e, path);
    use std::io::Seek;
    file.seek(io::SeekFrom::Start(0)).map_err(io_error)?;
    let mut bytes = Vec::with_capacity(len.min(cap) as usize);
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > cap {
        return Err(oversize(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads up to `buf.len()` bytes at `offset` without moving the file's cursor (fewer only at
/// the end of the file): what a reader of one range of a cache file needs.
pub fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        let at = offset + done as u64;
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(file, &mut buf[done..], at);
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], at);
        match read {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Parses JSON bytes, or a `cache_malformed` failure naming the parse error.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(
    bytes: &'a [u8],
    path: &Path,
) -> Result<T, CacheReadFailure> {
    serde_json::from_slice(bytes)
        .map_err(|e| CacheReadFailure::malformed(format!("invalid JSON: {e}"), path))
}

/// Publishes `bytes` at `path` (under the cache `root`) atomically; a failure is a
/// `cache_io_error` warning.
pub fn write_cache_file(root: &Path, path: &Path, bytes: &[u8]) -> Option<CacheWarning> {
    write_cache_parts(root, path, &[bytes])
}

/// [`write_cache_file`] of the concatenation of `parts`: every directory below `root` is
/// opened (or created) without following links, and the file is published in it by a new temp
/// file and a rename ([`safe_dir::SafeDir::write_atomic`]), so nothing is ever written through
/// a link.
pub fn write_cache_parts(root: &Path, path: &Path, parts: &[&[u8]]) -> Option<CacheWarning> {
    safe_dir::open_parent(root, path, true)
        .and_then(|(dir, leaf)| dir.write_atomic(leaf, parts))
        .err()
        .map(|e| warning(CACHE_IO_ERROR, format!("cache write error: {e}"), path))
}

/// The `cache_oversize` warning of a write refused because the file would be over `cap`, the
/// cap its readers use (cachecore never writes a file it would refuse to read); `None` when the
/// concatenation of `parts` fits.
pub fn oversize_write(
    path: &Path,
    parts: &[&[u8]],
    cap: u64,
    cap_name: &str,
) -> Option<CacheWarning> {
    let size: u64 = parts.iter().map(|p| p.len() as u64).sum();
    (size > cap).then(|| {
        warning(
            CACHE_OVERSIZE,
            format!(
                "not written: {size} bytes would exceed the cache file size limit ({cap} bytes), \
                 and a file over its limit is never read; raise {cap_name}"
            ),
            path,
        )
    })
}

/// [`write_cache_parts`], refused with a `cache_oversize` warning when the file would be over
/// `cap`, the cap its readers use ([`oversize_write`]).
pub fn write_cache_parts_capped(
    root: &Path,
    path: &Path,
    parts: &[&[u8]],
    cap: u64,
    cap_name: &str,
) -> Option<CacheWarning> {
    oversize_write(path, parts, cap, cap_name).or_else(|| write_cache_parts(root, path, parts))
}

/// `JSON.stringify(value, null, 2)`: two-space indentation, no trailing newline.
pub fn to_pretty_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("cache values serialise")
}

/// Removes a corrupt cache file under the cache `root` (best effort; a missing file is fine;
/// never through a linked directory).
pub fn remove_corrupt(root: &Path, path: &Path) {
    if let Ok((dir, leaf)) = safe_dir::open_parent(root, path, false) {
        let _ = dir.remove_file(leaf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_oversize_and_not_a_file() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let p = d.path().join("f.json");
        assert_eq!(read_cache_file(root, &p, 10).unwrap(), None);
        std::fs::write(&p, b"12345678901").unwrap();
        let e = read_cache_file(root, &p, 10).unwrap_err();
        assert_eq!(e.warning.code, CACHE_OVERSIZE);
        assert_eq!(
            e.warning.message,
            "cache file exceeds size limit (11 > 10 bytes); skipping"
        );
        assert!(e.corrupt);
        assert_eq!(read_cache_file(root, &p, 11).unwrap().unwrap().len(), 11);
        let dir = d.path().join("dir.json");
        std::fs::create_dir(&dir).unwrap();
        let e = read_cache_file(root, &dir, 10).unwrap_err();
        assert_eq!(e.warning.code, CACHE_IO_ERROR);
        assert!(!e.corrupt);
    }

    #[test]
    fn pretty_json_is_two_space_without_newline() {
        let v = serde_json::json!({"a": {"b": 1}, "c": {}});
        assert_eq!(
            String::from_utf8(to_pretty_json(&v)).unwrap(),
            "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"c\": {}\n}"
        );
    }
}
