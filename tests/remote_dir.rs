//! The shared cache across machines through the shared-directory backend, end to end in Rust:
//! two "machines" are two copies of a project at different paths with different cache homes.
//! (The same flow against the real Turborepo Remote Cache server runs in
//! `__test__/remote.test.mjs`.)

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::decide::{AnalysisRebuildReason, AnalysisRebuildStrategy};
use cachecore::core::contract::dispatch::{dispatch, DispatchOutcome, ProducerContext};
use cachecore::core::contract::dispatch_info::{CacheDispatchStatus, CacheRemoteSource};
use cachecore::core::contract::memory;
use cachecore::core::remote::codes::REMOTE_SIGNATURE;
use cachecore::core::remote::config::{resolve, RemoteOverrides, Secret};
use cachecore::core::remote::upload;
use common::{flat_file_input, write};

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A small app: three src files, en and de.
fn make_app(root: &Path) {
    write(&root.join("src/a.ts"), "t('a.one')\n");
    write(&root.join("src/b.ts"), "t('b.two')\n");
    write(&root.join("src/c/d.tsx"), "t('c.three')\n");
    write(&root.join("locales/en.json"), "{\"a\":{\"one\":\"1\"}}");
    write(&root.join("locales/de.json"), "{\"a\":{\"one\":\"eins\"}}");
}

/// The "analysis": the sorted list of src files with their text (what a full build reads).
fn full_analysis(root: &Path) -> String {
    let mut files: Vec<(String, String)> = Vec::new();
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &r, out);
            } else {
                out.push((r, std::fs::read_to_string(e.path()).unwrap()));
            }
        }
    }
    walk(&root.join("src"), "", &mut files);
    files.sort();
    serde_json::to_string(&files).unwrap()
}

/// The uploads of this process are reported to whoever waits first: the tests take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Machine {
    root: PathBuf,
    home: PathBuf,
    remote: RemoteOverrides,
}

impl Machine {
    fn run(&self) -> (DispatchOutcome, Option<ProducerContext>, bool) {
        let mut input = flat_file_input(&self.root, &self.home);
        input.remote = resolve(&self.remote, |_| None);
        // Each run as a new process would: no same-process memory.
        memory::forget_prefix(&input.location.project_dir.display().to_string());
        let mut ctx_seen = None;
        let mut called = false;
        let root = self.root.clone();
        let out = dispatch(
            input,
            |_| true,
            |ctx| {
                called = true;
                ctx_seen = ctx.cloned();
                // A partial rebuild must give what a full one gives: this producer always
                // rebuilds fully, so the equality below is about what the cache serves.
                Ok(JsonData::parse(&full_analysis(&root)).unwrap())
            },
        )
        .unwrap();
        (out, ctx_seen, called)
    }
}

fn settle() {
    let report = upload::wait(Duration::from_secs(20));
    assert_eq!(report.pending, 0, "uploads finished");
    for o in &report.done {
        assert!(o.warning.is_none(), "upload failed: {o:?}");
    }
}

