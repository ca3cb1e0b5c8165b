//! The artifact: what a runner needs to serve an analysis or to patch it, compressed.
//!
//! Decompressed, an artifact is a magic line, one line of JSON (the [`ArtifactHeader`]: the
//! identity, the input files epoch, the commit it was built at, the files index records, the
//! data's length) and then the analysis data's JSON text, exactly `dataBytes` long. The whole is
//! one zstd frame with its content checksum, so a cut or corrupted body never decodes.
//!
//! Both directions stream: [`encode`] writes the header and the data's text through the
//! encoder (the data is never copied), and [`decode`] reads the decompressed stream straight
//! into the header and one `String` for the data (the compressed body is never held whole).
//! Nothing decoded is trusted before [`ArtifactHeader::check_binding`] and, with a signature
//! key, the signature over the body.

use std::io::{self, BufRead, BufReader, Read, Write};

use serde::{Deserialize, Serialize};

use super::codes::{RemoteFailure, REMOTE_INVALID, REMOTE_OVERSIZE, REMOTE_TRUNCATED};
use super::key::Identity;
use crate::core::contract::hashing::{compute_input_files_epoch, TextHash};
use crate::core::contract::records::FileRecordMap;
use crate::core::relpath;

/// The first line of every decompressed artifact.
pub const MAGIC: &[u8] = b"cachecore-artifact/1\n";
/// The zstd level of uploads: fast, and analysis JSON still shrinks by an order of magnitude.
pub const COMPRESSION_LEVEL: i32 = 3;

/// The artifact's header (one JSON line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArtifactHeader {
    /// What shaped the analysis besides the files.
    pub identity: Identity,
    /// The input files epoch of `files` and `localeSegments` together (the data's binding).
    pub input_files_epoch: String,
    /// The commit the project was at when the artifact was built (clean tracked trees only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The src records (`files.json`'s `files`).
    pub files: FileRecordMap,
    /// The locale segment records (`files.json`'s `localeSegments`).
    pub locale_segments: FileRecordMap,
    /// The length of the data's JSON text in bytes.
    pub data_bytes: u64,
    /// When it was built (ISO time).
    pub created_at: String,
    /// The cachecore that built it.
    pub created_by: String,
}

/// A decoded artifact.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The header.
    pub header: ArtifactHeader,
    /// The analysis data's JSON text (not validated here: V8's `JSON.parse` or serde does).
    pub data: String,
}

/// How much a decoded artifact may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The header line (records): the `files.json` cap.
    pub header: u64,
    /// The data: the `analysis.json` cap.
    pub data: u64,
}

fn invalid(m: impl Into<String>) -> RemoteFailure {
    RemoteFailure::new(REMOTE_INVALID, m)
}

/// What the header must be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// Fetched under the exact key of these files.
    Exact {
        /// The current input files epoch.
        epoch: &'a str,
    },
    /// Fetched under the base key of this commit.
    Base {
        /// The commit.
        commit: &'a str,
    },
}

impl ArtifactHeader {
    /// All records, `files` then `localeSegments` (the dispatch's merged baseline).
    pub fn merged(&self) -> FileRecordMap {
        let mut m = self.files.clone();
        for (k, r) in self.locale_segments.iter() {
            m.insert(k, r.clone());
        }
        m
    }

    /// Checks that this header binds to the key it was fetched under: the same identity as
    /// ours (so the same key derivation), the key recomputed from the header equal to `key`,
    /// safe record paths, and records that hash to the stated epoch (so the data is tied to
    /// these files). `Exact` also requires the epoch to be the current files' one.
    pub fn check_binding(
        &self,
        ours: &Identity,
        key: &str,
        expect: Expect<'_>,
    ) -> Result<(), RemoteFailure> {
        if &self.identity != ours {
            return Err(invalid(
                "artifact was built with another identity (producer, layout, rules or format)",
            ));
        }
        let recomputed = match expect {
            Expect::Exact { epoch } => {
                if self.input_files_epoch != epoch {
                    return Err(invalid(
                        "artifact's input files epoch differs from its key's",
                    ));
                }
                self.identity.exact_key(&self.input_files_epoch)
            }
            Expect::Base { commit } => {
                if self.commit.as_deref() != Some(commit) {
                    return Err(invalid("artifact's commit differs from its key's"));
                }
                self.identity.base_key(commit)
            }
        };
        if recomputed != key {
            return Err(invalid(
                "artifact does not bind to the key it was stored under",
            ));
        }
        for k in self.files.keys().chain(self.locale_segments.keys()) {
            if let Some(why) = relpath::unsafe_reason(k) {
                return Err(invalid(format!("artifact record path rejected ({why})")));
            }
        }
        let algo = TextHash::parse(&self.identity.hash)
            .ok_or_else(|| invalid("artifact names an unknown hash algorithm"))?;
        if compute_input_files_epoch(&self.merged(), algo) != self.input_files_epoch {
            return Err(invalid(
                "artifact's records do not hash to its input files epoch",
            ));
        }
        Ok(())
    }
}

