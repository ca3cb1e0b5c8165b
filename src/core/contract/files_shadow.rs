//! The binary shadow of `files.json` (`files.json.hints`): cachecore's own file beside the
//! index, which stays the format of record and byte-compatible with i18nprune's TypeScript core.
//!
//! It holds what a no-change dispatch needs so that it parses no JSON: the stat hint of every
//! stored record (keyed by tree and path, sorted), the input files epoch of the stored records,
//! and whether the stored index is in the plain shape the fast path assumes (no key in both
//! maps, no legacy key). A dispatch whose walks find exactly the
//! stored keys, each with a trustworthy hint equal to its stat, then knows that the current
//! records are the stored ones without reading them; anything else parses `files.json` as
//! before and uses the hints from here.
//!
//! A shadow is used only when everything agrees: its checksum (BLAKE3 of every preceding byte),
//! its generation (tied to the exact bytes of `files.json` and the hash algorithm, as the stat
//! hints always were: [`tracked::hints_generation`]), and every row. A damaged, stale or foreign
//! shadow is ignored: it can cost a re-read, never serve a hit.
//!
//! Layout (little endian): magic `CCFSHAD1`, generation `[u8; 32]`, flags `u8` (1: plain, 2: the
//! index is the TypeScript core's default empty one), epoch (`u16` length, bytes), then for src
//! and then locale segments: row count `u64`, byte length `u64`, rows; then checksum `[u8; 32]`.
//! A row: `shared` (LEB128), `suffix_len` (LEB128), suffix, flags `u8` (1 racy, 2 unstable,
//! 4 hint present), and with a hint `kind` u8, `size` u64, `mtime_ns` i64, `ctime_ns` i64,
//! `ino` u64.
//!
//! Format 1 (`CCHINTS1`: hints alone, keys prefixed `s:` and `l:`) is still read.

use rustc_hash::FxHashMap;

use super::files_index::{FilesIndex, LEGACY_SOURCE_LOCALE_KEY};
use super::hashing::TextHash;
use super::records::FileRecordMap;
use super::tracked::{self, LOCALE_HINT_PREFIX, SRC_HINT_PREFIX};
use crate::core::bytes::{push_key, Reader, Unchecked};
use crate::core::hints::{self, Hint, HintsError};

/// The magic of the shadow.
pub const MAGIC: &[u8; 8] = b"CCFSHAD1";
const PLAIN: u8 = 1;
const EMPTY: u8 = 2;

/// One tree of the stored index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    /// `files`: the src records.
    Src,
    /// `localeSegments`.
    Locales,
}

/// A checked shadow.
#[derive(Debug)]
pub struct FilesShadow {
    bytes: Vec<u8>,
    flags: u8,
    epoch: String,
    trees: [(usize, usize, u64); 2],
}

/// Rows of one tree: `keys` (unique, any order) with the hint of each, if any, sorted by key.
fn encode_rows(keys: &[(&str, Option<Hint>)]) -> Vec<u8> {
    let mut sorted: Vec<&(&str, Option<Hint>)> = keys.iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::with_capacity(sorted.len() * 48);
    let mut last: &[u8] = &[];
    for (key, hint) in sorted {
        push_key(&mut out, last, key.as_bytes());
        last = key.as_bytes();
        out.push(hints::row_flags(hint.as_ref()));
        if let Some(h) = hint {
            hints::push_row_hint(&mut out, h);
        }
    }
    out
}

/// Whether the fast path may stand for reading `index`: no key in both maps (then the stored
/// baseline lists every key once, src first), and no legacy key.
fn is_plain(index: &FilesIndex) -> bool {
    let segments = index.locale_segments.as_ref();
    !index.files.contains_key(LEGACY_SOURCE_LOCALE_KEY)
        && segments.is_none_or(|s| s.keys().all(|k| !index.files.contains_key(k)))
}

