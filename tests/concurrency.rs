//! Concurrency (reliability checklist C1, C2, C4): several processes dispatching and writing on
//! one project while a reader loops over the cache files; and a lock holder that hangs.
//! Worker processes are this test binary re-invoked on ignored tests.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cachecore::core::contract::analysis_file::JsonData;
use cachecore::core::contract::dispatch::{dispatch, DispatchInput, DispatchOutcome};
use cachecore::core::contract::lock;

fn input(root: &Path, home: &Path) -> DispatchInput {
    common::flat_file_input(root, home)
}

/// The analysis: every src file's text, keyed by name.
fn analyse(root: &Path) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    let mut names: Vec<_> = fs::read_dir(root.join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for n in names {
        if let Ok(text) = fs::read_to_string(root.join("src").join(&n)) {
            map.insert(n, text.into());
        }
    }
    serde_json::Value::Object(map)
}

fn run(input: DispatchInput, root: &Path) -> DispatchOutcome {
    dispatch(
        input,
        |_| true,
        |_| Ok(JsonData::parse(&analyse(root).to_string()).unwrap()),
    )
    .unwrap()
}

fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("proj");
    let home = tmp.path().join("home");
    fs::create_dir_all(root.join("src")).unwrap();
    fs::create_dir_all(root.join("locales")).unwrap();
    for i in 0..8 {
        fs::write(root.join(format!("src/w{i}.ts")), "t('start')\n").unwrap();
    }
    fs::write(root.join("locales/en.json"), r#"{"start":"Start"}"#).unwrap();
    fs::write(root.join("locales/de.json"), r#"{"start":"Los"}"#).unwrap();
    (tmp, root, home)
}

fn worker(name: &str, envs: &[(&str, String)]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--ignored",
        "--exact",
        name,
        "--test-threads=1",
        "--nocapture",
        "--quiet",
    ]);
    for (k, v) in envs {
        c.env(k, v);
    }
    c
}

/// Worker: rewrites its own file with a new generation, dispatches, and checks that the data
/// it gets back holds that generation. Loops `CONC_ITER` times. Exits non-zero on a wrong result.
#[test]
#[ignore = "re-invoked by the concurrency tests"]
fn concurrency_worker() {
    let (Some(root), Some(home), Some(id)) = (
        std::env::var_os("CONC_ROOT"),
        std::env::var_os("CONC_HOME"),
        std::env::var("CONC_ID").ok(),
    ) else {
        return;
    };
    let (root, home) = (PathBuf::from(root), PathBuf::from(home));
    let iterations: u64 = std::env::var("CONC_ITER").unwrap().parse().unwrap();
    let own = format!("w{id}.ts");
    for gen in 0..iterations {
        let text = format!("t('w{id}-gen{gen}')\n{}", "/".repeat((gen % 5) as usize));
        fs::write(root.join("src").join(&own), &text).unwrap();
        let out = run(input(&root, &home), &root);
        let data: serde_json::Value = serde_json::from_str(out.data.get()).unwrap();
        assert_eq!(
            data[&own], text,
            "worker {id} gen {gen}: stale data for its own file"
        );
    }
}

#[cfg(unix)]
#[test]
fn eight_writers_and_a_reader_never_see_a_torn_or_wrong_file() {
    let (_tmp, root, home) = project();
    let iterations = 20;
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, bad) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let reader = {
        let (home, stop, reads, bad) = (home.clone(), stop.clone(), reads.clone(), bad.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for d in fs::read_dir(home.join("cache/projects"))
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    for f in ["files.json", "analysis.json"] {
                        if let Ok(bytes) = fs::read(d.path().join(f)) {
                            reads.fetch_add(1, Ordering::Relaxed);
                            if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
                                bad.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }
        })
    };
    let children: Vec<_> = (0..8)
        .map(|i| {
            worker(
                "concurrency_worker",
                &[
                    ("CONC_ROOT", root.display().to_string()),
                    ("CONC_HOME", home.display().to_string()),
                    ("CONC_ID", i.to_string()),
                    ("CONC_ITER", iterations.to_string()),
                ],
            )
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(
            c.wait().unwrap().success(),
            "a worker saw a wrong result or failed"
        );
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert_eq!(bad.load(Ordering::Relaxed), 0, "a reader saw a torn file");
    assert!(reads.load(Ordering::Relaxed) > 0);
    // Final files are valid and the next run serves exactly the tree's analysis.
    let out = run(input(&root, &home), &root);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(out.data.get()).unwrap(),
        analyse(&root)
    );
    eprintln!(
        "concurrency: 8 processes x {iterations} dispatches, {} reads, 0 torn",
        reads.load(Ordering::Relaxed)
    );
}