/// Writes the artifact of `header` and `data` compressed into `out` and returns it. `data`
/// passes through the encoder as it is (never concatenated).
pub fn encode<W: Write>(header: &ArtifactHeader, data: &str, out: W) -> io::Result<W> {
    debug_assert_eq!(header.data_bytes, data.len() as u64);
    let mut enc = zstd::stream::Encoder::new(out, COMPRESSION_LEVEL)?;
    enc.include_checksum(true)?;
    enc.write_all(MAGIC)?;
    serde_json::to_writer(&mut enc, header).map_err(io::Error::other)?;
    enc.write_all(b"\n")?;
    enc.write_all(data.as_bytes())?;
    enc.finish()
}

/// [`encode`] into memory (the compressed bytes: what is uploaded and signed).
pub fn encode_to_vec(header: &ArtifactHeader, data: &str) -> io::Result<Vec<u8>> {
    encode(header, data, Vec::with_capacity(data.len() / 8 + 1024))
}

fn stream_error(e: io::Error) -> RemoteFailure {
    RemoteFailure::new(
        REMOTE_TRUNCATED,
        format!("artifact body cut short or corrupt ({e})"),
    )
}

/// Reads one artifact from its compressed stream, within `limits`. Errors: `remote_truncated`
/// (a cut or corrupt stream, a checksum mismatch), `remote_invalid` (not an artifact, a bad
/// header), `remote_oversize` (over a limit). A failure of `reader` itself comes back as
/// `remote_truncated`; callers that know better (a timeout) replace it.
pub fn decode<R: Read>(reader: R, limits: DecodeLimits) -> Result<Artifact, RemoteFailure> {
    let dec = zstd::stream::Decoder::new(reader).map_err(stream_error)?;
    let mut r = BufReader::with_capacity(256 * 1024, dec.single_frame());
    let mut magic = vec![0u8; MAGIC.len()];
    r.read_exact(&mut magic).map_err(stream_error)?;
    if magic != MAGIC {
        return Err(invalid("not a cachecore artifact (or a newer format)"));
    }
    let mut line = Vec::new();
    let n = (&mut r)
        .take(limits.header + 1)
        .read_until(b'\n', &mut line)
        .map_err(stream_error)?;
    if n as u64 > limits.header || line.last() != Some(&b'\n') {
        return Err(if n as u64 > limits.header {
            RemoteFailure::new(REMOTE_OVERSIZE, "artifact header over the files index cap")
        } else {
            stream_error(io::ErrorKind::UnexpectedEof.into())
        });
    }
    let header: ArtifactHeader = serde_json::from_slice(&line[..line.len() - 1])
        .map_err(|e| invalid(format!("artifact header invalid ({e})")))?;
    drop(line);
    if header.data_bytes > limits.data {
        return Err(RemoteFailure::new(
            REMOTE_OVERSIZE,
            format!(
                "artifact data of {} bytes over the analysis cap of {} bytes",
                header.data_bytes, limits.data
            ),
        ));
    }
    let len = usize::try_from(header.data_bytes).map_err(|_| invalid("artifact too large"))?;
    let mut data = Vec::new();
    data.try_reserve_exact(len)
        .map_err(|_| RemoteFailure::new(REMOTE_OVERSIZE, "artifact data too large to hold"))?;
    (&mut r)
        .take(header.data_bytes)
        .read_to_end(&mut data)
        .map_err(stream_error)?;
    if data.len() != len {
        return Err(stream_error(io::ErrorKind::UnexpectedEof.into()));
    }
    // The frame must end right here: reading on checks its checksum.
    let mut rest = [0u8; 1];
    match r.read(&mut rest).map_err(stream_error)? {
        0 => {}
        _ => return Err(invalid("artifact has bytes after its data")),
    }
    let data = String::from_utf8(data).map_err(|_| invalid("artifact data is not UTF-8"))?;
    Ok(Artifact { header, data })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::contract::records::tests::record;
    use crate::core::remote::key::tests::input_at;
    use std::path::Path;

    pub(crate) const LIMITS: DecodeLimits = DecodeLimits {
        header: 1 << 20,
        data: 1 << 24,
    };

    /// A header bound to its records, for identity `id`.
    pub(crate) fn header_for(id: &Identity, data: &str, commit: Option<&str>) -> ArtifactHeader {
        let files: FileRecordMap = [("a.ts", record(&"1".repeat(64), 3))].into_iter().collect();
        let locale_segments: FileRecordMap = [("en.json", record(&"2".repeat(64), 9))]
            .into_iter()
            .collect();
        let mut h = ArtifactHeader {
            identity: id.clone(),
            input_files_epoch: String::new(),
            commit: commit.map(str::to_owned),
            files,
            locale_segments,
            data_bytes: data.len() as u64,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            created_by: "test".into(),
        };
        h.input_files_epoch = compute_input_files_epoch(&h.merged(), TextHash::Sha256);
        h
    }

    pub(crate) fn identity() -> Identity {
        Identity::of_dispatch(&input_at(Path::new("/p"), Path::new("/h")), "test").unwrap()
    }

    #[test]
    fn round_trip_and_compression() {
        let id = identity();
        let data = format!("{{\"k\":[{}]}}", vec!["\"same text\""; 5000].join(","));
        let h = header_for(&id, &data, Some("c1"));
        let bytes = encode_to_vec(&h, &data).unwrap();
        assert!(
            bytes.len() * 10 < data.len(),
            "{} vs {}",
            bytes.len(),
            data.len()
        );
        let a = decode(&bytes[..], LIMITS).unwrap();
        assert_eq!(a.header, h);
        assert_eq!(a.data, data);
        let key = id.exact_key(&h.input_files_epoch);
        a.header
            .check_binding(
                &id,
                &key,
                Expect::Exact {
                    epoch: &h.input_files_epoch,
                },
            )
            .unwrap();
        a.header
            .check_binding(&id, &id.base_key("c1"), Expect::Base { commit: "c1" })
            .unwrap();
    }

    #[test]
    fn every_cut_and_flip_is_refused() {
        let id = identity();
        let data = "{\"a\":[1,2,3],\"b\":\"text\"}";
        let bytes = encode_to_vec(&header_for(&id, data, None), data).unwrap();
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], LIMITS).is_err(), "prefix {n}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            if let Ok(a) = decode(&b[..], LIMITS) {
                // A flip the checksum cannot see must not change what was encoded.
                assert_eq!(a.data, data, "flip at {i}");
            }
        }
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(&bytes);
        assert!(decode(&trailing[..], LIMITS).is_ok(), "one frame is read");
    }

    #[test]
    fn limits_and_foreign_bytes() {
        let id = identity();
        let data = "[1,2,3]";
        let bytes = encode_to_vec(&header_for(&id, data, None), data).unwrap();
        let small = DecodeLimits {
            header: 1 << 20,
            data: 3,
        };
        assert_eq!(decode(&bytes[..], small).unwrap_err().code, REMOTE_OVERSIZE);
        let tiny = DecodeLimits {
            header: 10,
            data: 1 << 20,
        };
        assert_eq!(decode(&bytes[..], tiny).unwrap_err().code, REMOTE_OVERSIZE);
        let plain = zstd::encode_all(&b"{\"not\":\"an artifact\"}"[..], 1).unwrap();
        assert_eq!(decode(&plain[..], LIMITS).unwrap_err().code, REMOTE_INVALID);
        assert_eq!(
            decode(&b"garbage"[..], LIMITS).unwrap_err().code,
            REMOTE_TRUNCATED
        );
    }

    #[test]
    fn binding_refuses_what_does_not_match() {
        let id = identity();
        let data = "1";
        let h = header_for(&id, data, Some("c1"));
        let epoch = h.input_files_epoch.clone();
        let key = id.exact_key(&epoch);
        let exact = Expect::Exact { epoch: &epoch };
        // Another identity.
        let mut other = id.clone();
        other.producer = "other".into();
        assert!(h.check_binding(&other, &key, exact).is_err());
        // Another key.
        assert!(h.check_binding(&id, &id.exact_key("x"), exact).is_err());
        assert!(h
            .check_binding(&id, &key, Expect::Exact { epoch: "x" })
            .is_err());
        // Records that do not hash to the epoch.
        let mut forged = h.clone();
        forged.files.insert("b.ts", record(&"3".repeat(64), 1));
        assert!(forged.check_binding(&id, &key, exact).is_err());
        // A path that leaves the root.
        let mut escaping = h.clone();
        escaping.files.insert("../x.ts", record(&"3".repeat(64), 1));
        escaping.input_files_epoch =
            compute_input_files_epoch(&escaping.merged(), TextHash::Sha256);
        let k = id.exact_key(&escaping.input_files_epoch);
        let e = escaping
            .check_binding(
                &id,
                &k,
                Expect::Exact {
                    epoch: &escaping.input_files_epoch,
                },
            )
            .unwrap_err();
        assert!(e.message.contains("path"), "{}", e.message);
        // Base: the commit must be the key's.
        assert!(h
            .check_binding(&id, &id.base_key("c2"), Expect::Base { commit: "c2" })
            .is_err());
    }
}
