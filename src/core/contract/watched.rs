//! §5 step 4 from a live watcher: the src and locale records of a dispatch taken from the
//! in-memory index of a settled watcher in the same process (`core::watch::registry`), instead
//! of walking and stat'ing the trees.
//!
//! The watcher only says what changed on disk; the dispatch still decides with the contract.
//! Its index is used only when it selects and hashes exactly what the dispatch's walks would:
//! same hash algorithm, links not followed and none under the trees (the contract's walks follow
//! them), no stat-only strategy, no unreadable or depth-capped directory near the trees, and a
//! watcher filter that can only drop what the src filter drops too. The records are then the
//! watcher's records under each tree, filtered with the dispatch's own [`Filter`]s and depth
//! caps, in the walk's order (byte order of paths). Anything else: `None`, and the caller walks.

use std::path::Path;
use std::time::Duration;

use super::hashing::TextHash;
use super::records::{FileRecord, FileRecordMap};
use super::tracked::{self, TreeScanOutput};
use crate::core::filter::{Filter, FilterSpec};
use crate::core::fingerprint::{FileState, FingerprintOptions, Strategy};
use crate::core::hash;
use crate::core::hints::Hint;
use crate::core::stat::{FileKind, Snapshot, StatTuple};
use crate::core::watch::registry;
use rayon::prelude::*;

/// How long a dispatch waits for a watcher's barrier before walking instead.
pub const WATCHER_SYNC_TIMEOUT: Duration = Duration::from_millis(1000);

/// One tree of a dispatch.
pub struct WatchedTree<'a> {
    /// The tree's root.
    pub root: &'a Path,
    /// The dispatch's filter for it.
    pub filter: &'a Filter,
    /// The dispatch's filter spec for it (its directory names).
    pub spec: &'a FilterSpec,
    /// The dispatch's depth cap.
    pub max_depth: usize,
    /// The hint prefix of its keys.
    pub hint_prefix: &'a str,
    /// The stored records (their `updatedAt` is kept for unchanged content).
    pub stored: Option<&'a FileRecordMap>,
}

fn only_dir_names(spec: &FilterSpec) -> bool {
    spec.include_pattern.is_none()
        && spec.include_globs.is_empty()
        && spec.exclude_files.is_empty()
        && spec.exclude_suffixes.is_empty()
        && spec.exclude_patterns.is_empty()
        && spec.exclude_globs.is_empty()
}

/// Whether the watcher's own options let its index stand for a walk of `tree` at `rel`.
fn options_fit(w: &FingerprintOptions, tree: &WatchedTree<'_>, rel: &str, algo: TextHash) -> bool {
    if w.follow_symlinks
        || w.strategy == Strategy::Metadata
        || w.algorithm != tracked::hash_algo(algo)
        || !only_dir_names(&w.filter)
    {
        return false;
    }
    // A directory the watcher never enters must be one the dispatch never enters either: by
    // name in the dispatch's own list, or not entered at all (depth cap 0).
    let dirs = &w.filter.exclude_dirs;
    if tree.max_depth > 0 && !dirs.iter().all(|d| tree.spec.exclude_dirs.contains(d)) {
        return false;
    }
    // The tree itself must not be under a directory the watcher skips.
    !rel.split('/').any(|c| dirs.iter().any(|d| d == c))
}

fn key_in<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir)?.strip_prefix('/')
    }
}

/// Whether the dispatch's walk enters every directory above `key`.
fn dirs_entered(filter: &Filter, key: &str) -> bool {
    let mut at = 0;
    while let Some(i) = key[at..].find('/') {
        let end = at + i;
        if filter.skip_dir(&key[at..end], &key[..end]) {
            return false;
        }
        at = end + 1;
    }
    true
}

/// Whether the dispatch's walk keeps `key` (every directory above it entered, the file kept).
fn walk_keeps(filter: &Filter, key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    dirs_entered(filter, key) && filter.keep_file(name, key)
}

