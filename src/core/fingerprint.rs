//! A fingerprint run: walk, decide per file whether its stat hint lets us skip reading it,
//! hash the rest in parallel, diff against the previous index, and publish the new index and
//! its stat hints atomically.
//!
//! Why a file is re-read (after Cargo's fingerprint docs, which say why a unit is stale):
//! - no previous record or no usable hint (first run, hints damaged or of another generation);
//! - the strategy is `hash-always`;
//! - the stat tuple differs from the hint (content strategy: type, size, mtime, ctime, inode;
//!   metadata strategy: type, size, mtime);
//! - the hint is racy (content strategy) or unstable (any strategy).
//!
//! Everything else reuses the previous hash without opening the file. Content decides: a file
//! re-read with the same hash and size is unchanged, whatever its stat says.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::atomic;
use super::control::Control;
use super::delta::{Change, Delta, Reason};
use super::error::{CoreError, CoreResult, Warning};
use super::filter::{Filter, FilterSpec};
use super::hash::{self, HashAlgo, HashedFile};
use super::hints::{self, Hint, HintsError};
use super::manifest::{self, Manifest, ManifestError, ManifestRecord};
use super::stat::{FileKind, Snapshot};
use super::walk::{self, WalkEntry, WalkOptions};

/// How much to trust stat data (fingerprints.md §Strategies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Stat hints skip unchanged files; anything else is hashed.
    #[default]
    Content,
    /// Trust type, size and mtime alone (risk: a same-size rewrite with a restored mtime).
    Metadata,
    /// Ignore hints: hash every file (network file systems, bind mounts, WSL).
    HashAlways,
}

impl Strategy {
    /// Parses `content`, `metadata` or `hash-always`.
    pub fn parse(s: &str) -> Option<Strategy> {
        Some(match s {
            "content" => Strategy::Content,
            "metadata" => Strategy::Metadata,
            "hash-always" => Strategy::HashAlways,
            _ => return None,
        })
    }
}

/// Where the previous index comes from.
#[derive(Clone, Debug, Default)]
pub enum Previous {
    /// No previous index: every file is added.
    #[default]
    None,
    /// A manifest file (its stat hints are read from beside it).
    Path(PathBuf),
    /// A manifest given in memory (no hints: every file is re-read).
    Manifest(Manifest),
    /// Records with their stat hints, in memory and of this run's algorithm (a watcher's
    /// index): the stat fast path applies as with a manifest file and its hints.
    State(Vec<FileState>),
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct FingerprintOptions {
    /// The directory to fingerprint.
    pub root: PathBuf,
    /// Include and exclude rules.
    pub filter: FilterSpec,
    /// Depth cap.
    pub max_depth: usize,
    /// Follow symlinks (inside the root).
    pub follow_symlinks: bool,
    /// Hash algorithm.
    pub algorithm: HashAlgo,
    /// How far stat data is trusted.
    pub strategy: Strategy,
    /// The previous index.
    pub previous: Previous,
    /// Where to publish the new index (its hints go to `<path>.hints`).
    pub write_to: Option<PathBuf>,
    /// Whether the delta lists unchanged paths (a host asking only for changes saves a copy
    /// of every path).
    pub list_unchanged: bool,
    /// Previous manifests larger than this are refused before reading.
    pub max_manifest_bytes: u64,
}

impl FingerprintOptions {
    /// Defaults for a root: no filter, depth 48, links not followed, sha256, content strategy.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FingerprintOptions {
            root: root.into(),
            filter: FilterSpec::default(),
            max_depth: walk::DEFAULT_MAX_DEPTH,
            follow_symlinks: false,
            algorithm: HashAlgo::Sha256,
            strategy: Strategy::Content,
            previous: Previous::None,
            write_to: None,
            list_unchanged: true,
            max_manifest_bytes: manifest::DEFAULT_MAX_MANIFEST_BYTES,
        }
    }
}

/// One recorded file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileState {
    /// Root-relative POSIX path.
    pub path: String,
    /// What the manifest records.
    pub record: ManifestRecord,
    /// What the hints file records.
    pub hint: Hint,
}

