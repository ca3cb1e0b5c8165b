//! Crash consistency (reliability checklist B1, B4, B5): a writer process is killed with SIGKILL
//! at random moments inside its dispatch, again and again. After every kill the next load must
//! see complete files (old or new, never torn), must never trust an `analysis.json` of another
//! generation, and the next run must leave no temp file behind.
//!
//! The writer is this test binary re-invoked on the ignored `crash_writer` test. The parent runs
//! `CACHECORE_CRASH_ITERATIONS` kills (default 100; `CACHECORE_CRASH_ITERATIONS=1000 cargo test
//! --test crash_consistency` for the long run).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cachecore::core::atomic::TEMP_SUFFIX;
use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::dispatch::{dispatch, DispatchInput};
use cachecore::core::contract::dispatch_info::CacheDispatchStatus;

fn input(root: &Path, home: &Path) -> DispatchInput {
    common::flat_file_input(root, home)
}

/// The "analysis" of a project: every tracked file's text, so a stale one is always visible.
fn analyse(root: &Path) -> String {
    let mut parts = Vec::new();
    for dir in ["src", "locales"] {
        let mut names: Vec<_> = fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for n in names {
            let text = fs::read_to_string(root.join(dir).join(&n)).unwrap();
            parts.push(format!("{dir}/{n}={text}"));
        }
    }
    // Padding makes the write window wide enough to be hit often.
    serde_json::json!({ "files": parts, "pad": "x".repeat(200_000) }).to_string()
}

fn run_dispatch(root: &Path, home: &Path) -> (CacheDispatchStatus, JsonData) {
    let out = dispatch(
        input(root, home),
        |_| true,
        |_| Ok(JsonData::parse(&analyse(root)).unwrap()),
    )
    .unwrap();
    (out.cache.status, out.data)
}

/// The writer side: one dispatch on the project named by the environment, then exit.
#[test]
#[ignore = "re-invoked by crash_consistency as the process to kill"]
fn crash_writer() {
    let (Some(root), Some(home)) = (
        std::env::var_os("CRASH_ROOT"),
        std::env::var_os("CRASH_HOME"),
    ) else {
        return;
    };
    run_dispatch(Path::new(&root), Path::new(&home));
}

fn spawn_writer(root: &Path, home: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_writer",
            "--test-threads=1",
            "--quiet",
        ])
        .env("CRASH_ROOT", root)
        .env("CRASH_HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(TEMP_SUFFIX) {
                out.push(p);
            }
        }
    }
    out
}

/// A tiny seeded PRNG, so a failing iteration can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[cfg(unix)]
#[test]
fn sigkill_inside_the_write_window_never_tears_or_misleads() {
    let iterations: u64 = std::env::var("CACHECORE_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("proj");
    let home = tmp.path().join("home");
    fs::create_dir_all(root.join("src")).unwrap();
    fs::create_dir_all(root.join("locales")).unwrap();
    for i in 0..20 {
        fs::write(root.join(format!("src/f{i}.ts")), format!("t('k{i}')\n")).unwrap();
    }
    fs::write(root.join("locales/en.json"), r#"{"k0":"zero"}"#).unwrap();
    fs::write(root.join("locales/fr.json"), r#"{"k0":"zéro"}"#).unwrap();
    std::thread::sleep(Duration::from_millis(250));

    // Calibrate: how long a writer takes from spawn to exit.
    let t0 = Instant::now();
    spawn_writer(&root, &home).wait().unwrap();
    // The estimate of a writer's run adapts: shorter after a writer finished before its kill,
    // a little longer after a kill, so kills keep landing inside the run on a busy machine.
    let mut full = t0.elapsed();
    let mut rng = Lcg(0x5eed);
    let (mut kills, mut torn, mut max_temps) = (0u64, 0u64, 0usize);
    for gen in 0..iterations {
        // A new generation of one source file (its size changes, so stat alone sees it).
        let edited = root.join(format!("src/f{}.ts", gen % 20));
        fs::write(
            &edited,
            format!("t('gen{gen}')\n{}", "/".repeat((gen % 7) as usize)),
        )
        .unwrap();

        let mut child = spawn_writer(&root, &home);
        // Weighted to the end of the run, where the writes are.
        let r = rng.next() % 1000;
        let frac = if r < 700 {
            0.5 + (r as f64 / 1400.0)
        } else {
            r as f64 / 1000.0
        };
        std::thread::sleep(full.mul_f64(frac * 1.1));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
            full = full.mul_f64(1.02);
        } else {
            full = full.mul_f64(0.85);
        }
        child.wait().unwrap();
        max_temps = max_temps.max(temp_files(&home).len());

        // Every cache file on disk is complete JSON (old or new), never torn.
        for p in ["cache/meta.json"].iter().map(|p| home.join(p)).chain(
            fs::read_dir(home.join("cache/projects"))
                .into_iter()
                .flatten()
                .flatten()
                .flat_map(|d| ["files.json", "analysis.json"].map(|f| d.path().join(f))),
        ) {
            if let Ok(bytes) = fs::read(&p) {
                if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
                    torn += 1;
                }
            }
        }

        // The next run never serves data of another generation, and cleans up after the kill.
        let (_, data) = run_dispatch(&root, &home);
        assert_eq!(
            data.get(),
            analyse(&root),
            "iteration {gen}: stale or wrong data served"
        );
        assert!(
            temp_files(&home).is_empty(),
            "iteration {gen}: temp files left after the next run: {:?}",
            temp_files(&home)
        );
        // And the run after that is a clean hit.
        let (status, data) = run_dispatch(&root, &home);
        assert_eq!(data.get(), analyse(&root));
        assert!(
            matches!(status, CacheDispatchStatus::Hit),
            "iteration {gen}: {status:?}"
        );
    }
    assert_eq!(torn, 0, "torn cache files seen");
    eprintln!(
        "crash consistency: {iterations} iterations, {kills} kills inside the run, max {max_temps} temp files between runs, 0 torn, 0 stale"
    );
    assert!(kills >= iterations / 2, "too few kills landed: {kills}");
}
