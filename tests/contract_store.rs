//! §6 files on disk: golden files as the TypeScript core writes them, every warning path,
//! meta maintenance and the translation cache.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::config::CacheMode;
use cachecore::core::contract::dispatch::{dispatch, DispatchInput, DispatchOutcome, LocalesInput};
use cachecore::core::contract::dispatch_info::{
    CacheDispatchReason as R, CacheDispatchStatus as S,
};
use cachecore::core::contract::hashing::{compute_input_files_epoch, TextHash};
use cachecore::core::contract::layout::{
    CachedLocalesLayout, LocalesLayoutMode, LocalesLayoutStructure,
};
use cachecore::core::contract::memory;
use cachecore::core::contract::records::{FileRecord, FileRecordMap};
use cachecore::core::contract::store_paths::{
    resolve_cache_location, CacheLocation, CacheLocationInput,
};
use cachecore::core::contract::translations::TranslationStore;
use serde_json::{json, Value};

const T0: &str = "2026-01-01T00:00:00.000Z";

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

struct Proj {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
}

const SOURCES: [(&str, &str); 4] = [
    ("src/a.ts", "t('a')\n"),
    ("src/b.tsx", "<T k='b'/>\n"),
    ("locales/en.json", "{\"a\":\"A\"}"),
    ("locales/fr.json", "{\"a\":\"À\"}"),
];

impl Proj {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        let home = tmp.path().join("home");
        for (rel, text) in SOURCES {
            write(&root.join(rel), text);
        }
        std::thread::sleep(Duration::from_millis(250));
        Proj {
            _tmp: tmp,
            root,
            home,
        }
    }

    fn loc(&self) -> CacheLocation {
        resolve_cache_location(&CacheLocationInput {
            home: Some(self.home.clone()),
            config_dir: None,
            project_root: self.root.clone(),
            hash: TextHash::Sha256,
        })
        .unwrap()
    }

    fn input(&self) -> DispatchInput {
        DispatchInput::new(
            self.loc(),
            self.root.join("src"),
            LocalesInput {
                dir: self.root.join("locales"),
                layout: layout(),
                source_segment_keys: None,
            },
        )
    }

    fn run_input(&self, input: DispatchInput) -> (DispatchOutcome, bool) {
        memory::forget_prefix(&self.loc().project_dir.display().to_string());
        let mut called = false;
        let out = dispatch(
            input,
            |_| true,
            |_| {
                called = true;
                Ok(JsonData::parse("{\"fresh\":true}").unwrap())
            },
        )
        .unwrap();
        (out, called)
    }

    fn run(&self) -> (DispatchOutcome, bool) {
        self.run_input(self.input())
    }
}

fn layout() -> CachedLocalesLayout {
    CachedLocalesLayout {
        mode: LocalesLayoutMode::FlatFile,
        structure: LocalesLayoutStructure::LocaleFile,
        directory: "locales".into(),
        source: "en".into(),
    }
}

fn rec(text: &str) -> FileRecord {
    FileRecord {
        hash: TextHash::Sha256.hash_text(text),
        size: text.len() as u64,
        mtime_ms: 0.0,
        updated_at: T0.into(),
    }
}

const GOLDEN_DATA: &str =
    "{\n    \"keys\": [\n      \"a\",\n      \"b\"\n    ],\n    \"ratio\": 0.5\n  }";

