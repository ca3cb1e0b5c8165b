//! Compact, sorted tables of file records with their stat hints: the previous index a run is
//! joined against ([`IndexTable`]) and the joined result it produces ([`FileTable`]), with each
//! path held once.
//!
//! An [`IndexTable`] is its rows encoded back to back in path order, one allocation for the
//! whole table. A row's path is stored as the length of the prefix it shares with the previous
//! row's path and the rest of it (paths of one directory share most of their bytes), so a
//! table is read front to back with a [`Cursor`], which is all a merge-join with a sorted walk
//! needs. The same encoding is the body of the engine's binary shadow of a manifest
//! (`<manifest>.hints`, see [`super::shadow`]).
//!
//! Row layout: `shared` (LEB128), `suffix_len` (LEB128), the suffix bytes, `flags` u8, the stat
//! hint when flag 4 is set (`kind` u8, `size` u64, `mtime_ns` i64, `ctime_ns` i64, `ino` u64),
//! the digest (`len` u8, bytes), then the record's `size` u64 when flag 8 is set (else it is the
//! hint's size) and its `mtimeMs` i64 when flag 16 is set (else the hint's mtime in whole ms).
//! Integers are little endian. Flags 1 and 2 are the hint's racy and unstable bits.
//!
//! A [`FileTable`] lists the recorded files of a run in path order: a file whose previous
//! record was reused points at its row of the previous table (its path is not copied), and a
//! file that was read holds its own [`FileState`].

use super::bytes::{push_key, Corrupt, Reader, Unchecked};
use super::digest::Digest;
use super::fingerprint::FileState;
use super::hints::{self, Hint};
use super::manifest::ManifestRecord;
use super::relpath;
use super::stat::{FileKind, StatTuple};

const F_RACY: u8 = hints::ROW_RACY;
const F_UNSTABLE: u8 = hints::ROW_UNSTABLE;
const F_HINT: u8 = hints::ROW_HINT;
const F_SIZE: u8 = 8;
const F_MTIME: u8 = 16;
const F_ALL: u8 = F_RACY | F_UNSTABLE | F_HINT | F_SIZE | F_MTIME;

/// Rows of `(path, record, hint?)` in strictly increasing path order, encoded compactly.
#[derive(Clone, Debug, Default)]
pub struct IndexTable {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    rows: usize,
}

/// One decoded row (its path is [`Cursor::path`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// Its position in the table.
    pub index: u32,
    /// The record.
    pub record: ManifestRecord,
    /// The stat hint, when the row has one.
    pub hint: Option<Hint>,
}

impl IndexTable {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The encoded size of the rows, in bytes.
    pub fn encoded_len(&self) -> usize {
        self.end - self.start
    }

    /// The encoded rows.
    pub fn body(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// A cursor at the first row.
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor {
            r: Unchecked::new(&self.bytes[..self.end], self.start),
            next: 0,
            path: Vec::new(),
        }
    }

    /// A table of `files` and their `hints`, each sorted by path with unique paths (a record
    /// without a hint of the same path has none; a hint without a record is dropped).
    pub fn from_lists(files: Vec<(String, ManifestRecord)>, hints: Vec<(String, Hint)>) -> Self {
        let mut w = TableWriter::with_capacity(files.len());
        let mut hints = hints.into_iter().peekable();
        for (path, record) in files {
            while hints.next_if(|(p, _)| *p < path).is_some() {}
            let hint = hints.next_if(|(p, _)| *p == path).map(|(_, h)| h);
            w.push(&path, &record, hint.as_ref());
        }
        w.finish()
    }

    /// Takes `bytes[start..end]` as encoded rows after checking every one of them: well-formed,
    /// `rows` of them, paths valid UTF-8, safe (see [`relpath::unsafe_reason`]) and strictly
    /// increasing, known flags and kinds, digests of `digest_len` bytes. Nothing decoded from
    /// a table that passed can then fail.
    pub fn validated(
        bytes: Vec<u8>,
        start: usize,
        end: usize,
        rows: u64,
        digest_len: usize,
    ) -> Result<IndexTable, Corrupt> {
        if start > end || end > bytes.len() {
            return Err(Corrupt("rows out of range"));
        }
        // Every row takes at least 4 bytes: no count can claim more rows than that allows.
        if rows > ((end - start) / 4) as u64 {
            return Err(Corrupt("count larger than the rows"));
        }
        let mut r = Reader::new(&bytes[..end], start);
        let mut path: Vec<u8> = Vec::new();
        for i in 0..rows {
            r.key_into(&mut path, i == 0)?;
            let p = std::str::from_utf8(&path).map_err(|_| Corrupt("path is not UTF-8"))?;
            if !is_safe_path(p) {
                return Err(Corrupt("unsafe path"));
            }
            let flags = r.u8()?;
            if flags & !F_ALL != 0 {
                return Err(Corrupt("unknown flags"));
            }
            hints::check_row_hint(&mut r, flags)?;
            let dlen = r.u8()? as usize;
            if dlen != digest_len {
                return Err(Corrupt("digest of the wrong length"));
            }
            r.take(dlen)?;
            if flags & F_SIZE != 0 || flags & F_HINT == 0 {
                r.take(8)?;
            }
            if flags & F_MTIME != 0 || flags & F_HINT == 0 {
                r.take(8)?;
            }
        }
        if r.at() != end {
            return Err(Corrupt("trailing bytes after the rows"));
        }
        Ok(IndexTable {
            bytes,
            start,
            end,
            rows: rows as usize,
        })
    }
}

