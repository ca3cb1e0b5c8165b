//! §6 where the cache files live: the cache root, the project id and the project directory.

use std::path::{Path, PathBuf};

use super::hashing::{compute_cache_project_id, normalize_project_root_key, TextHash};
use crate::core::error::{CoreError, CoreResult};

/// The inputs that place a project's cache.
#[derive(Debug, Clone)]
pub struct CacheLocationInput {
    /// The home the host gives (i18nprune: `$I18NPRUNE_HOME` else `~/.i18nprune`); the cache
    /// root is `<home>/cache`.
    pub home: Option<PathBuf>,
    /// The config's `dir`; when given it wins, resolved against the project root.
    pub config_dir: Option<String>,
    /// The project root (made absolute, as Node's `path.resolve` does, without resolving links).
    pub project_root: PathBuf,
    /// The hash of the project id.
    pub hash: TextHash,
}

/// Every path of one project's cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheLocation {
    /// The cache root.
    pub root_dir: PathBuf,
    /// `<root>/meta.json`.
    pub meta_path: PathBuf,
    /// `<root>/.meta.lock`, the lock of `meta.json` (cachecore's).
    pub meta_lock_path: PathBuf,
    /// The resolved project root.
    pub project_root: PathBuf,
    /// The key of this project in `meta.json` (`normalizeProjectRootKey`).
    pub project_key: String,
    /// The 16-hex project id.
    pub project_id: String,
    /// `<root>/projects/<id>`.
    pub project_dir: PathBuf,
    /// `projects/<id>/files.json`.
    pub files_path: PathBuf,
    /// `projects/<id>/files.json.hints`: cachecore's stat hints for `files.json`.
    pub hints_path: PathBuf,
    /// `projects/<id>/analysis.json`.
    pub analysis_path: PathBuf,
    /// `projects/<id>/translations`.
    pub translations_dir: PathBuf,
    /// `projects/<id>/.lock`, the lock of the project files (cachecore's).
    pub lock_path: PathBuf,
}

/// Node's `path.resolve(p)` for one argument: absolute, `.` and `..` folded, links kept.
pub fn resolve_path(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in abs.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves the cache root and the project's paths. Fails with `INVALID_OPTION` when neither a
/// home nor a `dir` is given.
pub fn resolve_cache_location(input: &CacheLocationInput) -> CoreResult<CacheLocation> {
    let project_root = resolve_path(&input.project_root);
    let root_dir = match (&input.config_dir, &input.home) {
        (Some(dir), _) => resolve_path(&project_root.join(dir)),
        (None, Some(home)) => resolve_path(&home.join("cache")),
        (None, None) => {
            return Err(CoreError::invalid_option(
                "home",
                "a cache home or a cache dir is required",
            ))
        }
    };
    let root_text = project_root.to_string_lossy();
    let project_id = compute_cache_project_id(&root_text, input.hash);
    let project_dir = root_dir.join("projects").join(&project_id);
    Ok(CacheLocation {
        meta_path: root_dir.join("meta.json"),
        meta_lock_path: root_dir.join(".meta.lock"),
        project_key: normalize_project_root_key(&root_text),
        project_id,
        files_path: project_dir.join("files.json"),
        hints_path: project_dir.join("files.json.hints"),
        analysis_path: project_dir.join("analysis.json"),
        translations_dir: project_dir.join("translations"),
        lock_path: project_dir.join(".lock"),
        project_dir,
        project_root,
        root_dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_or_dir() {
        let loc = resolve_cache_location(&CacheLocationInput {
            home: Some("/h/.i18nprune".into()),
            config_dir: None,
            project_root: "/p/app/../proj".into(),
            hash: TextHash::Fnv1a64,
        })
        .unwrap();
        assert_eq!(loc.root_dir, Path::new("/h/.i18nprune/cache"));
        assert_eq!(loc.project_root, Path::new("/p/proj"));
        assert_eq!(loc.project_key, "/p/proj/");
        assert_eq!(
            loc.project_id,
            compute_cache_project_id("/p/proj", TextHash::Fnv1a64)
        );
        assert_eq!(
            loc.files_path,
            Path::new("/h/.i18nprune/cache/projects")
                .join(&loc.project_id)
                .join("files.json")
        );
        let loc = resolve_cache_location(&CacheLocationInput {
            home: Some("/h".into()),
            config_dir: Some(".cache/i18n".into()),
            project_root: "/p/proj".into(),
            hash: TextHash::Fnv1a64,
        })
        .unwrap();
        assert_eq!(loc.root_dir, Path::new("/p/proj/.cache/i18n"));
        let e = resolve_cache_location(&CacheLocationInput {
            home: None,
            config_dir: None,
            project_root: "/p".into(),
            hash: TextHash::Fnv1a64,
        })
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_OPTION");
    }
}
