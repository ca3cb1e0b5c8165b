//! The binary shadow of `files.json` (`files.json.hints`): a no-change dispatch that it serves
//! parses no JSON and reads no content, it never stands for a `files.json` it was not written
//! with, and whatever it serves equals what reading the stored index and every file gives.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::analysis_inputs;
use cachecore::core::contract::dispatch::{
    begin, commit, scan_files_index, DispatchBegin, DispatchInput,
};
use cachecore::core::contract::dispatch_info::{
    CacheDispatchReason as R, CacheDispatchStatus as S,
};
use cachecore::core::contract::memory;
use cachecore::core::contract::records::FileRecordMap;
use common::{flat_file_input, write};

struct Proj {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
}

fn settle() {
    std::thread::sleep(Duration::from_millis(250));
}

impl Proj {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        let home = tmp.path().join("home");
        for i in 0..4 {
            write(
                &root.join(format!("src/d{}/f{i}.ts", i % 2)),
                &format!("t('k{i}')\n"),
            );
        }
        write(&root.join("locales/en.json"), r#"{"k0":"zero"}"#);
        write(&root.join("locales/fr.json"), r#"{"k0":"zéro"}"#);
        settle();
        Proj {
            _tmp: tmp,
            root,
            home,
        }
    }

    fn input_at(&self, home: &Path) -> DispatchInput {
        let input = flat_file_input(&self.root, home);
        memory::forget_prefix(&input.location.project_dir.display().to_string());
        input
    }

    fn input(&self) -> DispatchInput {
        self.input_at(&self.home)
    }

    /// One dispatch through commit (the producer returns `{"n":n}`).
    fn run(&self, n: u32) {
        let plan = begin(self.input()).unwrap().decide(true);
        let produced = plan
            .needs_producer()
            .then(|| JsonData::parse(&format!("{{\"n\":{n}}}")).unwrap());
        commit(plan, produced).unwrap();
    }

    fn files_json(&self) -> PathBuf {
        self.input().location.files_path
    }

    fn shadow(&self) -> PathBuf {
        self.input().location.hints_path
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            fs::copy(e.path(), t).unwrap();
        }
    }
}

/// The records of a map without their `updatedAt` (a new record's is the time of its scan).
fn records(m: &FileRecordMap) -> Vec<(String, String, u64, f64)> {
    m.iter()
        .map(|(k, r)| (k.to_owned(), r.hash.clone(), r.size, r.mtime_ms))
        .collect()
}

/// What a begin decided and would commit, for comparing two begins of two cache homes.
fn summary(mut b: DispatchBegin) -> String {
    let stats = b.scan_stats();
    let src = format!("{:?}", records(b.current_src()));
    let locales = format!("{:?}", records(b.current_locale_segments()));
    let epoch = b.input_files_epoch().to_owned();
    let plan = b.decide(true);
    let mut cache = plan.cache.clone();
    cache.paths = None;
    for w in &mut cache.warnings {
        w.path = None;
    }
    format!(
        "{epoch}\n{src}\n{locales}\n{}\nproducer: {}",
        serde_json::to_string(&cache).unwrap(),
        plan.needs_producer() as u8 + 2 * stats.from_watcher as u8
    )
}

#[test]
fn a_no_change_dispatch_is_served_by_the_shadow() {
    let p = Proj::new();
    p.run(1);
    let b = begin(p.input()).unwrap();
    let stats = b.scan_stats();
    assert!(stats.from_shadow, "the shadow stood for files.json");
    assert_eq!((stats.hashed, stats.bytes_read, stats.reused), (0, 0, 6));
    let plan = b.decide(true);
    assert_eq!(
        (plan.cache.status, plan.cache.reason),
        (S::Hit, R::CacheHit)
    );
    assert_eq!(
        plan.cache.delta.as_ref().unwrap().unchanged,
        ["d0/f0.ts", "d0/f2.ts", "d1/f1.ts", "d1/f3.ts", "en.json", "fr.json"]
    );
    // Nothing to write on such a hit.
    let before = fs::read(p.shadow()).unwrap();
    commit(plan, None).unwrap();
    assert_eq!(fs::read(p.shadow()).unwrap(), before);
}

