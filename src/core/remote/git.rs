//! Asking git, with a time bound: the commit a build is at (published as a base), and the
//! candidate base commits of a runner with no cache of its own (HEAD, then the merge-base with
//! the default branch and a few of its first parents).
//!
//! git missing, a directory that is no repository, a shallow clone without the merge-base:
//! each just gives fewer candidates, never an error.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one git command may run.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(3);
/// How many first parents of the merge-base are tried after it.
pub const BASE_ANCESTORS: usize = 3;

/// Runs `git <args>` in `dir`; its trimmed stdout on success within [`GIT_TIMEOUT`].
pub fn run(dir: &Path, args: &[&str]) -> Option<String> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    // Outputs here are a few lines: the pipe never fills before the process ends.
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                use std::io::Read;
                child.stdout.take()?.read_to_string(&mut out).ok()?;
                return status.success().then(|| out.trim().to_owned());
            }
            Ok(None) if started.elapsed() < GIT_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(2))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Whether `s` looks like a full commit id (40 or 64 lowercase hex digits).
pub fn is_full_commit(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The full id of `rev` (a commit id, a branch, `HEAD`), if git knows it.
pub fn resolve(dir: &Path, rev: &str) -> Option<String> {
    if rev.starts_with('-') {
        return None;
    }
    let spec = format!("{rev}^{{commit}}");
    run(dir, &["rev-parse", "--verify", "--quiet", &spec]).filter(|c| is_full_commit(c))
}

/// The commit HEAD is at, when the tracked inputs (`paths`, relative to `dir` or absolute) have
/// no change against it, staged, unstaged or untracked: only then does an artifact describe
/// that commit.
pub fn clean_head(dir: &Path, paths: &[&Path]) -> Option<String> {
    let head = resolve(dir, "HEAD")?;
    let mut args = vec![
        "status".to_owned(),
        "--porcelain".to_owned(),
        "--untracked-files=normal".to_owned(),
        "--".to_owned(),
    ];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(dir, &args).filter(|out| out.is_empty()).map(|_| head)
}

/// The default branch's ref: `origin/HEAD`'s target, else the first of `origin/main`,
/// `origin/master`, `main`, `master` that exists.
fn default_branch(dir: &Path) -> Option<String> {
    if let Some(r) = run(
        dir,
        &[
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ],
    ) {
        if !r.is_empty() {
            return Some(r);
        }
    }
    ["origin/main", "origin/master", "main", "master"]
        .into_iter()
        .find(|r| resolve(dir, r).is_some())
        .map(str::to_owned)
}

/// The candidate base commits, best first: HEAD, then the merge-base of HEAD with the default
/// branch and up to [`BASE_ANCESTORS`] of its first parents; duplicates dropped.
pub fn candidates(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: String| {
        if is_full_commit(&c) && !out.contains(&c) {
            out.push(c);
        }
    };
    let Some(head) = resolve(dir, "HEAD") else {
        return Vec::new();
    };
    push(head.clone());
    if let Some(branch) = default_branch(dir) {
        if let Some(base) = run(dir, &["merge-base", "HEAD", &branch]) {
            let count = (BASE_ANCESTORS + 1).to_string();
            match run(
                dir,
                &["rev-list", "--first-parent", "--max-count", &count, &base],
            ) {
                Some(list) => list.lines().map(str::to_owned).for_each(&mut push),
                None => push(base),
            }
        }
    }
    // A pull request's merge commit (actions/checkout): its first parent is the base branch.
    if let Some(parent) = resolve(dir, "HEAD^1") {
        if run(dir, &["rev-parse", "--verify", "--quiet", "HEAD^2"]).is_some() {
            push(parent);
        }
    }
    out
}

/// The host's (or `CACHECORE_REMOTE_BASE`'s) candidates as full commit ids: ids are taken as
/// they are, other revisions resolved by git (unknown ones dropped).
pub fn resolve_all(dir: &Path, given: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in given {
        let c = if is_full_commit(g) {
            Some(g.clone())
        } else {
            resolve(dir, g)
        };
        if let Some(c) = c.filter(|c| !out.contains(c)) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn candidates_and_clean_head() {
        if run(Path::new("."), &["--version"]).is_none() {
            return; // no git on this machine
        }
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        assert!(candidates(p).is_empty(), "not a repository");
        git(p, &["init", "-q", "-b", "main"]);
        std::fs::create_dir(p.join("src")).unwrap();
        std::fs::write(p.join("src/a.ts"), "a").unwrap();
        git(p, &["add", "."]);
        git(p, &["commit", "-q", "-m", "one"]);
        let first = resolve(p, "HEAD").unwrap();
        assert_eq!(clean_head(p, &[Path::new("src")]), Some(first.clone()));
        git(p, &["checkout", "-q", "-b", "feature"]);
        std::fs::write(p.join("src/a.ts"), "b").unwrap();
        assert_eq!(clean_head(p, &[Path::new("src")]), None, "dirty");
        std::fs::write(p.join("other.txt"), "x").unwrap();
        git(p, &["commit", "-q", "-am", "two"]);
        let second = resolve(p, "HEAD").unwrap();
        assert_eq!(candidates(p), vec![second, first.clone()]);
        assert_eq!(resolve_all(p, &["main".into(), "nope".into()]), vec![first]);
        assert!(resolve(p, "--help").is_none());
    }
}
