//! Watch mode on real temp dirs: whatever the edits, once the batches settle the watcher's
//! index equals a fresh fingerprint of the tree (fingerprints.md §Watch), with the native
//! watcher and with the polling fallback; overflow and restarts become full rescans.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cachecore::core::control::Control;
use cachecore::core::delta::{Change, Reason};
use cachecore::core::fingerprint::{fingerprint, FileState, FingerprintOptions};
use cachecore::core::watch::{
    Mode, RescanReason, WatchEvent, WatchEventKind, WatchOptions, Watcher,
};

type Events = Arc<Mutex<Vec<WatchEvent>>>;

struct Fixture {
    w: Watcher,
    events: Events,
    root: PathBuf,
    quiet: Duration,
    opts: FingerprintOptions,
}

fn opts_for(root: &Path, poll: bool) -> WatchOptions {
    let mut o = WatchOptions::new(root);
    o.poll = poll;
    o.poll_interval = Duration::from_millis(50);
    o.fingerprint.filter.exclude_dirs = vec!["node_modules".into()];
    o
}

fn start(o: WatchOptions) -> Fixture {
    let events: Events = Arc::default();
    let sink = events.clone();
    let root = o.fingerprint.root.clone();
    let quiet = if o.poll {
        Duration::from_millis(400)
    } else {
        Duration::from_millis(250)
    };
    let fo = o.fingerprint.clone();
    let w = Watcher::start(o, Box::new(move |e| sink.lock().unwrap().push(e))).unwrap();
    assert!(w.settle(quiet, Duration::from_secs(20)), "never got ready");
    Fixture {
        w,
        events,
        root,
        quiet,
        opts: fo,
    }
}

fn recs(files: &[FileState]) -> Vec<(String, String, u64, i64)> {
    files
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.record.hash.to_hex(),
                f.record.size,
                f.record.mtime_ms,
            )
        })
        .collect()
}

impl Fixture {
    fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn fresh(&self) -> Vec<(String, String, u64, i64)> {
        recs(
            &fingerprint(&self.opts, &Control::default())
                .unwrap()
                .files
                .to_states(),
        )
    }

    /// Waits for the batches to settle, then compares the index with a fresh scan.
    fn assert_equal(&self, what: &str) {
        assert!(
            self.w.settle(self.quiet, Duration::from_secs(20)),
            "{what}: never settled"
        );
        let got = recs(&self.w.records());
        let want = self.fresh();
        if got != want {
            let only_got: Vec<_> = got.iter().filter(|r| !want.contains(r)).collect();
            let only_want: Vec<_> = want.iter().filter(|r| !got.contains(r)).collect();
            panic!("{what}: index differs from a fresh scan\nindex only: {only_got:?}\nfresh only: {only_want:?}");
        }
    }

    fn events(&self) -> Vec<WatchEvent> {
        self.events.lock().unwrap().clone()
    }

    fn changes_since(&self, n: usize) -> Vec<(String, Change, Reason)> {
        self.events()[n..]
            .iter()
            .flat_map(|e| e.delta.reasons.iter())
            .map(|r| (r.path.clone(), r.change, r.reason))
            .collect()
    }
}

fn seed_tree(root: &Path) {
    for (p, t) in [
        ("a.txt", "alpha"),
        ("src/b.ts", "export const b = 1;"),
        ("src/deep/c.ts", "c"),
        ("node_modules/m/index.js", "ignored"),
        ("docs/readme.md", "# docs"),
    ] {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, t).unwrap();
    }
}