#[test]
fn two_machines_share_through_a_directory() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let shared = t.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let remote = RemoteOverrides {
        dir: Some(shared.clone()),
        signature_key: Some(Secret::new("team secret")),
        ..Default::default()
    };
    let a = Machine {
        root: t.path().join("ann/app"),
        home: t.path().join("ann/home"),
        remote: remote.clone(),
    };
    make_app(&a.root);
    let have_git = git(&a.root, &["init", "-q"])
        && git(&a.root, &["add", "."])
        && git(&a.root, &["commit", "-q", "-m", "base"]);

    // A builds from nothing and uploads.
    let (out, _, called) = a.run();
    assert!(called);
    assert_eq!(
        out.cache.remote.as_ref().unwrap().source,
        CacheRemoteSource::Nothing
    );
    assert_eq!(
        out.cache.remote.as_ref().unwrap().upload.as_deref(),
        Some("scheduled")
    );
    settle();
    let stored = std::fs::read_dir(&shared).unwrap().count();
    assert!(stored >= 2, "an artifact and its tag ({stored} files)");

    // B: another path, another home, cold: served A's analysis, no producer, stored locally.
    let b = Machine {
        root: t.path().join("runner/work/app"),
        home: t.path().join("runner/home"),
        remote: remote.clone(),
    };
    make_app(&b.root);
    let (out, _, called) = b.run();
    assert!(!called, "the producer is not called on a remote exact hit");
    assert_eq!(out.cache.status, CacheDispatchStatus::Hit);
    let r = out.cache.remote.as_ref().unwrap();
    assert_eq!(r.source, CacheRemoteSource::RemoteExact);
    assert!(
        r.upload.is_none(),
        "a served artifact is not uploaded again"
    );
    assert_eq!(out.data.get(), full_analysis(&b.root));
    let loc = flat_file_input(&b.root, &b.home).location;
    assert!(loc.analysis_path.is_file() && loc.files_path.is_file());
    // The next run is local.
    let (out, _, called) = b.run();
    assert!(!called);
    assert_eq!(
        out.cache.remote.as_ref().unwrap().source,
        CacheRemoteSource::Local
    );

    // B without its analysis while the binary shadow stands for files.json (hints settled,
    // nothing changed): the remote serves again, and files.json is stored with the records
    // the shadow stood for, not without them.
    std::thread::sleep(Duration::from_millis(250));
    b.run();
    let records = |p: &Path| {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        (v["files"].clone(), v["localeSegments"].clone())
    };
    let before = records(&loc.files_path);
    assert_eq!(before.0.as_object().unwrap().len(), 3);
    std::fs::remove_file(&loc.analysis_path).unwrap();
    let (out, _, called) = b.run();
    assert!(!called);
    assert_eq!(
        out.cache.remote.as_ref().unwrap().source,
        CacheRemoteSource::RemoteExact
    );
    assert_eq!(records(&loc.files_path), before);

    // C: cold, one src file changed: a base (HEAD's artifact) and a partial rebuild.
    if have_git {
        let c_root = t.path().join("carl/app");
        std::fs::create_dir_all(c_root.parent().unwrap()).unwrap();
        assert!(git(
            t.path(),
            &[
                "clone",
                "-q",
                a.root.to_str().unwrap(),
                c_root.to_str().unwrap()
            ]
        ));
        write(&c_root.join("src/b.ts"), "t('b.changed')\n");
        let c = Machine {
            root: c_root.clone(),
            home: t.path().join("carl/home"),
            remote: remote.clone(),
        };
        let (out, ctx, called) = c.run();
        assert!(called);
        let r = out.cache.remote.as_ref().unwrap();
        assert_eq!(
            r.source,
            CacheRemoteSource::RemoteBase,
            "{:?}",
            out.cache.warnings
        );
        let decision = out.cache.analysis_rebuild.as_ref().unwrap();
        assert_eq!(
            (decision.strategy, decision.reason),
            (
                AnalysisRebuildStrategy::Partial,
                AnalysisRebuildReason::SrcPartial
            )
        );
        let ctx = ctx.unwrap();
        assert_eq!(ctx.classified.src.changed, ["b.ts"]);
        assert!(
            ctx.previous.is_some(),
            "the base's data is handed to the producer"
        );
        assert_eq!(out.data.get(), full_analysis(&c_root));
        settle();
    }

    // D: the signature key differs: the artifact is refused, the local result is right.
    let d = Machine {
        root: t.path().join("dora/app"),
        home: t.path().join("dora/home"),
        remote: RemoteOverrides {
            signature_key: Some(Secret::new("another secret")),
            read_only: Some(true),
            ..remote.clone()
        },
    };
    make_app(&d.root);
    let (out, _, called) = d.run();
    assert!(called, "a refused artifact is never served");
    assert!(
        out.cache
            .warnings
            .iter()
            .any(|w| w.code == REMOTE_SIGNATURE),
        "{:?}",
        out.cache.warnings
    );
    assert_eq!(out.data.get(), full_analysis(&d.root));
    assert_eq!(
        out.cache.remote.as_ref().unwrap().upload.as_deref(),
        Some("read_only")
    );
    // Read-only: nothing new in the shared directory.
    let before = std::fs::read_dir(&shared).unwrap().count();
    settle();
    assert_eq!(std::fs::read_dir(&shared).unwrap().count(), before);
}

#[test]
fn after_a_failure_the_remote_is_skipped_for_the_rest_of_the_process() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let t = tempfile::tempdir().unwrap();
    let m = Machine {
        root: t.path().join("app"),
        home: t.path().join("home"),
        // A shared directory that is not there: the first dispatch's read fails.
        remote: RemoteOverrides {
            dir: Some(t.path().join("not-mounted")),
            ..Default::default()
        },
    };
    make_app(&m.root);
    let (first, _, called) = m.run();
    assert!(called);
    let codes = |o: &DispatchOutcome| {
        o.cache
            .warnings
            .iter()
            .map(|w| w.code.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&first), ["remote_io_error"]);
    assert_eq!(first.data.get(), full_analysis(&m.root));
    // The upload is skipped too, and so is every later dispatch of this process.
    let report = upload::wait(Duration::from_secs(20));
    assert!(report.done.iter().all(|o| o
        .warning
        .as_ref()
        .is_some_and(|w| w.code == "remote_skipped")));
    std::fs::create_dir(t.path().join("not-mounted")).unwrap();
    write(&m.root.join("src/a.ts"), "t('a.edited')\n");
    let (second, _, _) = m.run();
    assert_eq!(codes(&second), ["remote_skipped"]);
    assert_eq!(second.data.get(), full_analysis(&m.root));
    // Its upload is skipped as well (and reported here, not to the next test).
    let report = upload::wait(Duration::from_secs(20));
    assert!(report.done.iter().all(|o| o.result == "failed"));
}