/// Writes meta.json, files.json and analysis.json as `JSON.stringify(x, null, 2)` does.
fn write_goldens(p: &Proj) -> CacheLocation {
    let loc = p.loc();
    let files = json!({
        "a.ts": rec(SOURCES[0].1),
        "b.tsx": rec(SOURCES[1].1),
        "__source_locale__": rec("legacy"),
    });
    let segments = json!({ "en.json": rec(SOURCES[2].1), "fr.json": rec(SOURCES[3].1) });
    let files_json = json!({
        "version": 1,
        "updatedAt": T0,
        "files": files,
        "localeSegments": segments,
        "localesLayout": layout(),
    });
    write(
        &loc.files_path,
        &serde_json::to_string_pretty(&files_json).unwrap(),
    );
    let merged: FileRecordMap = [
        ("a.ts", rec(SOURCES[0].1)),
        ("b.tsx", rec(SOURCES[1].1)),
        ("en.json", rec(SOURCES[2].1)),
        ("fr.json", rec(SOURCES[3].1)),
    ]
    .into_iter()
    .collect();
    let epoch = compute_input_files_epoch(&merged, TextHash::Sha256);
    let analysis = format!(
        "{{\n  \"version\": 1,\n  \"updatedAt\": \"{T0}\",\n  \"projectId\": \"{}\",\n  \"data\": {GOLDEN_DATA},\n  \"inputFilesEpoch\": \"{epoch}\"\n}}",
        loc.project_id
    );
    write(&loc.analysis_path, &analysis);
    let meta = json!({
        "version": 1,
        "updatedAt": T0,
        "projects": { loc.project_key.clone(): loc.project_id.clone() },
        "maintenance": { "runCount": 3, "healEveryRuns": 20 },
    });
    write(
        &loc.meta_path,
        &serde_json::to_string_pretty(&meta).unwrap(),
    );
    loc
}

#[test]
fn golden_files_are_read_without_churn_and_written_back_in_shape() {
    let p = Proj::new();
    let loc = write_goldens(&p);

    // The TypeScript core records no settings of cachecore's beside its analysis; its v1 files
    // (the tracked files and the locales layout) vouch for it: a hit with no churn.
    let files_before = fs::read(&loc.files_path).unwrap();
    let analysis_before = fs::read(&loc.analysis_path).unwrap();
    let (out, called) = p.run();
    assert_eq!(
        (out.cache.status, out.cache.reason),
        (S::Hit, R::CacheHit),
        "{:?}",
        out.cache
    );
    assert!(!called);
    assert!(out.cache.warnings.is_empty(), "{:?}", out.cache.warnings);
    assert_eq!(out.data.get(), GOLDEN_DATA);
    assert_eq!(fs::read(&loc.files_path).unwrap(), files_before);
    assert_eq!(fs::read(&loc.analysis_path).unwrap(), analysis_before);
    let meta_text = fs::read_to_string(&loc.meta_path).unwrap();
    assert!(meta_text.starts_with("{\n  \"version\": 1,\n  \"updatedAt\": \""));
    let meta: Value = serde_json::from_str(&meta_text).unwrap();
    assert_eq!(
        meta["maintenance"],
        json!({"runCount": 4, "healEveryRuns": 20})
    );
    assert_eq!(meta["projects"][&loc.project_key], loc.project_id.as_str());

    // A second no-change run hashes nothing (the hit refreshed the stat hints).
    let b = cachecore::core::contract::dispatch::begin(p.input()).unwrap();
    assert_eq!(b.scan_stats().bytes_read, 0);
    drop(b);

    // A target locale edit reuses the analysis and writes both files back.
    write(&p.root.join("locales/fr.json"), "{\"a\":\"Â\"}");
    let (out, called) = p.run();
    assert!(!called);
    assert_eq!(out.cache.status, S::Miss);
    let text = fs::read_to_string(&loc.files_path).unwrap();
    assert!(
        text.starts_with("{\n  \"version\": 1,\n  \"updatedAt\": \""),
        "{text}"
    );
    let files: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<_> = files.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 5);
    assert_eq!(
        files["files"]["a.ts"],
        serde_json::to_value(rec(SOURCES[0].1)).unwrap()
    );
    assert!(files["files"].get("__source_locale__").is_none());
    assert_eq!(
        files["localeSegments"]["fr.json"]["hash"],
        TextHash::Sha256.hash_text("{\"a\":\"Â\"}")
    );
    assert_eq!(files["localeSegments"]["fr.json"]["mtimeMs"], 0);
    assert_eq!(
        files["localesLayout"],
        serde_json::to_value(layout()).unwrap()
    );
    let analysis = fs::read_to_string(&loc.analysis_path).unwrap();
    assert!(
        analysis.ends_with(&format!(",\"data\":{GOLDEN_DATA}}}")),
        "{analysis}"
    );
    assert!(!analysis.contains("\n  \"version\""));
}

