//! The engine on real temp dirs: fast path, racy guard, strategies, deltas, and the invariant
//! that an incrementally updated index always equals a from-scratch scan.

use std::fs;
use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use cachecore::core::control::Control;
use cachecore::core::delta::{Change, Reason};
use cachecore::core::fingerprint::{
    fingerprint, hints_path, FingerprintOptions, FingerprintOutcome, Previous, Strategy,
};
use cachecore::core::hash::HashAlgo;
use cachecore::core::stat::FINE_GRANULARITY_NS;
use filetime::FileTime;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn run(root: &Path, manifest: &Path, strategy: Strategy) -> FingerprintOutcome {
    let mut o = FingerprintOptions::new(root);
    o.previous = Previous::Path(manifest.to_path_buf());
    o.write_to = Some(manifest.to_path_buf());
    o.strategy = strategy;
    fingerprint(&o, &Control::default()).unwrap()
}

fn scratch(root: &Path) -> FingerprintOutcome {
    fingerprint(&FingerprintOptions::new(root), &Control::default()).unwrap()
}

/// Waits until every file written so far is out of the racy window.
fn settle() {
    sleep(Duration::from_nanos(FINE_GRANULARITY_NS as u64) + Duration::from_millis(30));
}

fn records(o: &FingerprintOutcome) -> Vec<(String, String, u64, i64)> {
    o.files
        .to_states()
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

#[test]
fn no_change_recheck_reads_no_content() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fingerprints.json");
    for i in 0..50 {
        write(
            d.path(),
            &format!("d{}/f{i}.txt", i % 5),
            &format!("file {i}"),
        );
    }
    settle();
    let first = run(d.path(), &m, Strategy::Content);
    assert_eq!(first.counts.hashed, 50);
    assert_eq!(first.delta.added.len(), 50);
    assert!(first.written);
    // The first run's hints are racy only if written within the window; wait it out.
    let second = run(d.path(), &m, Strategy::Content);
    assert_eq!(
        second.counts.hashed, 0,
        "a no-change re-check must not read content"
    );
    assert_eq!(second.counts.reused, 50);
    assert!(second.delta.is_clean());
    assert!(!second.written, "nothing changed, nothing written");
    assert_eq!(records(&second), records(&scratch(d.path())));
}

#[test]
fn racy_files_are_rehashed_then_trusted() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    write(d.path(), "a.txt", "one");
    let first = run(d.path(), &m, Strategy::Content);
    assert!(
        first.files.to_states()[0].hint.racy,
        "written just now: racy"
    );
    // Same-size rewrite inside the same instant: stat may look equal; racy forces a re-read.
    write(d.path(), "a.txt", "two");
    let second = run(d.path(), &m, Strategy::Content);
    assert_eq!(second.delta.changed, ["a.txt"]);
    settle();
    let third = run(d.path(), &m, Strategy::Content);
    assert_eq!(third.counts.hashed, 1, "still racy from the second run");
    assert!(!third.files.to_states()[0].hint.racy);
    let fourth = run(d.path(), &m, Strategy::Content);
    assert_eq!(fourth.counts.hashed, 0);
}

#[test]
fn same_size_rewrite_with_restored_mtime() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    write(d.path(), "a.txt", "aaaa");
    let p = d.path().join("a.txt");
    let old = FileTime::from_unix_time(1_600_000_000, 123_000_000);
    filetime::set_file_mtime(&p, old).unwrap();
    settle();
    run(d.path(), &m, Strategy::Content);
    settle();
    fs::write(&p, "bbbb").unwrap();
    filetime::set_file_mtime(&p, old).unwrap();
    settle();
    // content: ctime moved, so the tuple differs and the file is re-read.
    let content = run(d.path(), &m, Strategy::Content);
    assert_eq!(content.delta.changed, ["a.txt"]);
    assert_eq!(content.delta.reasons[0].reason, Reason::ContentChanged);

    // metadata: the documented risk, shown: the same rewrite is not seen.
    let cache2 = tempfile::tempdir().unwrap();
    let m2 = cache2.path().join("fp.json");
    run(d.path(), &m2, Strategy::Metadata);
    settle();
    fs::write(&p, "cccc").unwrap();
    filetime::set_file_mtime(&p, old).unwrap();
    let meta = run(d.path(), &m2, Strategy::Metadata);
    assert!(meta.delta.changed.is_empty(), "metadata trusts size+mtime");
    // hash-always sees it.
    let always = run(d.path(), &m2, Strategy::HashAlways);
    assert_eq!(always.delta.changed, ["a.txt"]);
}

