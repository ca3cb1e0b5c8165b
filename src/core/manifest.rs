//! The generic manifest for hosts that are not i18n tools (an asset packer's
//! `fingerprints.json`): versioned, canonical JSON (sorted keys, no floats, no whitespace), the
//! hash algorithm recorded, records `{ hash, size, mtimeMs }` keyed by root-relative POSIX path.
//!
//! Reading validates everything and never trusts a bad file: a wrong or newer version, an
//! unknown algorithm, a malformed record, a duplicate or unsafe path, or an oversize file is
//! reported as a [`ManifestError`] that callers turn into a warning and a miss.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::digest::Digest;
use super::hash::HashAlgo;
use super::relpath;

/// The manifest format version this build reads and writes.
pub const MANIFEST_VERSION: u64 = 1;
/// Manifests larger than this are refused before reading.
pub const DEFAULT_MAX_MANIFEST_BYTES: u64 = 512 * 1024 * 1024;

/// One file's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManifestRecord {
    /// The digest (written as lowercase hex).
    pub hash: Digest,
    /// Size by the algorithm's rule.
    pub size: u64,
    /// Modification time in whole milliseconds.
    pub mtime_ms: i64,
}

/// A manifest: records sorted by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The algorithm of every hash in it.
    pub algorithm: HashAlgo,
    /// `(path, record)` sorted by path, paths unique.
    pub files: Vec<(String, ManifestRecord)>,
}

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// No file at the path.
    #[error("no manifest at this path")]
    Missing,
    /// Bigger than the cap; not read.
    #[error("manifest is {size} bytes, over the {cap}-byte cap")]
    Oversize {
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// Written by a newer cachecore.
    #[error("manifest version {0} is newer than this build reads ({MANIFEST_VERSION})")]
    NewerVersion(u64),
    /// Not a valid manifest.
    #[error("manifest is malformed: {0}")]
    Malformed(String),
    /// Not a regular file, or could not be read.
    #[error("manifest cannot be read: {0}")]
    Unreadable(String),
}

impl ManifestError {
    /// The warning code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ManifestError::Missing => "previous_missing",
            ManifestError::Oversize { .. } => "previous_oversize",
            ManifestError::NewerVersion(_) => "previous_newer_version",
            ManifestError::Malformed(_) => "previous_malformed",
            ManifestError::Unreadable(_) => "previous_unreadable",
        }
    }
}

fn expected_hex_len(algo: HashAlgo) -> usize {
    match algo {
        HashAlgo::Sha256 | HashAlgo::Blake3 => 64,
        HashAlgo::Fnv1a64 => 16,
    }
}

/// A record's `hash` as read: any JSON string is accepted here (a non-string is a serde error,
/// as it was for a `String` field); `None` when it is not lowercase hex of 16 or 64 digits, so
/// [`Manifest::parse`] reports it in path order with its own message, without ever keeping the
/// hex text of every record alive at once.
struct RawHash(Option<Digest>);

impl<'de> Deserialize<'de> for RawHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawHash;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawHash, E> {
                Ok(RawHash(Digest::from_hex(s)))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    hash: RawHash,
    size: u64,
    #[serde(rename = "mtimeMs")]
    mtime_ms: i64,
}

/// A JSON object whose duplicate keys are an error, kept in document order.
struct UniqueMap(Vec<(String, RawRecord)>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of file records")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<UniqueMap, A::Error> {
                let mut v: Vec<(String, RawRecord)> =
                    Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some((k, r)) = m.next_entry::<String, RawRecord>()? {
                    v.push((k, r));
                }
                v.sort_by(|a, b| a.0.cmp(&b.0));
                if let Some(w) = v.windows(2).find(|w| w[0].0 == w[1].0) {
                    return Err(de::Error::custom(format!("duplicate path {:?}", w[0].0)));
                }
                Ok(UniqueMap(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: u64,
    algorithm: String,
    files: UniqueMap,
}

#[derive(Deserialize)]
struct VersionOnly {
    version: u64,
}

impl Manifest {
    /// Parses and validates manifest bytes.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let raw: RawManifest = match serde_json::from_slice(bytes) {
            Ok(r) => r,
            Err(e) => {
                // A newer version may have another shape: say so rather than "malformed".
                if let Ok(v) = serde_json::from_slice::<VersionOnly>(bytes) {
                    if v.version > MANIFEST_VERSION {
                        return Err(ManifestError::NewerVersion(v.version));
                    }
                }
                return Err(ManifestError::Malformed(e.to_string()));
            }
        };
        if raw.version > MANIFEST_VERSION {
            return Err(ManifestError::NewerVersion(raw.version));
        }
        if raw.version != MANIFEST_VERSION {
            return Err(ManifestError::Malformed(format!(
                "unknown version {}",
                raw.version
            )));
        }
        let algorithm = HashAlgo::parse(&raw.algorithm).ok_or_else(|| {
            ManifestError::Malformed(format!("unknown algorithm {:?}", raw.algorithm))
        })?;
        let hex_len = expected_hex_len(algorithm);
        let mut files = Vec::with_capacity(raw.files.0.len());
        for (path, r) in raw.files.0 {
            if let Some(why) = relpath::unsafe_reason(&path) {
                return Err(ManifestError::Malformed(format!("{why}: {path:?}")));
            }
            let Some(hash) = r.hash.0.filter(|d| d.hex_len() == hex_len) else {
                return Err(ManifestError::Malformed(format!("bad hash for {path:?}")));
            };
            files.push((
                path,
                ManifestRecord {
                    hash,
                    size: r.size,
                    mtime_ms: r.mtime_ms,
                },
            ));
        }
        Ok(Manifest { algorithm, files })
    }

    /// Reads a manifest file: not following a symlink, refusing oversize files before reading.
    pub fn load(path: &Path, cap: u64) -> Result<(Manifest, Vec<u8>), ManifestError> {
        let bytes = read_capped(path, cap)?;
        Ok((Manifest::parse(&bytes)?, bytes))
    }

    /// The canonical bytes: sorted keys at every level, no whitespace, a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        manifest_bytes(
            self.algorithm,
            self.files.iter().map(|(path, r)| (path.as_str(), r)),
        )
    }
}