#[derive(Clone, Copy, Debug)]
enum Damage {
    Empty,
    Truncated,
    Garbage,
    Newer,
    Oversize,
    Symlink,
    Dir,
    Fifo,
}

fn damage(path: &Path, how: Damage, outside: &Path) {
    let valid = fs::read_to_string(path).unwrap();
    fs::remove_file(path).unwrap();
    match how {
        Damage::Empty => fs::write(path, "").unwrap(),
        Damage::Truncated => fs::write(path, &valid[..valid.len() / 2]).unwrap(),
        Damage::Garbage => fs::write(path, b"\xff\x00garbage{{").unwrap(),
        Damage::Newer => fs::write(
            path,
            valid
                .replacen("\"version\":1", "\"version\":2", 1)
                .replacen("\"version\": 1", "\"version\": 2", 1),
        )
        .unwrap(),
        Damage::Oversize => fs::write(path, valid).unwrap(),
        Damage::Symlink => {
            fs::write(outside, &valid).unwrap();
            std::os::unix::fs::symlink(outside, path).unwrap();
        }
        Damage::Dir => fs::create_dir(path).unwrap(),
        Damage::Fifo => {
            let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        }
    }
}

#[test]
fn every_bad_cache_file_is_a_miss_with_a_warning() {
    use Damage::*;
    let cases = [
        (Empty, "cache_malformed"),
        (Truncated, "cache_malformed"),
        (Garbage, "cache_malformed"),
        (Newer, "cache_malformed"),
        (Oversize, "cache_oversize"),
        (Symlink, "cache_io_error"),
        (Dir, "cache_io_error"),
        (Fifo, "cache_io_error"),
    ];
    for target in ["files", "analysis", "meta"] {
        for (how, code) in cases {
            let p = Proj::new();
            let (first, _) = p.run();
            assert_eq!(first.cache.status, S::Miss);
            let loc = p.loc();
            let path = match target {
                "files" => loc.files_path.clone(),
                "analysis" => loc.analysis_path.clone(),
                _ => loc.meta_path.clone(),
            };
            let outside = p.root.join("outside.json");
            damage(&path, how, &outside);
            let outside_before = fs::read(&outside).ok();
            let mut input = p.input();
            if matches!(how, Oversize) {
                match target {
                    "files" => input.caps.files = 16,
                    "analysis" => input.caps.analysis = 16,
                    _ => input.caps.meta = 16,
                }
            }
            let (out, called) = p.run_input(input);
            let ctx = format!("{target} {how:?}: {:?}", out.cache);
            let w = out
                .cache
                .warnings
                .iter()
                .find(|w| w.code == code)
                .unwrap_or_else(|| panic!("{ctx}"));
            assert_eq!(
                w.path.as_deref(),
                Some(path.display().to_string().as_str()),
                "{ctx}"
            );
            match target {
                "files" => {
                    assert_eq!(out.cache.reason, R::FilesIndexRecovered, "{ctx}");
                    assert_eq!(
                        out.cache.files_index_status.unwrap().kind(),
                        "malformed",
                        "{ctx}"
                    );
                    assert!(!called);
                }
                "analysis" => {
                    assert_eq!(
                        (out.cache.status, out.cache.reason),
                        (S::Miss, R::RunMissing),
                        "{ctx}"
                    );
                    assert!(called, "{ctx}");
                }
                _ => assert_eq!(out.cache.status, S::Hit, "{ctx}"),
            }
            assert_eq!(
                fs::read(&outside).ok(),
                outside_before,
                "{ctx}: never written through"
            );
            // Corrupt regular files are replaced by valid ones (read-write mode).
            if matches!(how, Empty | Truncated | Garbage | Newer) {
                let v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
                assert_eq!(v["version"], 1, "{ctx}");
            }
        }
    }
}

