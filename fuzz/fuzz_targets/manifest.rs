//! The generic manifest reader: never panics; whatever it accepts is canonical and safe.
#![no_main]
use cachecore::core::manifest::Manifest;
use cachecore::core::relpath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::parse(data) {
        assert!(m.files.iter().all(|(p, _)| relpath::is_safe(p)));
        assert!(
            m.files.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, unique"
        );
        // What it accepts round-trips through the writer.
        let again = Manifest::parse(&m.to_bytes()).expect("own bytes parse");
        assert_eq!(again.files, m.files);
    }
});
