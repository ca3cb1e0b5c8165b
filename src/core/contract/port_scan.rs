//! Steps 3 and 4 of a dispatch over a host's ports: load `files.json`, then walk the src and
//! locale trees through [`CacheIo::list_dir`] with the same filters and depth caps as the
//! parallel walk, and read and hash every tracked file through the host (no stat hints: ports
//! have no stat tuple to vouch for a stored hash).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::dispatch_info::CacheWarning;
use super::files_index;
use super::hashing::TextHash;
use super::io::{fresh_record, CacheIo, EntryKind, ScanJob, ScanTree, Scanned};
use super::records::FileRecordMap;
use super::tracked::TreeScanOutput;
use crate::core::error::CoreResult;

/// [`CacheIo::scan`] for a host's ports.
pub fn scan(io: &dyn CacheIo, job: &ScanJob<'_>) -> CoreResult<Scanned> {
    let loaded = match job.files_path {
        Some(path) => files_index::load_files_index_in(io, path, job.files_cap),
        None => Default::default(),
    };
    let stored = loaded.index.as_ref();
    let src = match &job.src {
        Some(tree) => scan_tree(io, tree, stored.map(|s| &s.files), job.hash, job.now)?,
        None => TreeScanOutput::default(),
    };
    let locales = match &job.locales {
        Some(tree) => scan_tree(
            io,
            tree,
            stored.and_then(|s| s.locale_segments.as_ref()),
            job.hash,
            job.now,
        )?,
        None => TreeScanOutput::default(),
    };
    Ok(Scanned {
        loaded,
        src,
        locales,
        from_watcher: false,
        warnings: Vec::new(),
        elided: None,
        shadow_current: false,
    })
}

struct Walk<'a> {
    io: &'a dyn CacheIo,
    tree: &'a ScanTree<'a>,
    files: Vec<(String, PathBuf)>,
    seen: HashSet<PathBuf>,
    warnings: Vec<CacheWarning>,
    /// Directories that could not be listed (relative; `""` is the root).
    unreadable: Vec<String>,
}

fn warning(code: &str, message: String, path: &Path) -> CacheWarning {
    CacheWarning {
        code: code.to_owned(),
        message,
        path: Some(path.display().to_string()),
    }
}

impl Walk<'_> {
    fn dir(&mut self, abs: &Path, rel: &str, depth: usize) {
        let entries = match self.io.list_dir(abs) {
            Ok(e) => e,
            Err(e) => {
                self.warnings.push(warning(
                    "unreadable_dir",
                    format!(
                        "cannot list {}: {e}; everything under it is unknown",
                        abs.display()
                    ),
                    abs,
                ));
                return;
            }
        };
        for entry in entries {
            let name = entry.name.as_str();
            // A name is one path segment: anything else is never followed.
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
                continue;
            }
            let child_rel = if rel.is_empty() {
                name.to_owned()
            } else {
                format!("{rel}/{name}")
            };
            match entry.kind {
                EntryKind::Dir => {
                    let filter = self.tree.filter;
                    if filter.skip_dir(name, &child_rel) {
                        continue;
                    }
                    let child = self.io.join(abs, name);
                    if depth + 1 > self.tree.max_depth {
                        if self.tree.max_depth > 0 {
                            self.warnings.push(warning(
                                "depth_limit",
                                format!(
                                    "{child_rel} is deeper than the depth cap ({}) and is not walked",
                                    self.tree.max_depth
                                ),
                                &child,
                            ));
                        }
                        continue;
                    }
                    if let Some(real) = self.io.realpath(&child) {
                        if !self.seen.insert(real) {
                            self.warnings.push(warning(
                                "symlink_loop",
                                format!("{child_rel} leads back to a directory already walked"),
                                &child,
                            ));
                            continue;
                        }
                    }
                    self.dir(&child, &child_rel, depth + 1);
                }
                EntryKind::File => {
                    if self.tree.filter.keep_file(name, &child_rel) {
                        let child = self.io.join(abs, name);
                        self.files.push((child_rel, child));
                    }
                }
                EntryKind::Other => {}
            }
        }
    }
}

fn scan_tree(
    io: &dyn CacheIo,
    tree: &ScanTree<'_>,
    stored: Option<&FileRecordMap>,
    hash: TextHash,
    now: &str,
) -> CoreResult<TreeScanOutput> {
    let mut out = TreeScanOutput::default();
    if !matches!(io.kind(tree.root), Ok(Some(EntryKind::Dir))) {
        return Ok(out);
    }
    let mut walk = Walk {
        io,
        tree,
        files: Vec::new(),
        seen: HashSet::new(),
        warnings: Vec::new(),
        unreadable: Vec::new(),
    };
    if let Some(real) = io.realpath(tree.root) {
        walk.seen.insert(real);
    }
    walk.dir(tree.root, "", 0);
    let Walk {
        mut files,
        warnings,
        unreadable,
        ..
    } = walk;
    out.warnings = warnings;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut records = FileRecordMap::with_capacity(files.len());
    for (rel, abs) in files {
        match io.read_text(&abs) {
            Ok(text) => {
                let digest = io.hash_text(hash, &text)?;
                let size = io.text_len(&text)?;
                out.hashed += 1;
                out.bytes_read += text.len() as u64;
                let record = fresh_record(stored.and_then(|m| m.get(&rel)), digest, size, now);
                records.insert(rel, record);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                // Unknown, not deleted: its stored record is kept (as the disk's scan does).
                out.warnings.push(warning(
                    "unreadable_file",
                    format!("cannot read {rel}: {e}; it is unknown (its stored record is kept)"),
                    &abs,
                ));
                if let Some(r) = stored.and_then(|m| m.get(&rel)) {
                    records.insert(rel.clone(), r.clone());
                }
                out.unknown.push(rel);
            }
        }
    }
    // Stored records under a directory that could not be listed are unknown, never deleted.
    if let Some(stored) = stored {
        for (key, record) in stored.iter() {
            let under = unreadable
                .iter()
                .any(|d| d.is_empty() || key.starts_with(&format!("{d}/")));
            if under && !records.contains_key(key) {
                records.insert(key, record.clone());
                out.unknown.push(key.to_owned());
            }
        }
    }
    out.records = records;
    Ok(out)
}