/// The shadow of `files_json` (the exact bytes of `index`, written with `algo`): the `hints` of
/// its records (keys prefixed `s:` / `l:`, as a scan gives them) and `epoch`, the input files
/// epoch of its records.
pub fn encode(
    algo: TextHash,
    files_json: &[u8],
    index: &FilesIndex,
    empty: bool,
    hints: &[(String, Hint)],
    epoch: &str,
) -> Vec<u8> {
    let mut src_hints: FxHashMap<&str, Hint> = FxHashMap::default();
    let mut locale_hints: FxHashMap<&str, Hint> = FxHashMap::default();
    for (k, h) in hints {
        if let Some(rel) = k.strip_prefix(SRC_HINT_PREFIX) {
            src_hints.insert(rel, *h);
        } else if let Some(rel) = k.strip_prefix(LOCALE_HINT_PREFIX) {
            locale_hints.insert(rel, *h);
        }
    }
    let src: Vec<(&str, Option<Hint>)> = index
        .files
        .keys()
        .map(|k| (k, src_hints.get(k).copied()))
        .collect();
    let locales: Vec<(&str, Option<Hint>)> = index
        .locale_segments
        .iter()
        .flat_map(FileRecordMap::keys)
        .map(|k| (k, locale_hints.get(k).copied()))
        .collect();
    let plain = is_plain(index) && src.iter().chain(&locales).all(|(_, h)| h.is_some());
    let mut out = Vec::with_capacity(64 + (src.len() + locales.len()) * 48);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&tracked::hints_generation(algo, files_json));
    out.push(if plain { PLAIN } else { 0 } | if empty { EMPTY } else { 0 });
    out.extend_from_slice(&(epoch.len() as u16).to_le_bytes());
    out.extend_from_slice(epoch.as_bytes());
    for tree in [&src, &locales] {
        let rows = encode_rows(tree);
        out.extend_from_slice(&(tree.len() as u64).to_le_bytes());
        out.extend_from_slice(&(rows.len() as u64).to_le_bytes());
        out.extend_from_slice(&rows);
    }
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

/// Checks `count` rows in `b[start..end]`: well-formed, UTF-8 keys strictly increasing.
fn validate_rows(b: &[u8], start: usize, end: usize, count: u64) -> Result<(), HintsError> {
    if count > ((end - start) / 3) as u64 {
        return Err(HintsError::Corrupt("count larger than the rows"));
    }
    let mut r = Reader::new(&b[..end], start);
    let mut key: Vec<u8> = Vec::new();
    for i in 0..count {
        r.key_into(&mut key, i == 0)?;
        std::str::from_utf8(&key).map_err(|_| HintsError::Corrupt("key is not UTF-8"))?;
        let flags = r.u8()?;
        if flags & !(hints::ROW_RACY | hints::ROW_UNSTABLE | hints::ROW_HINT) != 0 {
            return Err(HintsError::Corrupt("unknown row flags"));
        }
        hints::check_row_hint(&mut r, flags)?;
    }
    if r.at() != end {
        return Err(HintsError::Corrupt("trailing bytes after the rows"));
    }
    Ok(())
}

/// Whether `bytes` are a shadow (by their magic alone).
pub fn is_shadow(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Checks a shadow against the exact bytes of `files.json` and the algorithm: checksum, then
/// generation ([`HintsError::Stale`] for another `files.json` or algorithm), then every row.
pub fn decode(
    bytes: Vec<u8>,
    algo: TextHash,
    files_json: &[u8],
) -> Result<FilesShadow, HintsError> {
    if bytes.len() < 8 + 32 + 1 + 2 + 16 + 16 + 32 {
        return Err(HintsError::Corrupt("too short"));
    }
    let body_end = bytes.len() - 32;
    if hints::blake3_of(&bytes[..body_end]) != bytes[body_end..] {
        return Err(HintsError::Corrupt("checksum mismatch"));
    }
    if !is_shadow(&bytes) {
        return Err(HintsError::Corrupt("bad magic"));
    }
    if bytes[8..40] != tracked::hints_generation(algo, files_json) {
        return Err(HintsError::Stale);
    }
    let mut r = Reader::new(&bytes[..body_end], 40);
    let flags = r.u8()?;
    if flags & !(PLAIN | EMPTY) != 0 {
        return Err(HintsError::Corrupt("unknown flags"));
    }
    let elen = r.u16()? as usize;
    let epoch = std::str::from_utf8(r.take(elen)?)
        .map_err(|_| HintsError::Corrupt("epoch is not UTF-8"))?
        .to_owned();
    let mut trees = [(0, 0, 0); 2];
    for t in &mut trees {
        let count = r.u64()?;
        let len = usize::try_from(r.u64()?).map_err(|_| HintsError::Corrupt("rows too long"))?;
        let start = r.at();
        r.take(len)?;
        validate_rows(&bytes, start, r.at(), count)?;
        *t = (start, r.at(), count);
    }
    if r.at() != body_end {
        return Err(HintsError::Corrupt("trailing bytes"));
    }
    Ok(FilesShadow {
        bytes,
        flags,
        epoch,
        trees,
    })
}

/// Reads one tree's rows front to back.
pub struct Rows<'a> {
    r: Unchecked<'a>,
    key: Vec<u8>,
}

