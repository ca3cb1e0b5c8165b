//! §5 step 4: fingerprint the src files and locale segments into `FileRecord`s with the
//! contract's hash rules (text hash, size = UTF-8 length, `mtimeMs: 0`).
//!
//! Both walks run on the parallel walk; hashing runs on rayon. A file whose whole stat tuple
//! equals a trustworthy stat hint (not racy, not unstable) keeps its stored hash without being
//! opened; any other file is read and hashed. Hints live in `files.json.hints` (binary,
//! checksummed, tied to the exact bytes of `files.json` and the hash algorithm: the binary
//! shadow of [`super::files_shadow`]), never in `files.json` itself.

use rustc_hash::FxHashMap;
use std::path::Path;

use rayon::prelude::*;

use super::dispatch_info::CacheWarning;
use super::files_shadow::{FilesShadow, Tree};
use super::hashing::TextHash;
use super::records::{FileRecord, FileRecordMap};
use crate::core::control::Control;
use crate::core::error::{CoreResult, Warning};
use crate::core::filter::Filter;
use crate::core::hash::{self, HashAlgo};
use crate::core::hints::Hint;
use crate::core::stat::{FileKind, Snapshot};
use crate::core::walk::{self, WalkOptions};

/// The prefix of src keys in the hints file.
pub const SRC_HINT_PREFIX: &str = "s:";
/// The prefix of locale segment keys in the hints file.
pub const LOCALE_HINT_PREFIX: &str = "l:";

/// The streaming algorithm of a text hash.
pub fn hash_algo(text: TextHash) -> HashAlgo {
    match text {
        TextHash::Sha256 => HashAlgo::Sha256,
        TextHash::Blake3 => HashAlgo::Blake3,
        TextHash::Fnv1a64 => HashAlgo::Fnv1a64,
    }
}

/// The hints generation of `files.json` bytes written with `algo`.
pub fn hints_generation(algo: TextHash, files_json: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(algo.as_str().as_bytes());
    h.update(&[0]);
    // On the pool for a large index: it is hashed on every dispatch.
    if files_json.len() >= 1 << 20 {
        h.update_rayon(files_json);
    } else {
        h.update(files_json);
    }
    *h.finalize().as_bytes()
}

/// One tree to fingerprint.
pub struct TreeScan<'a> {
    /// The tree's root (a missing root is an empty tree).
    pub root: &'a Path,
    /// What to keep.
    pub filter: &'a Filter,
    /// Depth cap (0: top level only).
    pub max_depth: usize,
    /// The prefix of this tree's keys in the hints.
    pub hint_prefix: &'a str,
    /// The stored records of this tree (hashes that hints may vouch for).
    pub stored: Option<&'a FileRecordMap>,
    /// Cancellation and progress (files found, files to hash, files hashed).
    pub ctl: &'a Control,
}

/// What a tree scan produced.
#[derive(Debug, Default)]
pub struct TreeScanOutput {
    /// Records in walk order (byte order of paths).
    pub records: FileRecordMap,
    /// Hints keyed with the tree's prefix.
    pub hints: Vec<(String, Hint)>,
    /// Files whose content was read.
    pub hashed: u64,
    /// Files whose stored hash was reused without opening them.
    pub reused: u64,
    /// Content bytes read.
    pub bytes_read: u64,
    /// Diagnostics.
    pub warnings: Vec<CacheWarning>,
    /// Tracked keys whose content is unknown: under a directory that could not be read, or a
    /// file that could not be read. A known one keeps its stored record in `records` (unknown
    /// is not deleted); the dispatch never serves or stores an analysis while any is unknown.
    pub unknown: Vec<String>,
}

fn to_cache_warning(w: Warning, root: &Path) -> CacheWarning {
    CacheWarning {
        code: w.code,
        message: w.message,
        path: w.path.map(|p| root.join(p).display().to_string()),
    }
}

