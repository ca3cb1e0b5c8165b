//! The binary shadow of a manifest (format 2). The input is a shadow body; the target appends
//! its valid BLAKE3 checksum and decodes it against the generation the body names, so the
//! fuzzer reaches the row validation (varints, prefixes, order, safe paths, flags, digests)
//! instead of stopping at the checksum. It must never panic or over-allocate, every row of a
//! table it accepts must then read back without panicking, and re-encoding those rows must give
//! a shadow that decodes to the same rows. The raw input is also decoded as is.
#![no_main]
use cachecore::core::index_table::{IndexTable, Row, TableWriter};
use cachecore::core::shadow;
use libfuzzer_sys::fuzz_target;

fn rows(t: &IndexTable) -> Vec<(String, Row)> {
    let mut c = t.cursor();
    let mut out = Vec::new();
    while let Some(r) = c.next() {
        out.push((c.path().to_owned(), r));
    }
    out
}

fuzz_target!(|body: &[u8]| {
    let _ = shadow::decode(body.to_vec(), &[0u8; 32]);
    let mut file = body.to_vec();
    file.extend_from_slice(blake3::hash(body).as_bytes());
    let mut g = [0u8; 32];
    if body.len() >= 40 {
        g.copy_from_slice(&body[8..40]);
    }
    if let Ok(s) = shadow::decode(file, &g) {
        let read = rows(&s.table);
        assert_eq!(read.len(), s.table.len());
        let mut w = TableWriter::with_capacity(read.len());
        for (p, r) in &read {
            w.push(p, &r.record, r.hint.as_ref());
        }
        let again = shadow::decode(shadow::encode(&g, s.algorithm, w), &g).expect("own bytes decode");
        assert_eq!(rows(&again.table), read);
    }
});
