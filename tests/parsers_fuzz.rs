//! Property-based fuzzing of every parser of ours (reliability checklist A3, A4, A5, F1):
//! arbitrary bytes, bit flips and truncations of valid files never panic, never hang, and our
//! own checksummed files never accept a damaged copy. Locale codes never resolve outside the
//! translations directory. More cases on demand: `PROPTEST_CASES=20000 cargo test --test parsers_fuzz`.

use std::path::Path;

use cachecore::core::contract::analysis_file::{parse_analysis, parse_analysis_layout};
use cachecore::core::contract::files_index::parse_files_index;
use cachecore::core::contract::files_shadow;
use cachecore::core::contract::hashing::TextHash;
use cachecore::core::contract::meta_file::{load_meta, parse_meta};
use cachecore::core::contract::translations::{parse_translation_rows, translation_cache_path};
use cachecore::core::digest::Digest;
use cachecore::core::hash::HashAlgo;
use cachecore::core::hints::{self, Hint};
use cachecore::core::index_table::TableWriter;
use cachecore::core::manifest::{Manifest, ManifestRecord};
use cachecore::core::shadow;
use cachecore::core::stat::{FileKind, StatTuple};
use proptest::prelude::*;

const FILES_JSON: &str = r#"{
  "version": 1,
  "updatedAt": "2026-11-01T10:00:00.000Z",
  "files": {
    "src/a.ts": { "hash": "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", "size": 6, "mtimeMs": 0, "updatedAt": "2026-11-01T10:00:00.000Z" }
  },
  "localeSegments": {
    "en.json": { "hash": "0b37743370331e33808c0dd0167563798a3c324504cf0055d2b0ac81578d2c58", "size": 5, "mtimeMs": 0, "updatedAt": "2026-11-01T10:00:00.000Z" }
  },
  "localesLayout": { "mode": "flat_file", "structure": "locale_file", "directory": "locales", "source": "en" }
}"#;
const ANALYSIS_JSON: &str = r#"{"version":1,"updatedAt":"2026-11-01T10:00:00.000Z","projectId":"0123456789abcdef","data":{"keys":["a","b"],"n":3},"inputFilesEpoch":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}"#;
/// The same analysis as cachecore writes it: envelope first, data last.
const ANALYSIS_LAYOUT_JSON: &str = r#"{"version":1,"updatedAt":"2026-11-01T10:00:00.000Z","projectId":"0123456789abcdef","inputFilesEpoch":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","data":{"keys":["a","b"],"n":3}}"#;
const TRANSLATIONS_JSON: &str = r#"{"version":1,"targetLang":"pt-BR","translateConfigEpoch":"tce","inputFilesEpoch":"ife","entries":{"k1":{"text":"um"}}}"#;
const META_JSON: &str = r#"{"version":1,"updatedAt":"2026-11-01T10:00:00.000Z","projects":{"/tmp/p/":"0123456789abcdef"},"maintenance":{"runCount":3,"healEveryRuns":20}}"#;

fn manifest_bytes() -> Vec<u8> {
    Manifest {
        algorithm: HashAlgo::Fnv1a64,
        files: vec![(
            "a.ts".into(),
            ManifestRecord {
                hash: Digest::from_hex("cbf29ce484222325").unwrap(),
                size: 3,
                mtime_ms: 7,
            },
        )],
    }
    .to_bytes()
}

fn hints_bytes(g: &[u8; 32]) -> Vec<u8> {
    let h = Hint {
        stat: StatTuple {
            kind: FileKind::File,
            size: 3,
            mtime_ns: 7,
            ctime_ns: 8,
            ino: 9,
        },
        racy: false,
        unstable: false,
    };
    hints::encode(g, &[("a.ts", h), ("b.ts", h)])
}

/// Runs every parser on `bytes`; none may panic.
fn parse_all(bytes: &[u8]) {
    let p = Path::new("/x");
    let _ = Manifest::parse(bytes);
    let _ = hints::decode(bytes, &[0u8; 32]);
    let _ = shadow::decode(bytes.to_vec(), &[0u8; 32]);
    let _ = files_shadow::decode(bytes.to_vec(), TextHash::Sha256, b"{}");
    let _ = parse_files_index(bytes, p);
    let _ = parse_analysis(bytes, p, "0123456789abcdef");
    analysis_layout_agrees(bytes);
    let _ = parse_meta(bytes, p);
    let _ = parse_translation_rows(bytes, p, "pt-BR", "tce", "ife", &mut Vec::new());
}

/// The envelope-first reader (what a dispatch reads) never panics, and whenever it accepts a
/// file whose data then validates, the full parser accepts the same file with the same fields
/// and data: reading only the head never trusts what a whole read would refuse.
fn analysis_layout_agrees(bytes: &[u8]) {
    let p = Path::new("/x");
    let Ok(Some(fast)) = parse_analysis_layout(bytes, p, "0123456789abcdef") else {
        return;
    };
    if fast.data.validate().is_err() {
        return;
    }
    let full = parse_analysis(bytes, p, "0123456789abcdef")
        .unwrap_or_else(|e| panic!("fast path accepted what the full parse refuses: {e:?}"));
    assert_eq!(fast.input_files_epoch, full.input_files_epoch);
    assert_eq!(fast.project_id, full.project_id);
    assert_eq!(fast.updated_at, full.updated_at);
    assert_eq!(fast.data.get().trim_end(), full.data.get());
}

