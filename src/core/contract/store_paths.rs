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
    let project_id = compute_cache_project_id(&project_root.to_string_lossy(), input.hash);
    Ok(location_at(root_dir, project_root, project_id))
}

/// Every path of a project's cache from its three inputs: the resolved cache root, the
/// resolved project root and the project id. The one place cache paths are made.
fn location_at(root_dir: PathBuf, project_root: PathBuf, project_id: String) -> CacheLocation {
    let project_dir = root_dir.join("projects").join(&project_id);
    CacheLocation {
        meta_path: root_dir.join("meta.json"),
        meta_lock_path: root_dir.join(".meta.lock"),
        project_key: normalize_project_root_key(&project_root.to_string_lossy()),
        project_id,
        files_path: project_dir.join("files.json"),
        hints_path: project_dir.join("files.json.hints"),
        analysis_path: project_dir.join("analysis.json"),
        translations_dir: project_dir.join("translations"),
        lock_path: project_dir.join(".lock"),
        project_dir,
        project_root,
        root_dir,
    }
}

/// The paths a host's state object names besides its root and project id (`CacheState`).
#[derive(Debug, Clone, Default)]
pub struct StatedPaths<'a> {
    /// `metaPath`.
    pub meta: Option<&'a str>,
    /// `projectDir`.
    pub project_dir: Option<&'a str>,
    /// `filesPath`.
    pub files: Option<&'a str>,
    /// `analysisPath`.
    pub analysis: Option<&'a str>,
    /// `translationsDir`.
    pub translations_dir: Option<&'a str>,
}

/// The cache location of a state object, never trusted as given: every path is derived from
/// the state's `rootDir` (resolved once, as `path.resolve` does) and `projectId` (which must
/// have the project-id shape, 16 lowercase hex digits, so it can never leave `projects/`), and
/// each path the state names must be exactly the derived one. Anything else is
/// `INVALID_OPTION` naming the field: a state edited to point `analysisPath` at a victim, or
/// `translationsDir` outside the root, is refused before any IO.
pub fn location_from_state(
    root_dir: &str,
    project_id: &str,
    project_root: &str,
    stated: &StatedPaths<'_>,
) -> CoreResult<CacheLocation> {
    if !super::cache_tree::is_project_id(project_id) {
        return Err(CoreError::invalid_option(
            "state.projectId",
            format!("{project_id:?} is not a project id (16 lowercase hex digits)"),
        ));
    }
    if root_dir.is_empty() || root_dir.contains('\0') {
        return Err(CoreError::invalid_option(
            "state.rootDir",
            "must be a non-empty path without NUL",
        ));
    }
    let loc = location_at(
        resolve_path(Path::new(root_dir)),
        resolve_path(Path::new(project_root)),
        project_id.to_owned(),
    );
    let checks = [
        ("metaPath", stated.meta, &loc.meta_path),
        ("projectDir", stated.project_dir, &loc.project_dir),
        ("filesPath", stated.files, &loc.files_path),
        ("analysisPath", stated.analysis, &loc.analysis_path),
        (
            "translationsDir",
            stated.translations_dir,
            &loc.translations_dir,
        ),
    ];
    for (field, given, derived) in checks {
        let Some(given) = given else { continue };
        if resolve_path(Path::new(given)) != *derived {
            return Err(CoreError::invalid_option(
                format!("state.{field}"),
                format!(
                    "{given:?} is not the path cachecore derives from rootDir and projectId ({}); \
                     cache paths are never taken from a state object",
                    derived.display()
                ),
            ));
        }
    }
    Ok(loc)
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

    #[test]
    fn a_state_names_only_derived_paths() {
        let id = "0123456789abcdef";
        let ok = location_from_state("/c/x/../cache", id, "/p", &StatedPaths::default()).unwrap();
        assert_eq!(
            ok.analysis_path,
            Path::new("/c/cache/projects")
                .join(id)
                .join("analysis.json")
        );
        let stated = StatedPaths {
            analysis: Some("/etc/passwd"),
            ..StatedPaths::default()
        };
        let e = location_from_state("/c", id, "/p", &stated).unwrap_err();
        assert_eq!(e.code(), "INVALID_OPTION");
        assert!(e.to_string().contains("state.analysisPath"));
        let e = location_from_state("/c", "../../x", "/p", &StatedPaths::default()).unwrap_err();
        assert!(e.to_string().contains("state.projectId"));
        let same = format!("/c/projects/{id}/./translations");
        let stated = StatedPaths {
            translations_dir: Some(&same),
            ..StatedPaths::default()
        };
        assert!(location_from_state("/c", id, "/p", &stated).is_ok());
    }
}