fn each_kind_of_edit(poll: bool) {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let f = start(opts_for(d.path(), poll));
    let ready = &f.events()[0];
    assert_eq!(ready.kind, WatchEventKind::Ready);
    assert_eq!(ready.mode, if poll { Mode::Poll } else { Mode::Native });
    assert_eq!(ready.delta.added.len(), 4);
    f.assert_equal("initial");

    let n = f.events().len();
    f.write("new.txt", "new");
    f.assert_equal("add");
    assert!(f
        .changes_since(n)
        .contains(&("new.txt".into(), Change::Added, Reason::Added)));

    let n = f.events().len();
    f.write("a.txt", "ALPHA"); // same size, other content
    f.assert_equal("edit same size");
    assert!(f.changes_since(n).contains(&(
        "a.txt".into(),
        Change::Changed,
        Reason::ContentChanged
    )));

    let n = f.events().len();
    f.write("a.txt", "alpha, longer");
    f.assert_equal("edit other size");
    assert!(f
        .changes_since(n)
        .contains(&("a.txt".into(), Change::Changed, Reason::SizeChanged)));

    let n = f.events().len();
    fs::remove_file(d.path().join("new.txt")).unwrap();
    f.assert_equal("delete");
    assert!(f
        .changes_since(n)
        .contains(&("new.txt".into(), Change::Deleted, Reason::Removed)));

    let n = f.events().len();
    fs::rename(d.path().join("a.txt"), d.path().join("src/a2.txt")).unwrap();
    f.assert_equal("rename");
    let c = f.changes_since(n);
    assert!(c.contains(&("a.txt".into(), Change::Deleted, Reason::Removed)));
    assert!(c.contains(&("src/a2.txt".into(), Change::Added, Reason::Added)));

    let n = f.events().len();
    fs::rename(d.path().join("src"), d.path().join("lib")).unwrap();
    f.assert_equal("directory rename");
    let c = f.changes_since(n);
    assert!(c.contains(&("src/deep/c.ts".into(), Change::Deleted, Reason::Removed)));
    assert!(c.contains(&("lib/deep/c.ts".into(), Change::Added, Reason::Added)));

    // Editor-style save: write a temp file beside it, then rename it over the original.
    let n = f.events().len();
    f.write("lib/.b.ts.swp", "export const b = 2;");
    fs::rename(d.path().join("lib/.b.ts.swp"), d.path().join("lib/b.ts")).unwrap();
    f.assert_equal("editor save");
    let c = f.changes_since(n);
    assert!(c.contains(&("lib/b.ts".into(), Change::Changed, Reason::ContentChanged)));
    assert!(!c.iter().any(|(p, ..)| p == "lib/.b.ts.swp"));

    // A file replaced by a directory, and back.
    fs::remove_file(d.path().join("docs/readme.md")).unwrap();
    f.write("docs/readme.md/inner.md", "now a dir");
    f.assert_equal("file replaced by a directory");
    fs::remove_dir_all(d.path().join("docs/readme.md")).unwrap();
    f.write("docs/readme.md", "a file again");
    f.assert_equal("directory replaced by a file");

    // A removed directory removes everything under it; excluded directories stay out.
    fs::remove_dir_all(d.path().join("lib")).unwrap();
    f.write("node_modules/m/other.js", "still ignored");
    f.assert_equal("directory removed");

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("docs/readme.md", d.path().join("link.md")).unwrap();
        f.assert_equal("symlink added");
    }

    // Bulk change, like a branch switch: 300 new files, then 150 edited and 50 deleted.
    for i in 0..300 {
        f.write(&format!("bulk/d{}/f{i}.ts", i % 10), &format!("v1 {i}"));
    }
    f.assert_equal("bulk add of 300 files");
    for i in 0..150 {
        f.write(&format!("bulk/d{}/f{i}.ts", i % 10), &format!("v2 {i}!"));
    }
    for i in 250..300 {
        fs::remove_file(d.path().join(format!("bulk/d{}/f{i}.ts", i % 10))).unwrap();
    }
    f.assert_equal("bulk edit of 200 files");
    let seqs: Vec<u64> = f.events().iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    f.w.close();
}

#[test]
fn native_each_kind_of_edit_ends_equal_to_a_fresh_scan() {
    each_kind_of_edit(false);
}

