//! §5 dispatch through real edits in temp dirs: every status and reason, memory hits, zero
//! content bytes read on a no-change run, lock timeouts and read-only mode.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::config::CacheMode;
use cachecore::core::contract::decide::{AnalysisRebuildReason, AnalysisRebuildStrategy};
use cachecore::core::contract::dispatch::{
    begin, commit, dispatch, DispatchInput, DispatchOutcome, LocalesInput, ProducerContext,
};
use cachecore::core::contract::dispatch_info::{
    CacheDispatchReason as R, CacheDispatchStatus as S,
};
use cachecore::core::contract::hashing::TextHash;
use cachecore::core::contract::layout::{
    CachedLocalesLayout, LocalesLayoutMode, LocalesLayoutStructure,
};
use cachecore::core::contract::messages::cache_dispatch_message_lines;
use cachecore::core::contract::store_paths::{resolve_cache_location, CacheLocationInput};
use cachecore::core::contract::{lock, memory};

struct Proj {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    layout: CachedLocalesLayout,
    locales_dir: PathBuf,
    produced: AtomicU64,
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

impl Proj {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        let home = tmp.path().join("home");
        for i in 0..5 {
            write(&root.join(format!("src/f{i}.ts")), &format!("t('k{i}')\n"));
        }
        write(&root.join("src/node_modules/x.ts"), "ignored");
        write(&root.join("src/README.md"), "ignored");
        write(&root.join("locales/en.json"), r#"{"k0":"zero"}"#);
        write(&root.join("locales/fr.json"), r#"{"k0":"zéro"}"#);
        let locales_dir = root.join("locales");
        // Let every mtime leave the racy window before the first scan.
        std::thread::sleep(Duration::from_millis(250));
        Proj {
            _tmp: tmp,
            root,
            home,
            layout: CachedLocalesLayout {
                mode: LocalesLayoutMode::FlatFile,
                structure: LocalesLayoutStructure::LocaleFile,
                directory: "locales".into(),
                source: "en".into(),
            },
            locales_dir,
            produced: AtomicU64::new(0),
        }
    }

    fn input(&self) -> DispatchInput {
        let loc = resolve_cache_location(&CacheLocationInput {
            home: Some(self.home.clone()),
            config_dir: None,
            project_root: self.root.clone(),
            hash: TextHash::Sha256,
        })
        .unwrap();
        DispatchInput::new(
            loc,
            self.root.join("src"),
            LocalesInput {
                dir: self.locales_dir.clone(),
                layout: self.layout.clone(),
                source_segment_keys: None,
            },
        )
    }

    fn forget(&self) {
        memory::forget_prefix(&self.input().location.project_dir.display().to_string());
    }

    fn run_with(
        &self,
        input: DispatchInput,
        valid: bool,
    ) -> (DispatchOutcome, Option<ProducerContext>) {
        let mut seen = None;
        let out = dispatch(
            input,
            |_| valid,
            |ctx| {
                seen = ctx.cloned();
                let n = self.produced.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(JsonData::parse(&format!("{{\"run\":{n}}}")).unwrap())
            },
        )
        .unwrap();
        (out, seen)
    }

    fn run(&self) -> (DispatchOutcome, Option<ProducerContext>) {
        self.run_with(self.input(), true)
    }

    fn calls(&self) -> u64 {
        self.produced.load(Ordering::SeqCst)
    }
}

fn rebuild(out: &DispatchOutcome) -> (AnalysisRebuildStrategy, AnalysisRebuildReason) {
    let d = out
        .cache
        .analysis_rebuild
        .as_ref()
        .expect("a rebuild decision");
    (d.strategy, d.reason)
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                out.insert(e.path(), None);
                stack.push(e.path());
            } else {
                out.insert(e.path(), Some(fs::read(e.path()).unwrap_or_default()));
            }
        }
    }
    out
}

