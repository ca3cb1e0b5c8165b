//! The process-wide registry of live watchers, so that a dispatch in the same process can take
//! the current src and locale records from a watcher's in-memory index instead of walking.
//!
//! A watcher only says what to re-check (fingerprints.md §Watch): the registry never decides
//! reuse. It hands out a copy of a watcher's index only when that index is known to equal what
//! a fresh scan would find at the moment of the request:
//!
//! - a *barrier* first: the requester writes a token file in a private sentinel directory that
//!   the same native watcher (one kernel queue, FIFO) watches, and waits until the watcher
//!   thread has seen that token. Every file system event that happened before the request is
//!   then already in the watcher's hands; it handles its pending batch right away, and only
//!   then answers;
//! - the answer is "settled" only when no batch is pending, no full rescan is owed, the last
//!   scan did not fail, and the native watcher (not the poller) is in use;
//! - anything else (no answer within the timeout, events dropped, a batch already running, a
//!   poller, a closed watcher) means "walk as usual".
//!
//! The caller still checks that the watcher's options select and hash what its own walk would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, OnceLock, Weak};
use std::time::Duration;

use super::{keys_under, Mode, Msg, Shared};
use crate::core::filter::FilterSpec;
use crate::core::fingerprint::{FileState, FingerprintOptions, Strategy};
use crate::core::hash::HashAlgo;

/// A consistent copy of a settled watcher's index, limited to the trees asked for.
#[derive(Clone, Debug)]
pub struct WatchedIndex {
    /// The watcher's root, canonical.
    pub root: PathBuf,
    /// Records at or under the asked trees (root-relative POSIX paths), sorted by path.
    pub files: Vec<FileState>,
    /// Unreadable paths at, under or above the asked trees.
    pub unreadable: Vec<String>,
    /// Directories not entered because of the depth cap, at, under or above the asked trees.
    pub depth_limited: Vec<String>,
    /// The watcher's filter.
    pub filter: FilterSpec,
    /// The watcher's depth cap.
    pub max_depth: usize,
    /// Whether the watcher follows links.
    pub follow_symlinks: bool,
    /// The watcher's hash algorithm.
    pub algorithm: HashAlgo,
    /// The watcher's strategy.
    pub strategy: Strategy,
}

struct Entry {
    root: PathBuf,
    shared: Weak<Shared>,
}

fn table() -> &'static Mutex<BTreeMap<u64, Entry>> {
    static TABLE: OnceLock<Mutex<BTreeMap<u64, Entry>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(BTreeMap::new()))
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// A fresh id for a watcher.
pub(super) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::SeqCst)
}

pub(super) fn register(id: u64, root: PathBuf, shared: Weak<Shared>) {
    if let Ok(mut t) = table().lock() {
        t.insert(id, Entry { root, shared });
    }
}

pub(super) fn unregister(id: u64) {
    if let Ok(mut t) = table().lock() {
        t.remove(&id);
    }
}

/// The number of registered watchers (for tests).
pub fn live_watchers() -> usize {
    table().lock().map(|t| t.len()).unwrap_or(0)
}

/// Creates a barrier directory that did not exist (mode 0700 on Unix); an existing entry at
/// that name (a directory or a link someone else made in the shared temp dir) is an error.
pub(super) fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(path)
}

/// Removes the barrier directories of processes that are gone (a process that exits without
/// closing its watchers, e.g. on a signal, cannot remove its own). Linux only (`/proc`).
pub(super) fn sweep_dead_sentinels() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("cachecore-watch-sync-"))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        // Only a real directory of this user: never a link, never another user's directory.
        let ours = std::fs::symlink_metadata(e.path()).is_ok_and(|m| {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                // SAFETY: geteuid has no preconditions.
                m.file_type().is_dir() && m.uid() == unsafe { libc::geteuid() }
            }
            #[cfg(not(unix))]
            {
                m.file_type().is_dir()
            }
        });
        if ours && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The name of a barrier token file.
pub(super) fn token_name(token: u64) -> String {
    format!("sync-{token}")
}

/// The token of a barrier file name.
pub(super) fn token_of(name: &str) -> Option<u64> {
    name.strip_prefix("sync-")?.parse().ok()
}

