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

fn time(runs: usize, mut f: impl FnMut() -> u64) -> (f64, u64) {
    let files = f();
    let ms = (0..runs)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(f(), files, "every run keeps the same files");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    (median(ms), files)
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
    let (base, n0) = time(runs, || ours(&excluded, false));
    let (inside, n1) = time(runs, || ours(&all, true));
    let (crate_walk, n2) = time(runs, || {
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
    });
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