/// Whether a read error means the path leads to no regular file (deleted, a link whose target
/// is gone, under a file, a loop, or is a FIFO, socket or device, or a file replaced by one since
/// the walk: `hash_file`'s `InvalidInput`), as opposed to a file that exists but cannot be read.
/// The host's walk skips all of these (it reads only what `stat` says is a file).
fn is_gone(e: &std::io::Error) -> bool {
    if matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::InvalidInput
    ) {
        return true;
    }
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::ENOTDIR) | Some(libc::ELOOP))
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Fingerprints one tree: [`walk_tree`] then [`evaluate_tree`].
pub fn scan_tree(
    scan: &TreeScan<'_>,
    hints_by_key: &FxHashMap<String, Hint>,
    algo: TextHash,
    snapshot: &Snapshot,
    now: &str,
) -> CoreResult<TreeScanOutput> {
    let walked = walk_tree(scan.root, scan.filter, scan.max_depth, scan.ctl)?;
    evaluate_tree(scan, walked, hints_by_key, algo, snapshot, now)
}

/// Walks one tree (readdir and stat only: nothing stored is needed, so a dispatch runs this
/// beside the parsing of `files.json`). `None` when the root is not a directory (an empty tree).
/// Fails only on abort (`ctl`).
pub fn walk_tree(
    root: &Path,
    filter: &Filter,
    max_depth: usize,
    ctl: &Control,
) -> CoreResult<Option<walk::WalkOutput>> {
    if !root.is_dir() {
        return Ok(None);
    }
    walk::walk(
        root,
        &WalkOptions {
            filter,
            max_depth,
            follow_symlinks: true,
            gitignore: false,
        },
        ctl,
    )
    .map(Some)
}

/// The warnings of a tree's walk as a dispatch reports them (paths absolute; a flat locales
/// tree, walked at depth 0, does not report the directories it does not enter).
pub fn walk_warnings(root: &Path, max_depth: usize, warnings: Vec<Warning>) -> Vec<CacheWarning> {
    warnings
        .into_iter()
        .filter(|w| !(max_depth == 0 && w.code == "depth_limit"))
        .map(|w| to_cache_warning(w, root))
        .collect()
}

/// Whether a walk found exactly the stored records of `tree` in `shadow`, each a regular file
/// whose whole stat tuple equals its trustworthy hint: then every stored record stands as it is
/// and nothing need be read ([`evaluate_tree`] would reuse every one of them). A missing tree
/// (`None`) matches no record; a walk that met an unreadable directory matches nothing.
pub fn all_vouched(shadow: &FilesShadow, tree: Tree, walked: Option<&walk::WalkOutput>) -> bool {
    // A directory that could not be read may hold files: the tree is not fully known.
    if walked.is_some_and(|w| !w.unreadable.is_empty()) {
        return false;
    }
    let entries = walked.map_or(&[][..], |w| &w.entries[..]);
    if entries.len() != shadow.len(tree) {
        return false;
    }
    let mut rows = shadow.rows(tree);
    entries.iter().all(|entry| {
        let Some(Some(hint)) = rows.next() else {
            return false;
        };
        rows.key() == entry.rel.as_bytes()
            && entry.stat.kind == FileKind::File
            && hint.trustworthy()
            && hint.stat == entry.stat
    })
}