/// [`relpath::is_safe`] in one pass over the bytes where a component is `/`-separated only
/// (Unix): not empty, no NUL, not absolute, no empty, `.` or `..` component. A table of
/// 1,000,000 rows checks each of them; the general rule splits every path into components.
fn is_safe_path(p: &str) -> bool {
    if cfg!(windows) {
        return relpath::is_safe(p);
    }
    let b = p.as_bytes();
    if b.is_empty() || b[0] == b'/' || b.contains(&0) {
        return false;
    }
    // Every component ends at a `/` or at the end; its length and dots decide.
    b.split(|&c| c == b'/')
        .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// Builds an [`IndexTable`] from rows given in strictly increasing path order.
pub struct TableWriter {
    out: Vec<u8>,
    last: Vec<u8>,
    rows: usize,
}

impl TableWriter {
    /// A writer with room for about `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        TableWriter {
            out: Vec::with_capacity(rows.saturating_mul(96)),
            last: Vec::new(),
            rows: 0,
        }
    }

    /// Appends a row; `path` must sort after the previous row's.
    pub fn push(&mut self, path: &str, record: &ManifestRecord, hint: Option<&Hint>) {
        let p = path.as_bytes();
        debug_assert!(
            self.rows == 0 || p > self.last.as_slice(),
            "rows out of order"
        );
        let shared = push_key(&mut self.out, &self.last, p);
        self.last.truncate(shared);
        self.last.extend_from_slice(&p[shared..]);
        let mut flags = hints::row_flags(hint);
        if let Some(h) = hint {
            if record.size != h.stat.size {
                flags |= F_SIZE;
            }
            if record.mtime_ms != h.stat.mtime_ms() {
                flags |= F_MTIME;
            }
        }
        self.out.push(flags);
        if let Some(h) = hint {
            hints::push_row_hint(&mut self.out, h);
        }
        let d = record.hash.as_bytes();
        self.out.push(d.len() as u8);
        self.out.extend_from_slice(d);
        if flags & F_SIZE != 0 || hint.is_none() {
            self.out.extend_from_slice(&record.size.to_le_bytes());
        }
        if flags & F_MTIME != 0 || hint.is_none() {
            self.out.extend_from_slice(&record.mtime_ms.to_le_bytes());
        }
        self.rows += 1;
    }

    /// The rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends the encoded rows to `out` (a file's header is already there).
    pub fn finish_into(self, out: &mut Vec<u8>) -> usize {
        out.extend_from_slice(&self.out);
        self.rows
    }

    /// The table.
    pub fn finish(self) -> IndexTable {
        let end = self.out.len();
        IndexTable {
            bytes: self.out,
            start: 0,
            end,
            rows: self.rows,
        }
    }
}

/// Reads a table front to back.
pub struct Cursor<'a> {
    r: Unchecked<'a>,
    next: u32,
    path: Vec<u8>,
}

impl Cursor<'_> {
    /// Whether every row was read.
    pub fn at_end(&self) -> bool {
        self.r.at_end()
    }

    /// The next row (its path is then [`Self::path`]); `None` after the last.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Row> {
        if self.at_end() {
            return None;
        }
        self.r.key_into(&mut self.path);
        let flags = self.r.u8();
        let hint = hints::read_row_hint(&mut self.r, flags);
        let dlen = self.r.u8() as usize;
        let hash = Digest::from_bytes(self.r.take(dlen)).unwrap_or(Digest::UNMATCHED);
        let size = match hint {
            Some(h) if flags & F_SIZE == 0 => h.stat.size,
            _ => self.r.u64(),
        };
        let mtime_ms = match hint {
            Some(h) if flags & F_MTIME == 0 => h.stat.mtime_ms(),
            _ => self.r.u64() as i64,
        };
        let index = self.next;
        self.next += 1;
        Some(Row {
            index,
            record: ManifestRecord {
                hash,
                size,
                mtime_ms,
            },
            hint,
        })
    }

    /// The path of the row last returned by [`Self::next`], as bytes.
    pub fn path_bytes(&self) -> &[u8] {
        &self.path
    }

    /// The path of the row last returned by [`Self::next`].
    pub fn path(&self) -> &str {
        // Validated (or written from `&str`) rows hold UTF-8 paths.
        std::str::from_utf8(&self.path).unwrap_or_default()
    }
}

