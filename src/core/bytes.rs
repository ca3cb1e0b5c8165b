//! Bounds-checked little-endian reading of cachecore's own binary files (stat hints, shadows)
//! and the LEB128 lengths their rows use. A read past the end is an error, never a panic, and
//! a length is at most `u32::MAX`, so no declared size can make a reader allocate beyond its
//! input.

/// Why bytes could not be read.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Corrupt(pub &'static str);

/// Reads `b` front to back from `at`.
pub struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `b` from offset `at`.
    pub fn new(b: &'a [u8], at: usize) -> Self {
        Reader { b, at }
    }

    /// The offset of the next byte.
    pub fn at(&self) -> usize {
        self.at
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Corrupt> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or(Corrupt("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Corrupt> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    /// A byte.
    pub fn u8(&mut self) -> Result<u8, Corrupt> {
        Ok(self.take(1)?[0])
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, Corrupt> {
        self.array().map(u16::from_le_bytes)
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, Corrupt> {
        self.array().map(u32::from_le_bytes)
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, Corrupt> {
        self.array().map(u64::from_le_bytes)
    }

    /// A little-endian `i64`.
    pub fn i64(&mut self) -> Result<i64, Corrupt> {
        self.array().map(i64::from_le_bytes)
    }

    /// A LEB128 length of at most `u32::MAX`.
    pub fn varint(&mut self) -> Result<usize, Corrupt> {
        let mut v: u64 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(v)
                    .ok()
                    .filter(|v| *v <= u32::MAX as usize)
                    .ok_or(Corrupt("length out of range"));
            }
        }
        Err(Corrupt("length out of range"))
    }
}

impl Reader<'_> {
    /// A prefix-compressed key (shared length, suffix length, suffix) onto the previous `key`,
    /// which it must sort strictly after unless it is the `first`.
    pub fn key_into(&mut self, key: &mut Vec<u8>, first: bool) -> Result<(), Corrupt> {
        let shared = self.varint()?;
        let len = self.varint()?;
        if shared > key.len() {
            return Err(Corrupt("shared prefix longer than the previous key"));
        }
        let suffix = self.take(len)?;
        // Both keys share `shared` bytes, so the new one is greater exactly when its suffix is
        // greater than the rest of the previous one.
        if !first && suffix <= &key[shared..] {
            return Err(Corrupt("keys not sorted and unique"));
        }
        key.truncate(shared);
        key.extend_from_slice(suffix);
        Ok(())
    }
}

/// Reads bytes a [`Reader`] has already validated, without checking bounds again (a read past
/// the end panics, which validated bytes never cause).
pub struct Unchecked<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Unchecked<'a> {
    /// A reader of `b` from offset `at`.
    pub fn new(b: &'a [u8], at: usize) -> Self {
        Unchecked { b, at }
    }

    /// The offset of the next byte.
    pub fn at(&self) -> usize {
        self.at
    }

    /// Whether every byte was read.
    pub fn at_end(&self) -> bool {
        self.at >= self.b.len()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        s
    }

    /// A byte.
    pub fn u8(&mut self) -> u8 {
        let v = self.b[self.at];
        self.at += 1;
        v
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }

    /// A LEB128 length.
    pub fn varint(&mut self) -> usize {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let b = self.u8();
            v |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }

    /// A prefix-compressed key onto the previous `key` ([`Reader::key_into`]).
    pub fn key_into(&mut self, key: &mut Vec<u8>) {
        let shared = self.varint();
        let len = self.varint();
        key.truncate(shared);
        key.extend_from_slice(self.take(len));
    }
}

/// Appends `key` prefix-compressed against the previous key `last` (shared length, suffix
/// length, suffix); returns the shared length.
pub fn push_key(out: &mut Vec<u8>, last: &[u8], key: &[u8]) -> usize {
    let shared = key.iter().zip(last).take_while(|(a, b)| a == b).count();
    push_varint(out, shared as u64);
    push_varint(out, (key.len() - shared) as u64);
    out.extend_from_slice(&key[shared..]);
    shared
}

/// Appends `v` as LEB128.
pub fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_refuse_what_does_not_fit() {
        for v in [0u64, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as u64] {
            let mut out = Vec::new();
            push_varint(&mut out, v);
            assert_eq!(Reader::new(&out, 0).varint(), Ok(v as usize));
        }
        let mut big = Vec::new();
        push_varint(&mut big, u32::MAX as u64 + 1);
        assert!(Reader::new(&big, 0).varint().is_err());
        assert!(Reader::new(&[0x80, 0x80], 0).varint().is_err());
        assert!(Reader::new(&[1, 2, 3], 1).take(3).is_err());
        assert_eq!(Reader::new(&[1, 2, 3], 1).u16(), Ok(0x0302));
    }

    #[test]
    fn keys_round_trip_and_must_increase() {
        let keys: [&[u8]; 3] = [b"a/b", b"a/c/d", b"b"];
        let mut out = Vec::new();
        let mut last: &[u8] = &[];
        for k in keys {
            push_key(&mut out, last, k);
            last = k;
        }
        let (mut r, mut u) = (Reader::new(&out, 0), Unchecked::new(&out, 0));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, k) in keys.iter().enumerate() {
            r.key_into(&mut a, i == 0).unwrap();
            u.key_into(&mut b);
            assert_eq!((&a[..], &b[..]), (*k, *k));
        }
        assert!(u.at_end() && r.at() == out.len());
        // The same key twice, or a shared prefix longer than the previous key: refused.
        let mut twice = Vec::new();
        push_key(&mut twice, &[], b"ab");
        push_key(&mut twice, b"ab", b"ab");
        let mut r = Reader::new(&twice, 0);
        let mut k = Vec::new();
        r.key_into(&mut k, true).unwrap();
        assert!(r.key_into(&mut k, false).is_err());
        assert!(Reader::new(&[3, 0], 0)
            .key_into(&mut Vec::new(), true)
            .is_err());
    }
}
