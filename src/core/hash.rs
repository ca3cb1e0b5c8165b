//! Content hashing, streamed through a bounded buffer, with the contract's text rules.
//!
//! - `sha256`: SHA-256 of the file's UTF-8 text as Node reads it (`readFileSync(p, 'utf8')`):
//!   invalid UTF-8 becomes U+FFFD per maximal subpart (the WHATWG rule, which Rust's lossy
//!   decoding follows too); `size` is the UTF-8 length of that text. For valid UTF-8 this is
//!   the SHA-256 of the raw bytes and the byte length, so caches of the TypeScript core match.
//! - `fnv1a64`: 64-bit FNV-1a over the UTF-16 code units of the same text, 16 hex digits;
//!   `size` as for `sha256`.
//! - `blake3`: BLAKE3 of the raw bytes (the fast option); `size` is the byte length.
//!
//! A file is hashed as read: fstat at open, read at most the size seen then, fstat again. If
//! the tuple moved or fewer bytes came than expected, the result is marked unstable.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::digest::Digest;
use super::stat::{FileKind, StatTuple};

/// The hash algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum HashAlgo {
    /// SHA-256 of the UTF-8 text (compatible with the TypeScript core's caches).
    #[default]
    Sha256,
    /// BLAKE3 of the raw bytes.
    Blake3,
    /// FNV-1a 64 over UTF-16 code units of the text.
    Fnv1a64,
}

