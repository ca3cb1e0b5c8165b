//! The contract's `files.json` reader: never panics.
#![no_main]
use cachecore::core::contract::files_index::parse_files_index;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_files_index(data, std::path::Path::new("/fuzz/files.json"));
});
