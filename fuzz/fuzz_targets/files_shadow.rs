//! The binary shadow of `files.json`. The input is a shadow body; the target writes into it the
//! generation of a fixed `files.json` and appends its valid BLAKE3 checksum, so the fuzzer
//! reaches the header and row validation instead of stopping at the checksum or the generation.
//! It must never panic or over-allocate, and the rows of a shadow it accepts must then read
//! back (keys and hints) without panicking. The raw input is also decoded as is.
#![no_main]
use cachecore::core::contract::files_shadow::{self, Tree};
use cachecore::core::contract::hashing::TextHash;
use cachecore::core::contract::tracked::hints_generation;
use libfuzzer_sys::fuzz_target;

const FILES_JSON: &[u8] = b"{\"version\":1,\"files\":{}}";

fuzz_target!(|body: &[u8]| {
    let _ = files_shadow::decode(body.to_vec(), TextHash::Sha256, FILES_JSON);
    let mut file = body.to_vec();
    if file.len() >= 40 {
        file[8..40].copy_from_slice(&hints_generation(TextHash::Sha256, FILES_JSON));
    }
    let sum = blake3::hash(&file);
    file.extend_from_slice(sum.as_bytes());
    if let Ok(s) = files_shadow::decode(file, TextHash::Sha256, FILES_JSON) {
        for tree in [Tree::Src, Tree::Locales] {
            let mut rows = s.rows(tree);
            let mut n = 0;
            while rows.next().is_some() {
                n += 1;
            }
            assert_eq!(n, s.len(tree));
        }
        let _ = s.hints();
        let _ = s.epoch();
    }
});