impl HashAlgo {
    /// The name used in options and files.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Blake3 => "blake3",
            HashAlgo::Fnv1a64 => "fnv1a64",
        }
    }

    /// Parses a name (`sha256`, `blake3`, `fnv1a64`).
    pub fn parse(s: &str) -> Option<HashAlgo> {
        Some(match s {
            "sha256" => HashAlgo::Sha256,
            "blake3" => HashAlgo::Blake3,
            "fnv1a64" => HashAlgo::Fnv1a64,
            _ => return None,
        })
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const REPLACEMENT: &str = "\u{FFFD}";

enum Inner {
    Sha256(Sha256),
    Blake3(Box<blake3::Hasher>),
    Fnv(u64),
}

/// An incremental content hasher: feed bytes with [`ContentHasher::update`], then
/// [`ContentHasher::finish`] for `(digest, size)`.
pub struct ContentHasher {
    inner: Inner,
    size: u64,
    carry: [u8; 4],
    carry_len: usize,
}

impl ContentHasher {
    /// A hasher for `algo`.
    pub fn new(algo: HashAlgo) -> Self {
        ContentHasher {
            inner: match algo {
                HashAlgo::Sha256 => Inner::Sha256(Sha256::new()),
                HashAlgo::Blake3 => Inner::Blake3(Box::default()),
                HashAlgo::Fnv1a64 => Inner::Fnv(FNV_OFFSET),
            },
            size: 0,
            carry: [0; 4],
            carry_len: 0,
        }
    }

    fn emit(&mut self, s: &str) {
        self.size += s.len() as u64;
        match &mut self.inner {
            Inner::Sha256(h) => h.update(s.as_bytes()),
            Inner::Fnv(h) => {
                for u in s.encode_utf16() {
                    *h ^= u as u64;
                    *h = h.wrapping_mul(FNV_PRIME);
                }
            }
            Inner::Blake3(_) => unreachable!("blake3 hashes raw bytes"),
        }
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, mut input: &[u8]) {
        if let Inner::Blake3(h) = &mut self.inner {
            h.update(input);
            self.size += input.len() as u64;
            return;
        }
        if self.carry_len > 0 {
            // Resolve the sequence that started in the previous chunk.
            let mut tmp = [0u8; 8];
            let take = input.len().min(4);
            tmp[..self.carry_len].copy_from_slice(&self.carry[..self.carry_len]);
            tmp[self.carry_len..self.carry_len + take].copy_from_slice(&input[..take]);
            let tmp_len = self.carry_len + take;
            let carried = self.carry_len;
            let decoded = std::str::from_utf8(&tmp[..tmp_len]);
            let valid = match &decoded {
                Ok(_) => tmp_len,
                Err(e) => e.valid_up_to(),
            };
            if valid > 0 {
                // The carried sequence completed into one character.
                let l = first_char_len(&tmp[..tmp_len]);
                let ch = std::str::from_utf8(&tmp[..l])
                    .expect("validated prefix")
                    .to_string();
                self.emit(&ch);
                input = &input[l - carried..];
            } else {
                match decoded.err().and_then(|e| e.error_len()) {
                    Some(m) => {
                        self.emit(REPLACEMENT);
                        input = &input[m.max(carried) - carried..];
                    }
                    None => {
                        // Still incomplete: keep carrying (the chunk was tiny).
                        self.carry[..tmp_len].copy_from_slice(&tmp[..tmp_len]);
                        self.carry_len = tmp_len;
                        return;
                    }
                }
            }
            self.carry_len = 0;
        }
        loop {
            match std::str::from_utf8(input) {
                Ok(s) => {
                    self.emit(s);
                    return;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    // SAFETY: `valid_up_to` bytes were just validated.
                    let s = unsafe { std::str::from_utf8_unchecked(&input[..valid]) };
                    self.emit(s);
                    match e.error_len() {
                        Some(n) => {
                            self.emit(REPLACEMENT);
                            input = &input[valid + n..];
                        }
                        None => {
                            let rest = &input[valid..];
                            self.carry[..rest.len()].copy_from_slice(rest);
                            self.carry_len = rest.len();
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Ends the input: returns the digest and the size by the algorithm's rule.
    pub fn finish(mut self) -> (Digest, u64) {
        if self.carry_len > 0 {
            // An incomplete sequence at the end is one maximal subpart: one U+FFFD.
            self.carry_len = 0;
            self.emit(REPLACEMENT);
        }
        let digest = match self.inner {
            Inner::Sha256(h) => Digest::from_32(h.finalize().into()),
            Inner::Blake3(h) => Digest::from_32(*h.finalize().as_bytes()),
            Inner::Fnv(h) => Digest::from_u64(h),
        };
        (digest, self.size)
    }
}

fn first_char_len(bytes: &[u8]) -> usize {
    let b = bytes[0];
    if b < 0x80 {
        1
    } else if b >= 0xF0 {
        4
    } else if b >= 0xE0 {
        3
    } else {
        2
    }
}

/// Lowercase hex of bytes.
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Hashes in-memory bytes by the algorithm's rule: `(digest, size)`.
pub fn hash_bytes(algo: HashAlgo, bytes: &[u8]) -> (Digest, u64) {
    let mut h = ContentHasher::new(algo);
    h.update(bytes);
    h.finish()
}

/// The read buffer size: large files stream through this much memory per thread.
pub const BUFFER_SIZE: usize = 256 * 1024;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0u8; BUFFER_SIZE]);
}

/// A file's hash as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashedFile {
    /// The digest (its lowercase hex is what files and JavaScript see).
    pub hash: Digest,
    /// Size by the algorithm's rule.
    pub size: u64,
    /// The stat tuple seen at open (what the hash belongs to).
    pub stat: StatTuple,
    /// Bytes read from disk.
    pub bytes_read: u64,
    /// The file moved while it was read (stat changed, or fewer bytes than its size).
    pub unstable: bool,
}

fn moved() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "no longer a regular file")
}

/// Opens a file to hash without blocking and without following a link the walk did not see:
/// `O_NONBLOCK` (a FIFO swapped in after the walk opens at once instead of waiting for a
/// writer, and is then refused by the type check), `O_NOCTTY`, and `O_NOFOLLOW` first. A link
/// in its place is read through only when the walk itself saw a link here (a host that reads
/// links) or reached this very file through one (the target's inode is the inode the walk
/// recorded); a link swapped in after the walk is [`moved`].
fn open_for_hash(path: &Path, walked: &StatTuple) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let open = |extra: libc::c_int| {
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | extra)
                .open(path)
        };
        match open(libc::O_NOFOLLOW) {
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                let f = open(0)?;
                let through = StatTuple::from_metadata(&f.metadata()?);
                if walked.kind == FileKind::File && through.ino != walked.ino {
                    return Err(moved());
                }
                Ok(f)
            }
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = walked;
        File::open(path)
    }
}

