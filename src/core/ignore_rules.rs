//! Git's ignore rules for the generic engine's walk (the `gitignore` option), with the `ignore`
//! crate's matcher (the one ripgrep, fd and Nx's walker use) inside our own parallel walk.
//!
//! Which rules, as ripgrep applies them:
//! - `.ignore` files in the root and below it, and in its parents up to the repository root (or
//!   only the root and below it outside a repository), always;
//! - inside a git work tree (a `.git` directory or file at or above the root) also `.gitignore`
//!   files (the root's, below it, and its parents' up to the repository root),
//!   `$GIT_DIR/info/exclude` and the global excludes file (`core.excludesFile` of the global git
//!   config, `GIT_CONFIG_GLOBAL`, else `$XDG_CONFIG_HOME/git/ignore` or `~/.config/git/ignore`);
//! - precedence: every `.ignore` (deepest directory first), then every `.gitignore` (deepest
//!   first), then `info/exclude`, then the global file; the first rule that matches decides,
//!   and a `!` rule re-includes;
//! - an ignored directory is not entered (so nothing under it can be re-included, as in git);
//!   `.git` itself is never walked;
//! - the root is always walked, even when a rule above it ignores it (an explicitly named path,
//!   as ripgrep treats it).
//!
//! What is not read: git's index. A file that is committed but matches an ignore rule (added
//! with `git add -f`) is ignored here, as ripgrep and fd ignore it.
//!
//! Ignore files are read without following links and without blocking (a FIFO in their place
//! is skipped with a warning, never opened for reading), up to [`MAX_IGNORE_FILE_BYTES`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

use super::error::Warning;

/// The per-directory ignore file of every tree.
pub const DOT_IGNORE: &str = ".ignore";
/// The per-directory ignore file of a git work tree.
pub const DOT_GITIGNORE: &str = ".gitignore";
/// Ignore files larger than this are not read (a warning says so).
pub const MAX_IGNORE_FILE_BYTES: u64 = 16 << 20;

/// Whether a root-relative path names an ignore file whose edit changes which files count:
/// a `.gitignore` or `.ignore` anywhere, or `.git/info/exclude`.
pub fn is_ignore_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == DOT_GITIGNORE
        || name == DOT_IGNORE
        || rel == ".git/info/exclude"
        || rel.ends_with("/.git/info/exclude")
}

/// One directory's ignore files, chained to the nearest ancestor (inside the root) that has
/// any: directories without ignore files share their parent's node.
#[derive(Debug)]
pub struct IgnoreDir {
    parent: Option<Arc<IgnoreDir>>,
    /// The directory, root-relative POSIX (`""` for the root).
    rel: String,
    dot_ignore: Option<Gitignore>,
    git_ignore: Option<Gitignore>,
}

/// The rules of one walk: what lies above the root (found once when the walk starts) and the
/// root directory's own node.
#[derive(Debug)]
pub struct IgnoreRules {
    /// Whether the root is inside a git work tree (`.gitignore` rules apply only then).
    in_repo: bool,
    /// The root relative to the repository root (POSIX, `""` when they are the same, or when
    /// there is no repository).
    root_in_repo: String,
    /// Ignore files of the directories between the repository root and the root (excluded),
    /// deepest first: (directory relative to the repository root, `.ignore`, `.gitignore`).
    above: Vec<(String, Option<Gitignore>, Option<Gitignore>)>,
    /// `$GIT_DIR/info/exclude`, rooted at the repository root.
    exclude: Option<Gitignore>,
    /// The global excludes file, rooted at the repository root.
    global: Option<Gitignore>,
    /// Problems met while reading the rules above the root (bad globs, unreadable files).
    pub warnings: Vec<Warning>,
}