#[test]
fn maintenance_heals_every_twentieth_run() {
    let p = Proj::new();
    p.run();
    let loc = p.loc();
    let orphan = loc.root_dir.join("projects/deadbeefdeadbeef");
    fs::create_dir_all(&orphan).unwrap();
    let mut meta: Value = serde_json::from_slice(&fs::read(&loc.meta_path).unwrap()).unwrap();
    meta["projects"]["/gone/"] = "0000000000000000".into();
    meta["maintenance"]["runCount"] = 18.into();
    fs::write(&loc.meta_path, serde_json::to_vec(&meta).unwrap()).unwrap();
    p.run();
    assert!(orphan.exists());
    p.run();
    let meta: Value = serde_json::from_slice(&fs::read(&loc.meta_path).unwrap()).unwrap();
    assert_eq!(meta["maintenance"]["runCount"], 20);
    assert!(meta["maintenance"]["lastHealAt"].is_string());
    assert!(meta["projects"].get("/gone/").is_none());
    assert_eq!(meta["projects"][&loc.project_key], loc.project_id.as_str());
    assert!(!orphan.exists());
    assert!(loc.project_dir.is_dir());
}

#[test]
fn locale_code_injection_is_rejected_and_creates_nothing() {
    let p = Proj::new();
    let loc = p.loc();
    let long = "a".repeat(10_000);
    for code in [
        "../../etc",
        "..",
        ".",
        "",
        "en/../../x",
        r"en\..\..\x",
        "/etc/passwd",
        r"C:\x",
        "a\0b",
        "CON",
        "nul",
        "com1",
        "LPT9.txt",
        long.as_str(),
        "ｅｎ",
    ] {
        let e = TranslationStore::load(&loc, code, "tce", "ife", 1 << 20).unwrap_err();
        assert_eq!(e.code(), "INVALID_KEY", "{code:?}");
    }
    assert!(!p.home.exists(), "nothing created anywhere");
}

#[test]
fn translation_rows_need_matching_language_and_epochs() {
    let p = Proj::new();
    let loc = p.loc();
    let mut a = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
    let mut b = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
    a.put("k1", json!({"text": "um"}));
    b.put("k2", json!({"text": "dois"}));
    assert!(a
        .flush(CacheMode::ReadWrite, Duration::from_secs(1))
        .is_empty());
    assert!(b
        .flush(CacheMode::ReadWrite, Duration::from_secs(1))
        .is_empty());
    let path = loc.translations_dir.join("pt-BR.json");
    let file: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["version"], 1);
    assert_eq!(file["targetLang"], "pt-BR");
    assert_eq!(
        file["entries"].as_object().unwrap().len(),
        2,
        "both writers' rows kept"
    );

    let again = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
    assert_eq!(again.get("k2").unwrap()["text"], "dois");
    for (tce, ife) in [("other", "ife"), ("tce", "other")] {
        let s = TranslationStore::load(&loc, "pt-BR", tce, ife, 1 << 20).unwrap();
        assert!(s.is_empty());
    }
    // readOnly writes nothing.
    let before = fs::read(&path).unwrap();
    let mut ro = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
    ro.put("k3", json!({"text": "três"}));
    let w = ro.flush(CacheMode::ReadOnly, Duration::from_secs(1));
    assert_eq!(w[0].code, "cache_read_only");
    assert_eq!(fs::read(&path).unwrap(), before);
    // Garbage is a warning and no rows.
    fs::write(&path, "{nope").unwrap();
    let s = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
    assert!(s.is_empty());
    assert_eq!(s.warnings[0].code, "cache_malformed");
}