#[test]
fn reasons_for_size_type_and_removal() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    write(d.path(), "size.txt", "1");
    write(d.path(), "link", "target text");
    write(d.path(), "gone.txt", "x");
    run(d.path(), &m, Strategy::Content);
    write(d.path(), "size.txt", "12");
    fs::remove_file(d.path().join("link")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("elsewhere", d.path().join("link")).unwrap();
    fs::remove_file(d.path().join("gone.txt")).unwrap();
    write(d.path(), "new.txt", "n");
    let o = run(d.path(), &m, Strategy::Content);
    let reasons: Vec<_> = o
        .delta
        .reasons
        .iter()
        .map(|r| (r.path.as_str(), r.change, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("gone.txt", Change::Deleted, Reason::Removed),
            ("link", Change::Changed, Reason::TypeChanged),
            ("new.txt", Change::Added, Reason::Added),
            ("size.txt", Change::Changed, Reason::SizeChanged),
        ]
    );
}

#[test]
fn damaged_hints_and_manifest_are_warnings_not_errors() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    write(d.path(), "a.txt", "a");
    settle();
    run(d.path(), &m, Strategy::Content);
    let hp = hints_path(&m);
    let mut hb = fs::read(&hp).unwrap();
    let last = hb.len() - 1;
    hb[last] ^= 1;
    fs::write(&hp, hb).unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    assert_eq!(o.counts.hashed, 1, "damaged hints: re-read");
    assert!(o.warnings.iter().any(|w| w.code == "hints_malformed"));
    assert!(o.delta.is_clean());
    fs::write(&m, "{\"version\":1,").unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    assert!(o.warnings.iter().any(|w| w.code == "previous_malformed"));
    assert_eq!(o.delta.added, ["a.txt"]);
    assert!(o.written);
}

#[test]
fn previous_as_object_and_algorithm_mismatch() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.txt", "a");
    write(d.path(), "b.txt", "b");
    let first = scratch(d.path());
    write(d.path(), "b.txt", "bb");
    let mut o = FingerprintOptions::new(d.path());
    o.previous = Previous::Manifest(first.manifest());
    let second = fingerprint(&o, &Control::default()).unwrap();
    assert_eq!(second.delta.unchanged, ["a.txt"]);
    assert_eq!(second.delta.changed, ["b.txt"]);
    o.algorithm = HashAlgo::Blake3;
    let third = fingerprint(&o, &Control::default()).unwrap();
    assert!(third
        .warnings
        .iter()
        .any(|w| w.code == "previous_algorithm_mismatch"));
    assert_eq!(third.delta.added.len(), 2);
}

#[test]
fn abort_stops_with_aborted() {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.txt", "a");
    let ctl = Control::new(Arc::new(AtomicBool::new(true)), None);
    let e = fingerprint(&FingerprintOptions::new(d.path()), &ctl).unwrap_err();
    assert_eq!(e.code(), "ABORTED");
}

mod property {
    use super::*;
    use proptest::prelude::{any, prop_assert_eq, prop_oneof, proptest, Just, ProptestConfig};
    use proptest::strategy::Strategy as _;