/// The records of a walked tree: hashes reused where a whole-tuple stat hint vouches for the
/// stored record, every other file read and hashed. Fails only on abort (`scan.ctl`).
pub fn evaluate_tree(
    scan: &TreeScan<'_>,
    walked: Option<walk::WalkOutput>,
    hints_by_key: &FxHashMap<String, Hint>,
    algo: TextHash,
    snapshot: &Snapshot,
    now: &str,
) -> CoreResult<TreeScanOutput> {
    let mut out = TreeScanOutput::default();
    let Some(walked) = walked else {
        return Ok(out);
    };
    let unreadable = walked.unreadable.clone();
    out.warnings
        .extend(walk_warnings(scan.root, scan.max_depth, walked.warnings));
    let streaming = hash_algo(algo);
    let ctl = scan.ctl;
    // First what the stat hints vouch for (no file opened), then the rest is read.
    let vouched: Vec<_> = walked
        .entries
        .par_iter()
        .with_min_len(256)
        .map(|entry| {
            let key = format!("{}{}", scan.hint_prefix, entry.rel);
            let stored = scan.stored.and_then(|m| m.get(&entry.rel));
            let reuse = match (stored, hints_by_key.get(&key)) {
                (Some(stored), Some(hint))
                    if hint.trustworthy()
                        && hint.stat == entry.stat
                        && entry.stat.kind == FileKind::File =>
                {
                    Some((stored.clone(), *hint))
                }
                _ => None,
            };
            (key, reuse)
        })
        .collect();
    ctl.more_to_hash(vouched.iter().filter(|(_, r)| r.is_none()).count() as u64);
    let results: Vec<_> = walked
        .entries
        .par_iter()
        .zip(vouched)
        .with_min_len(32)
        .map(|(entry, (key, reuse))| {
            if let Some((stored, hint)) = reuse {
                return (entry, key, Ok((stored, hint, None)));
            }
            if ctl.cancelled() {
                let gone = std::io::Error::from(std::io::ErrorKind::Interrupted);
                return (entry, key, Err(gone));
            }
            let abs = scan.root.join(&entry.rel);
            let res = hash::hash_file(&abs, streaming, &entry.stat).map(|h| {
                ctl.hashed(h.bytes_read);
                let record = FileRecord {
                    hash: h.hash.to_hex(),
                    size: h.size,
                    mtime_ms: 0.0,
                    updated_at: now.to_owned(),
                };
                let hint = Hint {
                    stat: h.stat,
                    racy: snapshot.is_racy(&h.stat),
                    unstable: h.unstable,
                };
                (record, hint, Some(h.bytes_read))
            });
            (entry, key, res)
        })
        .collect();
    ctl.check()?;
    for (entry, key, res) in results {
        match res {
            Ok((record, hint, read)) => {
                let record = match read {
                    None => {
                        out.reused += 1;
                        record
                    }
                    Some(n) => {
                        out.hashed += 1;
                        out.bytes_read += n;
                        // Keep the stored timestamp when the content did not change.
                        let stored = scan.stored.and_then(|m| m.get(&entry.rel));
                        super::io::fresh_record(stored, record.hash, record.size, now)
                    }
                };
                out.records.insert(entry.rel.clone(), record);
                out.hints.push((key, hint));
            }
            // Gone since the walk, or a link that leads nowhere (the host's walk skips a link
            // whose target it cannot stat): not tracked, as a deleted file.
            Err(e) if is_gone(&e) => {}
            Err(e) => {
                out.warnings.push(CacheWarning {
                    code: "unreadable_file".to_owned(),
                    message: format!(
                        "cannot read {}: {e}; it is unknown (its stored record is kept)",
                        entry.rel
                    ),
                    path: Some(scan.root.join(&entry.rel).display().to_string()),
                });
                if let Some(s) = scan.stored.and_then(|m| m.get(&entry.rel)) {
                    out.records.insert(entry.rel.clone(), s.clone());
                }
                out.unknown.push(entry.rel.clone());
            }
        }
    }
    // Stored records under a directory that could not be read are unknown, never deleted.
    if !unreadable.is_empty() {
        if let Some(stored) = scan.stored {
            for (key, record) in stored.iter() {
                if !out.records.contains_key(key) && crate::core::walk::under_any(key, &unreadable)
                {
                    out.records.insert(key.to_owned(), record.clone());
                    out.unknown.push(key.to_owned());
                }
            }
        }
        // An unreadable directory may hold files never recorded: the tree is not fully known.
        out.unknown.extend(unreadable);
    }
    Ok(out)
}
