//! Which walker for git's ignore rules (a benchmark, not a test): cachecore's own parallel walk
//! without and with the `ignore` crate's gitignore matcher inside it, against the `ignore`
//! crate's own parallel walker (`WalkParallel`, ripgrep's), each listing a tree and reading the
//! stat of every kept file, as a fingerprint's walk does. Medians of `--runs` after a warm-up.
//!
//!   cargo run --release --example walkers -- <dir> [--runs 7] [--threads 2]
//!
//! The tree should be a git work tree whose `.gitignore` leaves out what `--exclude` names
//! (bench/run.mjs ignore writes one), so that every walker keeps the same files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cachecore::core::control::Control;
use cachecore::core::filter::{Filter, FilterSpec};
use cachecore::core::walk::{walk, WalkOptions, DEFAULT_MAX_DEPTH};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Medians of `runs` runs of each walker, taken in turns (A, B, C, A, B, C, ...) so that a
/// machine that drifts weighs on all of them alike; each must keep the same files every run.
fn time_all(runs: usize, walkers: &mut [&mut dyn FnMut() -> u64]) -> Vec<(f64, u64)> {
    let files: Vec<u64> = walkers.iter_mut().map(|f| f()).collect();
    let mut ms = vec![Vec::new(); walkers.len()];
    for _ in 0..runs {
        for (i, f) in walkers.iter_mut().enumerate() {
            let t = Instant::now();
            assert_eq!(f(), files[i], "every run keeps the same files");
            ms[i].push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    ms.into_iter().map(median).zip(files).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str, dflt: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(dflt)
    };
    let root = PathBuf::from(
        args.first()
            .expect("usage: walkers <dir> [--runs N] [--threads N]"),
    );
    let runs = opt("--runs", 7);
    let threads = opt("--threads", rayon::current_num_threads());
    let excluded = Filter::new(&FilterSpec {
        exclude_dirs: vec!["node_modules".into(), "dist".into(), ".git".into()],
        ..FilterSpec::default()
    })
    .unwrap();
    let all = Filter::all();
    let ours = |filter: &Filter, gitignore: bool| {
        let opts = WalkOptions {
            filter,
            max_depth: DEFAULT_MAX_DEPTH,
            follow_symlinks: false,
            gitignore,
        };
        walk(&root, &opts, &Control::default())
            .unwrap()
            .entries
            .len() as u64
    };
    let mut base_walk = || ours(&excluded, false);
    let mut inside_walk = || ours(&all, true);
    let mut crate_walk = || {
        let files = AtomicU64::new(0);
        ignore::WalkBuilder::new(&root)
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git")
            .threads(threads)
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    if let Ok(e) = entry {
                        if e.file_type().is_some_and(|t| t.is_file()) && e.metadata().is_ok() {
                            files.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    ignore::WalkState::Continue
                })
            });
        files.into_inner()
    };
    let t = time_all(
        runs,
        &mut [&mut base_walk, &mut inside_walk, &mut crate_walk],
    );
    let [(base, n0), (inside, n1), (crate_walk, n2)] = [t[0], t[1], t[2]];
    println!(
        "walkers on {} ({runs} runs, {threads} threads; files kept: {n0} / {n1} / {n2})",
        root.display()
    );
    println!("| walker | median ms | vs cachecore's walk without ignore rules |");
    println!("|---|---:|---:|");
    println!("| cachecore walk, exclude dirs by name, no ignore rules | {base:.1} | 1.00x |");
    println!(
        "| cachecore walk + `ignore::gitignore` matchers | {inside:.1} | {:.2}x |",
        inside / base
    );
    println!(
        "| `ignore::WalkParallel` (ripgrep's walker) | {crate_walk:.1} | {:.2}x |",
        crate_walk / base
    );
}
