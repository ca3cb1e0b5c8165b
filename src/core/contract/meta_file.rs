//! §6 `meta.json`: the projects index and its per-run maintenance (run counter, periodic heal).

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::cache_file::{self, CACHE_IO_ERROR, CACHE_LOCK_TIMEOUT, CACHE_READ_ONLY};
use super::config::CACHE_SCHEMA_VERSION;
use super::dispatch_info::CacheWarning;
use super::io::{CacheIo, EntryKind, NativeIo};
use super::iso_time::now_iso;
use super::store_paths::CacheLocation;

/// `maintenance.healEveryRuns` of a fresh index.
pub const DEFAULT_HEAL_EVERY_RUNS: u64 = 20;

/// An insertion-ordered `Record<string, string>` (`projects`: root key -> project id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectsMap(pub Vec<(String, String)>);

impl ProjectsMap {
    /// Sets `key` to `id`, in place when the key exists.
    pub fn insert(&mut self, key: &str, id: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = id.to_owned(),
            None => self.0.push((key.to_owned(), id.to_owned())),
        }
    }
}

impl Serialize for ProjectsMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ProjectsMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProjectsMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of project ids")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<ProjectsMap, A::Error> {
                let mut out = ProjectsMap::default();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    out.insert(&k, &v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// `maintenance: { runCount, healEveryRuns, lastHealAt? }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetaMaintenance {
    /// Runs so far.
    pub run_count: u64,
    /// Heal every this many runs (20).
    pub heal_every_runs: u64,
    /// When the last heal ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heal_at: Option<String>,
}

/// `meta.json`: `{ version, updatedAt, projects, maintenance }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetaFile {
    /// Schema version (1).
    pub version: u32,
    /// When it was written.
    pub updated_at: String,
    /// `"<posix NFC root>/"` -> project id.
    pub projects: ProjectsMap,
    /// The run counter and heal schedule.
    pub maintenance: MetaMaintenance,
}

impl MetaFile {
    /// A fresh index: no project, run count 0, heal every 20 runs.
    pub fn fresh() -> Self {
        Self {
            version: CACHE_SCHEMA_VERSION,
            updated_at: now_iso(),
            projects: ProjectsMap::default(),
            maintenance: MetaMaintenance {
                run_count: 0,
                heal_every_runs: DEFAULT_HEAL_EVERY_RUNS,
                last_heal_at: None,
            },
        }
    }
}

/// Loads `meta.json`; any failure gives a fresh index (with the read warning, if any).
pub fn load_meta(root: &Path, path: &Path, cap: u64) -> (MetaFile, Vec<CacheWarning>) {
    load_meta_in(&NativeIo::new(root), path, cap)
}

/// [`load_meta`] through `io`.
pub fn load_meta_in(io: &dyn CacheIo, path: &Path, cap: u64) -> (MetaFile, Vec<CacheWarning>) {
    match io.read_cache(path, cap) {
        Ok(None) => (MetaFile::fresh(), Vec::new()),
        Ok(Some(bytes)) => parse_meta(&bytes, path),
        Err(failure) => (MetaFile::fresh(), vec![failure.warning]),
    }
}

/// Parses `meta.json` bytes read from `path` (named in warnings); anything wrong gives a fresh
/// index and, as in the TypeScript core, a warning for invalid JSON or another version.
pub fn parse_meta(bytes: &[u8], path: &Path) -> (MetaFile, Vec<CacheWarning>) {
    match cache_file::parse_json::<MetaFile>(bytes, path) {
        Ok(meta) if meta.version == CACHE_SCHEMA_VERSION => (meta, Vec::new()),
        Ok(meta) => (
            MetaFile::fresh(),
            vec![cache_file::warning(
                cache_file::CACHE_MALFORMED,
                format!("unsupported cache schema version: {}", meta.version),
                path,
            )],
        ),
        // The TypeScript core falls back silently on a wrong shape; invalid JSON warns.
        Err(failure) => (MetaFile::fresh(), vec![failure.warning]),
    }
}

/// Whether this run count is a heal run (`runCount % max(1, healEveryRuns) == 0`).
pub fn should_heal(m: &MetaMaintenance) -> bool {
    m.run_count.is_multiple_of(m.heal_every_runs.max(1))
}

/// Per-run maintenance of `meta.json` (§6): register the project, count the run, and every
/// `healEveryRuns` runs drop entries whose project dir is gone and delete orphan project
/// dirs. Read-modify-write under the meta lock; in `readOnly` mode nothing is written or
/// deleted (a `cache_read_only` warning says so, as in the TypeScript core).
pub fn run_maintenance(
    loc: &CacheLocation,
    read_only: bool,
    cap: u64,
    lock_timeout: Duration,
) -> (MetaFile, Vec<CacheWarning>) {
    run_maintenance_in(
        &NativeIo::new(&loc.root_dir),
        loc,
        read_only,
        cap,
        lock_timeout,
    )
}

