//! A content digest held as raw bytes: 32 for `sha256` and `blake3`, 8 for `fnv1a64`.
//!
//! Files, manifests and JavaScript see the lowercase hex of these bytes, exactly as before;
//! in memory a digest is 33 bytes inline instead of a 64-character `String` on the heap.

use std::fmt;

/// Raw digest bytes (8 or 32 of them; the rest of the array is zero).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest {
    len: u8,
    bytes: [u8; 32],
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl Digest {
    /// A digest that equals no digest of content: what a caller-supplied hash that is not
    /// lowercase hex of 16 or 64 digits becomes (it can only ever compare as different).
    /// Its hex is empty.
    pub const UNMATCHED: Digest = Digest {
        len: 0,
        bytes: [0; 32],
    };

    /// A 32-byte digest (`sha256`, `blake3`).
    pub fn from_32(bytes: [u8; 32]) -> Digest {
        Digest { len: 32, bytes }
    }

    /// An 8-byte digest from a `u64`, big-endian so the hex reads as `{:016x}` (`fnv1a64`).
    pub fn from_u64(v: u64) -> Digest {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&v.to_be_bytes());
        Digest { len: 8, bytes }
    }

    /// Parses lowercase hex of exactly 16 or 64 digits; anything else is `None`.
    pub fn from_hex(hex: &str) -> Option<Digest> {
        let h = hex.as_bytes();
        if h.len() != 16 && h.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, pair) in h.chunks_exact(2).enumerate() {
            bytes[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Some(Digest {
            len: (h.len() / 2) as u8,
            bytes,
        })
    }

    /// A digest of raw bytes: 8 or 32 of them, or none ([`Digest::UNMATCHED`]); any other
    /// length is `None`.
    pub fn from_bytes(b: &[u8]) -> Option<Digest> {
        if !matches!(b.len(), 0 | 8 | 32) {
            return None;
        }
        let mut bytes = [0u8; 32];
        bytes[..b.len()].copy_from_slice(b);
        Some(Digest {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The number of hex digits (16 or 64; 0 for [`Digest::UNMATCHED`]).
    pub fn hex_len(&self) -> usize {
        self.len as usize * 2
    }

    /// Writes the lowercase hex into `out` (no allocation of its own).
    pub fn write_hex(&self, out: &mut Vec<u8>) {
        let mut hex = [0u8; 64];
        for (pair, b) in hex.chunks_exact_mut(2).zip(self.as_bytes()) {
            pair[0] = DIGITS[(b >> 4) as usize];
            pair[1] = DIGITS[(b & 15) as usize];
        }
        out.extend_from_slice(&hex[..self.hex_len()]);
    }

    /// The lowercase hex.
    pub fn to_hex(&self) -> String {
        let mut v = Vec::with_capacity(self.hex_len());
        self.write_hex(&mut v);
        String::from_utf8(v).expect("hex digits are ASCII")
    }

    /// Whether `hex` is this digest's lowercase hex (no allocation).
    pub fn eq_hex(&self, hex: &str) -> bool {
        let h = hex.as_bytes();
        h.len() == self.hex_len()
            && self.as_bytes().iter().zip(h.chunks_exact(2)).all(|(b, p)| {
                p[0] == DIGITS[(b >> 4) as usize] && p[1] == DIGITS[(b & 15) as usize]
            })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl PartialEq<str> for Digest {
    fn eq(&self, other: &str) -> bool {
        self.eq_hex(other)
    }
}

impl PartialEq<&str> for Digest {
    fn eq(&self, other: &&str) -> bool {
        self.eq_hex(other)
    }
}

impl PartialEq<String> for Digest {
    fn eq(&self, other: &String) -> bool {
        self.eq_hex(other)
    }
}

impl PartialEq<Digest> for String {
    fn eq(&self, other: &Digest) -> bool {
        other.eq_hex(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hex_round_trips_and_rules() {
        let s = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let d = Digest::from_hex(s).unwrap();
        assert_eq!(d.to_hex(), s);
        assert_eq!(d.to_string(), s);
        assert_eq!(d.hex_len(), 64);
        assert!(d == s);
        let f = Digest::from_hex("cbf29ce484222325").unwrap();
        assert_eq!(f, Digest::from_u64(0xcbf2_9ce4_8422_2325));
        assert_eq!(f.to_hex(), "cbf29ce484222325");
        assert_ne!(
            f,
            Digest::from_hex(&format!("{}{}", "cbf29ce484222325", "0".repeat(48))).unwrap()
        );
        for bad in [
            "",
            "CBF29CE484222325",
            "cbf29ce48422232",
            "cbf29ce4842223250",
            "cbf29ce48422232g",
            "cbf29ce48422232 ",
            "+bf29ce484222325",
            &"a".repeat(32),
            &"a".repeat(128),
        ] {
            assert_eq!(Digest::from_hex(bad), None, "{bad:?}");
        }
        assert_eq!(Digest::UNMATCHED.to_hex(), "");
        assert_ne!(Digest::UNMATCHED, f);
    }

    proptest! {
        /// Acceptance is exactly "lowercase hex of 16 or 64 digits", and hex round-trips.
        #[test]
        fn from_hex_matches_the_rule(s in "[0-9a-fA-Fg ]{0,66}") {
            let rule = (s.len() == 16 || s.len() == 64)
                && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            let d = Digest::from_hex(&s);
            prop_assert_eq!(d.is_some(), rule);
            if let Some(d) = d {
                prop_assert_eq!(d.to_hex(), s.clone());
                prop_assert!(d.eq_hex(&s));
            }
        }
    }
}