#[test]
fn every_status_and_reason_through_real_edits() {
    let p = Proj::new();
    let loc = p.input().location;

    // Cold: full, files index missing.
    let (out, ctx) = p.run();
    assert_eq!(
        (out.cache.status, out.cache.reason),
        (S::Miss, R::FilesChanged)
    );
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Full,
            AnalysisRebuildReason::FilesIndexMissing
        )
    );
    let ctx = ctx.unwrap();
    assert_eq!(ctx.tracked_src_count, 5);
    assert!(ctx.previous.is_none());
    assert_eq!(out.cache.delta.as_ref().unwrap().added.len(), 7);
    assert!(loc.files_path.is_file() && loc.analysis_path.is_file() && loc.hints_path.is_file());
    assert_eq!(p.calls(), 1);

    // Repeat from disk: hit, nothing written.
    p.forget();
    let files_before = fs::read(&loc.files_path).unwrap();
    let analysis_before = fs::read(&loc.analysis_path).unwrap();
    let mtimes = |path: &Path| fs::metadata(path).unwrap().modified().unwrap();
    let (m1, m2) = (mtimes(&loc.files_path), mtimes(&loc.analysis_path));
    let (out, _) = p.run();
    assert_eq!((out.cache.status, out.cache.reason), (S::Hit, R::CacheHit));
    assert!(!out.memory_hit);
    assert_eq!(out.data.get(), "{\"run\":1}");
    assert_eq!(fs::read(&loc.files_path).unwrap(), files_before);
    assert_eq!(fs::read(&loc.analysis_path).unwrap(), analysis_before);
    assert_eq!(
        (mtimes(&loc.files_path), mtimes(&loc.analysis_path)),
        (m1, m2)
    );
    assert_eq!(p.calls(), 1);

    // Same process again: memory hit, even with the pre-run baseline given by the host.
    let mut input = p.input();
    input.baseline_files = Some(Default::default());
    let (out, _) = p.run_with(input, true);
    assert!(out.memory_hit);
    assert_eq!(out.cache.status, S::Hit);
    assert_eq!(p.calls(), 1);

    // Target locale edit: reuse without the producer.
    write(&p.locales_dir.join("fr.json"), r#"{"k0":"zéro!"}"#);
    let (out, _) = p.run();
    assert_eq!(
        (out.cache.status, out.cache.reason),
        (S::Miss, R::FilesChanged)
    );
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Reuse,
            AnalysisRebuildReason::TargetLocaleOnly
        )
    );
    assert_eq!(p.calls(), 1);
    assert_eq!(out.data.get(), "{\"run\":1}");
    assert_eq!(
        out.cache.classified.as_ref().unwrap().target_locale,
        ["fr.json"]
    );

    // Source locale edit: partial.
    write(
        &p.locales_dir.join("en.json"),
        r#"{"k0":"zero","k1":"one"}"#,
    );
    let (out, ctx) = p.run();
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Partial,
            AnalysisRebuildReason::SourceLocalePartial
        )
    );
    assert_eq!(ctx.unwrap().previous.unwrap().get(), "{\"run\":1}");
    assert_eq!(p.calls(), 2);

    // One src file of five (20% < 40%): partial.
    write(&p.root.join("src/f3.ts"), "t('k3'); t('k1')\n");
    let (out, ctx) = p.run();
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Partial,
            AnalysisRebuildReason::SrcPartial
        )
    );
    let ctx = ctx.unwrap();
    assert_eq!(ctx.classified.src.changed, ["f3.ts"]);
    assert_eq!(ctx.previous.unwrap().get(), "{\"run\":2}");
    let lines = cache_dispatch_message_lines("project analysis", &out.cache);
    assert!(
        lines
            .iter()
            .any(|l| l.message == "  analysis rebuild: partial (1 changed, 0 added, 0 deleted)"),
        "{lines:?}"
    );

    // Layout change (new locales dir) with a src edit: full, and src hashes are fresh.
    let new_dir = p.root.join("i18n");
    for f in ["en.json", "fr.json"] {
        fs::copy(p.locales_dir.join(f), new_dir.join(f))
            .or_else(|_| {
                fs::create_dir_all(&new_dir).unwrap();
                fs::copy(p.locales_dir.join(f), new_dir.join(f))
            })
            .unwrap();
    }
    write(&new_dir.join("de.json"), "{}");
    write(&p.root.join("src/f4.ts"), "t('k4'); // edited\n");
    let mut input = p.input();
    input.locales.dir = new_dir.clone();
    input.locales.layout.directory = "i18n".into();
    let (out, _) = p.run_with(input.clone(), true);
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Full,
            AnalysisRebuildReason::LayoutChanged
        )
    );
    let stored: serde_json::Value =
        serde_json::from_slice(&fs::read(&loc.files_path).unwrap()).unwrap();
    assert_eq!(
        stored["files"]["f4.ts"]["hash"],
        TextHash::Sha256.hash_text("t('k4'); // edited\n")
    );
    assert_eq!(stored["localesLayout"]["directory"], "i18n");
    assert_eq!(p.calls(), 4);

    // files.json deleted, analysis intact: recovered, files.json rewritten, no producer.
    fs::remove_file(&loc.files_path).unwrap();
    p.forget();
    let (out, _) = p.run_with(input.clone(), true);
    assert_eq!(
        (out.cache.status, out.cache.reason),
        (S::Hit, R::FilesIndexRecovered)
    );
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Reuse,
            AnalysisRebuildReason::FilesIndexRecovered
        )
    );
    assert!(loc.files_path.is_file());
    assert_eq!(p.calls(), 4);

    // Epoch mismatch: run_binding_stale with the debug epochs.
    let mut env: serde_json::Value =
        serde_json::from_slice(&fs::read(&loc.analysis_path).unwrap()).unwrap();
    env["inputFilesEpoch"] = "bogus".into();
    fs::write(&loc.analysis_path, serde_json::to_vec(&env).unwrap()).unwrap();
    p.forget();
    let (out, _) = p.run_with(input.clone(), true);
    assert_eq!(
        (out.cache.status, out.cache.reason),
        (S::Miss, R::RunBindingStale)
    );
    let debug = out.cache.input_files_epoch_debug.clone().unwrap();
    assert_eq!(debug.cached.as_deref(), Some("bogus"));
    assert_ne!(debug.current, "bogus");
    assert_eq!(p.calls(), 5);

    // Parse failure: run_invalid, producer called.
    p.forget();
    let (out, _) = p.run_with(input, false);
    assert_eq!(
        (out.cache.status, out.cache.reason),
        (S::Miss, R::RunInvalid)
    );
    assert_eq!(p.calls(), 6);
}

