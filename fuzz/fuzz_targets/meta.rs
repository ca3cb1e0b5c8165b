//! The contract's `meta.json` reader: never panics.
#![no_main]
use cachecore::core::contract::meta_file::parse_meta;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_meta(data, std::path::Path::new("/fuzz/meta.json"));
});
