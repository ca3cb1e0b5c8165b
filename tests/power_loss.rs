//! Power-loss simulation (reliability checklist B3). cachecore fsyncs every file before the
//! rename that publishes it, so a power cut should leave the old or the new file; what a file
//! system that loses un-fsynced data can still leave behind is a file of the right name that is
//! empty or, at its old length, all zero bytes. Each cache file in turn is replaced by both:
//! the contract's `files.json`, `analysis.json`, `meta.json` and `translations/<locale>.json`,
//! the contract's `files.json.hints`, the generic manifest and its `.hints`. Every time the next
//! run must be a miss for that file with the contract's (or the engine's) warning, produce the
//! correct result, never trust a byte of the damaged file, and leave a valid file behind.
//! (The empty case of the contract's three main files is also in `contract_store`; it is
//! repeated here so this row reads whole.)

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::config::CacheMode;
use cachecore::core::contract::dispatch::{begin, commit, dispatch, DispatchInput};
use cachecore::core::contract::dispatch_info::CacheDispatchStatus as S;
use cachecore::core::contract::memory;
use cachecore::core::contract::store_paths::CacheLocation;
use cachecore::core::contract::translations::TranslationStore;
use cachecore::core::control::Control;
use cachecore::core::fingerprint::{fingerprint, hints_path, FingerprintOptions, Previous};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Loss {
    /// The name exists, the data never reached the disk.
    ZeroLength,
    /// The old length survived, the blocks did not: all zero bytes.
    ZeroFilled,
}

const LOSSES: [Loss; 2] = [Loss::ZeroLength, Loss::ZeroFilled];

fn lose(path: &Path, how: Loss) {
    let len = fs::metadata(path).unwrap().len() as usize;
    assert!(len > 0, "{} was written", path.display());
    match how {
        Loss::ZeroLength => fs::write(path, b"").unwrap(),
        Loss::ZeroFilled => fs::write(path, vec![0u8; len]).unwrap(),
    }
}

use common::write;

struct Proj {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
}