/// [`Manifest::to_bytes`] of borrowed records (sorted by path, unique), so a caller holding its
/// records in another shape need not clone every path to build a [`Manifest`] first.
pub fn manifest_bytes<'a>(
    algorithm: HashAlgo,
    files: impl ExactSizeIterator<Item = (&'a str, &'a ManifestRecord)>,
) -> Vec<u8> {
    let mut w = ManifestWriter::new(algorithm, files.len());
    for (path, r) in files {
        w.push(path, r);
    }
    w.finish()
}

/// Writes the canonical bytes one record at a time (records sorted by path, unique).
pub struct ManifestWriter {
    out: Vec<u8>,
    first: bool,
}

impl ManifestWriter {
    /// A writer for about `files` records.
    pub fn new(algorithm: HashAlgo, files: usize) -> Self {
        let mut out = Vec::with_capacity(64 + files * 120);
        out.extend_from_slice(b"{\"algorithm\":\"");
        out.extend_from_slice(algorithm.as_str().as_bytes());
        out.extend_from_slice(b"\",\"files\":{");
        ManifestWriter { out, first: true }
    }

    /// Appends one record.
    pub fn push(&mut self, path: &str, r: &ManifestRecord) {
        let out = &mut self.out;
        if !self.first {
            out.push(b',');
        }
        self.first = false;
        serde_json::to_writer(&mut *out, path).expect("a string serialises");
        out.extend_from_slice(b":{\"hash\":\"");
        r.hash.write_hex(out);
        out.extend_from_slice(b"\",\"mtimeMs\":");
        out.extend_from_slice(r.mtime_ms.to_string().as_bytes());
        out.extend_from_slice(b",\"size\":");
        out.extend_from_slice(r.size.to_string().as_bytes());
        out.push(b'}');
    }

    /// The bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"},\"version\":");
        self.out
            .extend_from_slice(MANIFEST_VERSION.to_string().as_bytes());
        self.out.extend_from_slice(b"}\n");
        self.out
    }
}

/// The BLAKE3 of a manifest file's bytes (the generation its shadow must carry), streamed
/// through a fixed buffer so even a large manifest costs no memory; the file is checked as
/// [`read_capped`] checks it.
pub fn generation_of_file(path: &Path, cap: u64) -> Result<[u8; 32], ManifestError> {
    let (f, _) = open_capped(path, cap)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    let mut f = f.take(cap + 1);
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ManifestError::Unreadable(e.to_string())),
        };
        total += n as u64;
        hasher.update_rayon(&buf[..n]);
    }
    if total > cap {
        return Err(ManifestError::Oversize { size: total, cap });
    }
    Ok(*hasher.finalize().as_bytes())
}

/// Reads a regular file (never through a symlink, never blocking on a FIFO: opened with
/// `O_NOFOLLOW | O_NONBLOCK`, its type checked on the open descriptor), refusing it when over
/// `cap`.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ManifestError> {
    let (f, len) = open_capped(path, cap)?;
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ManifestError::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(ManifestError::Oversize {
            size: bytes.len() as u64,
            cap,
        });
    }
    Ok(bytes)
}