#[test]
fn several_source_segments_are_all_source() {
    let mut p = Proj::new();
    p.layout = CachedLocalesLayout {
        mode: LocalesLayoutMode::LocaleDirectory,
        structure: LocalesLayoutStructure::LocalePerDir,
        directory: "locales".into(),
        source: "en".into(),
    };
    write(&p.locales_dir.join("en/common.json"), "{}");
    write(&p.locales_dir.join("en/auth.json"), "{}");
    write(&p.locales_dir.join("fr/auth.json"), "{}");
    p.run();
    write(&p.locales_dir.join("en/auth.json"), r#"{"a":1}"#);
    let (out, _) = p.run();
    assert_eq!(
        out.cache.classified.as_ref().unwrap().source_locale,
        ["en/auth.json"]
    );
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Partial,
            AnalysisRebuildReason::SourceLocalePartial
        )
    );
    write(&p.locales_dir.join("fr/auth.json"), r#"{"a":2}"#);
    let (out, _) = p.run();
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Reuse,
            AnalysisRebuildReason::TargetLocaleOnly
        )
    );
}

#[test]
fn no_change_dispatch_reads_zero_content_bytes() {
    let p = Proj::new();
    let b = begin(p.input()).unwrap();
    assert!(b.scan_stats().bytes_read > 0);
    let plan = b.decide(true);
    let produced = JsonData::parse("{}").unwrap();
    commit(plan, Some(produced)).unwrap();
    p.forget();
    let b = begin(p.input()).unwrap();
    let stats = b.scan_stats();
    assert_eq!((stats.bytes_read, stats.hashed, stats.reused), (0, 0, 7));
    let plan = b.decide(true);
    assert_eq!(plan.cache.status, S::Hit);
    assert!(!plan.needs_producer());
    // A touched file with the same content is re-read once, then trusted again.
    let f = p.root.join("src/f1.ts");
    let text = fs::read(&f).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    fs::write(&f, text).unwrap();
    std::thread::sleep(Duration::from_millis(250));
    commit(plan, None).unwrap();
    p.forget();
    let b = begin(p.input()).unwrap();
    assert_eq!(b.scan_stats().hashed, 1);
    let plan = b.decide(true);
    assert_eq!(plan.cache.reason, R::CacheHit);
    commit(plan, None).unwrap();
    p.forget();
    assert_eq!(begin(p.input()).unwrap().scan_stats().bytes_read, 0);
}

#[test]
fn two_phase_exposes_previous_data_and_context() {
    let p = Proj::new();
    p.run();
    write(&p.root.join("src/f0.ts"), "changed");
    let b = begin(p.input()).unwrap();
    assert_eq!(b.previous_data().unwrap().get(), "{\"run\":1}");
    let plan = b.decide(true);
    let ctx = plan.producer_context().unwrap();
    // `previous` is handed over on its own (the binding parses the stored text once), never
    // serialised into the context's JSON.
    assert_eq!(ctx.previous.as_ref().unwrap().get(), "{\"run\":1}");
    let json = serde_json::to_value(ctx).unwrap();
    assert!(json.get("previous").is_none());
    assert_eq!(json["trackedSrcCount"], 5);
    assert_eq!(json["analysisRebuild"]["reason"], "src_partial");
    assert_eq!(json["rebuildConfig"]["rebuild"], "partial");
    let err = commit(plan, None).unwrap_err();
    assert_eq!(err.code(), "INVALID_OPTION");
}

