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
use super::index_table::{FileTable, IndexTable, TableWriter};
use super::manifest::{self, Manifest, ManifestError, ManifestRecord, ManifestWriter};
use super::shadow;
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
    /// Apply git's ignore rules (see [`crate::core::ignore_rules`]).
    pub gitignore: bool,
    /// Only these root-relative directories (and everything under them) are walked and
    /// recorded, as a full walk would see them; empty: the whole root. See [`scopes_of`].
    pub scopes: Vec<String>,
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
    /// Defaults for a root: no filter, no ignore rules, depth 48, links not followed, sha256,
    /// content strategy.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FingerprintOptions {
            root: root.into(),
            filter: FilterSpec::default(),
            max_depth: walk::DEFAULT_MAX_DEPTH,
            follow_symlinks: false,
            gitignore: false,
            scopes: Vec::new(),
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
    /// Files and directories the ignore rules left out (a directory counts once).
    pub ignored: u64,
}

/// Wall time of each phase, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    /// Loading the previous index and hints (while the tree is walked).
    pub load_ms: f64,
    /// From the start of the run to the end of the walk (the walk runs beside the loading).
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
    /// Recorded files, sorted by path (reused records share the previous index's storage).
    pub files: FileTable,
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
    /// Whether the previous index was read from its binary shadow (no JSON was parsed).
    pub from_shadow: bool,
    /// Paths (directories and files) that could not be read: everything at or under them is
    /// unknown, and not recorded.
    pub unreadable: Vec<String>,
    /// Paths the ignore rules left out (directories with a trailing `/`), sorted.
    pub ignored: Vec<String>,
}

