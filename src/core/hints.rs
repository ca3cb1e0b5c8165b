//! Stat hints: cachecore's own file beside an index, holding each record's stat tuple and
//! flags. Binary, checksummed (BLAKE3 over every preceding byte) and tied to one generation of
//! the index it describes (the BLAKE3 of that index's bytes), so a crash between writing the
//! index and its hints, or any damage, makes the hints unusable rather than wrong. Unusable
//! hints cost a re-hash; they never make a file look unchanged.
//!
//! Layout (little endian): magic `CCHINTS1`, generation `[u8; 32]`, entry count `u64`, then per
//! entry: path length `u32`, path bytes (UTF-8), kind `u8`, flags `u8`, size `u64`,
//! mtime ns `i64`, ctime ns `i64`, inode `u64`; then the checksum `[u8; 32]`.

use super::bytes::{Corrupt, Reader, Unchecked};
use super::stat::{FileKind, StatTuple};

const MAGIC: &[u8; 8] = b"CCHINTS1";
const FLAG_RACY: u8 = 1;
const FLAG_UNSTABLE: u8 = 2;
const ENTRY_FIXED: usize = 4 + 1 + 1 + 8 + 8 + 8 + 8;

/// One record's hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The tuple seen when the content was hashed.
    pub stat: StatTuple,
    /// The tuple was too close to the scan's snapshot: re-hash next time.
    pub racy: bool,
    /// The file moved while it was read: re-hash next time.
    pub unstable: bool,
}

impl Hint {
    /// Whether the fast path may use this hint at all (content strategy).
    pub fn trustworthy(&self) -> bool {
        !self.racy && !self.unstable
    }
}

/// The generation id of index bytes.
pub fn generation_of(index_bytes: &[u8]) -> [u8; 32] {
    blake3_of(index_bytes)
}

/// The BLAKE3 of `bytes`, on the rayon pool for large inputs (the same digest as
/// `blake3::hash`): an index of 100 MB is checked on every run.
pub fn blake3_of(bytes: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    if bytes.len() >= 1 << 20 {
        h.update_rayon(bytes);
    } else {
        h.update(bytes);
    }
    *h.finalize().as_bytes()
}