/// Root-relative POSIX path of `dir` under `root` (`""` for the root itself).
fn rel_under(root: &Path, dir: &Path) -> Option<String> {
    let rest = dir.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for c in rest.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s.to_str()?),
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// Whether `a` and `b` are the same path or one is under the other (component-wise).
pub fn related(a: &str, b: &str) -> bool {
    let under = |p: &str, d: &str| d.is_empty() || p == d || p.starts_with(&format!("{d}/"));
    under(a, b) || under(b, a)
}

/// The index of a live, settled watcher whose root covers every directory of `dirs` (which
/// must exist; they are canonicalised), with the root-relative POSIX path of each directory;
/// `None` when no watcher can vouch for them right now. `accept` sees a watcher's options and
/// the relative directories first (no barrier is sent to a watcher it refuses). Waits at most
/// `timeout` for the watcher's barrier.
pub fn settled_index(
    dirs: &[&Path],
    timeout: Duration,
    accept: &dyn Fn(&FingerprintOptions, &[String]) -> bool,
) -> Option<(WatchedIndex, Vec<String>)> {
    let canon: Vec<PathBuf> = dirs
        .iter()
        .map(|d| std::fs::canonicalize(d).ok())
        .collect::<Option<_>>()?;
    let candidates: Vec<(PathBuf, std::sync::Arc<Shared>)> = {
        let t = table().lock().ok()?;
        t.values()
            .filter(|e| canon.iter().all(|d| d.starts_with(&e.root)))
            .filter_map(|e| Some((e.root.clone(), e.shared.upgrade()?)))
            .collect()
    };
    for (root, shared) in candidates {
        let rels: Option<Vec<String>> = canon.iter().map(|d| rel_under(&root, d)).collect();
        let Some(rels) = rels else { continue };
        if !accept(&shared.opts, &rels) {
            continue;
        }
        if let Some(idx) = read_settled(&root, &shared, &rels, timeout) {
            return Some((idx, rels));
        }
    }
    None
}

fn read_settled(
    root: &Path,
    shared: &Shared,
    rels: &[String],
    timeout: Duration,
) -> Option<WatchedIndex> {
    if shared.cancel.load(Ordering::SeqCst) || !shared.sync_ok.load(Ordering::SeqCst) {
        return None;
    }
    if *shared.mode.lock().ok()? != Mode::Native {
        return None;
    }
    // A batch already running (a full rescan may take seconds): do not wait, walk.
    if shared.status.lock().ok()?.busy {
        return None;
    }
    let sentinel = shared.sentinel.as_ref()?;
    let token = NEXT_TOKEN.fetch_add(1, Ordering::SeqCst);
    let (reply_tx, reply_rx) = mpsc::channel();
    {
        let tx = shared.sync_tx.lock().ok()?;
        tx.as_ref()?.send(Msg::Sync(token, reply_tx)).ok()?;
    }
    let file = sentinel.join(token_name(token));
    std::fs::write(&file, b"").ok()?;
    let answer = reply_rx.recv_timeout(timeout);
    let _ = std::fs::remove_file(&file);
    if answer != Ok(true) {
        return None;
    }
    let idx = shared.index.lock().ok()?;
    if !idx.ready || shared.stale.load(Ordering::SeqCst) {
        return None;
    }
    let mut files = Vec::new();
    for r in rels {
        if r.is_empty() {
            files.extend(idx.files.values().cloned());
        } else {
            for k in keys_under(&idx.files, r) {
                files.push(idx.files[&k].clone());
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    let near = |set: &std::collections::BTreeSet<String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in rels {
            out.extend(set.iter().filter(|p| related(p, r)).cloned());
        }
        out.sort();
        out.dedup();
        out
    };
    let o = &shared.opts;
    Some(WatchedIndex {
        root: root.to_path_buf(),
        files,
        unreadable: near(&idx.unreadable),
        depth_limited: near(&idx.depth_limited),
        filter: o.filter.clone(),
        max_depth: o.max_depth,
        follow_symlinks: o.follow_symlinks,
        algorithm: o.algorithm,
        strategy: o.strategy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations() {
        assert!(related("src/a", "src"));
        assert!(related("src", "src/a"));
        assert!(related("x", ""));
        assert!(!related("srcx", "src"));
        assert_eq!(token_of(&token_name(42)), Some(42));
        assert_eq!(token_of("other"), None);
    }
}