/// An analysis without cachecore's inputs record beside it (the TypeScript core wrote it) is
/// vouched for by the stored layout, which the shadow does not hold: through the shadow it is
/// still a hit when the layout is this run's, and still never one when it is not.
#[test]
fn without_an_inputs_record_the_stored_layout_decides_through_the_shadow_too() {
    let p = Proj::new();
    p.run(1);
    fs::remove_file(analysis_inputs::path_of(&p.input().location.analysis_path)).unwrap();
    let b = begin(p.input()).unwrap();
    assert!(
        b.scan_stats().from_shadow,
        "the shadow stood for files.json"
    );
    let plan = b.decide(true);
    assert_eq!(
        (plan.cache.status, plan.cache.reason),
        (S::Hit, R::CacheHit)
    );
    assert!(!plan.needs_producer());
    // Another source locale (same locale files, so the walks vouch for every record).
    let mut input = p.input();
    input.locales.layout.source = "fr".into();
    let b = begin(input).unwrap();
    assert!(b.scan_stats().from_shadow);
    let plan = b.decide(true);
    assert_ne!(plan.cache.status, S::Hit);
    assert!(plan.needs_producer());
}

/// `cachecore scan` on an index its shadow stands for: up to date, the stored records counted,
/// nothing written (the records the shadow stood for are never replaced by an empty index).
#[test]
fn a_scan_of_an_unchanged_tree_through_the_shadow_keeps_the_index() {
    let p = Proj::new();
    let first = scan_files_index(p.input()).unwrap();
    assert!(first.written);
    settle();
    // Settles the stat hints (the first scan's may be racy).
    scan_files_index(p.input()).unwrap();
    let before = fs::read(p.files_json()).unwrap();
    let second = scan_files_index(p.input()).unwrap();
    assert!(second.stats.from_shadow, "the shadow stood for files.json");
    assert!(second.unchanged && !second.written);
    assert_eq!((second.src_files, second.locale_segments), (4, 2));
    assert_eq!(second.stats.bytes_read, 0);
    assert_eq!(fs::read(p.files_json()).unwrap(), before);
}