impl Proj {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        let home = tmp.path().join("home");
        for i in 0..4 {
            write(&root.join(format!("src/f{i}.ts")), &format!("t('k{i}')\n"));
        }
        write(&root.join("locales/en.json"), r#"{"k0":"zero"}"#);
        write(&root.join("locales/fr.json"), r#"{"k0":"zéro"}"#);
        std::thread::sleep(Duration::from_millis(250));
        Proj {
            _tmp: tmp,
            root,
            home,
        }
    }

    fn loc(&self) -> CacheLocation {
        self.input().location
    }

    fn input(&self) -> DispatchInput {
        common::flat_file_input(&self.root, &self.home)
    }

    /// The "analysis": the text of every tracked file, so stale data is always visible.
    fn analyse(&self) -> String {
        let mut parts = Vec::new();
        for dir in ["src", "locales"] {
            let mut names: Vec<_> = fs::read_dir(self.root.join(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            for n in names {
                parts.push(format!(
                    "{dir}/{n}={}",
                    fs::read_to_string(self.root.join(dir).join(&n)).unwrap()
                ));
            }
        }
        json!({ "files": parts }).to_string()
    }

    /// One dispatch in a "new process" (the per-process memory forgotten).
    fn run(&self) -> (cachecore::core::contract::dispatch::DispatchOutcome, bool) {
        memory::forget_prefix(&self.loc().project_dir.display().to_string());
        let mut called = false;
        let out = dispatch(
            self.input(),
            |_| true,
            |_| {
                called = true;
                Ok(JsonData::parse(&self.analyse()).unwrap())
            },
        )
        .unwrap();
        (out, called)
    }
}

fn is_valid_v1(path: &Path) -> bool {
    fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .is_some_and(|v| v["version"] == 1)
}

#[test]
fn contract_files_lost_to_a_power_cut_are_misses_never_trusted() {
    for target in ["files", "analysis", "meta"] {
        for how in LOSSES {
            let p = Proj::new();
            let (first, _) = p.run();
            assert_eq!(first.cache.status, S::Miss);
            // An edit after the last good run, so reusing anything stale would show.
            write(&p.root.join("src/f1.ts"), "t('edited')\n");
            std::thread::sleep(Duration::from_millis(250));
            let loc = p.loc();
            let path = match target {
                "files" => loc.files_path.clone(),
                "analysis" => loc.analysis_path.clone(),
                _ => loc.meta_path.clone(),
            };
            lose(&path, how);
            let (out, called) = p.run();
            let ctx = format!("{target} {how:?}: {:?}", out.cache);
            let w = out
                .cache
                .warnings
                .iter()
                .find(|w| w.code == "cache_malformed")
                .unwrap_or_else(|| panic!("no cache_malformed: {ctx}"));
            assert_eq!(w.path.as_deref(), Some(path.display().to_string().as_str()));
            assert_eq!(out.data.get(), p.analyse(), "{ctx}: correct result");
            assert_ne!(out.cache.status, S::Hit, "{ctx}: the edit is seen");
            assert!(called, "{ctx}: rebuilt");
            if target == "files" {
                assert_eq!(
                    out.cache.files_index_status.unwrap().kind(),
                    "malformed",
                    "{ctx}"
                );
            }
            assert!(is_valid_v1(&path), "{ctx}: replaced by a valid file");
            // And the run after is a clean hit without warnings.
            let (again, called) = p.run();
            assert_eq!(again.cache.status, S::Hit, "{target} {how:?}");
            assert!(again.cache.warnings.is_empty(), "{target} {how:?}");
            assert!(!called);
            assert_eq!(again.data.get(), p.analyse());
        }
    }
}

#[test]
fn contract_hints_lost_to_a_power_cut_are_ignored_and_rewritten() {
    for how in LOSSES {
        let p = Proj::new();
        p.run();
        let loc = p.loc();
        // A same-size edit with the mtime put back: only a re-read can see it, so trusting a
        // damaged hint would serve stale data.
        let f = p.root.join("src/f2.ts");
        let old = fs::metadata(&f).unwrap();
        fs::write(&f, "t('k9')\n").unwrap();
        filetime::set_file_mtime(&f, filetime::FileTime::from_last_modification_time(&old))
            .unwrap();
        // Out of the racy window, so the run after the repair may trust every file.
        std::thread::sleep(Duration::from_millis(250));
        lose(&loc.hints_path, how);
        memory::forget_prefix(&loc.project_dir.display().to_string());
        let b = begin(p.input()).unwrap();
        let stats = b.scan_stats();
        assert_eq!(
            (stats.hashed, stats.reused),
            (6, 0),
            "{how:?}: nothing trusted from damaged hints"
        );
        let plan = b.decide(true);
        assert_ne!(plan.cache.status, S::Hit, "{how:?}: the edit is seen");
        commit(plan, Some(JsonData::parse(&p.analyse()).unwrap())).unwrap();
        // The hints were rewritten: the next run trusts them and reads no content.
        memory::forget_prefix(&loc.project_dir.display().to_string());
        let b = begin(p.input()).unwrap();
        assert_eq!(b.scan_stats().bytes_read, 0, "{how:?}: hints rewritten");
        let plan = b.decide(true);
        assert_eq!(plan.cache.status, S::Hit);
        commit(plan, None).unwrap();
    }
}

#[test]
fn translation_file_lost_to_a_power_cut_is_a_miss_and_rewritten() {
    for how in LOSSES {
        let p = Proj::new();
        let loc = p.loc();
        let mut s = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
        s.put("k1", json!({"text": "um"}));
        assert!(s
            .flush(CacheMode::ReadWrite, Duration::from_secs(1))
            .is_empty());
        let path = loc.translations_dir.join("pt-BR.json");
        lose(&path, how);
        let mut s = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
        assert!(s.is_empty(), "{how:?}: no row trusted");
        assert_eq!(s.warnings[0].code, "cache_malformed", "{how:?}");
        s.put("k2", json!({"text": "dois"}));
        assert!(s
            .flush(CacheMode::ReadWrite, Duration::from_secs(1))
            .is_empty());
        assert!(is_valid_v1(&path), "{how:?}: rewritten");
        let again = TranslationStore::load(&loc, "pt-BR", "tce", "ife", 1 << 20).unwrap();
        assert!(again.warnings.is_empty());
        assert_eq!(again.get("k2").unwrap()["text"], "dois");
    }
}

#[test]
fn generic_manifest_and_hints_lost_to_a_power_cut_are_misses() {
    for file in ["manifest", "hints"] {
        for how in LOSSES {
            let d = tempfile::tempdir().unwrap();
            let cache = tempfile::tempdir().unwrap();
            let m = cache.path().join("fp.json");
            for i in 0..3 {
                write(&d.path().join(format!("f{i}.txt")), &format!("file {i}"));
            }
            std::thread::sleep(Duration::from_millis(250));
            let run = || {
                let mut o = FingerprintOptions::new(d.path());
                o.previous = Previous::Path(m.clone());
                o.write_to = Some(m.clone());
                fingerprint(&o, &Control::default()).unwrap()
            };
            let first = run();
            // Same-size edit, mtime restored: only a re-read sees it.
            let f = d.path().join("f1.txt");
            let old = fs::metadata(&f).unwrap();
            fs::write(&f, "FILE 1").unwrap();
            filetime::set_file_mtime(&f, filetime::FileTime::from_last_modification_time(&old))
                .unwrap();
            std::thread::sleep(Duration::from_millis(250));
            let target = if file == "manifest" {
                m.clone()
            } else {
                hints_path(&m)
            };
            lose(&target, how);
            let o = run();
            let ctx = format!("{file} {how:?}: {:?}", o.warnings);
            let code = if file == "manifest" {
                "previous_malformed"
            } else {
                "hints_malformed"
            };
            assert!(o.warnings.iter().any(|w| w.code == code), "{ctx}");
            assert_eq!(o.counts.reused, 0, "{ctx}: nothing trusted");
            let fresh =
                fingerprint(&FingerprintOptions::new(d.path()), &Control::default()).unwrap();
            let hashes = |o: &cachecore::core::fingerprint::FingerprintOutcome| {
                o.files
                    .to_states()
                    .iter()
                    .map(|f| (f.path.clone(), f.record.hash.to_hex()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(hashes(&o), hashes(&fresh), "{ctx}: correct result");
            assert_ne!(hashes(&o), hashes(&first));
            if file == "hints" {
                assert_eq!(o.delta.changed, ["f1.txt"], "{ctx}");
            }
            assert!(o.written, "{ctx}: rewritten");
            let again = run();
            assert!(again.warnings.is_empty(), "{file} {how:?}");
            assert_eq!(again.counts.hashed, 0, "{file} {how:?}: trusted again");
        }
    }
}
