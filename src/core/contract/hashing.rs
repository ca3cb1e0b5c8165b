//! §9 hashing helpers: the FNV-1a fallback, the native algorithms, content hashes, the input
//! files epoch, project ids and project root keys.
//!
//! Each helper that hashes comes in two forms: one over a native [`TextHash`] algorithm and a
//! `_with` form over any `&dyn Fn(&str) -> String`, so a host's JavaScript `hashText` can be
//! plugged in unchanged.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use super::paths::to_posix_path;
use super::records::FileRecordMap;

/// The FNV-1a 64-bit offset basis.
pub const FNV1A64_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
/// The FNV-1a 64-bit prime.
pub const FNV1A64_PRIME: u64 = 0x0000_0100_0000_01b3;
/// The length of a project id, in hex characters.
pub const PROJECT_ID_LEN: usize = 16;

/// 64-bit FNV-1a over the string's UTF-16 code units (each whole 16-bit unit is XORed in, then
/// the hash is multiplied, wrapping), as lowercase hex padded to 16: JavaScript's
/// `charCodeAt` loop, byte for byte.
pub fn fnv1a64_utf16(text: &str) -> String {
    let hash = text
        .encode_utf16()
        .fold(FNV1A64_OFFSET_BASIS, |hash, unit| {
            (hash ^ u64::from(unit)).wrapping_mul(FNV1A64_PRIME)
        });
    format!("{hash:016x}")
}

/// [`fnv1a64_utf16`] over raw UTF-16 code units, for JavaScript strings that are not valid
/// UTF-16 (a lone surrogate has no `&str` spelling but is hashed as the unit it is).
pub fn fnv1a64_utf16_units(units: &[u16]) -> String {
    let hash = units.iter().fold(FNV1A64_OFFSET_BASIS, |hash, &unit| {
        (hash ^ u64::from(unit)).wrapping_mul(FNV1A64_PRIME)
    });
    format!("{hash:016x}")
}

/// SHA-256 of the string's UTF-8 bytes, lowercase hex (what the i18nprune CLI stores).
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// BLAKE3 of the string's UTF-8 bytes, lowercase hex.
pub fn blake3_hex(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

string_enum! {
    /// A native text hash algorithm, accepted in place of a `hashText` function:
    /// `'sha256' | 'blake3' | 'fnv1a64'`. The default is `fnv1a64`, the contract's fallback.
    #[derive(Default)]
    pub enum TextHash {
        /// SHA-256 of the UTF-8 bytes, 64 hex.
        Sha256 => "sha256",
        /// BLAKE3 of the UTF-8 bytes, 64 hex (opt-in; recorded in the file).
        Blake3 => "blake3",
        /// FNV-1a 64 over UTF-16 code units, 16 hex.
        #[default]
        Fnv1a64 => "fnv1a64",
    }
}

impl TextHash {
    /// Hashes `text` with this algorithm, as lowercase hex.
    pub fn hash_text(self, text: &str) -> String {
        match self {
            Self::Sha256 => sha256_hex(text),
            Self::Blake3 => blake3_hex(text),
            Self::Fnv1a64 => fnv1a64_utf16(text),
        }
    }
}

/// `computeCacheContentHash(text)` with a native algorithm.
pub fn compute_cache_content_hash(text: &str, algo: TextHash) -> String {
    algo.hash_text(text)
}

/// `computeCacheContentHash(text, hashText)` with a host hasher.
pub fn compute_cache_content_hash_with(text: &str, hash_text: &dyn Fn(&str) -> String) -> String {
    hash_text(text)
}

/// JavaScript's default string order (UTF-16 code units) without decoding: it equals UTF-8 byte
/// order except where, at the first differing byte, one string has a character in
/// U+E000..=U+FFFF (lead byte 0xEE or 0xEF) and the other an astral one (lead byte 0xF0 and
/// above, a surrogate pair in UTF-16, which sorts first there).
pub fn cmp_utf16(a: &str, b: &str) -> std::cmp::Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) => {
            let (p, q) = (x[i], y[i]);
            let high_bmp = |c: u8| c == 0xEE || c == 0xEF;
            if (high_bmp(p) && q >= 0xF0) || (p >= 0xF0 && high_bmp(q)) {
                q.cmp(&p)
            } else {
                p.cmp(&q)
            }
        }
    }
}