#[test]
fn disabled_and_bypass_call_the_producer_without_context() {
    let p = Proj::new();
    for (bypass, status) in [(true, S::Bypass), (false, S::Disabled)] {
        let mut input = p.input();
        input.enabled = false;
        input.bypass = bypass;
        let (out, ctx) = p.run_with(input, true);
        assert_eq!((out.cache.status, out.cache.reason), (status, R::NoCache));
        assert!(ctx.is_none());
        assert!(out.cache.paths.is_some());
    }
    assert!(!p.home.exists());
}

#[test]
fn lock_held_elsewhere_computes_without_persisting() {
    let p = Proj::new();
    let mut input = p.input();
    input.lock_timeout = Duration::from_millis(100);
    let held = lock::acquire(
        &input.location.root_dir,
        &input.location.lock_path,
        Duration::ZERO,
    )
    .unwrap()
    .unwrap();
    let (out, _) = p.run_with(input.clone(), true);
    assert_eq!(p.calls(), 1);
    assert_eq!(out.data.get(), "{\"run\":1}");
    assert!(
        out.cache
            .warnings
            .iter()
            .any(|w| w.code == "cache_lock_timeout"),
        "{:?}",
        out.cache.warnings
    );
    assert!(!input.location.analysis_path.exists());
    assert!(!input.location.files_path.exists());
    drop(held);
    p.forget();
    let (out, _) = p.run_with(input.clone(), true);
    assert!(out.cache.warnings.is_empty(), "{:?}", out.cache.warnings);
    assert!(input.location.analysis_path.exists());
}

#[test]
fn read_only_writes_and_deletes_nothing() {
    let p = Proj::new();
    p.run();
    let loc = p.input().location;
    fs::write(&loc.files_path, "{garbage").unwrap();
    fs::write(loc.project_dir.join("orphan.cachecore-tmp"), "x").unwrap();
    write(&p.root.join("src/f2.ts"), "edited");
    let before = tree(&p.home);
    for _ in 0..2 {
        p.forget();
        let mut input = p.input();
        input.mode = CacheMode::ReadOnly;
        let (out, _) = p.run_with(input, true);
        assert_eq!(out.cache.status, S::Miss);
        let codes: Vec<_> = out.cache.warnings.iter().map(|w| w.code.as_str()).collect();
        assert!(
            codes.contains(&"cache_read_only") && codes.contains(&"cache_malformed"),
            "{codes:?}"
        );
    }
    assert_eq!(tree(&p.home), before);
}

#[test]
fn producer_data_is_the_analysis_data_verbatim_and_compact() {
    let p = Proj::new();
    let loc = p.input().location;
    let data: JsonData = JsonData::parse("{\"b\": [1, 2.50], \"a\": \"é\"}").unwrap();
    let out = dispatch(p.input(), |_| true, |_| Ok(data.clone())).unwrap();
    assert_eq!(out.data.get(), data.get());
    let text = fs::read_to_string(&loc.analysis_path).unwrap();
    assert!(
        text.starts_with("{\"version\":1,\"updatedAt\":\""),
        "{text}"
    );
    // Envelope first, data last and verbatim.
    assert!(text.contains(&format!(
        "\"projectId\":\"{}\",\"inputFilesEpoch\":\"",
        loc.project_id
    )));
    assert!(
        text.ends_with(",\"data\":{\"b\": [1, 2.50], \"a\": \"é\"}}"),
        "{text}"
    );
}

#[test]
fn locale_walk_depth_follows_the_structure() {
    let mut p = Proj::new();
    write(&p.locales_dir.join("nested/en.meta.json"), "{}");
    write(&p.locales_dir.join("fr.meta.json"), "{}");
    let (out, _) = p.run();
    let added = &out.cache.delta.as_ref().unwrap().added;
    assert!(added.contains(&"fr.meta.json".to_string()));
    assert!(!added.iter().any(|k| k.starts_with("nested/")), "{added:?}");
    assert!(out.cache.warnings.is_empty(), "{:?}", out.cache.warnings);
    p.layout.structure = LocalesLayoutStructure::FeatureBundle;
    let (out, _) = p.run();
    assert_eq!(
        out.cache.delta.as_ref().unwrap().added,
        ["nested/en.meta.json"]
    );
    assert_eq!(
        rebuild(&out),
        (
            AnalysisRebuildStrategy::Full,
            AnalysisRebuildReason::LayoutChanged
        )
    );
}

#[test]
fn read_only_cold_run_creates_nothing() {
    let p = Proj::new();
    let mut input = p.input();
    input.mode = CacheMode::ReadOnly;
    let (out, _) = p.run_with(input, true);
    assert_eq!(out.cache.status, S::Miss);
    assert!(!p.home.exists());
}
