//! A plain shared directory as the second backend (a network mount, a CI cache folder restored
//! between jobs): the artifact of key `K` is the file `<dir>/K`, its signature `<dir>/K.tag`,
//! the same bytes and tags as over HTTP, the same keys and verification.
//!
//! Files are read like cache files (a link, a directory or a FIFO is refused, never opened) and
//! written atomically (a unique temp file in the directory, then a rename): a reader sees the
//! old or the new artifact, never a torn one. Nothing is written outside the directory.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::codes::{RemoteFailure, REMOTE_IO_ERROR, REMOTE_OVERSIZE};
use super::http::Download;
use crate::core::contract::cache_file;

/// Whether `key` is a plain name (keys are hex digests; anything else is refused).
fn safe_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn paths(dir: &Path, key: &str) -> Result<(PathBuf, PathBuf), RemoteFailure> {
    if !safe_key(key) {
        return Err(RemoteFailure::new(REMOTE_IO_ERROR, "invalid artifact key"));
    }
    Ok((dir.join(key), dir.join(format!("{key}.tag"))))
}

fn io_failure(what: &str, path: &Path, e: impl std::fmt::Display) -> RemoteFailure {
    RemoteFailure::new(REMOTE_IO_ERROR, format!("{what} {}: {e}", path.display()))
}

/// Opens the artifact of `key`: `None` when absent.
pub fn get(dir: &Path, key: &str, limit: u64) -> Result<Option<Download>, RemoteFailure> {
    if !dir.is_dir() {
        return Err(io_failure(
            "shared cache directory unavailable:",
            dir,
            "not a directory",
        ));
    }
    let (path, tag_path) = paths(dir, key)?;
    let (file, len) = match cache_file::open_cache_file(dir, &path, limit) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err(f) if f.warning.code == cache_file::CACHE_OVERSIZE => {
            return Err(RemoteFailure::new(REMOTE_OVERSIZE, f.warning.message))
        }
        Err(f) => return Err(io_failure("cannot read", &path, f.warning.message)),
    };
    let tag = match cache_file::read_cache_file(dir, &tag_path, 4096) {
        Ok(Some(bytes)) => Some(String::from_utf8_lossy(&bytes).trim().to_owned()),
        Ok(None) => None,
        Err(f) => return Err(io_failure("cannot read", &tag_path, f.warning.message)),
    };
    Ok(Some(Download {
        reader: Box::new(file.take(limit.saturating_add(1))),
        tag,
        len: Some(len),
    }))
}

/// Stores the artifact of `key` (and its tag, or removes a stale one) atomically.
pub fn put(dir: &Path, key: &str, body: &[u8], tag: Option<&str>) -> Result<(), RemoteFailure> {
    let (path, tag_path) = paths(dir, key)?;
    std::fs::create_dir_all(dir).map_err(|e| io_failure("cannot create", dir, e))?;
    // The tag first: a reader that finds the new body finds its tag (or an older tag that
    // fails to verify, which is a refused artifact, never a trusted one).
    match tag {
        Some(tag) => crate::core::atomic::write_atomic(&tag_path, tag.as_bytes())
            .map_err(|e| io_failure("cannot write", &tag_path, e))?,
        None => match std::fs::remove_file(&tag_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_failure("cannot remove", &tag_path, e)),
        },
    }
    crate::core::atomic::write_atomic(&path, body).map_err(|e| io_failure("cannot write", &path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let d = tempfile::tempdir().unwrap();
        assert!(get(d.path(), "abc", 100).unwrap().is_none());
        put(d.path(), "abc", b"body", Some("tag")).unwrap();
        let mut got = get(d.path(), "abc", 100).unwrap().unwrap();
        let mut body = Vec::new();
        got.reader.read_to_end(&mut body).unwrap();
        assert_eq!(body, b"body");
        assert_eq!(got.tag.as_deref(), Some("tag"));
        assert_eq!(got.len, Some(4));
        put(d.path(), "abc", b"new", None).unwrap();
        assert!(get(d.path(), "abc", 100).unwrap().unwrap().tag.is_none());
        assert_eq!(
            get(d.path(), "abc", 2).err().map(|f| f.code),
            Some(REMOTE_OVERSIZE)
        );
        assert!(put(d.path(), "../x", b"", None).is_err());
        assert!(get(d.path(), "a/b", 10).is_err());
        assert!(get(&d.path().join("missing"), "abc", 10).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_link_is_never_opened() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("f1f0");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            get(d.path(), "f1f0", 10).err().map(|f| f.code),
            Some(REMOTE_IO_ERROR)
        );
        std::os::unix::fs::symlink("/etc/hostname", d.path().join("l1nk")).unwrap();
        assert!(get(d.path(), "l1nk", 1000).is_err());
    }
}