/// Encodes hints (`entries` sorted by path) for the index whose bytes hash to `generation`.
pub fn encode(generation: &[u8; 32], entries: &[(&str, Hint)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(56 + entries.len() * (ENTRY_FIXED + 48));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(generation);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (path, h) in entries {
        out.extend_from_slice(&(path.len() as u32).to_le_bytes());
        out.extend_from_slice(path.as_bytes());
        out.push(h.stat.kind.to_byte());
        out.push(if h.racy { FLAG_RACY } else { 0 } | if h.unstable { FLAG_UNSTABLE } else { 0 });
        out.extend_from_slice(&h.stat.size.to_le_bytes());
        out.extend_from_slice(&h.stat.mtime_ns.to_le_bytes());
        out.extend_from_slice(&h.stat.ctime_ns.to_le_bytes());
        out.extend_from_slice(&h.stat.ino.to_le_bytes());
    }
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// Why hints were not used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HintsError {
    /// Damaged, truncated or not a hints file.
    #[error("stat hints are damaged: {0}")]
    Corrupt(&'static str),
    /// Written for another generation of the index.
    #[error("stat hints belong to another generation of the index")]
    Stale,
}

/// Row flag of the binary shadows (both the manifest's and `files.json`'s): the hint was racy.
pub const ROW_RACY: u8 = 1;
/// Row flag: the hint was unstable.
pub const ROW_UNSTABLE: u8 = 2;
/// Row flag: the row holds a hint (kind `u8`, size `u64`, mtime ns `i64`, ctime ns `i64`,
/// inode `u64`, right after the flags).
pub const ROW_HINT: u8 = 4;

/// The row flags of `hint`.
pub fn row_flags(hint: Option<&Hint>) -> u8 {
    hint.map_or(0, |h| {
        ROW_HINT | if h.racy { ROW_RACY } else { 0 } | if h.unstable { ROW_UNSTABLE } else { 0 }
    })
}

/// Appends the hint of a row whose flags say [`ROW_HINT`].
pub fn push_row_hint(out: &mut Vec<u8>, hint: &Hint) {
    out.push(hint.stat.kind.to_byte());
    out.extend_from_slice(&hint.stat.size.to_le_bytes());
    out.extend_from_slice(&hint.stat.mtime_ns.to_le_bytes());
    out.extend_from_slice(&hint.stat.ctime_ns.to_le_bytes());
    out.extend_from_slice(&hint.stat.ino.to_le_bytes());
}

/// Checks the hint of a row with `flags` (none without [`ROW_HINT`], and then no hint flag).
pub fn check_row_hint(r: &mut Reader<'_>, flags: u8) -> Result<(), Corrupt> {
    if flags & ROW_HINT != 0 {
        FileKind::from_byte(r.u8()?).ok_or(Corrupt("bad kind"))?;
        r.take(32)?;
    } else if flags & (ROW_RACY | ROW_UNSTABLE) != 0 {
        return Err(Corrupt("hint flags without a hint"));
    }
    Ok(())
}

/// Reads the hint of a checked row with `flags` ([`check_row_hint`]).
pub fn read_row_hint(r: &mut Unchecked<'_>, flags: u8) -> Option<Hint> {
    (flags & ROW_HINT != 0).then(|| Hint {
        stat: StatTuple {
            kind: FileKind::from_byte(r.u8()).unwrap_or(FileKind::Special),
            size: r.u64(),
            mtime_ns: r.u64() as i64,
            ctime_ns: r.u64() as i64,
            ino: r.u64(),
        },
        racy: flags & ROW_RACY != 0,
        unstable: flags & ROW_UNSTABLE != 0,
    })
}

impl From<Corrupt> for HintsError {
    fn from(c: Corrupt) -> Self {
        HintsError::Corrupt(c.0)
    }
}

/// Decodes hints, checking the checksum and that they belong to `generation`. Allocation is
/// bounded by the input's length whatever the declared count says.
pub fn decode(bytes: &[u8], generation: &[u8; 32]) -> Result<Vec<(String, Hint)>, HintsError> {
    if bytes.len() < MAGIC.len() + 32 + 8 + 32 {
        return Err(HintsError::Corrupt("too short"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    if blake3::hash(body).as_bytes() != sum {
        return Err(HintsError::Corrupt("checksum mismatch"));
    }
    let mut r = Reader::new(body, 0);
    if r.take(8)? != MAGIC {
        return Err(HintsError::Corrupt("bad magic"));
    }
    if r.take(32)? != generation {
        return Err(HintsError::Stale);
    }
    let count = r.u64()?;
    if count > (body.len() / ENTRY_FIXED) as u64 {
        return Err(HintsError::Corrupt("count larger than the file"));
    }
    let mut out = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let len = r.u32()? as usize;
        let path = std::str::from_utf8(r.take(len)?)
            .map_err(|_| HintsError::Corrupt("path is not UTF-8"))?
            .to_string();
        let kind = FileKind::from_byte(r.u8()?).ok_or(HintsError::Corrupt("bad kind"))?;
        let flags = r.u8()?;
        let stat = StatTuple {
            kind,
            size: r.u64()?,
            mtime_ns: r.i64()?,
            ctime_ns: r.i64()?,
            ino: r.u64()?,
        };
        out.push((
            path,
            Hint {
                stat,
                racy: flags & FLAG_RACY != 0,
                unstable: flags & FLAG_UNSTABLE != 0,
            },
        ));
    }
    if r.at() != body.len() {
        return Err(HintsError::Corrupt("trailing bytes"));
    }
    if out.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(HintsError::Corrupt("paths not sorted and unique"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(n: u64) -> Hint {
        Hint {
            stat: StatTuple {
                kind: FileKind::File,
                size: n,
                mtime_ns: n as i64 * 7,
                ctime_ns: -3,
                ino: n + 1,
            },
            racy: n.is_multiple_of(2),
            unstable: n.is_multiple_of(3),
        }
    }

    #[test]
    fn round_trip_and_every_damage_is_caught() {
        let g = generation_of(b"index");
        let bytes = encode(&g, &[("a", hint(1)), ("b/c", hint(2)), ("d", hint(3))]);
        let back = decode(&bytes, &g).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[1], ("b/c".to_string(), hint(2)));
        assert_eq!(
            decode(&bytes, &generation_of(b"other")),
            Err(HintsError::Stale)
        );
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], &g).is_err(), "prefix {n}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(decode(&b, &g).is_err(), "bit flip at {i}");
        }
    }
}
