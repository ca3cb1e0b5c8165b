//! The contract's `translations/<code>.json` reader: never panics; rows only for the
//! requested language and epochs.
#![no_main]
use cachecore::core::contract::translations::parse_translation_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut warnings = Vec::new();
    let rows = parse_translation_rows(
        data,
        std::path::Path::new("/fuzz/pt-BR.json"),
        "pt-BR",
        "tce",
        "ife",
        &mut warnings,
    );
    assert!(rows.is_empty() || warnings.is_empty());
});
