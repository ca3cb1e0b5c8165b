//! A dispatch in the same process as a live watcher takes its src and locale records from the
//! watcher's index (no walk), and those records always equal a fresh walk's: after an event
//! that changed nothing tracked it is a memory hit, after a tracked change it decides from the
//! watcher's records, and an edit not yet handled by the watcher is never missed.

mod common;

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::decide::{AnalysisRebuildReason, AnalysisRebuildStrategy};
use cachecore::core::contract::dispatch::{
    begin, dispatch, DispatchInput, DispatchOutcome, ProducerContext,
};
use cachecore::core::contract::dispatch_info::CacheDispatchStatus as S;
use cachecore::core::contract::records::FileRecordMap;
use cachecore::core::hash::HashAlgo;
use cachecore::core::watch::{WatchEvent, WatchEventKind, WatchOptions, Watcher};

use common::write;

struct Proj {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    produced: AtomicU64,
}

impl Proj {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        let home = tmp.path().join("home");
        for i in 0..5 {
            write(&root.join(format!("src/f{i}.ts")), &format!("t('k{i}')\n"));
        }
        write(&root.join("src/deep/g.tsx"), "t('g')\n");
        write(&root.join("src/node_modules/x.ts"), "ignored");
        write(&root.join("src/README.md"), "ignored");
        write(&root.join("locales/en.json"), r#"{"k0":"zero"}"#);
        write(&root.join("locales/fr.json"), r#"{"k0":"zéro"}"#);
        write(&root.join("locales/nested/de.json"), r#"{}"#);
        write(&root.join("package.json"), "{}");
        std::thread::sleep(Duration::from_millis(250));
        Proj {
            _tmp: tmp,
            root,
            home,
            produced: AtomicU64::new(0),
        }
    }

    fn input(&self) -> DispatchInput {
        common::flat_file_input(&self.root, &self.home)
    }

    fn run(&self) -> (DispatchOutcome, Option<ProducerContext>) {
        let mut seen = None;
        let out = dispatch(
            self.input(),
            |_| true,
            |ctx| {
                seen = ctx.cloned();
                let n = self.produced.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(JsonData::parse(&format!("{{\"run\":{n}}}")).unwrap())
            },
        )
        .unwrap();
        (out, seen)
    }

    fn calls(&self) -> u64 {
        self.produced.load(Ordering::SeqCst)
    }

    /// The records a walk finds now (and those of the watcher, when one serves).
    fn records(&self, use_watcher: bool) -> (bool, Vec<(String, String, u64)>) {
        let mut input = self.input();
        input.use_watcher = use_watcher;
        let mut b = begin(input).unwrap();
        let flat = |m: &FileRecordMap| -> Vec<(String, String, u64)> {
            m.iter()
                .map(|(k, r)| (k.to_string(), r.hash.clone(), r.size))
                .collect()
        };
        let mut all = flat(b.current_src());
        all.push(("--".into(), String::new(), 0));
        all.extend(flat(b.current_locale_segments()));
        (b.scan_stats().from_watcher, all)
    }
}

type Events = Arc<Mutex<Vec<WatchEvent>>>;

fn watch(p: &Proj, opts: impl FnOnce(&mut WatchOptions)) -> (Watcher, Events) {
    let events: Events = Arc::default();
    let sink = events.clone();
    let mut o = WatchOptions::new(&p.root);
    o.fingerprint.filter.exclude_dirs = vec!["node_modules".into()];
    opts(&mut o);
    let w = Watcher::start(o, Box::new(move |e| sink.lock().unwrap().push(e))).unwrap();
    assert!(w.settle(Duration::from_millis(200), Duration::from_secs(20)));
    (w, events)
}

fn wait_for(events: &Events, path: &str) {
    let t0 = Instant::now();
    loop {
        let seen = events.lock().unwrap().iter().any(|e| {
            e.kind != WatchEventKind::Ready
                && (e
                    .delta
                    .changed
                    .iter()
                    .chain(&e.delta.added)
                    .chain(&e.delta.deleted))
                .any(|p| p == path)
        });
        if seen {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no event for {path}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "the barrier needs inotify")]
fn a_settled_watcher_answers_dispatches_without_walking() {
    let p = Proj::new();
    let (w, events) = watch(&p, |_| {});

    // First dispatch: from the watcher's index, a miss that produces.
    let (out, _) = p.run();
    assert!(out.from_watcher, "the watcher's index serves");
    assert!(!out.memory_hit);
    assert_eq!(p.calls(), 1);

    // Again, nothing changed: a memory hit, still without a walk.
    let (out, _) = p.run();
    assert!(out.memory_hit && out.from_watcher);
    assert_eq!(out.cache.status, S::Hit);
    assert_eq!(p.calls(), 1);

    // An event that changes nothing tracked (an untracked file): still a memory hit.
    write(&p.root.join("src/notes.md"), "untracked");
    wait_for(&events, "src/notes.md");
    let (out, _) = p.run();
    assert!(out.memory_hit && out.from_watcher);
    assert_eq!(p.calls(), 1);

    // A tracked edit, once the watcher has handled it: decided from the watcher's records.
    write(&p.root.join("src/f2.ts"), "t('k2') + t('new')\n");
    wait_for(&events, "src/f2.ts");
    assert_eq!(p.records(true), (true, p.records(false).1.clone()));
    assert!(!p.records(false).0);
    let (out, ctx) = p.run();
    assert!(out.from_watcher && !out.memory_hit);
    assert_eq!(p.calls(), 2);
    let d = ctx.expect("a producer context").analysis_rebuild;
    assert_eq!(d.strategy, AnalysisRebuildStrategy::Partial);
    assert_eq!(d.reason, AnalysisRebuildReason::SrcPartial);
    assert_eq!(d.src_delta.unwrap().changed, vec!["f2.ts".to_string()]);

    // The watcher closed: the dispatch walks again (and, nothing changed, hits memory).
    w.close();
    let (out, _) = p.run();
    assert!(!out.from_watcher);
    assert!(out.memory_hit);
    assert_eq!(p.calls(), 2);
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "the barrier needs inotify")]
fn an_edit_the_watcher_has_not_handled_yet_is_never_missed() {
    let p = Proj::new();
    // A long debounce: the edit's batch is still pending when the dispatch starts.
    let (_w, _events) = watch(&p, |o| {
        o.debounce = Duration::from_secs(5);
        o.max_batch = Duration::from_secs(5);
    });
    let (out, _) = p.run();
    assert!(out.from_watcher);
    for round in 0..5 {
        let name = format!("src/f{round}.ts");
        write(&p.root.join(&name), &format!("t('edit{round}')\n"));
        // No waiting: the barrier makes the watcher take the edit before it answers.
        let (out, ctx) = p.run();
        assert!(!out.memory_hit, "round {round}: a stale memory hit");
        assert!(
            out.from_watcher,
            "round {round}: the barrier takes the pending batch"
        );
        let d = ctx.expect("a producer context").analysis_rebuild;
        assert_eq!(
            d.src_delta.unwrap().changed,
            vec![format!("f{round}.ts")],
            "round {round}"
        );
        assert_eq!(p.records(true).1, p.records(false).1, "round {round}");
    }
    // New and deleted files, nested ones too, without waiting.
    write(&p.root.join("src/deep/er/h.ts"), "t('h')\n");
    fs::remove_file(p.root.join("src/deep/g.tsx")).unwrap();
    let (out, ctx) = p.run();
    assert!(!out.memory_hit);
    let d = ctx.unwrap().analysis_rebuild.src_delta.unwrap();
    assert_eq!(d.added, vec!["deep/er/h.ts".to_string()]);
    assert_eq!(d.deleted, vec!["deep/g.tsx".to_string()]);
}

#[test]
fn watchers_that_cannot_vouch_never_serve() {
    let p = Proj::new();
    // Polling: never (a sweep may be due).
    {
        let (_w, _) = watch(&p, |o| {
            o.poll = true;
            o.poll_interval = Duration::from_millis(50);
        });
        assert!(!p.records(true).0);
    }
    // Another algorithm than the contract's text hash.
    {
        let (_w, _) = watch(&p, |o| o.fingerprint.algorithm = HashAlgo::Blake3);
        assert!(!p.records(true).0);
    }
    // A filter that drops what the dispatch would keep.
    {
        let (_w, _) = watch(&p, |o| {
            o.fingerprint.filter.exclude_dirs.push("deep".into())
        });
        assert!(!p.records(true).0);
    }
    // Events dropped (as an overflowing queue drops them): the barrier never comes back.
    {
        let (w, _) = watch(&p, |_| {});
        assert_eq!(p.records(true).0, cfg!(target_os = "linux"));
        w.drop_events_for_test(true);
        write(&p.root.join("src/f0.ts"), "t('unseen by the watcher')\n");
        let (from_watcher, recs) = p.records(true);
        assert!(!from_watcher);
        assert_eq!(recs, p.records(false).1);
    }
    // A link under src: the dispatch's walk follows it, the watcher records the link.
    #[cfg(unix)]
    {
        let link = p.root.join("src/link.ts");
        std::os::unix::fs::symlink(p.root.join("src/f1.ts"), &link).unwrap();
        let (w, _) = watch(&p, |_| {});
        let (from_watcher, recs) = p.records(true);
        assert!(!from_watcher);
        assert!(recs.iter().any(|r| r.0 == "link.ts"));
        w.close();
        fs::remove_file(&link).unwrap();
        // A link the dispatch never reaches (under a skipped directory) is no obstacle.
        fs::create_dir_all(p.root.join("src/dist")).unwrap();
        std::os::unix::fs::symlink(p.root.join("src/f1.ts"), p.root.join("src/dist/l.ts")).unwrap();
        let (w, _) = watch(&p, |_| {});
        assert_eq!(p.records(true).0, cfg!(target_os = "linux"));
        assert_eq!(p.records(true).1, p.records(false).1);
        w.close();
    }
    // A watcher of another tree does not cover this one.
    {
        let other = tempfile::tempdir().unwrap();
        let (_w, _) = {
            let events: Events = Arc::default();
            let sink = events.clone();
            let w = Watcher::start(
                WatchOptions::new(other.path()),
                Box::new(move |e| sink.lock().unwrap().push(e)),
            )
            .unwrap();
            assert!(w.settle(Duration::from_millis(100), Duration::from_secs(20)));
            (w, events)
        };
        assert!(!p.records(true).0);
    }
}
