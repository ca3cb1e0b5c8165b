//! What in a cache directory is cachecore's, and removing only that.
//!
//! A cache root may be shared with anything: `cache.dir: "."` makes it the repository itself,
//! whose own `projects/web` must survive every heal and every clean. So removal is positive:
//! a project directory is removed only when its name has the project-id shape and everything
//! in it is a file cachecore (or the TypeScript core it replaces) writes there; a cache root is
//! cleaned only when its `meta.json` is a valid projects index, and then only cachecore's files
//! go. Nothing is ever followed through a link: directories are opened with `O_NOFOLLOW` and
//! files are unlinked relative to the directory checked ([`crate::core::safe_dir`]).

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use super::cache_file;
use super::config::CACHE_SCHEMA_VERSION;
use super::meta_file::MetaFile;
use super::translations::validate_locale_code;
use crate::core::atomic;
use crate::core::error::{CoreError, CoreResult};
use crate::core::safe_dir::{self, EntryKind, SafeDir};
use crate::core::stat::CLOCK_SENTINEL;

/// The files cachecore writes in a project directory.
pub const PROJECT_FILES: [&str; 6] = [
    "files.json",
    "files.json.hints",
    "analysis.json",
    "analysis.json.inputs",
    ".lock",
    CLOCK_SENTINEL,
];
/// The files cachecore writes at the cache root.
pub const ROOT_FILES: [&str; 3] = ["meta.json", ".meta.lock", CLOCK_SENTINEL];
/// The translations directory of a project.
pub const TRANSLATIONS_DIR: &str = "translations";

/// Whether `name` has the project-id shape: 16 lowercase hex digits.
pub fn is_project_id(name: &str) -> bool {
    name.len() == 16 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn foreign(dir: &Path, name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::DirectoryNotEmpty,
        format!(
            "{} holds {name}, which cachecore did not write; it is left as it is",
            dir.display()
        ),
    )
}

/// Whether `name` (of `kind`) in a `translations/` dir is cachecore's.
fn is_translation_file(name: &str, kind: EntryKind) -> bool {
    kind == EntryKind::File
        && (atomic::is_temp_name(name)
            || name
                .strip_suffix(".json")
                .is_some_and(|code| validate_locale_code(code).is_ok()))
}

/// Whether `name` (of `kind`) at the top of a project dir is cachecore's (the translations dir
/// is checked on its own).
fn is_project_file(name: &str, kind: EntryKind) -> bool {
    kind == EntryKind::File && (PROJECT_FILES.contains(&name) || atomic::is_temp_name(name))
}