impl FingerprintOutcome {
    /// The manifest of this run.
    pub fn manifest(&self) -> Manifest {
        let mut files = Vec::with_capacity(self.files.len());
        self.files
            .visit(|f| files.push((f.path.to_owned(), *f.record)));
        Manifest {
            algorithm: self.algorithm,
            files,
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
    /// The previous records and their hints, sorted by path.
    table: IndexTable,
    /// The BLAKE3 of the previous manifest's bytes (its shadow's generation): enough to tell
    /// whether the new bytes are the same without keeping megabytes of them through the run.
    generation: Option<[u8; 32]>,
    from: Option<PathBuf>,
    /// The records came from a format-2 shadow of exactly these manifest bytes, so an unchanged
    /// run need not write one.
    shadow_current: bool,
    warnings: Vec<Warning>,
}

impl PreviousState {
    fn empty(warnings: Vec<Warning>) -> Self {
        PreviousState {
            table: IndexTable::default(),
            generation: None,
            from: None,
            shadow_current: false,
            warnings,
        }
    }
}

/// The warning for a previous manifest that cannot be used.
fn manifest_warning(e: &ManifestError, p: &Path) -> Warning {
    let message = match e {
        ManifestError::Missing => "no previous manifest; every file is new".into(),
        other => format!("previous manifest not used ({other}); rebuilding"),
    };
    Warning::at(e.code(), message, p.display().to_string())
}

fn hints_warning(e: &HintsError, hp: &Path) -> Warning {
    let code = match e {
        HintsError::Stale => "hints_stale",
        HintsError::Corrupt(_) => "hints_malformed",
    };
    Warning::at(
        code,
        format!("{e}; files are re-read"),
        hp.display().to_string(),
    )
}

fn algorithm_warning(found: HashAlgo, run: HashAlgo) -> Warning {
    Warning::new(
        "previous_algorithm_mismatch",
        format!(
            "previous manifest uses {}, this run {}; every file is new",
            found.as_str(),
            run.as_str()
        ),
    )
}

/// The previous index of a manifest file: from its binary shadow when the shadow is intact, of
/// this run's algorithm and of exactly the manifest's bytes (no JSON is parsed), else from the
/// JSON and, when they belong to it, format-1 hints.
fn load_previous_file(p: &Path, opts: &FingerprintOptions) -> PreviousState {
    let hp = hints_path(p);
    let mut hint_bytes = manifest::read_capped(&hp, opts.max_manifest_bytes).ok();
    let mut shadow_problem = None;
    if let Some(bytes) = hint_bytes.take_if(|b| shadow::is_shadow(b)) {
        // The manifest's generation, streamed: its bytes are never held.
        match manifest::generation_of_file(p, opts.max_manifest_bytes) {
            Err(e) => return PreviousState::empty(vec![manifest_warning(&e, p)]),
            Ok(generation) => match shadow::decode(bytes, &generation) {
                Ok(s) if s.algorithm == opts.algorithm => {
                    return PreviousState {
                        table: s.table,
                        generation: Some(generation),
                        from: Some(p.to_path_buf()),
                        shadow_current: true,
                        warnings: Vec::new(),
                    }
                }
                // Another algorithm: the manifest says so itself, below.
                Ok(_) => {}
                Err(e) => shadow_problem = Some(e),
            },
        }
    }
    let (manifest, bytes) = match Manifest::load(p, opts.max_manifest_bytes) {
        Ok(loaded) => loaded,
        Err(e) => return PreviousState::empty(vec![manifest_warning(&e, p)]),
    };
    if manifest.algorithm != opts.algorithm {
        return PreviousState::empty(vec![algorithm_warning(manifest.algorithm, opts.algorithm)]);
    }
    let generation = hints::generation_of(&bytes);
    drop(bytes);
    let mut warnings = Vec::new();
    let hints = match (shadow_problem, hint_bytes) {
        (Some(e), _) => {
            warnings.push(hints_warning(&e, &hp));
            Vec::new()
        }
        (None, Some(b)) => match hints::decode(&b, &generation) {
            Ok(h) => h,
            Err(e) => {
                warnings.push(hints_warning(&e, &hp));
                Vec::new()
            }
        },
        (None, None) => Vec::new(),
    };
    PreviousState {
        table: IndexTable::from_lists(manifest.files, hints),
        generation: Some(generation),
        from: Some(p.to_path_buf()),
        shadow_current: false,
        warnings,
    }
}

fn load_previous(opts: &FingerprintOptions) -> PreviousState {
    match &opts.previous {
        Previous::None => PreviousState::empty(Vec::new()),
        Previous::Path(p) => load_previous_file(p, opts),
        Previous::Manifest(m) => {
            if m.algorithm != opts.algorithm {
                return PreviousState::empty(vec![algorithm_warning(m.algorithm, opts.algorithm)]);
            }
            PreviousState {
                table: IndexTable::from_lists(m.files.clone(), Vec::new()),
                ..PreviousState::empty(Vec::new())
            }
        }
        Previous::State(states) => {
            let mut sorted: Vec<&FileState> = states.iter().collect();
            sorted.sort_by(|a, b| a.path.cmp(&b.path));
            let mut w = TableWriter::with_capacity(sorted.len());
            for f in sorted {
                w.push(&f.path, &f.record, Some(&f.hint));
            }
            PreviousState {
                table: w.finish(),
                ..PreviousState::empty(Vec::new())
            }
        }
    }
}

/// A walked entry that must be read, with what is known of it from before.
struct Job {
    /// Its position in the walk.
    entry: u32,
    /// Its previous record and hint.
    prev: Option<(ManifestRecord, Option<Hint>)>,
}

/// Boxed payloads keep this 16 bytes: one per walked file is alive until the end of the run.
enum Outcome {
    Hashed(Box<HashedFile>),
    Gone,
    Unreadable(Box<(&'static str, String)>),
    Moved,
}

fn may_reuse(strategy: Strategy, entry: &WalkEntry, hint: Option<&Hint>) -> bool {
    let Some(h) = hint else {
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

/// The directories of a scoped run, checked and reduced: root-relative POSIX paths (`./`, a
/// trailing `/` and `\` are tolerated), none under another; empty when one of them is the root
/// itself (the whole root). A path that could leave the root is `INVALID_OPTION` (`paths`).
pub fn scopes_of(scopes: &[String]) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for s in scopes {
        let s = s.replace('\\', "/");
        let s = s.trim_start_matches("./").trim_end_matches('/');
        if s.is_empty() || s == "." {
            return Ok(Vec::new());
        }
        if let Some(why) = super::relpath::unsafe_reason(s) {
            return Err(CoreError::invalid_option(
                "paths",
                format!("{s:?} is not a root-relative directory ({why})"),
            ));
        }
        out.push(s.to_string());
    }
    out.sort();
    out.dedup();
    let mut kept: Vec<String> = Vec::new();
    for s in out {
        if !kept.iter().any(|k| walk::is_under(&s, k)) {
            kept.push(s);
        }
    }
    Ok(kept)
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
    let mut clock_warnings = Vec::new();
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
                clock_warnings.push(Warning::at(
                    "clock_unusable",
                    message,
                    sentinel.display().to_string(),
                ));
            }
            snapshot
        }
        None => Snapshot::take(None),
    };
    ctl.check()?;
    // The previous index is read while the tree is walked: neither needs the other.
    let walk_options = WalkOptions {
        filter: &filter,
        max_depth: opts.max_depth,
        follow_symlinks: opts.follow_symlinks,
        gitignore: opts.gitignore,
    };
    let scopes = scopes_of(&opts.scopes)?;
    let ((prev, load_time), walked) = rayon::join(
        || {
            let started = Instant::now();
            (load_previous(opts), started.elapsed())
        },
        || {
            if scopes.is_empty() {
                walk::walk(&opts.root, &walk_options, ctl)
            } else {
                walk::walk_paths(&opts.root, &scopes, &walk_options, ctl)
            }
        },
    );
    let mut walked = walked?;
    let t_walk = t0.elapsed();
    let ignored = std::mem::take(&mut walked.ignored);
    let mut warnings = prev.warnings;
    warnings.extend(clock_warnings);
    warnings.extend(walked.warnings.iter().cloned());
    warnings.extend(walk::portability_warnings(&walked.entries));
    let ev = evaluate(
        &opts.root,
        opts.algorithm,
        opts.strategy,
        &snapshot,
        walked,
        prev.table,
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
        // Equal hints mean equal tuples, so with a clean delta every record is the one on disk,
        // and a current shadow says so already: nothing need even be built.
        let nothing_changed =
            hints_same && delta.is_clean() && prev.generation.is_some() && prev.shadow_current;
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
            let mut w = ManifestWriter::new(opts.algorithm, files.len());
            files.visit(|f| w.push(f.path, f.record));
            let bytes = w.finish();
            let generation = hints::generation_of(&bytes);
            let manifest_same = same_target && prev.generation == Some(generation);
            let oversize = bytes.len() as u64 > opts.max_manifest_bytes;
            if let Some(dir) = target.parent() {
                atomic::sweep_temps(dir, Duration::from_secs(600));
            }
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
            };
            drop(bytes);
            let res = res.and_then(|_| {
                let shadow_bytes = shadow::encode(&generation, opts.algorithm, files.encode());
                atomic::write_atomic(&hints_path(target), &shadow_bytes)
            });
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
        timings: Timings {
            load_ms: ms(load_time),
            walk_ms: ms(t_walk),
            hash_ms: ms(t_hash - t_walk),
            write_ms: ms(t_end - t_hash),
            total_ms: ms(t_end),
        },
        counts: Counts {
            ignored: ignored.len() as u64,
            ..counts
        },
        warnings,
        written,
        from_shadow: prev.shadow_current,
        unreadable,
        ignored,
    })
}

