//! The contract's `analysis.json` readers: the full envelope parser and the envelope-first head
//! reader a dispatch uses. Neither panics, and whenever the head reader accepts a file whose
//! data then validates, the full parser accepts it too, with the same fields and data.
#![no_main]
use cachecore::core::contract::analysis_file::{parse_analysis, parse_analysis_layout};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("/fuzz/analysis.json");
    let id = "0123456789abcdef";
    let full = parse_analysis(data, path, id);
    if let Ok(Some(fast)) = parse_analysis_layout(data, path, id) {
        if fast.data.validate().is_ok() {
            let full = full.expect("the head reader accepted what the full parser refuses");
            assert_eq!(fast.input_files_epoch, full.input_files_epoch);
            assert_eq!(fast.project_id, full.project_id);
            assert_eq!(fast.updated_at, full.updated_at);
            assert_eq!(fast.data.get().trim_end(), full.data.get());
        }
    }
});