impl Rows<'_> {
    /// The next row's hint (`None` inside when the row has none); the row's key is then
    /// [`Self::key`]. `None` after the last row.
    #[allow(clippy::should_implement_trait, clippy::option_option)]
    pub fn next(&mut self) -> Option<Option<Hint>> {
        if self.r.at_end() {
            return None;
        }
        self.r.key_into(&mut self.key);
        let flags = self.r.u8();
        Some(hints::read_row_hint(&mut self.r, flags))
    }

    /// The key of the row last returned by [`Self::next`], as bytes.
    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

impl FilesShadow {
    /// Whether the stored index is in the shape the fast path assumes (see the module doc).
    pub fn plain(&self) -> bool {
        self.flags & PLAIN != 0
    }

    /// Whether the stored index is the TypeScript core's default empty one.
    pub fn empty(&self) -> bool {
        self.flags & EMPTY != 0
    }

    /// The input files epoch of the stored records.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The number of stored records of `tree`.
    pub fn len(&self, tree: Tree) -> usize {
        self.trees[tree as usize].2 as usize
    }

    /// The rows of `tree`, sorted by key.
    pub fn rows(&self, tree: Tree) -> Rows<'_> {
        let (start, end, _) = self.trees[tree as usize];
        Rows {
            r: Unchecked::new(&self.bytes[..end], start),
            key: Vec::new(),
        }
    }

    /// Every hint, keyed as a scan keys them (`s:` / `l:` prefixes).
    pub fn hints(&self) -> Vec<(String, Hint)> {
        let mut out = Vec::with_capacity(self.len(Tree::Src) + self.len(Tree::Locales));
        for (tree, prefix) in [
            (Tree::Src, SRC_HINT_PREFIX),
            (Tree::Locales, LOCALE_HINT_PREFIX),
        ] {
            let mut rows = self.rows(tree);
            while let Some(hint) = rows.next() {
                if let Some(h) = hint {
                    let key = String::from_utf8_lossy(rows.key());
                    out.push((format!("{prefix}{key}"), h));
                }
            }
        }
        out
    }
}

/// What lies beside `files.json`, when it belongs to exactly these bytes.
#[derive(Debug)]
pub enum Beside {
    /// Nothing usable (missing, damaged, stale or foreign).
    Nothing,
    /// A shadow.
    Shadow(FilesShadow),
    /// Format-1 stat hints (keys prefixed `s:` / `l:`).
    Hints(Vec<(String, Hint)>),
}

impl Beside {
    /// The stat hints, keyed as a scan keys them.
    pub fn hints(&self) -> FxHashMap<String, Hint> {
        match self {
            Beside::Nothing => FxHashMap::default(),
            Beside::Shadow(s) => s.hints().into_iter().collect(),
            Beside::Hints(h) => h.iter().cloned().collect(),
        }
    }
}