/// Counters of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Files recorded.
    pub files: u64,
    /// Directories listed.
    pub dirs: u64,
    /// Files whose content was read.
    pub hashed: u64,
    /// Files whose previous hash was reused without reading them.
    pub reused: u64,
    /// Bytes read for hashing.
    pub bytes_hashed: u64,
    /// Files re-read only because their hint was racy.
    pub racy: u64,
    /// Files that moved while being read.
    pub unstable: u64,
    /// Files and directories that could not be read.
    pub unreadable: u64,
    /// FIFOs, sockets and devices skipped.
    pub special: u64,
}

/// Wall time of each phase, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    /// Loading the previous index and hints.
    pub load_ms: f64,
    /// Walking and stat'ing.
    pub walk_ms: f64,
    /// Hashing.
    pub hash_ms: f64,
    /// Publishing the new index.
    pub write_ms: f64,
    /// The whole run.
    pub total_ms: f64,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct FingerprintOutcome {
    /// The algorithm of every hash.
    pub algorithm: HashAlgo,
    /// Recorded files, sorted by path.
    pub files: Vec<FileState>,
    /// Against the previous index.
    pub delta: Delta,
    /// Counters.
    pub counts: Counts,
    /// Timings.
    pub timings: Timings,
    /// Diagnostics (never fatal).
    pub warnings: Vec<Warning>,
    /// Whether a new index was published (false when nothing changed or the write failed).
    pub written: bool,
    /// Paths (directories and files) that could not be read: everything at or under them is
    /// unknown, and not recorded.
    pub unreadable: Vec<String>,
}

impl FingerprintOutcome {
    /// The manifest of this run.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            algorithm: self.algorithm,
            files: self
                .files
                .iter()
                .map(|f| (f.path.clone(), f.record.clone()))
                .collect(),
        }
    }
}

/// The hints file of a manifest path.
pub fn hints_path(manifest: &Path) -> PathBuf {
    let mut s = manifest.as_os_str().to_os_string();
    s.push(".hints");
    PathBuf::from(s)
}

struct PreviousState {
    files: Vec<(String, ManifestRecord)>,
    hints: Option<Vec<(String, Hint)>>,
    /// The BLAKE3 of the previous manifest's bytes (its hints' generation): enough to tell
    /// whether the new bytes are the same without keeping megabytes of them through the run.
    generation: Option<[u8; 32]>,
    from: Option<PathBuf>,
}

fn load_previous(opts: &FingerprintOptions, warnings: &mut Vec<Warning>) -> PreviousState {
    let empty = PreviousState {
        files: Vec::new(),
        hints: None,
        generation: None,
        from: None,
    };
    let (manifest, bytes, from) = match &opts.previous {
        Previous::None => return empty,
        Previous::Manifest(m) => (m.clone(), None, None),
        Previous::State(states) => {
            let mut files: Vec<(String, ManifestRecord)> = states
                .iter()
                .map(|f| (f.path.clone(), f.record.clone()))
                .collect();
            let mut hints: Vec<(String, Hint)> =
                states.iter().map(|f| (f.path.clone(), f.hint)).collect();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            hints.sort_by(|a, b| a.0.cmp(&b.0));
            return PreviousState {
                files,
                hints: Some(hints),
                generation: None,
                from: None,
            };
        }
        Previous::Path(p) => match Manifest::load(p, opts.max_manifest_bytes) {
            Ok((m, b)) => (m, Some(b), Some(p.clone())),
            Err(e) => {
                let shown = p.display().to_string();
                let message = match &e {
                    ManifestError::Missing => "no previous manifest; every file is new".into(),
                    other => format!("previous manifest not used ({other}); rebuilding"),
                };
                warnings.push(Warning::at(e.code(), message, shown));
                return empty;
            }
        },
    };
    if manifest.algorithm != opts.algorithm {
        warnings.push(Warning::new(
            "previous_algorithm_mismatch",
            format!(
                "previous manifest uses {}, this run {}; every file is new",
                manifest.algorithm.as_str(),
                opts.algorithm.as_str()
            ),
        ));
        return empty;
    }
    let generation = bytes.as_deref().map(hints::generation_of);
    drop(bytes);
    let hints = match (&from, &generation) {
        (Some(p), Some(g)) => {
            let hp = hints_path(p);
            match manifest::read_capped(&hp, opts.max_manifest_bytes) {
                Ok(hb) => match hints::decode(&hb, g) {
                    Ok(h) => Some(h),
                    Err(e) => {
                        let code = match e {
                            HintsError::Stale => "hints_stale",
                            HintsError::Corrupt(_) => "hints_malformed",
                        };
                        warnings.push(Warning::at(
                            code,
                            format!("{e}; files are re-read"),
                            hp.display().to_string(),
                        ));
                        None
                    }
                },
                Err(_) => None,
            }
        }
        _ => None,
    };
    PreviousState {
        files: manifest.files,
        hints,
        generation,
        from,
    }
}