/// The recorded files of a run, sorted by path: rows reused from the previous table (their
/// path and record are read from it, never copied) and files that were read.
#[derive(Clone, Debug, Default)]
pub struct FileTable {
    base: IndexTable,
    /// One per recorded file: a row of `base`, or `FRESH | i` for `fresh[i]`.
    slots: Vec<u32>,
    fresh: Vec<FileState>,
}

const FRESH: u32 = 1 << 31;

/// A recorded file as [`FileTable::visit`] shows it.
#[derive(Clone, Copy, Debug)]
pub struct FileView<'a> {
    /// Root-relative POSIX path.
    pub path: &'a str,
    /// The record.
    pub record: &'a ManifestRecord,
    /// The stat hint.
    pub hint: &'a Hint,
}

impl FileTable {
    /// A table of files that were all read (sorted by path, unique).
    pub fn from_states(files: Vec<FileState>) -> Self {
        FileTable {
            base: IndexTable::default(),
            slots: (0..files.len() as u32).map(|i| FRESH | i).collect(),
            fresh: files,
        }
    }

    /// An empty table joined against `base`: add rows with [`Self::push_base`] and
    /// [`Self::push_fresh`] in path order.
    pub(crate) fn on(base: IndexTable, capacity: usize) -> Self {
        FileTable {
            base,
            slots: Vec::with_capacity(capacity),
            fresh: Vec::new(),
        }
    }

    /// Records row `index` of the base table as is (its hint included).
    pub(crate) fn push_base(&mut self, index: u32) {
        debug_assert!(index < FRESH);
        self.slots.push(index);
    }

    /// Records a file that was read.
    pub(crate) fn push_fresh(&mut self, file: FileState) {
        self.slots.push(FRESH | self.fresh.len() as u32);
        self.fresh.push(file);
    }

    /// The number of recorded files.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no file is recorded.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Calls `f` with every recorded file, in path order.
    pub fn visit(&self, mut f: impl FnMut(FileView<'_>)) {
        let mut cur = self.base.cursor();
        let mut row: Option<Row> = None;
        for &slot in &self.slots {
            if slot & FRESH != 0 {
                let s = &self.fresh[(slot & !FRESH) as usize];
                f(FileView {
                    path: &s.path,
                    record: &s.record,
                    hint: &s.hint,
                });
                continue;
            }
            while row.is_none_or(|r| r.index < slot) {
                row = cur.next();
                if row.is_none() {
                    return;
                }
            }
            let r = row.expect("advanced to the slot's row");
            let hint = r.hint.unwrap_or(Hint {
                stat: StatTuple {
                    kind: FileKind::File,
                    size: r.record.size,
                    mtime_ns: 0,
                    ctime_ns: 0,
                    ino: 0,
                },
                racy: true,
                unstable: true,
            });
            f(FileView {
                path: cur.path(),
                record: &r.record,
                hint: &hint,
            });
        }
    }

    /// Every recorded file as an owned [`FileState`], in path order.
    pub fn to_states(&self) -> Vec<FileState> {
        let mut out = Vec::with_capacity(self.len());
        self.visit(|v| {
            out.push(FileState {
                path: v.path.to_owned(),
                record: *v.record,
                hint: *v.hint,
            })
        });
        out
    }

    /// Every recorded file as an owned [`FileState`], in path order (files that were read are
    /// moved, not copied).
    pub fn into_states(self) -> Vec<FileState> {
        if self.base.is_empty() {
            return self.fresh;
        }
        self.to_states()
    }

    /// The recorded paths, in order.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.len());
        self.visit(|v| out.push(v.path.to_owned()));
        out
    }

    /// The rows in the engine's table encoding (for the shadow file).
    pub fn encode(&self) -> TableWriter {
        let mut w = TableWriter::with_capacity(self.len());
        self.visit(|v| w.push(v.path, v.record, Some(v.hint)));
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: u8, size: u64, mtime_ms: i64) -> ManifestRecord {
        ManifestRecord {
            hash: Digest::from_32([n; 32]),
            size,
            mtime_ms,
        }
    }

    fn hint(size: u64, mtime_ns: i64, racy: bool) -> Hint {
        Hint {
            stat: StatTuple {
                kind: FileKind::File,
                size,
                mtime_ns,
                ctime_ns: -7,
                ino: 99,
            },
            racy,
            unstable: false,
        }
    }

    type Lists = (Vec<(String, ManifestRecord)>, Vec<(String, Hint)>);