/// Reads an ignore file without following a link and without blocking on a FIFO: `Ok(None)`
/// when there is none (or it is not a regular file), `Err` with a sentence otherwise.
fn read_ignore_file(path: &Path) -> Result<Option<String>, String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // ELOOP: a symlink in its place, which git does not follow for in-tree ignore files.
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let md = file.metadata().map_err(|e| e.to_string())?;
    if !md.is_file() {
        return Ok(None);
    }
    if md.len() > MAX_IGNORE_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB; its rules are not applied",
            MAX_IGNORE_FILE_BYTES >> 20
        ));
    }
    let mut bytes = Vec::with_capacity(md.len() as usize);
    file.take(MAX_IGNORE_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Compiles the ignore file at `file`, whose patterns are relative to `dir`. `None` when there
/// is no such file or it holds no rule; problems become warnings (`ignore_file_invalid`) at
/// `shown`, and the valid lines still apply.
fn compile(dir: &Path, file: &Path, shown: &str, warnings: &mut Vec<Warning>) -> Option<Gitignore> {
    let text = match read_ignore_file(file) {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(e) => {
            warnings.push(Warning::at(
                "ignore_file_invalid",
                format!("cannot read the ignore file {shown}: {e}"),
                shown,
            ));
            return None;
        }
    };
    let mut b = GitignoreBuilder::new(dir);
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        if let Err(e) = b.add_line(Some(file.to_path_buf()), line) {
            warnings.push(Warning::at(
                "ignore_file_invalid",
                format!("{shown}:{}: {e}; the line is not applied", i + 1),
                shown,
            ));
        }
    }
    match b.build() {
        Ok(g) if !g.is_empty() => Some(g),
        Ok(_) => None,
        Err(e) => {
            warnings.push(Warning::at(
                "ignore_file_invalid",
                format!("{shown}: {e}; its rules are not applied"),
                shown,
            ));
            None
        }
    }
}

/// The git directory of a work tree whose `.git` is at `dot_git`: the directory itself, or the
/// one a `gitdir:` file names (worktrees, submodules); then its common directory (`commondir`),
/// where `info/exclude` lives for every worktree.
fn common_git_dir(dot_git: &Path) -> Option<PathBuf> {
    let md = std::fs::symlink_metadata(dot_git).ok()?;
    let git_dir = if md.is_dir() {
        dot_git.to_path_buf()
    } else if md.is_file() {
        let text = read_ignore_file(dot_git).ok()??;
        let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
        let base = dot_git.parent()?;
        base.join(target)
    } else {
        return None;
    };
    match read_ignore_file(&git_dir.join("commondir")) {
        Ok(Some(c)) => {
            let c = c.trim();
            Some(if c.is_empty() {
                git_dir
            } else {
                git_dir.join(c)
            })
        }
        _ => Some(git_dir),
    }
}

fn posix(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The outcome of matching one path against one matcher.
enum Verdict {
    Ignore,
    Keep,
    Undecided,
}

fn verdict(g: &Option<Gitignore>, path: &str, is_dir: bool) -> Verdict {
    match g.as_ref().map(|g| g.matched(path, is_dir)) {
        Some(Match::Ignore(_)) => Verdict::Ignore,
        Some(Match::Whitelist(_)) => Verdict::Keep,
        _ => Verdict::Undecided,
    }
}

/// `path` relative to the directory `dir` (both relative to the same base; `dir` is an
/// ancestor of `path` or the base itself).
fn below<'a>(path: &'a str, dir: &str) -> &'a str {
    if dir.is_empty() {
        path
    } else {
        path.get(dir.len() + 1..).unwrap_or(path)
    }
}

