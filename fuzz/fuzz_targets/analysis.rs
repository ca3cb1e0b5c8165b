//! The contract's `analysis.json` envelope reader: never panics.
#![no_main]
use cachecore::core::contract::analysis_file::parse_analysis;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_analysis(
        data,
        std::path::Path::new("/fuzz/analysis.json"),
        "0123456789abcdef",
    );
});