/// Worker: takes the project lock, says so, and holds it until killed.
#[test]
#[ignore = "re-invoked by the concurrency tests"]
fn lock_holder() {
    let Some(path) = std::env::var_os("LOCK_PATH") else {
        return;
    };
    let path = PathBuf::from(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let _guard = lock::acquire(path.parent().unwrap(), &path, Duration::from_secs(5))
        .unwrap()
        .unwrap();
    println!("locked");
    std::thread::sleep(Duration::from_secs(120));
}

#[cfg(unix)]
#[test]
fn a_hung_lock_holder_makes_writers_compute_without_persisting() {
    let (_tmp, root, home) = project();
    let first = run(input(&root, &home), &root);
    assert!(
        first.cache.warnings.is_empty(),
        "{:?}",
        first.cache.warnings
    );
    let loc = input(&root, &home).location;
    let files_before = fs::read(&loc.files_path).unwrap();

    let (mut holder, out_pipe) = spawn_lock_holder(&loc.lock_path);
    // SAFETY: stopping our own child.
    unsafe { libc::kill(holder.id() as libc::pid_t, libc::SIGSTOP) };

    fs::write(root.join("src/w0.ts"), "t('changed while locked')\n").unwrap();
    let mut blocked = input(&root, &home);
    blocked.lock_timeout = Duration::from_millis(300);
    let out = run(blocked, &root);
    let data: serde_json::Value = serde_json::from_str(out.data.get()).unwrap();
    assert_eq!(
        data,
        analyse(&root),
        "computed without the lock, still correct"
    );
    assert!(
        out.cache
            .warnings
            .iter()
            .any(|w| w.code == "cache_lock_timeout"),
        "{:?}",
        out.cache.warnings
    );
    assert_eq!(
        fs::read(&loc.files_path).unwrap(),
        files_before,
        "nothing persisted"
    );

    unsafe { libc::kill(holder.id() as libc::pid_t, libc::SIGCONT) };
    holder.kill().unwrap();
    holder.wait().unwrap();
    drop(out_pipe);
    let after = run(input(&root, &home), &root);
    assert!(after
        .cache
        .warnings
        .iter()
        .all(|w| w.code != "cache_lock_timeout"));
    assert_ne!(
        fs::read(&loc.files_path).unwrap(),
        files_before,
        "persisted once the lock is free"
    );
}

/// Spawns `lock_holder` on `path` and waits until it says it holds the lock. The returned reader
/// keeps its stdout pipe open until the holder is gone.
fn spawn_lock_holder(path: &Path) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut holder = worker("lock_holder", &[("LOCK_PATH", path.display().to_string())])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out_pipe = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("locked") {
        line.clear();
        assert!(out_pipe.read_line(&mut line).unwrap() > 0, "holder exited");
    }
    (holder, out_pipe)
}

/// Two processes contend for one lock file (std's `File::lock`, `flock` here, `LockFileEx` on
/// Windows): the other process waits its timeout out while the holder lives, and a holder that
/// dies (SIGKILL, no cleanup) leaves no stale lock behind: the next writer takes it at once.
#[test]
fn a_lock_held_by_another_process_blocks_until_that_process_dies() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("projects/p/.lock");
    let (mut holder, out_pipe) = spawn_lock_holder(&path);
    let start = std::time::Instant::now();
    assert!(
        lock::acquire(tmp.path(), &path, Duration::from_millis(200))
            .unwrap()
            .is_none(),
        "another process holds it"
    );
    assert!(start.elapsed() >= Duration::from_millis(200));
    holder.kill().unwrap();
    holder.wait().unwrap();
    drop(out_pipe);
    assert!(
        lock::acquire(tmp.path(), &path, Duration::ZERO)
            .unwrap()
            .is_some(),
        "the dead holder's lock is released by the system"
    );
    assert!(path.exists(), "the lock file stays; it never holds data");
}
