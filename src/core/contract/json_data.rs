//! Analysis data as JSON text that is read and validated only when it is used.
//!
//! `analysis.json` can hold tens of megabytes of `data` (issue 9: 58 MB compact for a
//! 20,000-file app). Deciding a dispatch needs only the envelope (`version`, `projectId`,
//! `inputFilesEpoch`), so the data stays where it is until a decision uses it:
//! - [`JsonData::pending`] holds the open file and the byte range of `data`; the first
//!   [`JsonData::text`] reads exactly that range (the same inode: a writer renaming a new file
//!   over the path does not change what is read);
//! - the text is validated once, by whoever consumes it first: V8's `JSON.parse` when the data
//!   is handed to JavaScript (the binding then calls [`JsonData::mark_valid`]), or
//!   [`JsonData::validate`] (serde, no tree built) when Rust alone uses it;
//! - text that `JSON.stringify` or serde produced is valid by construction ([`JsonData::trusted`]).
//!
//! A clone shares the text (one `Arc`), so the memory record, the plan and the outcome never copy
//! the data.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::de::IgnoredAny;

use super::cache_file::{read_full_at, CACHE_IO_ERROR, CACHE_MALFORMED};
use super::dispatch_info::CacheWarning;

/// Why stored data could not be used: a warning code and message (the caller adds the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// `cache_malformed` (not JSON) or `cache_io_error` (could not be read).
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// Whether the file is corrupt (and may be replaced).
    pub corrupt: bool,
}

impl DataError {
    /// The data is not valid JSON.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self {
            code: CACHE_MALFORMED,
            message: message.into(),
            corrupt: true,
        }
    }

    /// The warning a host reports for this error about the file at `path`.
    pub fn warning(self, path: &Path) -> CacheWarning {
        super::cache_file::warning(self.code, self.message, path)
    }

    fn io(message: impl Into<String>) -> Self {
        Self {
            code: CACHE_IO_ERROR,
            message: message.into(),
            corrupt: false,
        }
    }
}

struct Pending {
    file: File,
    offset: u64,
    len: u64,
    path: PathBuf,
}

struct Inner {
    text: OnceLock<Result<Box<str>, DataError>>,
    pending: Mutex<Option<Pending>>,
    valid: AtomicBool,
    /// The BLAKE3 digest the text must have (recorded when it was written), if known.
    expected: OnceLock<[u8; 32]>,
    /// Whether the text matched [`Inner::expected`] (checked once).
    digest_ok: OnceLock<bool>,
}

/// JSON text of an analysis's `data`, shared, read and validated on first use.
#[derive(Clone)]
pub struct JsonData(Arc<Inner>);

impl std::fmt::Debug for JsonData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.text.get() {
            Some(Ok(t)) => write!(f, "JsonData({} bytes)", t.len()),
            Some(Err(e)) => write!(f, "JsonData(error: {})", e.message),
            None => write!(f, "JsonData(not read yet)"),
        }
    }
}

impl JsonData {
    fn with(text: Option<Box<str>>, pending: Option<Pending>, valid: bool) -> Self {
        let cell = OnceLock::new();
        if let Some(t) = text {
            let _ = cell.set(Ok(t));
        }
        Self(Arc::new(Inner {
            text: cell,
            pending: Mutex::new(pending),
            valid: AtomicBool::new(valid),
            expected: OnceLock::new(),
            digest_ok: OnceLock::new(),
        }))
    }

    /// Text known to be valid JSON (what `JSON.stringify` or serde wrote): never re-validated.
    pub fn trusted(text: impl Into<Box<str>>) -> Self {
        Self::with(Some(text.into()), None, true)
    }

    /// Text not validated yet (a cache file's bytes): validated on first use.
    pub fn unchecked(text: impl Into<Box<str>>) -> Self {
        Self::with(Some(text.into()), None, false)
    }