/// One walked entry with what is known of it from before.
#[derive(Clone, Copy)]
struct Job {
    /// The index of its previous record.
    prev: Option<usize>,
    hint: Option<Hint>,
}

/// Boxed payloads keep this 16 bytes: one per walked file is alive until the end of the run.
enum Outcome {
    Reused,
    Hashed(Box<HashedFile>),
    Gone,
    Unreadable(Box<(&'static str, String)>),
    Moved,
}

fn may_reuse(strategy: Strategy, entry: &WalkEntry, job: &Job) -> bool {
    let (Some(_), Some(h)) = (job.prev, job.hint) else {
        return false;
    };
    match strategy {
        Strategy::HashAlways => false,
        Strategy::Content => h.trustworthy() && h.stat == entry.stat,
        Strategy::Metadata => !h.unstable && h.stat.same_metadata(&entry.stat),
    }
}

fn hash_entry(root: &Path, entry: &WalkEntry, algo: HashAlgo) -> Outcome {
    let abs = root.join(&entry.rel);
    let res = if entry.stat.kind == FileKind::Symlink {
        hash::hash_link(&abs, algo)
    } else {
        hash::hash_file(&abs, algo, &entry.stat)
    };
    match res {
        Ok(h) => Outcome::Hashed(Box::new(h)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Outcome::Gone,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Outcome::Moved,
        Err(e) => Outcome::Unreadable(Box::new((
            walk::unreadable_code("unreadable_file", &e),
            e.to_string(),
        ))),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs one fingerprint. Fails only on a bad option, an unusable root, or abort; everything
/// else (a bad previous index, unreadable files, a failed write) is a warning in the outcome.
pub fn fingerprint(opts: &FingerprintOptions, ctl: &Control) -> CoreResult<FingerprintOutcome> {
    let t0 = Instant::now();
    let filter = Filter::new(&opts.filter)?;
    if opts.max_depth == 0 {
        return Err(CoreError::invalid_option("maxDepth", "must be at least 1"));
    }
    walk::check_root(&opts.root)?;
    let mut warnings = Vec::new();
    let mut prev = load_previous(opts, &mut warnings);
    let snapshot = match &opts.write_to {
        Some(w) => {
            let dir = w.parent().filter(|p| !p.as_os_str().is_empty());
            if let Some(dir) = dir {
                let _ = std::fs::create_dir_all(dir);
            }
            let dir = dir.unwrap_or(Path::new("."));
            let (snapshot, problem) = Snapshot::take_reporting(Some(dir));
            if let Some(message) = problem {
                let sentinel = dir.join(super::stat::CLOCK_SENTINEL);
                warnings.push(Warning::at(
                    "clock_unusable",
                    message,
                    sentinel.display().to_string(),
                ));
            }
            snapshot
        }
        None => Snapshot::take(None),
    };
    let t_load = t0.elapsed();

    ctl.check()?;
    let walked = walk::walk(
        &opts.root,
        &WalkOptions {
            filter: &filter,
            max_depth: opts.max_depth,
            follow_symlinks: opts.follow_symlinks,
        },
        ctl,
    )?;
    let t_walk = t0.elapsed();
    warnings.extend(walked.warnings.iter().cloned());
    warnings.extend(walk::portability_warnings(&walked.entries));
    let ev = evaluate(
        &opts.root,
        opts.algorithm,
        opts.strategy,
        &snapshot,
        walked,
        std::mem::take(&mut prev.files),
        prev.hints.take().unwrap_or_default(),
        opts.list_unchanged,
        ctl,
    )?;
    let t_hash = ev.hashed_at.duration_since(t0);
    warnings.extend(ev.warnings);
    let Evaluated {
        files,
        delta,
        counts,
        unreadable,
        hints_unchanged,
        ..
    } = ev;

    let mut written = false;
    if let Some(target) = &opts.write_to {
        let same_target = prev.from.as_deref() == Some(target.as_path());
        let hints_same = same_target && hints_unchanged;
        // Equal hints mean equal tuples, so with a clean delta every record is the one on disk:
        // the canonical bytes need not even be built.
        let nothing_changed = hints_same && delta.is_clean() && prev.generation.is_some();
        // A manifest written by a newer cachecore is left alone: rewriting it in this older
        // format would make the newer build rebuild on its next run, and two builds sharing
        // one path (an IDE's and a CLI's) would then invalidate each other on every switch.
        let newer = if nothing_changed || same_target {
            None
        } else {
            match Manifest::load(target, opts.max_manifest_bytes) {
                Err(ManifestError::NewerVersion(v)) => Some(v),
                _ => None,
            }
        };
        if let Some(v) = newer {
            warnings.push(Warning::at(
                "write_skipped_newer",
                format!(
                    "{} holds a manifest of a newer cachecore (version {v}); it is left as it \
                     is and this run's results are not saved",
                    target.display()
                ),
                target.display().to_string(),
            ));
        } else if !nothing_changed {
            let bytes = manifest::manifest_bytes(
                opts.algorithm,
                files.iter().map(|f| (f.path.as_str(), &f.record)),
            );
            let generation = hints::generation_of(&bytes);
            let manifest_same = same_target && prev.generation == Some(generation);
            let oversize = bytes.len() as u64 > opts.max_manifest_bytes;
            if let Some(dir) = target.parent() {
                atomic::sweep_temps(dir, Duration::from_secs(600));
            }
            let entries: Vec<(&str, Hint)> =
                files.iter().map(|f| (f.path.as_str(), f.hint)).collect();
            let hint_bytes = hints::encode(&generation, &entries);
            let res = if oversize {
                Err(std::io::Error::other(format!(
                    "{} bytes would exceed the manifest size cap ({}), and a manifest over it is \
                     never read",
                    bytes.len(),
                    opts.max_manifest_bytes
                )))
            } else if manifest_same {
                Ok(())
            } else {
                atomic::write_atomic(target, &bytes)
            }
            .and_then(|_| atomic::write_atomic(&hints_path(target), &hint_bytes));
            match res {
                Ok(()) => written = true,
                Err(e) => warnings.push(Warning::at(
                    "write_failed",
                    format!(
                        "could not write the new index ({e}); results are correct but not saved"
                    ),
                    target.display().to_string(),
                )),
            }
        }
    }
    let t_end = t0.elapsed();
    ctl.finish();
    Ok(FingerprintOutcome {
        algorithm: opts.algorithm,
        files,
        delta,
        counts,
        timings: Timings {
            load_ms: ms(t_load),
            walk_ms: ms(t_walk - t_load),
            hash_ms: ms(t_hash - t_walk),
            write_ms: ms(t_end - t_hash),
            total_ms: ms(t_end),
        },
        warnings,
        written,
        unreadable,
    })
}

/// What [`evaluate`] found for a set of walked entries against their previous records.
pub(crate) struct Evaluated {
    /// Recorded files, sorted by path.
    pub files: Vec<FileState>,
    /// Every recorded file has the stat hint it had before, and no other file had one.
    pub hints_unchanged: bool,
    /// Against the previous records given.
    pub delta: Delta,
    /// Counters (`dirs`, `special` and `unreadable` include the walk's).
    pub counts: Counts,
    /// Per-file diagnostics (the walk's own warnings are not repeated).
    pub warnings: Vec<Warning>,
    /// Paths that could not be read (directories and files): everything at or under them is
    /// unknown.
    pub unreadable: Vec<String>,
    /// When hashing ended.
    pub hashed_at: Instant,
}

/// An unknown file's state: its previous record, and a hint that never vouches for it (so it
/// is read as soon as it can be).
fn unknown_state(path: String, record: &ManifestRecord) -> FileState {
    FileState {
        path,
        record: record.clone(),
        hint: Hint {
            stat: crate::core::stat::StatTuple {
                kind: crate::core::stat::FileKind::File,
                size: record.size,
                mtime_ns: 0,
                ctime_ns: 0,
                ino: 0,
            },
            racy: true,
            unstable: true,
        },
    }
}

/// Decides per walked entry whether its hint lets us skip reading it, hashes the rest in
/// parallel and diffs against `prev_files` (sorted) and their `hints` (sorted). A previous
/// record that was not walked is deleted, or unknown under an unreadable path. Shared by a
/// full run and by the watcher, which walks only the paths its events name.
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate(
    root: &Path,
    algorithm: HashAlgo,
    strategy: Strategy,
    snapshot: &Snapshot,
    walked: walk::WalkOutput,
    prev_files: Vec<(String, ManifestRecord)>,
    hints: Vec<(String, Hint)>,
    list_unchanged: bool,
    ctl: &Control,
) -> CoreResult<Evaluated> {
    let mut warnings = Vec::new();
    let hints_before = hints.len();
    let walk::WalkOutput {
        entries,
        dirs,
        special,
        unreadable,
        ..
    } = walked;
    // Merge-join the sorted walk with the sorted previous records and hints.
    let mut jobs = Vec::with_capacity(entries.len());
    // Which previous records were walked again (the others are deleted or unknown).
    let mut walked_again = vec![false; prev_files.len()];
    let (mut pi, mut hi) = (0usize, 0usize);
    for entry in &entries {
        while pi < prev_files.len() && prev_files[pi].0 < entry.rel {
            pi += 1;
        }
        while hi < hints.len() && hints[hi].0 < entry.rel {
            hi += 1;
        }
        let prev_rec = (prev_files.get(pi).is_some_and(|(p, _)| *p == entry.rel)).then_some(pi);
        if let Some(i) = prev_rec {
            walked_again[i] = true;
        }
        let hint = hints
            .get(hi)
            .filter(|(p, _)| *p == entry.rel)
            .map(|(_, h)| *h);
        jobs.push(Job {
            prev: prev_rec,
            hint,
        });
    }

    // The hints now live in the jobs: their paths are freed before anything is hashed.
    drop(hints);
    let to_hash = entries
        .iter()
        .zip(&jobs)
        .filter(|(e, j)| !may_reuse(strategy, e, j))
        .count();
    ctl.start_hashing(to_hash as u64);
    let outcomes: Vec<Outcome> = entries
        .par_iter()
        .zip(jobs.par_iter())
        .with_min_len(64)
        .map(|(entry, job)| {
            if may_reuse(strategy, entry, job) {
                return Outcome::Reused;
            }
            if ctl.cancelled() {
                return Outcome::Gone;
            }
            let o = hash_entry(root, entry, algorithm);
            if let Outcome::Hashed(h) = &o {
                ctl.hashed(h.bytes_read);
            }
            o
        })
        .collect();
    ctl.check()?;
    let hashed_at = Instant::now();

    let mut counts = Counts {
        dirs,
        special,
        unreadable: unreadable.len() as u64,
        ..Counts::default()
    };
    let mut delta = Delta::default();
    let mut files = Vec::with_capacity(jobs.len());
    let mut unknown_paths: Vec<String> = unreadable.clone();
    // Every recorded file kept the hint it had (so the stored hints need no rewrite).
    let mut hints_unchanged = hints_before > 0;
    // Entries are consumed: each recorded file keeps the walk's path string.
    for ((entry, job), outcome) in entries.into_iter().zip(jobs).zip(outcomes) {
        let path = entry.rel;
        let rel = path.as_str();
        match outcome {
            Outcome::Reused => {
                let (Some(pi), Some(h)) = (job.prev, job.hint) else {
                    unreachable!("reuse needs a record and a hint")
                };
                counts.reused += 1;
                if list_unchanged {
                    delta.push(rel, Change::Unchanged, None);
                }
                files.push(FileState {
                    path,
                    record: prev_files[pi].1.clone(),
                    hint: h,
                });
            }
            Outcome::Hashed(h) => {
                let h = *h;
                counts.hashed += 1;
                counts.bytes_hashed += h.bytes_read;
                let was_racy = job
                    .hint
                    .is_some_and(|old| old.racy && old.stat == h.stat && !old.unstable);
                if was_racy {
                    counts.racy += 1;
                }
                if h.unstable {
                    counts.unstable += 1;
                    warnings.push(Warning::at(
                        "unstable_file",
                        format!("{rel} changed while it was read; it will be re-read next run"),
                        rel,
                    ));
                }
                if snapshot.is_future(&h.stat) {
                    warnings.push(Warning::at(
                        "future_mtime",
                        format!("{rel} has a modification time in the future; it is re-read every run until that time has passed"),
                        rel,
                    ));
                }
                let record = ManifestRecord {
                    hash: h.hash,
                    size: h.size,
                    mtime_ms: h.stat.mtime_ms(),
                };
                match job.prev.map(|pi| &prev_files[pi].1) {
                    None => delta.push(
                        rel,
                        Change::Added,
                        Some(if h.unstable {
                            Reason::Unstable
                        } else {
                            Reason::Added
                        }),
                    ),
                    Some(p) => {
                        let kind_changed = job.hint.is_some_and(|o| o.stat.kind != h.stat.kind);
                        let reason = if h.unstable {
                            Some(Reason::Unstable)
                        } else if kind_changed {
                            Some(Reason::TypeChanged)
                        } else if p.size != record.size {
                            Some(Reason::SizeChanged)
                        } else if p.hash != record.hash {
                            Some(if was_racy {
                                Reason::Racy
                            } else {
                                Reason::ContentChanged
                            })
                        } else {
                            None
                        };
                        match reason {
                            Some(r) => delta.push(rel, Change::Changed, Some(r)),
                            None if list_unchanged => delta.push(rel, Change::Unchanged, None),
                            None => {}
                        }
                    }
                }
                let hint = Hint {
                    stat: h.stat,
                    racy: snapshot.is_racy(&h.stat),
                    unstable: h.unstable,
                };
                hints_unchanged &= job.hint == Some(hint);
                files.push(FileState { path, record, hint });
            }
            Outcome::Gone => {
                if job.prev.is_some() {
                    delta.push(rel, Change::Deleted, Some(Reason::Removed));
                }
            }
            Outcome::Unreadable(failure) => {
                let (code, msg) = *failure;
                counts.unreadable += 1;
                warnings.push(Warning::at(
                    code,
                    format!("cannot read {rel}: {msg}; it is unknown"),
                    rel,
                ));
                delta.push(rel, Change::Unknown, Some(Reason::Unreadable));
                unknown_paths.push(rel.to_string());
                if let Some(pi) = job.prev {
                    files.push(unknown_state(path, &prev_files[pi].1));
                }
            }
            Outcome::Moved => {
                counts.unstable += 1;
                warnings.push(Warning::at(
                    "unstable_file",
                    format!("{rel} changed type while it was read; it is unknown"),
                    rel,
                ));
                delta.push(rel, Change::Unknown, Some(Reason::Unstable));
                if let Some(pi) = job.prev {
                    files.push(unknown_state(path, &prev_files[pi].1));
                }
            }
        }
    }
    // Previous records that were not walked: deleted, unless they sit under something
    // unreadable. Unknown is not deleted: an unknown file keeps its previous record (in the
    // records and in an index written from them), so nothing is lost when it can be read again.
    {
        let before = files.len();
        for ((path, record), again) in prev_files.iter().zip(&walked_again) {
            if *again {
                continue;
            }
            if walk::under_any(path, &unreadable) {
                delta.push(path, Change::Unknown, Some(Reason::Unreadable));
                files.push(unknown_state(path.clone(), record));
            } else {
                delta.push(path, Change::Deleted, Some(Reason::Removed));
            }
        }
        if files.len() > before {
            files.sort_by(|a, b| a.path.cmp(&b.path));
        }
    }
    delta.sort();
    counts.files = files.len() as u64;
    let hints_unchanged = hints_unchanged && files.len() == hints_before;
    Ok(Evaluated {
        hints_unchanged,
        files,
        delta,
        counts,
        warnings,
        unreadable: unknown_paths,
        hashed_at,
    })
}