/// What [`evaluate`] found for a set of walked entries against their previous records.
pub(crate) struct Evaluated {
    /// Recorded files, sorted by path.
    pub files: FileTable,
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
        record: *record,
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

/// A recorded file as the join left it, in path order.
#[derive(Clone, Copy)]
enum Slot {
    /// A walked entry that reuses row `n` of the previous table.
    Reused(u32),
    /// A walked entry that waits for job `n`.
    Read(u32),
    /// A previous record under an unreadable path: kept (the next of the kept states), unknown.
    Kept,
}

/// Decides per walked entry whether its hint lets us skip reading it, hashes the rest in
/// parallel and diffs against the previous records `prev` (each with its hint, if any). A
/// previous record that was not walked is deleted, or unknown under an unreadable path. Shared
/// by a full run and by the watcher, which walks only the paths its events name.
///
/// Memory: one 8-byte slot per walked entry and a job per file to read. A reused file keeps
/// its row of `prev` (the walk's copy of its path is dropped), so on a run where nothing
/// changed the result is `prev` itself plus 4 bytes a file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate(
    root: &Path,
    algorithm: HashAlgo,
    strategy: Strategy,
    snapshot: &Snapshot,
    walked: walk::WalkOutput,
    prev: IndexTable,
    list_unchanged: bool,
    ctl: &Control,
) -> CoreResult<Evaluated> {
    let mut warnings = Vec::new();
    let walk::WalkOutput {
        entries,
        dirs,
        special,
        unreadable,
        ..
    } = walked;
    let mut delta = Delta::default();
    let mut counts = Counts {
        dirs,
        special,
        unreadable: unreadable.len() as u64,
        ..Counts::default()
    };
    // A previous record that was not walked again: deleted, or unknown under an unreadable path,
    // where it keeps its record (so nothing is lost when it can be read again).
    let mut kept: Vec<FileState> = Vec::new();
    let gone = |delta: &mut Delta,
                slots: &mut Vec<Slot>,
                kept: &mut Vec<FileState>,
                path: &str,
                record: &ManifestRecord| {
        if walk::under_any(path, &unreadable) {
            delta.push(path, Change::Unknown, Some(Reason::Unreadable));
            slots.push(Slot::Kept);
            kept.push(unknown_state(path.to_owned(), record));
        } else {
            delta.push(path, Change::Deleted, Some(Reason::Removed));
        }
    };
    // Merge-join the sorted walk with the sorted previous rows.
    let mut slots: Vec<Slot> = Vec::with_capacity(entries.len());
    let mut jobs: Vec<Job> = Vec::new();
    let mut hinted_before = 0usize;
    let mut cur = prev.cursor();
    let mut row = cur.next();
    for (k, entry) in entries.iter().enumerate() {
        let rel = entry.rel.as_bytes();
        while let Some(r) = row.filter(|_| cur.path_bytes() < rel) {
            hinted_before += usize::from(r.hint.is_some());
            gone(&mut delta, &mut slots, &mut kept, cur.path(), &r.record);
            row = cur.next();
        }
        let matched = row.filter(|_| cur.path_bytes() == rel);
        if let Some(r) = matched {
            hinted_before += usize::from(r.hint.is_some());
            row = cur.next();
            if may_reuse(strategy, entry, r.hint.as_ref()) {
                slots.push(Slot::Reused(r.index));
                continue;
            }
        }
        slots.push(Slot::Read(jobs.len() as u32));
        jobs.push(Job {
            entry: k as u32,
            prev: matched.map(|r| (r.record, r.hint)),
        });
    }
    while let Some(r) = row {
        hinted_before += usize::from(r.hint.is_some());
        gone(&mut delta, &mut slots, &mut kept, cur.path(), &r.record);
        row = cur.next();
    }
    drop(cur);

    ctl.start_hashing(jobs.len() as u64);
    let outcomes: Vec<Outcome> = jobs
        .par_iter()
        .with_min_len(16)
        .map(|job| {
            if ctl.cancelled() {
                return Outcome::Gone;
            }
            let o = hash_entry(root, &entries[job.entry as usize], algorithm);
            if let Outcome::Hashed(h) = &o {
                ctl.hashed(h.bytes_read);
            }
            o
        })
        .collect();
    ctl.check()?;
    let hashed_at = Instant::now();

    let mut files = FileTable::on(prev, slots.len());
    let mut unknown_paths: Vec<String> = unreadable.clone();
    // Every recorded file kept the hint it had (so the stored hints need no rewrite).
    let mut hints_unchanged = hinted_before > 0;
    let mut outcomes = outcomes.into_iter();
    let mut entries = entries;
    let mut kept = kept.into_iter();
    // Walked entries come in the slots in walk order, kept records between them.
    let mut next_entry = 0usize;
    for slot in slots {
        let index = match slot {
            Slot::Reused(index) => {
                counts.reused += 1;
                if list_unchanged {
                    delta.push(&entries[next_entry].rel, Change::Unchanged, None);
                }
                next_entry += 1;
                files.push_base(index);
                continue;
            }
            Slot::Kept => {
                files.push_fresh(kept.next().expect("one kept state per slot"));
                continue;
            }
            Slot::Read(j) => j as usize,
        };
        next_entry += 1;
        let outcome = outcomes.next().expect("one outcome per job");
        let prev_rec = jobs[index].prev;
        let prev_hint = prev_rec.and_then(|(_, h)| h);
        // A file that was read keeps the walk's path string.
        let path = std::mem::take(&mut entries[jobs[index].entry as usize].rel);
        let rel = path.as_str();
        match outcome {
            Outcome::Hashed(h) => {
                let h = *h;
                counts.hashed += 1;
                counts.bytes_hashed += h.bytes_read;
                let was_racy =
                    prev_hint.is_some_and(|old| old.racy && old.stat == h.stat && !old.unstable);
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
                match prev_rec.map(|(r, _)| r) {
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
                        let kind_changed = prev_hint.is_some_and(|o| o.stat.kind != h.stat.kind);
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
                hints_unchanged &= prev_hint == Some(hint);
                files.push_fresh(FileState { path, record, hint });
            }
            Outcome::Gone => {
                if prev_rec.is_some() {
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
                unknown_paths.push(rel.to_owned());
                if let Some((record, _)) = prev_rec {
                    files.push_fresh(unknown_state(path, &record));
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
                if let Some((record, _)) = prev_rec {
                    files.push_fresh(unknown_state(path, &record));
                }
            }
        }
    }
    delta.sort();
    counts.files = files.len() as u64;
    let hints_unchanged = hints_unchanged && files.len() == hinted_before;
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