#[test]
fn poll_each_kind_of_edit_ends_equal_to_a_fresh_scan() {
    each_kind_of_edit(true);
}

/// xorshift64*: a seeded generator, so a failing case can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn all_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else {
                out.push(
                    e.path()
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

fn all_dirs(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                out.push(
                    e.path()
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn random_op(f: &Fixture, rng: &mut Rng) {
    let root = &f.root;
    let files = all_files(root);
    let dirs = all_dirs(root);
    let names = ["a", "b", "c", "d.ts", "e.json", "node_modules"];
    let pick_dir = |rng: &mut Rng| -> String {
        if dirs.is_empty() || rng.below(3) == 0 {
            String::new()
        } else {
            dirs[rng.below(dirs.len())].clone()
        }
    };
    let join = |d: &str, n: &str| {
        if d.is_empty() {
            n.to_string()
        } else {
            format!("{d}/{n}")
        }
    };
    match rng.below(9) {
        // Add a file (maybe in a new directory).
        0 | 1 => {
            let d = pick_dir(rng);
            let mut rel = join(&d, names[rng.below(names.len())]);
            if rng.below(2) == 0 {
                rel = join(&rel, &format!("f{}.txt", rng.below(5)));
            }
            let p = root.join(&rel);
            if fs::create_dir_all(p.parent().unwrap()).is_ok() && !p.is_dir() {
                let _ = fs::write(p, format!("add {}", rng.next()));
            }
        }
        // Edit: same size or other size.
        2 | 3 if !files.is_empty() => {
            let rel = &files[rng.below(files.len())];
            let text = if rng.below(2) == 0 {
                "x".repeat(fs::metadata(root.join(rel)).map(|m| m.len()).unwrap_or(1) as usize)
            } else {
                format!("edit {}", rng.next())
            };
            let _ = fs::write(root.join(rel), text);
        }
        // Delete a file.
        4 if !files.is_empty() => {
            let _ = fs::remove_file(root.join(&files[rng.below(files.len())]));
        }
        // Rename a file (maybe over another one).
        5 if !files.is_empty() => {
            let from = &files[rng.below(files.len())];
            let to = join(&pick_dir(rng), &format!("r{}.txt", rng.below(4)));
            if !root.join(&to).is_dir() {
                let _ = fs::rename(root.join(from), root.join(to));
            }
        }
        // Rename or delete a directory.
        6 if !dirs.is_empty() => {
            let from = dirs[rng.below(dirs.len())].clone();
            if rng.below(3) == 0 {
                let _ = fs::remove_dir_all(root.join(&from));
            } else {
                let to = format!("moved{}", rng.below(4));
                if !root.join(&to).exists() && !to.starts_with(&from) {
                    let _ = fs::rename(root.join(&from), root.join(&to));
                }
            }
        }
        // Editor-style save.
        7 if !files.is_empty() => {
            let rel = &files[rng.below(files.len())];
            let tmp = root.join(format!("{rel}.tmp~"));
            if fs::write(&tmp, format!("saved {}", rng.next())).is_ok() {
                let _ = fs::rename(&tmp, root.join(rel));
            }
        }
        // A file replaced by a directory.
        8 if !files.is_empty() => {
            let rel = &files[rng.below(files.len())];
            let p = root.join(rel);
            if fs::remove_file(&p).is_ok() {
                let _ = fs::create_dir_all(&p);
                let _ = fs::write(p.join("inside.txt"), "inside");
            }
        }
        _ => {
            let _ = fs::write(root.join("top.txt"), format!("top {}", rng.next()));
        }
    }
}

fn random_sequences(poll: bool, cases: usize, seed: u64) {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let f = start(opts_for(d.path(), poll));
    let mut rng = Rng(seed);
    for case in 0..cases {
        let ops = 3 + rng.below(12);
        for _ in 0..ops {
            random_op(&f, &mut rng);
        }
        f.assert_equal(&format!("seed {seed}, case {case} ({ops} ops)"));
    }
    f.w.close();
}

#[test]
fn native_random_edit_sequences_equal_a_fresh_scan() {
    let seed = std::env::var("WATCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_u64);
    random_sequences(false, 24, seed);
}

#[test]
fn poll_random_edit_sequences_equal_a_fresh_scan() {
    random_sequences(true, 8, 0xfeed_beef);
}

#[test]
fn overflow_means_a_full_rescan_that_repairs_a_stale_index() {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let f = start(opts_for(d.path(), false));
    // The kernel drops events (a queue overflow): the index goes stale.
    f.w.drop_events_for_test(true);
    f.write("missed.txt", "missed");
    fs::remove_file(d.path().join("a.txt")).unwrap();
    f.write("src/b.ts", "changed unseen");
    std::thread::sleep(Duration::from_millis(300));
    f.w.drop_events_for_test(false);
    assert_ne!(recs(&f.w.records()), f.fresh(), "the index should be stale");
    // notify reports an overflow as an event flagged Rescan.
    let n = f.events().len();
    f.w.inject_event_for_test(Ok(
        notify::Event::new(notify::EventKind::Other).set_flag(notify::event::Flag::Rescan)
    ));
    f.assert_equal("after overflow");
    let ev = f.events()[n..].to_vec();
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].kind, WatchEventKind::Rescan);
    assert_eq!(ev[0].rescan_reason, Some(RescanReason::Overflow));
    assert_eq!(ev[0].delta.added, ["missed.txt"]);
    assert_eq!(ev[0].delta.deleted, ["a.txt"]);
    assert_eq!(ev[0].delta.changed, ["src/b.ts"]);
    // Every file is either re-read or reused thanks to the stat hints kept in memory.
    assert_eq!(ev[0].counts.hashed + ev[0].counts.reused, 4);

    // A requested rescan with nothing changed reports an empty delta.
    let n = f.events().len();
    f.w.request_rescan();
    f.w.flush();
    let ev = f.events()[n..].to_vec();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].rescan_reason, Some(RescanReason::Requested));
    assert!(ev[0].delta.is_clean());
    f.assert_equal("after requested rescan");
}