/// What a removal did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    /// Files removed.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Removes the project directory `name` under `projects` when it is cachecore's: a project-id
/// name, a real directory (not a link), holding only cachecore's files and a `translations/`
/// directory of translation files. Anything else in it, a link anywhere, or a file that
/// appears during the removal leaves it (and that file) in place: the error's kind is
/// `DirectoryNotEmpty`. A missing directory is `NotFound`.
pub fn remove_project_dir(projects: &SafeDir, name: &str) -> io::Result<Removed> {
    if !is_project_id(name) {
        return Err(foreign(projects.path(), name));
    }
    let dir = projects.child(OsStr::new(name), false)?;
    let entries = dir.entries()?;
    let mut translations: Option<(SafeDir, Vec<String>)> = None;
    for (n, kind) in &entries {
        if n == TRANSLATIONS_DIR && *kind == EntryKind::Dir {
            let t = dir.child(OsStr::new(n), false)?;
            let mut names = Vec::new();
            for (tn, tk) in t.entries()? {
                if !is_translation_file(&tn, tk) {
                    return Err(foreign(t.path(), &tn));
                }
                names.push(tn);
            }
            translations = Some((t, names));
        } else if !is_project_file(n, *kind) {
            return Err(foreign(dir.path(), n));
        }
    }
    let mut removed = Removed::default();
    let mut unlink = |d: &SafeDir, n: &str| -> io::Result<()> {
        let size = d.size(OsStr::new(n));
        match d.remove_file(OsStr::new(n)) {
            Ok(()) => {
                removed.files += 1;
                removed.bytes += size;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    };
    if let Some((t, names)) = &translations {
        for n in names {
            unlink(t, n)?;
        }
        dir.remove_empty_dir(OsStr::new(TRANSLATIONS_DIR))?;
    }
    for (n, kind) in &entries {
        if *kind == EntryKind::File {
            unlink(&dir, n)?;
        }
    }
    projects.remove_empty_dir(OsStr::new(name))?;
    Ok(removed)
}

/// The outcome of [`clean_cache_root`] and [`clean_project`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CleanOutcome {
    /// Whether the directory itself is gone.
    pub removed: bool,
    /// Files and bytes removed.
    pub files: u64,
    /// Bytes removed.
    pub bytes: u64,
    /// What was left because cachecore did not write it (or it is a link), with why.
    pub kept: Vec<String>,
}

/// Whether `root` is positively a cachecore cache root: its `meta.json` is a regular file
/// (never through a link) that parses as a schema-1 projects index.
pub fn is_cache_root(root: &Path) -> bool {
    let meta = root.join("meta.json");
    match cache_file::read_cache_file(root, &meta, super::config::MAX_META_BYTES) {
        Ok(Some(bytes)) => cache_file::parse_json::<MetaFile>(&bytes, &meta)
            .is_ok_and(|m| m.version == CACHE_SCHEMA_VERSION),
        _ => false,
    }
}

/// Removes cachecore's files from the cache root `root`: every project directory that is
/// cachecore's ([`remove_project_dir`]), then `projects/` and the root itself when nothing
/// else is left in them, and the root's own files (`meta.json`, its lock, temp files).
/// Refuses (`NOT_A_CACHE_ROOT`) unless [`is_cache_root`]; anything cachecore did not write is
/// kept and listed.
pub fn clean_cache_root(root: &Path) -> CoreResult<CleanOutcome> {
    if !is_cache_root(root) {
        return Err(CoreError::NotACacheRoot(root.display().to_string()));
    }
    let mut out = CleanOutcome::default();
    let dir = SafeDir::open_root(root, false).map_err(|e| CoreError::io("cannot open", e))?;
    let entries = dir
        .entries()
        .map_err(|e| CoreError::io(format!("cannot list {}", root.display()), e))?;
    for (name, kind) in &entries {
        if name == "projects" && *kind == EntryKind::Dir {
            clean_projects(&dir, &mut out);
        } else if *kind == EntryKind::File
            && (ROOT_FILES.contains(&name.as_str()) || atomic::is_temp_name(name))
        {
            let size = dir.size(OsStr::new(name));
            if dir.remove_file(OsStr::new(name)).is_ok() {
                out.files += 1;
                out.bytes += size;
            }
        } else {
            out.kept.push(format!(
                "{}: not written by cachecore",
                root.join(name).display()
            ));
        }
    }
    drop(dir);
    out.removed = std::fs::remove_dir(root).is_ok();
    Ok(out)
}

fn clean_projects(root: &SafeDir, out: &mut CleanOutcome) {
    let projects = match root.child(OsStr::new("projects"), false) {
        Ok(p) => p,
        Err(e) => {
            out.kept.push(e.to_string());
            return;
        }
    };
    let entries = match projects.entries() {
        Ok(e) => e,
        Err(e) => {
            out.kept.push(e.to_string());
            return;
        }
    };
    for (name, _) in entries {
        match remove_project_dir(&projects, &name) {
            Ok(r) => {
                out.files += r.files;
                out.bytes += r.bytes;
            }
            Err(e) => out.kept.push(e.to_string()),
        }
    }
    let _ = root.remove_empty_dir(OsStr::new("projects"));
}

/// Removes one project's cache directory `<root>/projects/<id>` when it is cachecore's
/// ([`remove_project_dir`]); `removed: false` and nothing touched when it is missing, a link,
/// or holds anything else (listed in `kept`).
pub fn clean_project(root: &Path, project_id: &str) -> CoreResult<CleanOutcome> {
    let mut out = CleanOutcome::default();
    let projects_dir: PathBuf = root.join("projects");
    let projects = match safe_dir::open_dir(root, &projects_dir, false) {
        Ok(p) => p,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            out.kept.push(e.to_string());
            return Ok(out);
        }
    };
    match remove_project_dir(&projects, project_id) {
        Ok(r) => {
            out.removed = true;
            out.files = r.files;
            out.bytes = r.bytes;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => out.kept.push(e.to_string()),
    }
    Ok(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn removes_only_cachecore_project_dirs() {
        let d = tempfile::tempdir().unwrap();
        let projects = d.path().join("projects");
        let ours = projects.join("0123456789abcdef");
        fs::create_dir_all(ours.join("translations")).unwrap();
        fs::write(ours.join("files.json"), "{}").unwrap();
        fs::write(ours.join("translations/pt-BR.json"), "{}").unwrap();
        let mixed = projects.join("fedcba9876543210");
        fs::create_dir_all(&mixed).unwrap();
        fs::write(mixed.join("files.json"), "{}").unwrap();
        fs::write(mixed.join("notes.txt"), "mine").unwrap();
        fs::create_dir_all(projects.join("web")).unwrap();
        let p = SafeDir::open_root(&projects, false).unwrap();
        let r = remove_project_dir(&p, "0123456789abcdef").unwrap();
        assert_eq!(r.files, 2);
        assert!(!ours.exists());
        let e = remove_project_dir(&p, "fedcba9876543210").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::DirectoryNotEmpty);
        assert!(mixed.join("files.json").exists() && mixed.join("notes.txt").exists());
        assert!(remove_project_dir(&p, "web").is_err());
        assert!(projects.join("web").exists());
    }

    #[test]
    fn a_root_is_cleaned_only_when_it_is_one() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("cache");
        fs::create_dir_all(root.join("projects/web")).unwrap();
        let e = clean_cache_root(&root).unwrap_err();
        assert_eq!(e.code(), "NOT_A_CACHE_ROOT");
        fs::write(root.join("meta.json"), "not json").unwrap();
        assert!(clean_cache_root(&root).is_err());
        let meta = MetaFile::fresh();
        fs::write(root.join("meta.json"), serde_json::to_vec(&meta).unwrap()).unwrap();
        fs::create_dir_all(root.join("projects/0123456789abcdef")).unwrap();
        fs::write(root.join("projects/0123456789abcdef/analysis.json"), "{}").unwrap();
        fs::write(root.join("README.md"), "keep").unwrap();
        let out = clean_cache_root(&root).unwrap();
        assert!(!out.removed);
        assert_eq!(out.files, 2);
        assert!(root.join("README.md").exists() && root.join("projects/web").exists());
        assert!(!root.join("projects/0123456789abcdef").exists());
        assert!(!root.join("meta.json").exists());
    }
}
