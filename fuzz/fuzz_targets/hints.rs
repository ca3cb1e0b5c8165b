//! The stat hints decoder. The input is a hints body; the target appends its valid BLAKE3
//! checksum and decodes it against the generation the body names, so the fuzzer reaches the
//! body parser (counts, lengths, kinds, flags) instead of stopping at the checksum. It must
//! never panic or over-allocate, and what it accepts must survive an encode/decode round trip.
//! The raw input is also decoded as is (the checksum must reject it unless it is a real file).
#![no_main]
use cachecore::core::hints;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = hints::decode(body, &[0u8; 32]);
    let mut file = body.to_vec();
    file.extend_from_slice(blake3::hash(body).as_bytes());
    let mut g = [0u8; 32];
    if body.len() >= 40 {
        g.copy_from_slice(&body[8..40]);
    }
    if let Ok(entries) = hints::decode(&file, &g) {
        let refs: Vec<(&str, hints::Hint)> =
            entries.iter().map(|(p, h)| (p.as_str(), *h)).collect();
        let again = hints::decode(&hints::encode(&g, &refs), &g).expect("own bytes decode");
        assert_eq!(again, entries);
    }
});