impl IgnoreRules {
    /// Finds the rules that apply to a walk of `root`: the repository it is in (if any), the
    /// ignore files above it, `info/exclude` and the global excludes file. Never fails:
    /// unreadable rule files are warnings.
    pub fn discover(root: &Path) -> IgnoreRules {
        let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut warnings = Vec::new();
        let repo = abs
            .ancestors()
            .find(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
            .map(Path::to_path_buf);
        let in_repo = repo.is_some();
        let root_in_repo = repo
            .as_ref()
            .and_then(|r| abs.strip_prefix(r).ok())
            .map(posix)
            .unwrap_or_default();
        let mut above = Vec::new();
        if let Some(repo) = &repo {
            // Directories strictly between the repository root (included) and the root.
            let mut dir = abs.parent();
            if abs != *repo {
                while let Some(d) = dir {
                    let rel = d.strip_prefix(repo).map(posix).unwrap_or_default();
                    let shown = |name: &str| d.join(name).display().to_string();
                    let dot = compile(d, &d.join(DOT_IGNORE), &shown(DOT_IGNORE), &mut warnings);
                    let git = compile(
                        d,
                        &d.join(DOT_GITIGNORE),
                        &shown(DOT_GITIGNORE),
                        &mut warnings,
                    );
                    if dot.is_some() || git.is_some() {
                        above.push((rel, dot, git));
                    }
                    if d == repo.as_path() {
                        break;
                    }
                    dir = d.parent();
                }
            }
        }
        let (exclude, global) = match &repo {
            Some(repo) => {
                let exclude = common_git_dir(&repo.join(".git")).and_then(|g| {
                    let f = g.join("info").join("exclude");
                    let shown = f.display().to_string();
                    compile(repo, &f, &shown, &mut warnings)
                });
                let global = ignore::gitignore::gitconfig_excludes_path().and_then(|f| {
                    let shown = f.display().to_string();
                    compile(repo, &f, &shown, &mut warnings)
                });
                (exclude, global)
            }
            None => (None, None),
        };
        IgnoreRules {
            in_repo,
            root_in_repo,
            above,
            exclude,
            global,
            warnings,
        }
    }

    /// Whether `.gitignore` rules apply (the root is inside a git work tree).
    pub fn in_repo(&self) -> bool {
        self.in_repo
    }

    /// The node of a directory (`rel` root-relative, `abs` its path) under `parent`, reading
    /// its ignore files when `has_dot_ignore` / `has_gitignore` say they exist (a directory
    /// listing tells). Directories without any share `parent`.
    pub fn enter(
        &self,
        parent: Option<&Arc<IgnoreDir>>,
        abs: &Path,
        rel: &str,
        has_dot_ignore: bool,
        has_gitignore: bool,
        warnings: &mut Vec<Warning>,
    ) -> Option<Arc<IgnoreDir>> {
        let shown = |name: &str| {
            if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            }
        };
        let dot_ignore = has_dot_ignore
            .then(|| compile(abs, &abs.join(DOT_IGNORE), &shown(DOT_IGNORE), warnings))
            .flatten();
        let git_ignore = (has_gitignore && self.in_repo)
            .then(|| {
                compile(
                    abs,
                    &abs.join(DOT_GITIGNORE),
                    &shown(DOT_GITIGNORE),
                    warnings,
                )
            })
            .flatten();
        if dot_ignore.is_none() && git_ignore.is_none() {
            return parent.cloned();
        }
        Some(Arc::new(IgnoreDir {
            parent: parent.cloned(),
            rel: rel.to_string(),
            dot_ignore,
            git_ignore,
        }))
    }

    /// [`Self::enter`] for a directory whose listing is not at hand: its ignore files are looked
    /// up by name (a walk that starts below the root, a watcher's re-check of one path).
    pub fn enter_at(
        &self,
        parent: Option<&Arc<IgnoreDir>>,
        abs: &Path,
        rel: &str,
        warnings: &mut Vec<Warning>,
    ) -> Option<Arc<IgnoreDir>> {
        let exists = |name: &str| {
            std::fs::symlink_metadata(abs.join(name)).is_ok_and(|m| m.file_type().is_file())
        };
        self.enter(
            parent,
            abs,
            rel,
            exists(DOT_IGNORE),
            exists(DOT_GITIGNORE),
            warnings,
        )
    }