/// [`run_maintenance`] through `io`.
pub fn run_maintenance_in(
    io: &dyn CacheIo,
    loc: &CacheLocation,
    read_only: bool,
    cap: u64,
    lock_timeout: Duration,
) -> (MetaFile, Vec<CacheWarning>) {
    let mut warnings = Vec::new();
    let guard = if read_only {
        None
    } else {
        match io.lock(&loc.meta_lock_path, lock_timeout) {
            Ok(Some(g)) => Some(g),
            Ok(None) => {
                warnings.push(cache_file::warning(
                    CACHE_LOCK_TIMEOUT,
                    format!(
                        "cache lock busy after {} ms; skipped persisting meta index",
                        lock_timeout.as_millis()
                    ),
                    &loc.meta_path,
                ));
                let (meta, w) = load_meta_in(io, &loc.meta_path, cap);
                warnings.extend(w);
                return (meta, warnings);
            }
            Err(e) => {
                warnings.push(cache_file::warning(
                    CACHE_IO_ERROR,
                    format!("cache lock error: {e}"),
                    &loc.meta_lock_path,
                ));
                None
            }
        }
    };
    let (mut meta, w) = load_meta_in(io, &loc.meta_path, cap);
    warnings.extend(w);
    meta.projects.insert(&loc.project_key, &loc.project_id);
    meta.maintenance.run_count += 1;
    if should_heal(&meta.maintenance) && !read_only {
        meta.maintenance.last_heal_at = Some(now_iso());
        // The current project keeps its entry: its dir is created right after maintenance.
        heal(
            io,
            &loc.root_dir,
            &mut meta,
            Some((&loc.project_key, &loc.project_id)),
            &mut warnings,
        );
    }
    if read_only {
        warnings.push(cache_file::warning(
            CACHE_READ_ONLY,
            "cache is read-only; skipped persisting meta index",
            &loc.meta_path,
        ));
    } else if guard.is_some() {
        meta.version = CACHE_SCHEMA_VERSION;
        meta.updated_at = now_iso();
        if let Some(w) = io.write_cache_capped(
            &loc.meta_path,
            &[&cache_file::to_pretty_json(&meta)],
            cap,
            "caps.meta",
        ) {
            warnings.push(w);
        }
        // Every run, hit or miss, clears what a crashed writer left behind: in the root, the
        // project dir and its translations dir (only cachecore's temp names, never through a
        // link).
        for dir in [&loc.root_dir, &loc.project_dir, &loc.translations_dir] {
            io.sweep_temps(dir);
        }
    }
    (meta, warnings)
}

/// The periodic heal of `meta.json` under `root_dir` (§6), limited to what cachecore made:
/// drops the entries whose project dir is gone (except `keep`'s, a `(key, project id)`), then
/// removes the project dirs no entry references. On the disk ([`NativeIo`]) an orphan is
/// removed only when [`super::cache_tree::remove_project_dir`] finds it is cachecore's (a project-id
/// name, only cachecore's files inside, no link anywhere), `projects/` is never followed when it
/// is a link, and a directory with anything else in it is left whole without a warning.
pub fn heal(
    io: &dyn CacheIo,
    root_dir: &Path,
    meta: &mut MetaFile,
    keep: Option<(&str, &str)>,
    warnings: &mut Vec<CacheWarning>,
) {
    let projects_root = io.join(root_dir, "projects");
    let keep_key = keep.map(|(key, _)| key);
    match io.kind(&projects_root) {
        Ok(Some(EntryKind::Dir)) => {}
        Ok(None) => {
            meta.projects
                .0
                .retain(|(key, _)| Some(key.as_str()) == keep_key);
            return;
        }
        _ => return,
    }
    let is_dir = |id: &str| {
        matches!(
            io.kind(&io.join(&projects_root, id)),
            Ok(Some(EntryKind::Dir))
        )
    };
    meta.projects
        .0
        .retain(|(key, id)| Some(key.as_str()) == keep_key || is_dir(id));
    let referenced: std::collections::HashSet<&str> =
        meta.projects.0.iter().map(|(_, id)| id.as_str()).collect();
    let Ok(entries) = io.list_dir(&projects_root) else {
        return;
    };
    for entry in entries {
        if entry.kind != EntryKind::Dir
            || referenced.contains(entry.name.as_str())
            || keep.is_some_and(|(_, id)| id == entry.name)
        {
            continue;
        }
        if let Err(e) = io.remove_dir_all(&io.join(&projects_root, &entry.name)) {
            if e.kind() != std::io::ErrorKind::DirectoryNotEmpty {
                warnings.push(cache_file::warning(
                    CACHE_IO_ERROR,
                    format!("cache self-heal failed: {e}"),
                    &projects_root,
                ));
            }
        }
    }
}