/// Opens a regular file (never through a symlink, never blocking on a FIFO: opened with
/// `O_NOFOLLOW | O_NONBLOCK`, its type checked on the open descriptor) of at most `cap` bytes;
/// with its length.
fn open_capped(path: &Path, cap: u64) -> Result<(fs::File, u64), ManifestError> {
    let not_a_file = || {
        ManifestError::Unreadable("not a regular file (symlink, directory or special file)".into())
    };
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    #[cfg(not(unix))]
    if fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
        return Err(not_a_file());
    }
    let f = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ManifestError::Missing),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(not_a_file()),
        Err(e) => return Err(ManifestError::Unreadable(e.to_string())),
    };
    let md = f
        .metadata()
        .map_err(|e| ManifestError::Unreadable(e.to_string()))?;
    if !md.file_type().is_file() {
        return Err(not_a_file());
    }
    if md.len() > cap {
        return Err(ManifestError::Oversize {
            size: md.len(),
            cap,
        });
    }
    Ok((f, md.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            algorithm: HashAlgo::Fnv1a64,
            files: vec![
                (
                    "a \"q\".ts".into(),
                    ManifestRecord {
                        hash: Digest::from_hex("cbf29ce484222325").unwrap(),
                        size: 0,
                        mtime_ms: -5,
                    },
                ),
                (
                    "b/é.ts".into(),
                    ManifestRecord {
                        hash: Digest::from_hex("af63dc4c8601ec8c").unwrap(),
                        size: 1,
                        mtime_ms: 1_700_000_000_123,
                    },
                ),
            ],
        }
    }

    #[test]
    fn round_trips_canonically() {
        let m = sample();
        let bytes = m.to_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(
            text.starts_with("{\"algorithm\":\"fnv1a64\",\"files\":{\"a \\\"q\\\".ts\":{\"hash\":")
        );
        assert!(text.ends_with(",\"version\":1}\n"));
        assert_eq!(Manifest::parse(&bytes).unwrap(), m);
        // serde_json agrees it is valid JSON with sorted keys.
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["files"]["b/é.ts"]["size"], 1);
    }

    #[test]
    fn canonical_bytes_are_exact() {
        let text = String::from_utf8(sample().to_bytes()).unwrap();
        assert_eq!(
            text,
            "{\"algorithm\":\"fnv1a64\",\"files\":{\"a \\\"q\\\".ts\":{\"hash\":\"cbf29ce484222325\",\"mtimeMs\":-5,\"size\":0},\"b/é.ts\":{\"hash\":\"af63dc4c8601ec8c\",\"mtimeMs\":1700000000123,\"size\":1}},\"version\":1}\n"
        );
    }

    #[test]
    fn every_prefix_is_rejected() {
        let bytes = sample().to_bytes();
        let full = bytes.len() - 1; // without the newline it is still complete
        for n in 0..full {
            assert!(Manifest::parse(&bytes[..n]).is_err(), "prefix {n} accepted");
        }
    }

    #[test]
    fn rejects_bad_content() {
        let cases = [
            r#"{"version":1,"algorithm":"md5","files":{}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"../x":{"hash":"cbf29ce484222325","size":1,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":"CBF29CE484222325","size":1,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":"cbf29ce484222325","size":-1,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":"cbf29ce484222325","size":1.5,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":"cbf29ce484222325","size":1,"mtimeMs":0},"x":{"hash":"cbf29ce484222325","size":1,"mtimeMs":0}}}"#,
            r#"{"version":0,"algorithm":"fnv1a64","files":{}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{},"extra":1}"#,
            r#"{"version":1,"algorithm":"sha256","files":{"x":{"hash":"cbf29ce484222325","size":1,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","size":1,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":5,"size":1,"mtimeMs":0}}}"#,
            r#"{"version":1,"algorithm":"fnv1a64","files":{"x":{"hash":"","size":1,"mtimeMs":0}}}"#,
        ];
        for c in cases {
            assert!(
                matches!(
                    Manifest::parse(c.as_bytes()),
                    Err(ManifestError::Malformed(_))
                ),
                "{c}"
            );
        }
        assert!(matches!(
            Manifest::parse(br#"{"version":7,"whatever":true}"#),
            Err(ManifestError::NewerVersion(7))
        ));
        let deep = "[".repeat(10_000);
        assert!(Manifest::parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn load_refuses_oversize_missing_and_non_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.json");
        assert!(matches!(
            Manifest::load(&p, 10),
            Err(ManifestError::Missing)
        ));
        fs::write(&p, sample().to_bytes()).unwrap();
        assert!(matches!(
            Manifest::load(&p, 10),
            Err(ManifestError::Oversize { .. })
        ));
        assert!(Manifest::load(&p, DEFAULT_MAX_MANIFEST_BYTES).is_ok());
        fs::create_dir(d.path().join("dir.json")).unwrap();
        assert!(matches!(
            Manifest::load(&d.path().join("dir.json"), 100),
            Err(ManifestError::Unreadable(_))
        ));
    }
}