    fn sample() -> Lists {
        let files = vec![
            ("a/b/c.ts".to_string(), rec(1, 10, 5)),
            ("a/b/d.ts".to_string(), rec(2, 11, 1_700_000_000_123)),
            ("a/bé.ts".to_string(), rec(3, 12, -1)),
            ("z".to_string(), rec(4, 0, 0)),
        ];
        let hints = vec![
            ("a/b/c.ts".to_string(), hint(10, 5_000_000, false)),
            // Record and hint disagree on size and mtime: both are kept.
            ("a/b/d.ts".to_string(), hint(9, 42, true)),
            ("orphan".to_string(), hint(1, 1, false)),
            ("z".to_string(), hint(0, 999_999, false)),
        ];
        (files, hints)
    }

    fn decode(t: &IndexTable) -> Vec<(String, Row)> {
        let mut c = t.cursor();
        let mut out = Vec::new();
        while let Some(r) = c.next() {
            out.push((c.path().to_string(), r));
        }
        out
    }

    #[test]
    fn rows_round_trip_with_and_without_hints() {
        let (files, hints) = sample();
        let t = IndexTable::from_lists(files.clone(), hints.clone());
        assert_eq!(t.len(), 4);
        let rows = decode(&t);
        for (i, ((p, r), (fp, fr))) in rows.iter().zip(&files).enumerate() {
            assert_eq!(p, fp);
            assert_eq!(r.index, i as u32);
            assert_eq!(&r.record, fr);
            let h = hints.iter().find(|(hp, _)| hp == p).map(|(_, h)| *h);
            assert_eq!(r.hint, h, "{p}");
        }
        assert_eq!(rows[2].1.hint, None);
        // The encoded rows pass validation as they are.
        let body = t.body().to_vec();
        let n = body.len();
        let v = IndexTable::validated(body, 0, n, 4, 32).unwrap();
        assert_eq!(decode(&v), rows);
    }

    #[test]
    fn validation_refuses_every_damage() {
        let (files, hints) = sample();
        let t = IndexTable::from_lists(files, hints);
        let body = t.body().to_vec();
        let n = body.len();
        assert!(IndexTable::validated(body.clone(), 0, n, 5, 32).is_err());
        assert!(IndexTable::validated(body.clone(), 0, n, 3, 32).is_err());
        assert!(IndexTable::validated(body.clone(), 0, n, 4, 8).is_err());
        for cut in 0..n {
            assert!(
                IndexTable::validated(body[..cut].to_vec(), 0, cut, 4, 32).is_err(),
                "cut {cut}"
            );
        }
        // Out of order, duplicate and unsafe paths.
        for bad in [vec!["b", "a"], vec!["a", "a"], vec!["../x"], vec!["a//b"]] {
            let mut w = TableWriter::with_capacity(2);
            for p in &bad {
                // Bypass the writer's debug order check by writing rows one table at a time.
                let mut one = TableWriter::with_capacity(1);
                one.push(p, &rec(0, 0, 0), None);
                let rows = one.finish();
                w.out.extend_from_slice(rows.body());
                w.rows += 1;
            }
            let t = w.finish();
            let body = t.body().to_vec();
            let n = body.len();
            assert!(
                IndexTable::validated(body, 0, n, bad.len() as u64, 32).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_one_pass_path_check_is_the_general_rule() {
        for p in [
            "", "a", "/a", "a/", "a//b", ".", "..", "a/.", "a/..", "./a", "../a", "a/./b",
            "a/../b", ".a", "a.", "..a", "a..", "a/.b/c", "a\0b", "a\\b", "C:x", "é/ü",
        ] {
            assert_eq!(is_safe_path(p), relpath::is_safe(p), "{p:?}");
        }
    }

    #[test]
    fn a_file_table_shares_the_rows_it_reuses() {
        let (files, hints) = sample();
        let t = IndexTable::from_lists(files.clone(), hints.clone());
        let mut ft = FileTable::on(t, 4);
        ft.push_base(0);
        let fresh = FileState {
            path: "a/b/c2.ts".into(),
            record: rec(9, 1, 1),
            hint: hint(1, 1_000_000, false),
        };
        ft.push_fresh(fresh.clone());
        ft.push_base(1);
        ft.push_base(3);
        let states = ft.to_states();
        let paths: Vec<_> = states.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["a/b/c.ts", "a/b/c2.ts", "a/b/d.ts", "z"]);
        assert_eq!(states[1], fresh);
        assert_eq!(states[2].record, files[1].1);
        assert_eq!(states[2].hint, hints[1].1);
        assert_eq!(ft.paths(), paths);
        assert_eq!(ft.clone().into_states(), states);
        // Re-encoded, it reads back the same.
        let again = ft.encode().finish();
        let rows = decode(&again);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].0, "a/b/c2.ts");
        assert_eq!(rows[1].1.hint, Some(fresh.hint));
    }
}