/// The canonical text the input files epoch hashes: the keys sorted as JavaScript's
/// `Array.prototype.sort` sorts strings (by UTF-16 code units), one `key \t hash \t size \n`
/// line each. `mtimeMs` and `updatedAt` are not part of it.
pub fn input_files_epoch_text(files: &FileRecordMap) -> String {
    let mut entries: Vec<_> = files.iter().collect();
    entries.sort_by(|(a, _), (b, _)| cmp_utf16(a, b));
    let mut text = String::new();
    for (key, record) in entries {
        text.push_str(key);
        text.push('\t');
        text.push_str(&record.hash);
        text.push('\t');
        text.push_str(&record.size.to_string());
        text.push('\n');
    }
    text
}

/// `computeInputFilesEpoch(files)` with a native algorithm.
pub fn compute_input_files_epoch(files: &FileRecordMap, algo: TextHash) -> String {
    algo.hash_text(&input_files_epoch_text(files))
}

/// `computeInputFilesEpoch(files, hashText)` with a host hasher.
pub fn compute_input_files_epoch_with(
    files: &FileRecordMap,
    hash_text: &dyn Fn(&str) -> String,
) -> String {
    hash_text(&input_files_epoch_text(files))
}

/// The text a project id hashes: the root made POSIX (`\` to `/`), NFC, lower-cased
/// (the TypeScript `normalizePathKeyForCache`). The host resolves the root first.
pub fn normalize_path_key_for_cache(root: &str) -> String {
    to_posix_path(root).nfc().collect::<String>().to_lowercase()
}

/// `computeCacheProjectId(root)` with a native algorithm: the first 16 characters of the hash
/// of [`normalize_path_key_for_cache`].
pub fn compute_cache_project_id(root: &str, algo: TextHash) -> String {
    compute_cache_project_id_with(root, &|text| algo.hash_text(text))
}

/// `computeCacheProjectId(root, { hashText })` with a host hasher.
pub fn compute_cache_project_id_with(root: &str, hash_text: &dyn Fn(&str) -> String) -> String {
    hash_text(&normalize_path_key_for_cache(root))
        .chars()
        .take(PROJECT_ID_LEN)
        .collect()
}

