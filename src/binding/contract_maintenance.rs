//! `scanProjectFiles`, `cleanProjectCache` and `cleanCacheRoot`: the operator's maintenance of a
//! cache (what `cachecore scan` and `cachecore clean` run), decided by the core.

use std::path::Path;

use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use super::contract_dispatch::{dispatch_input, CachedProjectInput};
use super::contract_state::{location_of, warnings_js, CacheState};
use super::errors::{arg, exported, to_js};
use super::fingerprint::CacheWarning;
use crate::core::contract::cache_tree::{self, CleanOutcome};
use crate::core::contract::dispatch::scan_files_index;
use crate::core::contract::store_paths::resolve_path;

/// What `scanProjectFiles` found and wrote.
#[napi(object, object_from_js = false)]
pub struct ProjectFilesScan {
    /// Tracked src files.
    pub src_files: u32,
    /// Tracked locale segments.
    pub locale_segments: u32,
    /// Files whose content was read.
    pub hashed: u32,
    /// Files whose stored hash was reused through a whole-tuple stat hint (not opened).
    pub reused: u32,
    /// Content bytes read.
    pub bytes_read: f64,
    /// Whether `files.json` was (re)written.
    pub written: bool,
    /// Whether the stored `files.json` already held exactly these records.
    pub unchanged: bool,
    /// `projects/<id>/files.json`.
    pub files_path: String,
    /// Diagnostics (`cache_oversize`, `cache_io_error`, `cache_lock_timeout`, ...).
    pub warnings: Vec<CacheWarning>,
}

/// `scanProjectFiles(input) -> ProjectFilesScan`: refreshes a project's `files.json` as a
/// dispatch does, without an analysis (the input of `beginCachedProjectData`; `producer` and
/// `parseCachedData` are ignored): `meta.json` maintenance, the stored index and its stat
/// hints, the walk with stored hashes reused where a whole-tuple stat hint vouches for them,
/// then `files.json` and its hints under the project lock when the records changed (only the
/// hints when files had to be read). A second scan of an unchanged tree reads no content and
/// writes nothing; a dispatch or a status after a scan reads none either.
#[napi(
    ts_args_type = "input: CachedProjectInput",
    ts_return_type = "ProjectFilesScan"
)]
pub fn scan_project_files(env: &Env, input: Unknown<'_>) -> napi::Result<ProjectFilesScan> {
    exported(env, "scanProjectFiles", || {
        let i: CachedProjectInput<'_> = arg(env, input, "input")?;
        let input = dispatch_input(env, &i, None)?;
        let files_path = input.location.files_path.display().to_string();
        let scan = scan_files_index(input).map_err(|e| to_js(env, &e))?;
        Ok(ProjectFilesScan {
            src_files: scan.src_files as u32,
            locale_segments: scan.locale_segments as u32,
            hashed: scan.stats.hashed as u32,
            reused: scan.stats.reused as u32,
            bytes_read: scan.stats.bytes_read as f64,
            written: scan.written,
            unchanged: scan.unchanged,
            files_path,
            warnings: warnings_js(scan.warnings),
        })
    })
}

/// What a clean removed and kept.
#[napi(object, object_from_js = false)]
pub struct CacheCleanResult {
    /// Whether the directory itself is gone.
    pub removed: bool,
    /// The directory cleaned.
    pub path: String,
    /// Files removed (only files cachecore writes).
    pub files: f64,
    /// Their bytes.
    pub bytes: f64,
    /// What was left because cachecore did not write it (or it is a link), one line each.
    pub kept: Vec<String>,
}

fn clean_result(path: &Path, out: CleanOutcome) -> CacheCleanResult {
    CacheCleanResult {
        removed: out.removed,
        path: path.display().to_string(),
        files: out.files as f64,
        bytes: out.bytes as f64,
        kept: out.kept,
    }
}

/// `cleanProjectCache(state) -> CacheCleanResult`: removes the project's cache directory
/// (`<root>/projects/<id>`, derived from the state's root and id) when it is cachecore's: a
/// real directory (never through a link) holding only the files cachecore writes there.
/// Anything else leaves it in place, listed in `kept`.
#[napi(
    ts_args_type = "state: CacheState",
    ts_return_type = "CacheCleanResult"
)]
pub fn clean_project_cache(env: &Env, state: Unknown<'_>) -> napi::Result<CacheCleanResult> {
    exported(env, "cleanProjectCache", || {
        let state: CacheState = arg(env, state, "state")?;
        let loc = location_of(env, &state, false)?;
        let out = cache_tree::clean_project(&loc.root_dir, &loc.project_id)
            .map_err(|e| to_js(env, &e))?;
        Ok(clean_result(&loc.project_dir, out))
    })
}

/// `cleanCacheRoot(rootDir) -> CacheCleanResult`: removes cachecore's files from a cache root.
/// Throws `NOT_A_CACHE_ROOT` unless the directory is positively one (its `meta.json` is a
/// regular file holding a valid projects index); then removes every project directory that is
/// cachecore's, `meta.json` and its lock, and the directories left empty. Files cachecore did
/// not write (and links) are kept and listed in `kept`.
#[napi(ts_args_type = "rootDir: string", ts_return_type = "CacheCleanResult")]
pub fn clean_cache_root(env: &Env, root_dir: Unknown<'_>) -> napi::Result<CacheCleanResult> {
    exported(env, "cleanCacheRoot", || {
        let root: String = arg(env, root_dir, "rootDir")?;
        let root = resolve_path(Path::new(&root));
        let out = cache_tree::clean_cache_root(&root).map_err(|e| to_js(env, &e))?;
        Ok(clean_result(&root, out))
    })
}