/// Reads what lies beside `files.json` (at `path`, under the cache `root`, reached without
/// following links) when it belongs to exactly these bytes.
pub fn load(
    root: &std::path::Path,
    path: &std::path::Path,
    algo: TextHash,
    files_json: &[u8],
) -> Beside {
    let Ok(Some(bytes)) = super::cache_file::read_cache_file(root, path, 1 << 30) else {
        return Beside::Nothing;
    };
    if is_shadow(&bytes) {
        return match decode(bytes, algo, files_json) {
            Ok(s) => Beside::Shadow(s),
            Err(_) => Beside::Nothing,
        };
    }
    match hints::decode(&bytes, &tracked::hints_generation(algo, files_json)) {
        Ok(h) => Beside::Hints(h),
        Err(_) => Beside::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::records::tests::record;
    use crate::core::stat::{FileKind, StatTuple};

    fn hint(n: u64) -> Hint {
        Hint {
            stat: StatTuple {
                kind: FileKind::File,
                size: n,
                mtime_ns: n as i64,
                ctime_ns: 1,
                ino: n,
            },
            racy: n == 2,
            unstable: false,
        }
    }

    fn index(src: &[&str], locales: &[&str]) -> FilesIndex {
        FilesIndex::new(
            src.iter().map(|k| (*k, record("h", 1))).collect(),
            locales.iter().map(|k| (*k, record("h", 1))).collect(),
            crate::core::contract::layout::tests::flat(),
        )
    }

    fn all_hints(src: &[&str], locales: &[&str]) -> Vec<(String, Hint)> {
        src.iter()
            .map(|k| format!("s:{k}"))
            .chain(locales.iter().map(|k| format!("l:{k}")))
            .enumerate()
            .map(|(i, k)| (k, hint(i as u64)))
            .collect()
    }

    #[test]
    fn round_trip_plain_and_not() {
        let idx = index(&["a.ts", "b/c.ts"], &["en.json", "fr.json"]);
        let bytes = idx.to_bytes();
        let hints = all_hints(&["a.ts", "b/c.ts"], &["en.json", "fr.json"]);
        let sh = encode(TextHash::Sha256, &bytes, &idx, false, &hints, "ep");
        let s = decode(sh.clone(), TextHash::Sha256, &bytes).unwrap();
        assert!(s.plain() && !s.empty());
        assert_eq!(s.epoch(), "ep");
        assert_eq!((s.len(Tree::Src), s.len(Tree::Locales)), (2, 2));
        let mut back = s.hints();
        back.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want = hints.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(back, want);
        // Another algorithm or other bytes: stale.
        assert_eq!(
            decode(sh.clone(), TextHash::Blake3, &bytes).unwrap_err(),
            HintsError::Stale
        );
        assert_eq!(
            decode(sh.clone(), TextHash::Sha256, b"{}").unwrap_err(),
            HintsError::Stale
        );
        for n in 0..sh.len() {
            assert!(decode(sh[..n].to_vec(), TextHash::Sha256, &bytes).is_err());
        }
        for i in 0..sh.len() {
            let mut b = sh.clone();
            b[i] ^= 4;
            assert!(decode(b, TextHash::Sha256, &bytes).is_err(), "flip {i}");
        }
        // A missing hint or a key in both maps: not plain (another order is).
        let idx = index(&["b.ts", "a.ts"], &[]);
        let bytes = idx.to_bytes();
        let sh = encode(
            TextHash::Sha256,
            &bytes,
            &idx,
            false,
            &all_hints(&["b.ts", "a.ts"], &[]),
            "e",
        );
        assert!(decode(sh, TextHash::Sha256, &bytes).unwrap().plain());
        for (src, locales, hints) in [
            (vec!["a.ts"], vec!["x.json"], all_hints(&["a.ts"], &[])),
            (
                vec!["a.json"],
                vec!["a.json"],
                all_hints(&["a.json"], &["a.json"]),
            ),
        ] {
            let idx = index(&src, &locales);
            let bytes = idx.to_bytes();
            let sh = encode(TextHash::Sha256, &bytes, &idx, false, &hints, "ep");
            assert!(!decode(sh, TextHash::Sha256, &bytes).unwrap().plain());
        }
    }
}