    /// The node of the directory `rel` (root-relative), reading the ignore files of every
    /// directory from the root down to it.
    pub fn node_for(
        &self,
        root: &Path,
        rel: &str,
        warnings: &mut Vec<Warning>,
    ) -> Option<Arc<IgnoreDir>> {
        let mut node = self.enter_at(None, root, "", warnings);
        let mut cur = String::new();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if !cur.is_empty() {
                cur.push('/');
            }
            cur.push_str(part);
            node = self.enter_at(node.as_ref(), &root.join(&cur), &cur, warnings);
        }
        node
    }

    /// Whether the entry at `rel` (root-relative; a directory when `is_dir`) is ignored, given
    /// the node of its parent directory.
    pub fn is_ignored(&self, node: Option<&Arc<IgnoreDir>>, rel: &str, is_dir: bool) -> bool {
        if rel == ".git" || rel.ends_with("/.git") {
            return true;
        }
        // The path relative to the repository root, made only when rules above the root need it.
        let needs_repo_path =
            !self.above.is_empty() || self.exclude.is_some() || self.global.is_some();
        let repo_path;
        let in_repo_path: &str = if needs_repo_path && !self.root_in_repo.is_empty() {
            repo_path = format!("{}/{rel}", self.root_in_repo);
            &repo_path
        } else {
            rel
        };
        let chain = || std::iter::successors(node, |n| n.parent.as_ref()).map(|n| n.as_ref());
        // `.ignore` files first (deepest first, then above the root), then `.gitignore` files.
        for kind in [0, 1] {
            if kind == 1 && !self.in_repo {
                break;
            }
            for n in chain() {
                let g = if kind == 0 {
                    &n.dot_ignore
                } else {
                    &n.git_ignore
                };
                match verdict(g, below(rel, &n.rel), is_dir) {
                    Verdict::Ignore => return true,
                    Verdict::Keep => return false,
                    Verdict::Undecided => {}
                }
            }
            for (dir, dot, git) in &self.above {
                let g = if kind == 0 { dot } else { git };
                match verdict(g, below(in_repo_path, dir), is_dir) {
                    Verdict::Ignore => return true,
                    Verdict::Keep => return false,
                    Verdict::Undecided => {}
                }
            }
        }
        for g in [&self.exclude, &self.global] {
            match verdict(g, in_repo_path, is_dir) {
                Verdict::Ignore => return true,
                Verdict::Keep => return false,
                Verdict::Undecided => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn nested_rules_negations_and_precedence() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        fs::create_dir(root.join(".git")).unwrap();
        write(root, ".gitignore", "*.log\nbuild/\n!keep.log\n");
        write(root, "a/.gitignore", "!*.log\nsecret.txt\n");
        write(root, "a/.ignore", "x.txt\n");
        let rules = IgnoreRules::discover(root);
        assert!(rules.in_repo());
        let mut w = Vec::new();
        let top = rules.node_for(root, "", &mut w);
        assert!(rules.is_ignored(top.as_ref(), "x.log", false));
        assert!(!rules.is_ignored(top.as_ref(), "keep.log", false));
        assert!(rules.is_ignored(top.as_ref(), "build", true));
        assert!(
            !rules.is_ignored(top.as_ref(), "build", false),
            "dir-only rule"
        );
        assert!(rules.is_ignored(top.as_ref(), ".git", true));
        let a = rules.node_for(root, "a", &mut w);
        assert!(
            !rules.is_ignored(a.as_ref(), "a/y.log", false),
            "re-included below"
        );
        assert!(rules.is_ignored(a.as_ref(), "a/secret.txt", false));
        assert!(rules.is_ignored(a.as_ref(), "a/x.txt", false), ".ignore");
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn gitignore_needs_a_repository_but_dot_ignore_does_not() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        write(root, ".gitignore", "*.log\n");
        write(root, ".ignore", "*.tmp\n");
        let rules = IgnoreRules::discover(root);
        let mut w = Vec::new();
        let top = rules.node_for(root, "", &mut w);
        if rules.in_repo() {
            return; // the temp dir is inside a work tree on this machine: nothing to show
        }
        assert!(!rules.is_ignored(top.as_ref(), "a.log", false));
        assert!(rules.is_ignored(top.as_ref(), "a.tmp", false));
    }

    #[test]
    fn rules_above_the_root_and_info_exclude() {
        let d = tempfile::tempdir().unwrap();
        let repo = d.path();
        fs::create_dir_all(repo.join(".git/info")).unwrap();
        write(repo, ".git/info/exclude", "/sub/inner/excluded.ts\n");
        write(repo, ".gitignore", "*.gen.ts\n");
        write(repo, "sub/.gitignore", "/inner/local.ts\n");
        let root = repo.join("sub/inner");
        fs::create_dir_all(&root).unwrap();
        let rules = IgnoreRules::discover(&root);
        let mut w = Vec::new();
        let top = rules.node_for(&root, "", &mut w);
        assert!(rules.is_ignored(top.as_ref(), "a.gen.ts", false));
        assert!(rules.is_ignored(top.as_ref(), "local.ts", false));
        assert!(rules.is_ignored(top.as_ref(), "excluded.ts", false));
        assert!(!rules.is_ignored(top.as_ref(), "kept.ts", false));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_link_in_place_of_an_ignore_file_is_never_read() {
        use std::os::unix::ffi::OsStrExt;
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        fs::create_dir(root.join(".git")).unwrap();
        let fifo = root.join(".gitignore");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        write(root, "target.txt", "*\n");
        std::os::unix::fs::symlink("target.txt", root.join(".ignore")).unwrap();
        let rules = IgnoreRules::discover(root);
        let mut w = Vec::new();
        let top = rules.enter(None, root, "", true, true, &mut w);
        assert!(top.is_none());
        assert!(!rules.is_ignored(top.as_ref(), "a.ts", false));
    }

    #[test]
    fn ignore_file_names() {
        assert!(is_ignore_file(".gitignore"));
        assert!(is_ignore_file("a/b/.ignore"));
        assert!(is_ignore_file(".git/info/exclude"));
        assert!(!is_ignore_file("a/gitignore"));
        assert!(!is_ignore_file("a/.gitignore.bak"));
    }
}