#[test]
fn watcher_errors_mean_a_full_rescan() {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let f = start(opts_for(d.path(), false));
    f.w.drop_events_for_test(true);
    f.write("missed.txt", "missed");
    std::thread::sleep(Duration::from_millis(200));
    f.w.drop_events_for_test(false);
    // An event naming a path outside the root: the state is unknown.
    let n = f.events().len();
    f.w.inject_event_for_test(Ok(
        notify::Event::new(notify::EventKind::Any).add_path(PathBuf::from("/elsewhere/x"))
    ));
    f.assert_equal("after unknown path");
    let ev = &f.events()[n];
    assert_eq!(ev.kind, WatchEventKind::Rescan);
    assert_eq!(ev.rescan_reason, Some(RescanReason::UnknownPath));
    assert_eq!(ev.delta.added, ["missed.txt"]);
}

#[test]
fn native_failure_falls_back_to_polling_and_stays_equal() {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let mut o = opts_for(d.path(), false);
    o.fail_native = true;
    let mut f = start(o);
    f.quiet = Duration::from_millis(400);
    let ready = &f.events()[0];
    assert_eq!(ready.mode, Mode::Poll);
    assert_eq!(f.w.mode(), Mode::Poll);
    assert!(
        ready.warnings.iter().any(|w| w.code == "watch_limit"),
        "{:?}",
        ready.warnings
    );
    f.write("src/new.ts", "new");
    fs::remove_file(d.path().join("a.txt")).unwrap();
    f.assert_equal("polling after fallback");
}

#[test]
fn no_event_after_close_and_close_is_idempotent() {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let f = start(opts_for(d.path(), false));
    f.write("x.txt", "x");
    f.w.close();
    let n = f.events().len();
    f.write("y.txt", "y");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(f.events().len(), n);
    f.w.close();
    f.w.flush(); // a no-op once closed
}