/// Opens, fstats, streams and fstats again. `walked` is what the walk saw at `path` (see
/// [`open_for_hash`]): never blocks, never reads anything but a regular file. `Err` only when
/// the file cannot be opened or read (callers map `NotFound` to "gone", `InvalidInput` to
/// "moved" and others to "unreadable").
pub fn hash_file(path: &Path, algo: HashAlgo, walked: &StatTuple) -> io::Result<HashedFile> {
    let mut f = open_for_hash(path, walked)?;
    let before = StatTuple::from_metadata(&f.metadata()?);
    if before.kind != FileKind::File {
        return Err(moved());
    }
    let mut hasher = ContentHasher::new(algo);
    let mut remaining = before.size;
    let mut read_total = 0u64;
    BUFFER.with(|buf| -> io::Result<()> {
        let mut buf = buf.borrow_mut();
        while remaining > 0 {
            let want = (buf.len() as u64).min(remaining) as usize;
            let n = match f.read(&mut buf[..want]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            remaining -= n as u64;
            read_total += n as u64;
        }
        Ok(())
    })?;
    let after = StatTuple::from_metadata(&f.metadata()?);
    let (hash, size) = hasher.finish();
    Ok(HashedFile {
        hash,
        size,
        stat: before,
        bytes_read: read_total,
        unstable: remaining != 0 || after != before,
    })
}

/// Hashes a symlink that is not followed: the hash of its target text.
pub fn hash_link(path: &Path, algo: HashAlgo) -> io::Result<HashedFile> {
    let md = std::fs::symlink_metadata(path)?;
    let target = std::fs::read_link(path)?;
    let after = StatTuple::from_metadata(&std::fs::symlink_metadata(path)?);
    let stat = StatTuple::from_metadata(&md);
    let text = target.to_string_lossy();
    let (hash, size) = hash_bytes(algo, text.as_bytes());
    Ok(HashedFile {
        hash,
        size,
        stat,
        bytes_read: 0,
        unstable: after != stat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lossy(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn fnv_ref(s: &str) -> String {
        let mut h = FNV_OFFSET;
        for u in s.encode_utf16() {
            h ^= u as u64;
            h = h.wrapping_mul(FNV_PRIME);
        }
        format!("{h:016x}")
    }

    #[test]
    fn known_vectors() {
        assert_eq!(
            hash_bytes(HashAlgo::Sha256, b"abc").0.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hash_bytes(HashAlgo::Fnv1a64, b"").0.to_hex(),
            "cbf29ce484222325"
        );
        assert_eq!(
            hash_bytes(HashAlgo::Fnv1a64, b"a").0.to_hex(),
            "af63dc4c8601ec8c"
        );
        assert_eq!(
            hash_bytes(HashAlgo::Blake3, b"").0.to_hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_like_node() {
        let bytes = b"a\xffb\xe2\x82c\xf0\x9f\x98";
        let text = lossy(bytes);
        let (digest, size) = hash_bytes(HashAlgo::Sha256, bytes);
        assert_eq!(digest.to_hex(), hex_lower(&Sha256::digest(text.as_bytes())));
        assert_eq!(size, text.len() as u64);
        assert_eq!(
            hash_bytes(HashAlgo::Fnv1a64, bytes).0.to_hex(),
            fnv_ref(&text)
        );
        // blake3 is over raw bytes.
        assert_eq!(hash_bytes(HashAlgo::Blake3, bytes).1, bytes.len() as u64);
    }

    proptest! {
        /// Chunk boundaries never change the result: streaming equals one-shot lossy decoding.
        #[test]
        fn streaming_equals_lossy_one_shot(
            bytes in proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(0xe2u8), Just(0x82u8), Just(0xf0u8), Just(0x9fu8)],
                0..64,
            ),
            cuts in proptest::collection::vec(0usize..64, 0..6),
        ) {
            let text = lossy(&bytes);
            for algo in [HashAlgo::Sha256, HashAlgo::Fnv1a64] {
                let mut h = ContentHasher::new(algo);
                let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
                cuts.sort_unstable();
                let mut at = 0;
                for c in cuts {
                    h.update(&bytes[at..c]);
                    at = c;
                }
                h.update(&bytes[at..]);
                let expect = match algo {
                    HashAlgo::Sha256 => (hex_lower(&Sha256::digest(text.as_bytes())), text.len() as u64),
                    _ => (fnv_ref(&text), text.len() as u64),
                };
                let (digest, size) = h.finish();
                prop_assert_eq!((digest.to_hex(), size), expect);
            }
        }
    }

    #[test]
    fn hash_file_streams_and_reports_stable() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big.bin");
        let data: Vec<u8> = (0..(BUFFER_SIZE * 3 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&p, &data).unwrap();
        let walked = StatTuple::from_metadata(&std::fs::symlink_metadata(&p).unwrap());
        let h = hash_file(&p, HashAlgo::Blake3, &walked).unwrap();
        assert_eq!(h.hash.to_hex(), blake3::hash(&data).to_hex().to_string());
        assert_eq!(h.bytes_read, data.len() as u64);
        assert!(!h.unstable);
        assert_eq!(h.stat.size, data.len() as u64);
    }

    #[cfg(unix)]
    #[test]
    fn hash_file_never_blocks_on_a_fifo_nor_reads_a_link_swapped_in() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.ts");
        std::fs::write(&p, "x").unwrap();
        // Made while `a.ts` exists, so it cannot reuse its inode number.
        let other = d.path().join("other.ts");
        std::fs::write(&other, "y").unwrap();
        let walked = StatTuple::from_metadata(&std::fs::symlink_metadata(&p).unwrap());
        std::fs::remove_file(&p).unwrap();
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo on a path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = hash_file(&p, HashAlgo::Sha256, &walked).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink(&other, &p).unwrap();
        let e = hash_file(&p, HashAlgo::Sha256, &walked).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        // The walk reached `other` through the link: read.
        let through = StatTuple::from_metadata(&std::fs::metadata(&p).unwrap());
        assert!(hash_file(&p, HashAlgo::Sha256, &through).is_ok());
    }
}