    /// Validated text, for callers and tests: a syntax error is an error now.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str::<IgnoredAny>(text)?;
        Ok(Self::trusted(text))
    }

    /// The `len` bytes at `offset` of an open cache file, read on first use.
    pub(crate) fn pending(file: File, offset: u64, len: u64, path: &Path) -> Self {
        Self::with(
            None,
            Some(Pending {
                file,
                offset,
                len,
                path: path.to_path_buf(),
            }),
            false,
        )
    }

    /// Requires the text to have this BLAKE3 digest (what was recorded when it was written):
    /// [`Self::text`] then fails with `cache_malformed` on any other bytes (a bit flip, an
    /// edit, another writer's serialisation), so damaged data is never served or patched.
    pub fn expect_digest(&self, digest: [u8; 32]) {
        let _ = self.0.expected.set(digest);
    }

    /// The text, reading it on first use (not validated: see [`Self::validate`]), checked
    /// against its expected digest when one is set.
    pub fn text(&self) -> Result<&str, DataError> {
        let text = self.raw_text()?;
        if let Some(expected) = self.0.expected.get() {
            let ok = *self
                .0
                .digest_ok
                .get_or_init(|| blake3::hash(text.as_bytes()).as_bytes() == expected);
            if !ok {
                return Err(DataError::malformed(
                    "the stored data does not match the checksum recorded when it was written \
                     (analysis.json.inputs): it changed since",
                ));
            }
        }
        Ok(text)
    }

    fn raw_text(&self) -> Result<&str, DataError> {
        self.0
            .text
            .get_or_init(|| {
                let pending = self.0.pending.lock().ok().and_then(|mut p| p.take());
                match pending {
                    Some(p) => read_range(&p),
                    None => Err(DataError::io("cache data already failed to load")),
                }
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    /// Whether the text was read (or given).
    pub fn is_loaded(&self) -> bool {
        matches!(self.0.text.get(), Some(Ok(_)))
    }

    /// Whether the text is known to be valid JSON.
    pub fn is_valid(&self) -> bool {
        self.0.valid.load(Ordering::Acquire)
    }

    /// Records that a full JSON parser (V8's `JSON.parse`) accepted the text.
    pub fn mark_valid(&self) {
        self.0.valid.store(true, Ordering::Release);
    }

    /// Reads the text if needed and validates it once (serde, no tree built).
    pub fn validate(&self) -> Result<(), DataError> {
        if self.is_valid() {
            return self.text().map(|_| ());
        }
        let text = self.text()?;
        serde_json::from_str::<IgnoredAny>(text)
            .map_err(|e| DataError::malformed(format!("invalid JSON: {e}")))?;
        self.mark_valid();
        Ok(())
    }

    /// The text of data that was read and validated. Every [`super::dispatch::DispatchOutcome`]
    /// holds such data (the decision validates what it uses), so this only panics on a bug.
    pub fn get(&self) -> &str {
        self.text()
            .expect("dispatch data is read before it is used")
    }
}

fn read_range(p: &Pending) -> Result<Box<str>, DataError> {
    let len = usize::try_from(p.len).map_err(|_| DataError::io("cache data too large"))?;
    let mut buf = vec![0u8; len];
    let n = read_full_at(&p.file, &mut buf, p.offset)
        .map_err(|e| DataError::io(format!("cache read error: {e}")))?;
    if n < len {
        return Err(DataError::malformed(format!(
            "cache file {} shrank while it was read",
            p.path.display()
        )));
    }
    String::from_utf8(buf)
        .map(String::into_boxed_str)
        .map_err(|_| DataError::malformed("invalid JSON: not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn pending_reads_its_range_once_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(b"xx{\"a\":[1,2]}yy")
            .unwrap();
        let d = JsonData::pending(File::open(&path).unwrap(), 2, 11, &path);
        assert!(!d.is_loaded());
        // Replacing the path does not change what an open handle reads.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"other").unwrap();
        assert_eq!(d.text().unwrap(), "{\"a\":[1,2]}");
        assert!(!d.is_valid());
        d.validate().unwrap();
        assert!(d.is_valid());
        assert_eq!(d.clone().get(), "{\"a\":[1,2]}");
    }

    #[test]
    fn short_file_and_bad_json_are_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"{\"a\":").unwrap();
        let d = JsonData::pending(File::open(&path).unwrap(), 0, 100, &path);
        assert_eq!(d.text().unwrap_err().code, CACHE_MALFORMED);
        let bad = JsonData::unchecked("{\"a\":");
        let e = bad.validate().unwrap_err();
        assert_eq!(e.code, CACHE_MALFORMED);
        assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
        assert!(!bad.is_valid());
        assert!(JsonData::parse("[1,").is_err());
        assert!(JsonData::parse("[1]").unwrap().is_valid());
    }
}