/// A hand edit of `files.json`, the same records written as the TypeScript core writes them,
/// a damaged shadow, another project's shadow: the shadow is ignored each time, and the dispatch
/// decides exactly as it does with no shadow at all.
#[test]
fn the_shadow_never_stands_for_another_files_json() {
    let p = Proj::new();
    p.run(1);
    let good_json = fs::read(p.files_json()).unwrap();
    let good_shadow = fs::read(p.shadow()).unwrap();
    let restore = || {
        fs::write(p.files_json(), &good_json).unwrap();
        fs::write(p.shadow(), &good_shadow).unwrap();
    };
    let no_shadow = |label: &str| {
        let home2 = p._tmp.path().join(format!("home-{label}"));
        copy_dir(&p.home, &home2);
        let input = p.input_at(&home2);
        let _ = fs::remove_file(&input.location.hints_path);
        summary(begin(input).unwrap())
    };
    let check = |label: &str| {
        let expected = no_shadow(label);
        let b = begin(p.input()).unwrap();
        assert!(!b.scan_stats().from_shadow, "{label}: shadow ignored");
        assert!(b.scan_stats().hashed > 0, "{label}: nothing vouched for");
        assert_eq!(summary(b), expected, "{label}");
    };

    // One record's hash edited by hand (same length, still hex).
    let text = String::from_utf8(good_json.clone()).unwrap();
    let at = text.find("\"hash\": \"").unwrap() + 9;
    let mut edited = text.clone();
    edited.replace_range(at..at + 4, "0000");
    assert_ne!(edited, text);
    fs::write(p.files_json(), &edited).unwrap();
    check("hash edited");
    let b = begin(p.input()).unwrap();
    let plan = b.decide(true);
    assert_eq!(plan.cache.reason, R::FilesChanged, "the JSON is the record");
    restore();

    // The same records as the TypeScript core writes them: other key order, other timestamps.
    let mut v: serde_json::Value = serde_json::from_slice(&good_json).unwrap();
    let files = v["files"].as_object().unwrap().clone();
    let mut reversed = serde_json::Map::new();
    for (k, mut r) in files.into_iter().rev() {
        r["updatedAt"] = "2020-01-01T00:00:00.000Z".into();
        reversed.insert(k, r);
    }
    v["files"] = serde_json::Value::Object(reversed);
    fs::write(p.files_json(), serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    check("typescript core's layout");
    // The hit that follows writes a shadow for those bytes; the next no-change dispatch takes
    // it, whatever the order of the stored records.
    p.run(2);
    let b = begin(p.input()).unwrap();
    assert!(b.scan_stats().from_shadow);
    let home2 = p._tmp.path().join("home-ts-check");
    copy_dir(&p.home, &home2);
    let input = p.input_at(&home2);
    fs::remove_file(&input.location.hints_path).unwrap();
    assert_eq!(summary(b), summary(begin(input).unwrap()));
    restore();

    // Damage anywhere in the shadow.
    for at in [3, 40, good_shadow.len() / 2, good_shadow.len() - 1] {
        let mut b = good_shadow.clone();
        b[at] ^= 0x40;
        fs::write(p.shadow(), b).unwrap();
        check(&format!("flip at {at}"));
        restore();
    }

    // Another project's shadow (same files, same layout) beside this files.json.
    let other = Proj::new();
    other.run(1);
    fs::copy(other.shadow(), p.shadow()).unwrap();
    check("another project's shadow");
    restore();
}

mod property {
    use super::*;
    use proptest::prelude::{
        prop_assert, prop_assert_eq, prop_oneof, proptest, Just, ProptestConfig,
    };
    use proptest::strategy::Strategy as _;

    #[derive(Clone, Debug)]
    enum Op {
        Edit(u8),
        Add(u8),
        Delete(u8),
        Touch(u8),
        EditLocale,
        /// Same content, new stat: re-read once, then vouched for again.
        Rewrite(u8),
        Wait,
        Nothing,
        DropShadow,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        prop_oneof![
            (0u8..6).prop_map(Op::Edit),
            (0u8..6).prop_map(Op::Add),
            (0u8..6).prop_map(Op::Delete),
            (0u8..6).prop_map(Op::Touch),
            Just(Op::EditLocale),
            (0u8..6).prop_map(Op::Rewrite),
            Just(Op::Wait),
            Just(Op::Nothing),
            Just(Op::DropShadow),
        ]
    }

    fn apply(p: &Proj, op: &Op, step: usize) {
        let src = |i: u8| p.root.join(format!("src/d{}/f{i}.ts", i % 2));
        match *op {
            Op::Edit(i) | Op::Add(i) => write(&src(i), &format!("t('k{i}-{step}')\n")),
            Op::Delete(i) => {
                let _ = fs::remove_file(src(i));
            }
            Op::Touch(i) => {
                if src(i).is_file() {
                    filetime::set_file_mtime(src(i), filetime::FileTime::now()).unwrap();
                }
            }
            Op::Rewrite(i) => {
                if let Ok(text) = fs::read(src(i)) {
                    fs::write(src(i), text).unwrap();
                }
            }
            Op::EditLocale => write(
                &p.root.join("locales/fr.json"),
                &format!(r#"{{"k0":"{step}"}}"#),
            ),
            Op::Wait => settle(),
            Op::Nothing => {}
            Op::DropShadow => {
                let _ = fs::remove_file(p.shadow());
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
        /// After every operation, the dispatch decides exactly as one that reads the stored
        /// index and every file (the same cache without its shadow): same records, delta, epoch
        /// and decision. The shadow serves whenever nothing changed and everything settled.
        #[test]
        fn the_shadow_decides_as_a_full_read(ops in proptest::collection::vec(op(), 1..10)) {
            let p = Proj::new();
            p.run(0);
            settle();
            p.run(0);
            let mut served = 0;
            for (step, op) in ops.iter().enumerate() {
                apply(&p, op, step);
                let home2 = p._tmp.path().join(format!("home-{step}"));
                copy_dir(&p.home, &home2);
                let input = p.input_at(&home2);
                let _ = fs::remove_file(&input.location.hints_path);
                let expected = summary(begin(input).unwrap());
                let b = begin(p.input()).unwrap();
                served += b.scan_stats().from_shadow as u32;
                prop_assert_eq!(summary(b), expected, "step {} ({:?})", step, op);
                p.run(step as u32 + 1);
            }
            // Settled and unchanged: served by the shadow.
            settle();
            p.run(99);
            prop_assert!(begin(p.input()).unwrap().scan_stats().from_shadow);
            let _ = served;
        }
    }
}