/// `normalizeProjectRootKey(root)`, the key of `meta.json`'s `projects`: POSIX, NFC, trailing
/// slashes trimmed, then one `/` appended; case kept.
pub fn normalize_project_root_key(root: &str) -> String {
    let mut key: String = to_posix_path(root).nfc().collect();
    key.truncate(key.trim_end_matches('/').len());
    key.push('/');
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::records::tests::record;

    // Expected FNV values from the TypeScript fallback run under node (BigInt over charCodeAt).
    #[test]
    fn fnv_known_vectors() {
        assert_eq!(fnv1a64_utf16(""), "cbf29ce484222325");
        assert_eq!(fnv1a64_utf16("a"), "af63dc4c8601ec8c");
        assert_eq!(fnv1a64_utf16("foobar"), "85944171f73967e8");
        assert_eq!(fnv1a64_utf16("😀"), "e5e45a0a241b88d8"); // two surrogate units
        assert_eq!(fnv1a64_utf16("é"), "af64644c8602d3a4"); // one unit, 0x00e9
        assert_eq!(fnv1a64_utf16("e\u{301}"), "088f4b07b53b19f3");
        assert_eq!(fnv1a64_utf16("héllo wörld"), "c8328d628c3e3c06");
        assert_eq!(fnv1a64_utf16("src/a.ts\tabc\t3\n"), "187bbc99495bc36d");
        for text in ["", "a", "😀", "héllo wörld"] {
            let units: Vec<u16> = text.encode_utf16().collect();
            assert_eq!(fnv1a64_utf16_units(&units), fnv1a64_utf16(text));
        }
        assert_eq!(fnv1a64_utf16_units(&[0xd83d]), "b03bb04c8770a9c8"); // a lone surrogate (node)
    }

    #[test]
    fn native_algorithms() {
        assert_eq!(
            TextHash::Sha256.hash_text("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            TextHash::Blake3.hash_text(""),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
        assert_eq!(TextHash::Fnv1a64.hash_text(""), "cbf29ce484222325");
        assert_eq!(TextHash::default(), TextHash::Fnv1a64);
        for algo in TextHash::ALL {
            assert_eq!(serde_json::to_value(algo).unwrap(), algo.as_str());
            assert_eq!(TextHash::parse(algo.as_str()), Some(*algo));
        }
    }

    #[test]
    fn content_hash_uses_the_given_hasher() {
        assert_eq!(
            compute_cache_content_hash("foobar", TextHash::Fnv1a64),
            "85944171f73967e8"
        );
        assert_eq!(
            compute_cache_content_hash_with("abc", &|t| format!("js:{t}")),
            "js:abc"
        );
    }

    #[test]
    fn epoch_sorts_by_utf16_units_and_hashes_key_hash_size_lines() {
        // Insertion order is not sorted; '😀' (0xD83D) sorts before '！' (0xFF01) in UTF-16,
        // the reverse of UTF-8 byte order.
        let mut late = record("h2", 20);
        late.mtime_ms = 99.0;
        late.updated_at = "ignored".to_owned();
        let files: FileRecordMap = [
            ("src/b.ts", late),
            ("src/a.ts", record("h1", 10)),
            ("\u{FF01}.ts", record("h4", 2)),
            ("😀.ts", record("h3", 1)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            input_files_epoch_text(&files),
            "src/a.ts\th1\t10\nsrc/b.ts\th2\t20\n😀.ts\th3\t1\n\u{FF01}.ts\th4\t2\n"
        );
        assert_eq!(
            compute_input_files_epoch(&files, TextHash::Fnv1a64),
            "92a8e7e506838ccc"
        );
        assert_eq!(
            compute_input_files_epoch_with(&files, &|t| t.len().to_string()),
            input_files_epoch_text(&files).len().to_string()
        );
        assert_eq!(
            compute_input_files_epoch(&FileRecordMap::new(), TextHash::Fnv1a64),
            "cbf29ce484222325"
        );
    }

    #[test]
    fn project_id_is_posix_nfc_lowercase() {
        assert_eq!(
            normalize_path_key_for_cache(r"C:\Users\Me\Proj"),
            "c:/users/me/proj"
        );
        // Decomposed and composed spellings give one id (node: 72e778efe6bdc057).
        let composed = compute_cache_project_id("/home/user/caf\u{e9}", TextHash::Fnv1a64);
        let decomposed = compute_cache_project_id("/home/user/cafe\u{301}", TextHash::Fnv1a64);
        assert_eq!(composed, "72e778efe6bdc057");
        assert_eq!(decomposed, composed);
        assert_eq!(
            compute_cache_project_id(r"C:\Users\Me\Proj", TextHash::Fnv1a64),
            "22005fa06bc40e34"
        );
        assert_eq!(
            compute_cache_project_id("/home/user/PROJ", TextHash::Fnv1a64),
            "7e6e587284e1f295"
        );
        let id = compute_cache_project_id("/x", TextHash::Sha256);
        assert_eq!(id, &sha256_hex("/x")[..16]);
        assert_eq!(
            compute_cache_project_id_with("/X", &|t| format!("{t}-0123456789abcdef")),
            "/x-0123456789abc"
        );
    }

    #[test]
    fn project_root_key_keeps_case_and_ends_in_one_slash() {
        assert_eq!(
            normalize_project_root_key(r"C:\Users\Me\Proj\\"),
            "C:/Users/Me/Proj/"
        );
        assert_eq!(
            normalize_project_root_key("/home/Me/proj///"),
            "/home/Me/proj/"
        );
        assert_eq!(
            normalize_project_root_key("/home/Me/proj"),
            "/home/Me/proj/"
        );
        assert_eq!(normalize_project_root_key("/"), "/");
        assert_eq!(
            normalize_project_root_key("/home/cafe\u{301}"),
            "/home/caf\u{e9}/"
        );
    }

    proptest::proptest! {
        #[test]
        fn cmp_utf16_is_javascript_order(
            a in "[a-z\u{7f}-\u{800}\u{d7ff}\u{e000}-\u{ffff}\u{10000}-\u{10ffff}]{0,6}",
            b in "[a-z\u{7f}-\u{800}\u{d7ff}\u{e000}-\u{ffff}\u{10000}-\u{10ffff}]{0,6}",
        ) {
            proptest::prop_assert_eq!(cmp_utf16(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
            let shared = format!("src/{a}");
            proptest::prop_assert_eq!(cmp_utf16(&shared, &format!("src/{b}")), shared.encode_utf16().cmp(format!("src/{b}").encode_utf16()));
        }
    }
}