#[test]
fn bad_options_and_roots_fail_at_start() {
    let d = tempfile::tempdir().unwrap();
    let e = Watcher::start(WatchOptions::new(d.path().join("nope")), Box::new(|_| {}))
        .err()
        .unwrap();
    assert_eq!(e.code(), "ROOT_NOT_FOUND");
    let mut o = WatchOptions::new(d.path());
    o.fingerprint.filter.include_pattern = Some("(".into());
    let e = Watcher::start(o, Box::new(|_| {})).err().unwrap();
    assert_eq!(e.code(), "INVALID_OPTION");
}

#[test]
fn layout_events_carry_the_contract_classification_and_decision() {
    use cachecore::core::contract::decide::{AnalysisRebuildReason, AnalysisRebuildStrategy};
    use cachecore::core::watch::WatchLayout;
    let d = tempfile::tempdir().unwrap();
    for (p, t) in [
        ("src/a.ts", "a"),
        ("src/b.ts", "b"),
        ("locales/en.json", "{}"),
        ("locales/de.json", "{}"),
        ("README.md", "readme"),
    ] {
        let p = d.path().join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, t).unwrap();
    }
    let mut o = opts_for(d.path(), false);
    o.layout = Some(WatchLayout {
        src_dir: "src".into(),
        locales_dir: "locales".into(),
        source_locale_segment_keys: vec!["en.json".into()],
        ..WatchLayout::default()
    });
    let f = start(o);
    let ready = f.events()[0].contract.clone().unwrap();
    assert_eq!(ready.classified.src.added, ["a.ts", "b.ts"]);
    let dec = ready.decision.unwrap();
    assert_eq!(
        (dec.strategy, dec.reason),
        (
            AnalysisRebuildStrategy::Full,
            AnalysisRebuildReason::NoPreviousCache
        )
    );

    let last = |f: &Fixture| f.events().last().unwrap().contract.clone().unwrap();
    f.write("locales/de.json", r#"{"k":"v"}"#);
    f.assert_equal("target locale");
    let v = last(&f);
    assert_eq!(v.classified.target_locale, ["de.json"]);
    let dec = v.decision.unwrap();
    assert_eq!(
        (dec.strategy, dec.reason),
        (
            AnalysisRebuildStrategy::Reuse,
            AnalysisRebuildReason::TargetLocaleOnly
        )
    );

    f.write("src/c.ts", "c");
    f.assert_equal("src add");
    let v = last(&f);
    assert_eq!(v.classified.src.added, ["c.ts"]);
    let dec = v.decision.unwrap();
    // 1 of 3 src files is under the balanced profile's threshold: patch the analysis.
    assert_eq!(
        (dec.strategy, dec.reason),
        (
            AnalysisRebuildStrategy::Partial,
            AnalysisRebuildReason::SrcPartial
        )
    );
    assert_eq!(
        (dec.src_affected, dec.tracked_src_count),
        (Some(1), Some(3))
    );

    f.write("README.md", "not tracked by the contract");
    f.assert_equal("untracked edit");
    let v = last(&f);
    assert!(v.classified.src.is_empty() && v.classified.target_locale.is_empty());
    assert!(
        v.decision.is_none(),
        "nothing tracked changed: nothing to decide"
    );
}

#[cfg(unix)]
#[test]
fn followed_symlinks_are_re_checked_as_a_fresh_scan_would() {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    std::os::unix::fs::symlink("src", d.path().join("linked")).unwrap();
    let mut o = opts_for(d.path(), false);
    o.fingerprint.follow_symlinks = true;
    let f = start(o);
    assert!(f.w.records().iter().any(|r| r.path == "linked/deep/c.ts"));
    // An edit under the target changes the file seen through the link too.
    let n = f.events().len();
    f.write("src/deep/c.ts", "changed through the target");
    f.assert_equal("edit under a linked directory");
    let c = f.changes_since(n);
    assert!(c.contains(&(
        "linked/deep/c.ts".into(),
        Change::Changed,
        Reason::SizeChanged
    )));
    fs::remove_file(d.path().join("linked")).unwrap();
    f.assert_equal("link removed");
}