    #[derive(Clone, Debug)]
    enum Op {
        Add(u8, u8),
        Edit(u8, u8),
        SameSizeRestoreMtime(u8),
        Delete(u8),
        Rename(u8, u8),
        Touch(u8),
        BecomeDir(u8),
        Wait,
        /// The index's shadow is lost: the next run reads the JSON manifest.
        DropShadow,
        /// The manifest is rewritten pretty (same records, other bytes): the shadow is stale.
        PrettyManifest,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        prop_oneof![
            (0u8..12, any::<u8>()).prop_map(|(a, b)| Op::Add(a, b)),
            (0u8..12, any::<u8>()).prop_map(|(a, b)| Op::Edit(a, b)),
            (0u8..12).prop_map(Op::SameSizeRestoreMtime),
            (0u8..12).prop_map(Op::Delete),
            (0u8..12, 0u8..12).prop_map(|(a, b)| Op::Rename(a, b)),
            (0u8..12).prop_map(Op::Touch),
            (0u8..12).prop_map(Op::BecomeDir),
            Just(Op::Wait),
            Just(Op::DropShadow),
            Just(Op::PrettyManifest),
        ]
    }

    fn name(i: u8) -> String {
        format!("d{}/f{i}.txt", i % 3)
    }

    fn apply(root: &Path, manifest: &Path, op: &Op) {
        match *op {
            Op::DropShadow => {
                let _ = fs::remove_file(hints_path(manifest));
            }
            Op::PrettyManifest => {
                let v: serde_json::Value =
                    serde_json::from_slice(&fs::read(manifest).unwrap()).unwrap();
                fs::write(manifest, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
            }
            Op::Add(i, b) | Op::Edit(i, b) => {
                let p = root.join(name(i));
                if p.is_dir() {
                    return;
                }
                write(root, &name(i), &"x".repeat(b as usize % 7 + 1));
            }
            Op::SameSizeRestoreMtime(i) => {
                let p = root.join(name(i));
                if let Ok(md) = fs::metadata(&p) {
                    if md.is_file() {
                        let old = FileTime::from_last_modification_time(&md);
                        let mut bytes = fs::read(&p).unwrap();
                        for b in &mut bytes {
                            *b = if *b == b'y' { b'x' } else { b'y' };
                        }
                        fs::write(&p, bytes).unwrap();
                        filetime::set_file_mtime(&p, old).unwrap();
                    }
                }
            }
            Op::Delete(i) => {
                let p = root.join(name(i));
                let _ = fs::remove_file(&p);
                let _ = fs::remove_dir_all(&p);
            }
            Op::Rename(a, b) => {
                let (pa, pb) = (root.join(name(a)), root.join(name(b)));
                if pa.is_file() && !pb.is_dir() {
                    fs::create_dir_all(pb.parent().unwrap()).unwrap();
                    fs::rename(pa, pb).unwrap();
                }
            }
            Op::Touch(i) => {
                let p = root.join(name(i));
                if p.is_file() {
                    filetime::set_file_mtime(&p, FileTime::now()).unwrap();
                }
            }
            Op::BecomeDir(i) => {
                let p = root.join(name(i));
                if p.is_file() {
                    fs::remove_file(&p).unwrap();
                    fs::create_dir_all(&p).unwrap();
                    fs::write(p.join("inner.txt"), "inner").unwrap();
                }
            }
            Op::Wait => settle(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        /// After every operation, the incrementally updated index equals a from-scratch scan,
        /// and its delta agrees with the difference of the two scratch scans.
        #[test]
        fn incremental_equals_scratch(ops in proptest::collection::vec(op(), 1..14)) {
            let d = tempfile::tempdir().unwrap();
            let cache = tempfile::tempdir().unwrap();
            let m = cache.path().join("fp.json");
            write(d.path(), "seed.txt", "seed");
            let mut before = records(&scratch(d.path()));
            run(d.path(), &m, Strategy::Content);
            for op in &ops {
                apply(d.path(), &m, op);
                let inc = run(d.path(), &m, Strategy::Content);
                let fresh = scratch(d.path());
                prop_assert_eq!(records(&inc), records(&fresh));
                // The next run reads the shadow this one left (or the one before it).
                prop_assert_eq!(
                    fs::read(hints_path(&m)).unwrap()[..8].to_vec(),
                    b"CCHINTS2".to_vec()
                );
                // Delta check against the two scans.
                let after = records(&fresh);
                let old: std::collections::BTreeMap<_, _> =
                    before.iter().map(|r| (r.0.clone(), (r.1.clone(), r.2))).collect();
                let new: std::collections::BTreeMap<_, _> =
                    after.iter().map(|r| (r.0.clone(), (r.1.clone(), r.2))).collect();
                let added: Vec<_> = new.keys().filter(|k| !old.contains_key(*k)).cloned().collect();
                let deleted: Vec<_> = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
                let changed: Vec<_> = new
                    .iter()
                    .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
                    .map(|(k, _)| k.clone())
                    .collect();
                prop_assert_eq!(&inc.delta.added, &added);
                prop_assert_eq!(&inc.delta.deleted, &deleted);
                prop_assert_eq!(&inc.delta.changed, &changed);
                let unchanged: Vec<_> = new
                    .iter()
                    .filter(|(k, v)| old.get(*k) == Some(*v))
                    .map(|(k, _)| k.clone())
                    .collect();
                prop_assert_eq!(&inc.delta.unchanged, &unchanged);
                before = after;
            }
        }
    }
}

/// C6 / A6: a manifest written by a newer cachecore at the same path (an IDE's newer build
/// beside an older CLI) is a miss for this build and is never overwritten, so the newer build's
/// cache stays valid however the two alternate.
#[test]
fn newer_manifest_is_a_miss_and_never_clobbered() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    write(d.path(), "a.txt", "a");
    write(d.path(), "b.txt", "b");
    settle();
    let newer =
        br#"{"version":2,"algorithm":"sha256","files":{"a.txt":{"h":"new-shape"}},"extra":true}"#;
    fs::write(&m, newer).unwrap();
    fs::write(hints_path(&m), b"CCHINTS2 newer hints").unwrap();
    let fresh = records(&scratch(d.path()));
    for round in 0..3 {
        // The older build's run.
        let o = run(d.path(), &m, Strategy::Content);
        let codes: Vec<_> = o.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(
            codes,
            ["previous_newer_version", "write_skipped_newer"],
            "round {round}"
        );
        assert_eq!(records(&o), fresh, "round {round}: correct results");
        assert!(!o.written);
        assert_eq!(fs::read(&m).unwrap(), newer, "round {round}: not clobbered");
        assert_eq!(fs::read(hints_path(&m)).unwrap(), b"CCHINTS2 newer hints");
        // Writing to it without reading it first is refused the same way.
        let mut opts = FingerprintOptions::new(d.path());
        opts.write_to = Some(m.clone());
        let o = fingerprint(&opts, &Control::default()).unwrap();
        assert!(o.warnings.iter().any(|w| w.code == "write_skipped_newer"));
        assert_eq!(fs::read(&m).unwrap(), newer);
    }
    // An older or damaged file at the path is still replaced.
    fs::write(&m, "{\"version\":1,").unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    assert!(o.written);
    assert_eq!(run(d.path(), &m, Strategy::Content).counts.hashed, 0);
}

/// The binary shadow (`<manifest>.hints`, format 2) serves a run only for exactly the manifest
/// bytes it was written with: a hand edit of the JSON, a rewrite in another layout, a damaged
/// shadow, or another project's shadow are each ignored (with a warning), and the result always
/// equals a from-scratch scan.
#[test]
fn the_shadow_serves_only_its_own_manifest() {
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    let hp = hints_path(&m);
    write(d.path(), "a.txt", "alpha");
    write(d.path(), "b/c.txt", "gamma");
    settle();
    run(d.path(), &m, Strategy::Content);
    let used = run(d.path(), &m, Strategy::Content);
    assert!(used.from_shadow && !used.written);
    assert_eq!(used.counts.hashed, 0);
    assert_eq!(fs::read(&hp).unwrap()[..8], *b"CCHINTS2");
    let fresh = records(&scratch(d.path()));
    let good_shadow = fs::read(&hp).unwrap();
    let good_manifest = fs::read(&m).unwrap();
    let restore = || {
        fs::write(&m, &good_manifest).unwrap();
        fs::write(&hp, &good_shadow).unwrap();
    };
    let check = |what: &str, o: &FingerprintOutcome, code: &str| {
        assert!(!o.from_shadow, "{what}: shadow not used");
        assert!(
            o.warnings.iter().any(|w| w.code == code),
            "{what}: {code} in {:?}",
            o.warnings
        );
        assert_eq!(records(o), fresh, "{what}: correct records");
        assert_eq!(o.counts.reused, 0, "{what}: nothing trusted");
    };

    // A hand edit of one hash in the JSON (same length): the JSON is the record; the file is
    // re-read and found changed against it.
    let text = String::from_utf8(good_manifest.clone()).unwrap();
    let h = fresh[0].1.clone();
    let edited = text.replacen(&h, &"0".repeat(h.len()), 1);
    assert_ne!(edited, text);
    fs::write(&m, edited).unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    check("hash edited", &o, "hints_stale");
    assert_eq!(o.delta.changed, ["a.txt"]);
    restore();

    // The same records in another layout (pretty, as a TypeScript tool would write them).
    let v: serde_json::Value = serde_json::from_slice(&good_manifest).unwrap();
    fs::write(&m, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    check("pretty", &o, "hints_stale");
    assert!(o.delta.is_clean());
    restore();

    // Damage anywhere in the shadow.
    for at in [9, good_shadow.len() / 2, good_shadow.len() - 1] {
        let mut b = good_shadow.clone();
        b[at] ^= 0x20;
        fs::write(&hp, b).unwrap();
        let o = run(d.path(), &m, Strategy::Content);
        check(&format!("flip at {at}"), &o, "hints_malformed");
        restore();
    }

    // Another project's shadow beside this manifest.
    let other = tempfile::tempdir().unwrap();
    let om = cache.path().join("other.json");
    write(other.path(), "a.txt", "alpha");
    write(other.path(), "b/c.txt", "gamma");
    settle();
    run(other.path(), &om, Strategy::Content);
    run(other.path(), &om, Strategy::Content);
    fs::copy(hints_path(&om), &hp).unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    check("swapped", &o, "hints_stale");
    restore();

    // A whole index of another project (manifest and shadow together) is that project's
    // index: its stat hints vouch for nothing here, and the result is still this tree's.
    fs::copy(&om, &m).unwrap();
    fs::copy(hints_path(&om), &hp).unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    assert!(o.from_shadow);
    assert_eq!(o.counts.reused, 0, "other inodes: nothing trusted");
    assert_eq!(records(&o), fresh);
    assert!(o.delta.is_clean());
}

/// Format-1 hints of a previous cachecore are still trusted, and replaced by a shadow.
#[test]
fn format_one_hints_are_read_and_upgraded() {
    use cachecore::core::hints::{self, Hint};
    use cachecore::core::stat::StatTuple;
    let d = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let m = cache.path().join("fp.json");
    write(d.path(), "a.txt", "alpha");
    settle();
    run(d.path(), &m, Strategy::Content);
    // What the previous release wrote beside this manifest.
    let bytes = fs::read(&m).unwrap();
    let md = fs::metadata(d.path().join("a.txt")).unwrap();
    let hint = Hint {
        stat: StatTuple::from_metadata(&md),
        racy: false,
        unstable: false,
    };
    fs::write(
        hints_path(&m),
        hints::encode(&hints::generation_of(&bytes), &[("a.txt", hint)]),
    )
    .unwrap();
    let o = run(d.path(), &m, Strategy::Content);
    assert_eq!(o.counts.hashed, 0, "format-1 hints trusted");
    assert!(!o.from_shadow && o.written, "upgraded to a shadow");
    assert_eq!(fs::read(&m).unwrap(), bytes, "the manifest is unchanged");
    let o = run(d.path(), &m, Strategy::Content);
    assert!(o.from_shadow && !o.written && o.counts.hashed == 0);
}
