//! The binary shadow of a generic manifest: `<manifest>.hints`, format 2. cachecore's own file
//! beside the JSON manifest (which stays the format of record), holding every record with its
//! stat hint in the compact row encoding of [`super::index_table`], so a run whose manifest is
//! unchanged since the shadow was written parses no JSON at all.
//!
//! A shadow is used only when everything agrees: its checksum (BLAKE3 of every preceding byte),
//! its generation (the BLAKE3 of the manifest's exact bytes, streamed from the file), and every
//! row (well-formed, sorted, safe paths, digests of the algorithm's length). A damaged, stale or
//! foreign shadow is ignored with a warning, and the manifest is read as JSON instead: it can
//! cost time, never a wrong answer.
//!
//! Layout (little endian): magic `CCHINTS2`, generation `[u8; 32]`, algorithm `u8` (0 sha256,
//! 1 blake3, 2 fnv1a64), row count `u64`, the rows, checksum `[u8; 32]`.
//!
//! Format 1 (`CCHINTS1`, [`super::hints`]) held stat hints alone; it is still read, beside the
//! JSON, and replaced by format 2 on the next run.

use super::hash::HashAlgo;
use super::hints::HintsError;
use super::index_table::{IndexTable, TableWriter};

/// The magic of format 2.
pub const MAGIC: &[u8; 8] = b"CCHINTS2";
const HEADER: usize = 8 + 32 + 1 + 8;

fn algo_byte(a: HashAlgo) -> u8 {
    match a {
        HashAlgo::Sha256 => 0,
        HashAlgo::Blake3 => 1,
        HashAlgo::Fnv1a64 => 2,
    }
}

fn algo_of(b: u8) -> Option<HashAlgo> {
    Some(match b {
        0 => HashAlgo::Sha256,
        1 => HashAlgo::Blake3,
        2 => HashAlgo::Fnv1a64,
        _ => return None,
    })
}

/// The digest length of an algorithm's records.
pub fn digest_len(a: HashAlgo) -> usize {
    match a {
        HashAlgo::Sha256 | HashAlgo::Blake3 => 32,
        HashAlgo::Fnv1a64 => 8,
    }
}

/// Whether `bytes` are a format-2 shadow (by their magic alone).
pub fn is_shadow(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The shadow of the manifest whose bytes hash to `generation`, with `rows`.
pub fn encode(generation: &[u8; 32], algorithm: HashAlgo, rows: TableWriter) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(generation);
    out.push(algo_byte(algorithm));
    out.extend_from_slice(&(rows.rows() as u64).to_le_bytes());
    rows.finish_into(&mut out);
    let sum = super::hints::blake3_of(&out);
    out.extend_from_slice(&sum);
    out
}

/// A checked shadow: its rows and their algorithm.
#[derive(Debug)]
pub struct Shadow {
    /// The algorithm of every digest.
    pub algorithm: HashAlgo,
    /// The records and hints.
    pub table: IndexTable,
}

/// Checks a shadow against the generation of the manifest it must describe: the checksum
/// first, then the generation ([`HintsError::Stale`] when it belongs to other manifest bytes),
/// then every row. The table keeps `bytes` (no copy of the rows).
pub fn decode(bytes: Vec<u8>, generation: &[u8; 32]) -> Result<Shadow, HintsError> {
    if bytes.len() < HEADER + 32 {
        return Err(HintsError::Corrupt("too short"));
    }
    let body_end = bytes.len() - 32;
    if super::hints::blake3_of(&bytes[..body_end]) != bytes[body_end..] {
        return Err(HintsError::Corrupt("checksum mismatch"));
    }
    if !is_shadow(&bytes) {
        return Err(HintsError::Corrupt("bad magic"));
    }
    if &bytes[8..40] != generation {
        return Err(HintsError::Stale);
    }
    let algorithm = algo_of(bytes[40]).ok_or(HintsError::Corrupt("unknown algorithm"))?;
    let rows = u64::from_le_bytes(bytes[41..49].try_into().expect("8 bytes"));
    let table = IndexTable::validated(bytes, HEADER, body_end, rows, digest_len(algorithm))
        .map_err(|e| HintsError::Corrupt(e.0))?;
    Ok(Shadow { algorithm, table })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::digest::Digest;
    use crate::core::hints::{generation_of, Hint};
    use crate::core::manifest::ManifestRecord;
    use crate::core::stat::{FileKind, StatTuple};

    fn sample() -> TableWriter {
        let mut w = TableWriter::with_capacity(2);
        for (i, p) in ["a/x.ts", "a/y.ts"].iter().enumerate() {
            let record = ManifestRecord {
                hash: Digest::from_32([i as u8; 32]),
                size: 3,
                mtime_ms: 1,
            };
            let hint = Hint {
                stat: StatTuple {
                    kind: FileKind::File,
                    size: 3,
                    mtime_ns: 1_000_000,
                    ctime_ns: 5,
                    ino: 7,
                },
                racy: false,
                unstable: false,
            };
            w.push(p, &record, Some(&hint));
        }
        w
    }

    #[test]
    fn round_trip_and_every_damage_is_refused() {
        let g = generation_of(b"manifest");
        let bytes = encode(&g, HashAlgo::Sha256, sample());
        let s = decode(bytes.clone(), &g).unwrap();
        assert_eq!(s.algorithm, HashAlgo::Sha256);
        assert_eq!(s.table.len(), 2);
        assert_eq!(
            decode(bytes.clone(), &generation_of(b"other")).unwrap_err(),
            HintsError::Stale
        );
        for n in 0..bytes.len() {
            assert!(decode(bytes[..n].to_vec(), &g).is_err(), "prefix {n}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(decode(b, &g).is_err(), "bit flip at {i}");
        }
        // Digests of another algorithm's length are refused even with a good checksum.
        let wrong = encode(&g, HashAlgo::Fnv1a64, sample());
        assert!(matches!(decode(wrong, &g), Err(HintsError::Corrupt(_))));
        // A format-1 hints file is not a shadow.
        let v1 = crate::core::hints::encode(&g, &[]);
        assert!(!is_shadow(&v1));
        assert!(decode(v1, &g).is_err());
    }
}