#[test]
fn a_moved_away_root_is_an_error_event_and_the_index_is_kept() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("root");
    fs::create_dir(&root).unwrap();
    seed_tree(&root);
    let f = start(opts_for(&root, false));
    let before = f.w.records();
    fs::rename(&root, parent.path().join("elsewhere")).unwrap();
    assert!(f.w.settle(f.quiet, Duration::from_secs(20)));
    let ev = f.events();
    let last = ev.last().unwrap();
    assert_eq!(last.kind, WatchEventKind::Error, "{ev:?}");
    assert!(last.warnings.iter().any(|w| w.code == "scan_failed"));
    assert_eq!(f.w.records(), before);
}

#[test]
fn watcher_errors_rescan_and_the_watch_limit_at_run_time_switches_to_polling() {
    let d = tempfile::tempdir().unwrap();
    seed_tree(d.path());
    let mut f = start(opts_for(d.path(), false));
    // A generic watcher error: a full rescan, with the error as a warning.
    let n = f.events().len();
    f.w.inject_event_for_test(Err(notify::Error::generic("boom")));
    f.assert_equal("after a watcher error");
    let ev = &f.events()[n];
    assert_eq!(ev.rescan_reason, Some(RescanReason::WatcherError));
    assert!(ev.warnings.iter().any(|w| w.code == "watcher_error"));
    assert_eq!(f.w.mode(), Mode::Native);
    // The inotify limit hit while adding watches for new directories: restart as a poller.
    let n = f.events().len();
    f.w.inject_event_for_test(Err(notify::Error::new(notify::ErrorKind::MaxFilesWatch)));
    f.quiet = Duration::from_millis(400);
    f.assert_equal("after the watch limit");
    let ev = &f.events()[n];
    assert_eq!(ev.kind, WatchEventKind::Rescan);
    assert_eq!(ev.rescan_reason, Some(RescanReason::WatchLimit));
    assert_eq!(ev.mode, Mode::Poll);
    assert!(ev.warnings.iter().any(|w| w.code == "watch_limit"));
    assert_eq!(f.w.mode(), Mode::Poll);
    // Polling (every 50 ms, as opts_for sets) goes on seeing edits.
    f.write("src/after.ts", "after");
    fs::write(d.path().join("a.txt"), "ALPHA").unwrap();
    f.assert_equal("polling after the switch");
}

#[test]
fn a_scoped_watcher_indexes_its_scopes_and_stays_settled_after_events_beside_them() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    for (p, t) in [
        ("src/a.ts", "a"),
        ("locales/en.json", "{}"),
        ("README.md", "r"),
    ] {
        fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
        fs::write(root.join(p), t).unwrap();
    }
    let mut o = opts_for(root, false);
    o.fingerprint.scopes = vec!["src".into(), "locales".into()];
    let f = start(o);
    let paths: Vec<String> = f.w.records().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["locales/en.json", "src/a.ts"]);
    let before = f.w.events_emitted();
    // Events beside the scopes: nothing to re-check, and the watcher is settled at once.
    fs::write(root.join("README.md"), "changed").unwrap();
    fs::write(root.join("other.ts"), "o").unwrap();
    assert!(
        f.w.settle(f.quiet, Duration::from_secs(3)),
        "an event beside the scopes must not leave a batch pending"
    );
    assert_eq!(f.w.events_emitted(), before);
    // An edit in a scope is seen.
    fs::write(root.join("src/a.ts"), "a2").unwrap();
    assert!(f.w.settle(f.quiet, Duration::from_secs(20)));
    assert_eq!(f.w.events_emitted(), before + 1);
}