fn flip(bytes: &[u8], at: usize, bit: u8) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let i = at % b.len();
    b[i] ^= 1 << (bit % 8);
    b
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        parse_all(&bytes);
    }

    #[test]
    fn json_shaped_noise_never_panics(s in "[\\[\\]{}\":,0-9a-z\\\\ .eE+-]{0,512}") {
        parse_all(s.as_bytes());
    }

    #[test]
    fn bit_flips_of_valid_files_never_panic(at in any::<usize>(), bit in any::<u8>()) {
        for sample in [FILES_JSON.as_bytes(), ANALYSIS_JSON.as_bytes(), ANALYSIS_LAYOUT_JSON.as_bytes(), META_JSON.as_bytes(), TRANSLATIONS_JSON.as_bytes(), &manifest_bytes()] {
            parse_all(&flip(sample, at, bit));
        }
    }

    #[test]
    fn our_checksummed_hints_reject_every_flip_and_truncation(at in any::<usize>(), bit in any::<u8>(), cut in any::<usize>()) {
        let g = hints::generation_of(b"index");
        let good = hints_bytes(&g);
        prop_assert!(hints::decode(&good, &g).is_ok());
        prop_assert!(hints::decode(&flip(&good, at, bit), &g).is_err());
        prop_assert!(hints::decode(&good[..cut % good.len()], &g).is_err());
    }

    #[test]
    fn our_shadows_reject_every_flip_and_truncation(at in any::<usize>(), bit in any::<u8>(), cut in any::<usize>()) {
        let g = hints::generation_of(b"index");
        let mut w = TableWriter::with_capacity(2);
        for p in ["a/b.ts", "a/c.ts"] {
            let record = ManifestRecord { hash: Digest::from_hex("cbf29ce484222325").unwrap(), size: 3, mtime_ms: 7 };
            w.push(p, &record, None);
        }
        let good = shadow::encode(&g, HashAlgo::Fnv1a64, w);
        prop_assert!(shadow::decode(good.clone(), &g).is_ok());
        prop_assert!(shadow::decode(flip(&good, at, bit), &g).is_err());
        prop_assert!(shadow::decode(good[..cut % good.len()].to_vec(), &g).is_err());
    }

    #[test]
    fn truncated_contract_files_are_never_accepted(cut in any::<usize>()) {
        let p = Path::new("/x");
        let n = cut % FILES_JSON.len();
        prop_assert!(parse_files_index(&FILES_JSON.as_bytes()[..n], p).is_err());
        let n = cut % ANALYSIS_JSON.len();
        prop_assert!(parse_analysis(&ANALYSIS_JSON.as_bytes()[..n], p, "0123456789abcdef").is_err());
        // Envelope first: a prefix is refused by the head reader or by its data's validation.
        let n = cut % ANALYSIS_LAYOUT_JSON.len();
        let usable = match parse_analysis_layout(&ANALYSIS_LAYOUT_JSON.as_bytes()[..n], p, "0123456789abcdef") {
            Ok(Some(env)) => env.data.validate().is_ok(),
            Ok(None) => parse_analysis(&ANALYSIS_LAYOUT_JSON.as_bytes()[..n], p, "0123456789abcdef").is_ok(),
            Err(_) => false,
        };
        prop_assert!(!usable, "prefix {} accepted", n);
    }

    #[test]
    fn meta_files_of_any_content_load_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), at in any::<usize>(), bit in any::<u8>()) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("meta.json");
        std::fs::write(&p, &bytes).unwrap();
        let _ = load_meta(d.path(), &p, 1 << 20);
        std::fs::write(&p, flip(META_JSON.as_bytes(), at, bit)).unwrap();
        let _ = load_meta(d.path(), &p, 1 << 20);
    }

    #[test]
    fn locale_codes_never_leave_the_translations_dir(code in "\\PC{0,80}") {
        let dir = Path::new("/cache/projects/abc/translations");
        if let Ok(p) = translation_cache_path(dir, &code) {
            prop_assert_eq!(p.parent(), Some(dir), "{:?} -> {:?}", code, p);
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            prop_assert!(!name.starts_with('.') && !name.contains('/') && !name.contains('\\'));
        }
    }
}

#[test]
fn valid_samples_parse() {
    let p = Path::new("/x");
    assert!(parse_files_index(FILES_JSON.as_bytes(), p).is_ok());
    assert!(parse_analysis(ANALYSIS_JSON.as_bytes(), p, "0123456789abcdef").is_ok());
    let fast = parse_analysis_layout(ANALYSIS_LAYOUT_JSON.as_bytes(), p, "0123456789abcdef")
        .unwrap()
        .expect("cachecore's layout takes the head path");
    fast.data.validate().unwrap();
    assert_eq!(fast.data.get(), r#"{"keys":["a","b"],"n":3}"#);
    assert!(
        parse_analysis_layout(ANALYSIS_JSON.as_bytes(), p, "0123456789abcdef")
            .unwrap()
            .is_none()
    );
    assert!(Manifest::parse(&manifest_bytes()).is_ok());
    let (_, w) = parse_meta(META_JSON.as_bytes(), p);
    assert!(w.is_empty());
    let mut w = Vec::new();
    let rows = parse_translation_rows(
        TRANSLATIONS_JSON.as_bytes(),
        p,
        "pt-BR",
        "tce",
        "ife",
        &mut w,
    );
    assert_eq!((rows.len(), w.len()), (1, 0));
}