fn tree_records(
    files: &[FileState],
    tree: &WatchedTree<'_>,
    rel: &str,
    algo: TextHash,
    snapshot: &Snapshot,
    now: &str,
) -> Option<TreeScanOutput> {
    let mut kept: Vec<(&str, &FileState)> = Vec::new();
    for f in files {
        let Some(key) = key_in(&f.path, rel) else {
            continue;
        };
        if key.matches('/').count() > tree.max_depth {
            if tree.max_depth == 0 {
                continue; // not entered, and not reported, by the top-level walk
            }
            return None; // the walk would report a depth limit: let it
        }
        if !dirs_entered(tree.filter, key) {
            continue;
        }
        // The dispatch's walks follow links (to a file or a whole directory): a link's record
        // is not what they would record. Likewise a file that moved while it was read.
        if f.hint.stat.kind != FileKind::File || f.hint.unstable {
            return None;
        }
        if walk_keeps(tree.filter, key) {
            kept.push((key, f));
        }
    }
    // The watcher vouches for names (what exists), never for content: a write through another
    // hard link of a file (outside the tree, or a second name inside it) raises no event on
    // this name, a link can be added without one, and writes through mmap or on a network
    // file system raise none either. So every file is stat'ed again, and its record is reused
    // only when its whole stat tuple still equals the one the watcher hashed and that hash was
    // not racy; anything else is read and hashed, exactly as a walk does.
    let streaming = tracked::hash_algo(algo);
    let checked: Vec<Option<Checked>> = kept
        .par_iter()
        .with_min_len(32)
        .map(|(key, f)| {
            let abs = tree.root.join(key);
            let md = std::fs::symlink_metadata(&abs).ok()?;
            let stat = StatTuple::from_metadata(&md);
            if stat.kind != FileKind::File {
                return None; // a type change the watcher has not seen: walk
            }
            if stat == f.hint.stat && !f.hint.racy {
                return Some(Checked {
                    hash: f.record.hash.to_hex(),
                    size: f.record.size,
                    hint: Hint {
                        stat,
                        racy: snapshot.is_racy(&stat),
                        unstable: false,
                    },
                    read: None,
                });
            }
            let h = hash::hash_file(&abs, streaming, &stat).ok()?;
            if h.stat.kind != FileKind::File {
                return None;
            }
            Some(Checked {
                hash: h.hash.to_hex(),
                size: h.size,
                hint: Hint {
                    stat: h.stat,
                    racy: snapshot.is_racy(&h.stat),
                    unstable: h.unstable,
                },
                read: Some(h.bytes_read),
            })
        })
        .collect();
    let mut out = TreeScanOutput::default();
    for ((key, _), c) in kept.into_iter().zip(checked) {
        // Gone, unreadable or of another type since the watcher's last event: let a walk
        // decide (and report) it.
        let c = c?;
        let updated_at = match tree.stored.and_then(|m| m.get(key)) {
            Some(s) if s.hash == c.hash && s.size == c.size => s.updated_at.clone(),
            _ => now.to_owned(),
        };
        match c.read {
            None => out.reused += 1,
            Some(n) => {
                out.hashed += 1;
                out.bytes_read += n;
            }
        }
        out.records.insert(
            key.to_owned(),
            FileRecord {
                hash: c.hash,
                size: c.size,
                mtime_ms: 0.0,
                updated_at,
            },
        );
        out.hints
            .push((format!("{}{key}", tree.hint_prefix), c.hint));
    }
    Some(out)
}

/// One file of the watcher's index, checked again.
struct Checked {
    hash: String,
    size: u64,
    hint: Hint,
    /// Bytes read when it was hashed again; `None` when the watcher's record stood.
    read: Option<u64>,
}

/// The src and locale scans from a settled watcher, or `None` (walk instead).
pub fn scan_from_watcher(
    src: &WatchedTree<'_>,
    locales: &WatchedTree<'_>,
    algo: TextHash,
    snapshot: &Snapshot,
    now: &str,
) -> Option<(TreeScanOutput, TreeScanOutput)> {
    if !src.root.is_dir() || !locales.root.is_dir() {
        return None;
    }
    let accept = |o: &FingerprintOptions, rels: &[String]| {
        options_fit(o, src, &rels[0], algo) && options_fit(o, locales, &rels[1], algo)
    };
    let (w, rels) =
        registry::settled_index(&[src.root, locales.root], WATCHER_SYNC_TIMEOUT, &accept)?;
    let (src_rel, loc_rel) = (&rels[0], &rels[1]);
    // Something near the trees the watcher could not see: a walk reports it, so let it.
    if !w.unreadable.is_empty() || !w.depth_limited.is_empty() {
        return None;
    }
    let s = tree_records(&w.files, src, src_rel, algo, snapshot, now)?;
    let l = tree_records(&w.files, locales, loc_rel, algo, snapshot, now)?;
    Some((s, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_keeps_applies_dir_and_file_rules() {
        let spec = super::super::walk_specs::SrcWalkRules::default().filter_spec();
        let f = Filter::new(&spec).unwrap();
        assert!(walk_keeps(&f, "a/b.ts"));
        assert!(!walk_keeps(&f, "node_modules/x/b.ts"));
        assert!(!walk_keeps(&f, "a/b.json"));
        assert!(walk_keeps(&f, "b.tsx"));
    }
}
