//! Include and exclude rules applied during the walk.
//!
//! Paths given to the rules are root-relative POSIX paths. Excludes prune whole directories
//! (directory names, regexes and globs on the directory's path); files must pass every include
//! category that is set (the include regex and the include globs) and no exclude.

use std::collections::HashSet;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexSet};

use super::error::{CoreError, CoreResult};

/// The rules as the caller states them.
#[derive(Clone, Debug, Default)]
pub struct FilterSpec {
    /// A regex a file's relative path must match (e.g. `(?i)\.(tsx?|jsx?)$`).
    pub include_pattern: Option<String>,
    /// Globs a file's relative path must match one of (`src/**/*.ts`).
    pub include_globs: Vec<String>,
    /// Directory names never entered (`node_modules`).
    pub exclude_dirs: Vec<String>,
    /// File base names never recorded (`package-lock.json`).
    pub exclude_files: Vec<String>,
    /// Dotted suffixes never recorded: `d.ts` excludes `a.d.ts`; every dotted suffix of a name
    /// is tried (`a.test.ts` has `test.ts` and `ts`). A leading dot is ignored.
    pub exclude_suffixes: Vec<String>,
    /// Regexes on the relative path of files and directories.
    pub exclude_patterns: Vec<String>,
    /// Globs on the relative path of files and directories.
    pub exclude_globs: Vec<String>,
}

/// Compiled rules.
#[derive(Debug)]
pub struct Filter {
    include_re: Option<Regex>,
    include_globs: Option<GlobSet>,
    exclude_dirs: HashSet<String>,
    exclude_files: HashSet<String>,
    exclude_suffixes: HashSet<String>,
    exclude_res: Option<RegexSet>,
    exclude_globs: Option<GlobSet>,
}

fn glob_set(option: &str, globs: &[String]) -> CoreResult<Option<GlobSet>> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| CoreError::invalid_option(option, format!("bad glob {g:?}: {e}")))?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| CoreError::invalid_option(option, e.to_string()))
}

impl Filter {
    /// Compiles a spec; a bad regex or glob is an `INVALID_OPTION` naming it.
    pub fn new(spec: &FilterSpec) -> CoreResult<Filter> {
        let include_re = match &spec.include_pattern {
            Some(p) => Some(Regex::new(p).map_err(|e| {
                CoreError::invalid_option("include.pattern", format!("bad regex {p:?}: {e}"))
            })?),
            None => None,
        };
        let exclude_res = if spec.exclude_patterns.is_empty() {
            None
        } else {
            Some(RegexSet::new(&spec.exclude_patterns).map_err(|e| {
                CoreError::invalid_option("exclude.patterns", format!("bad regex: {e}"))
            })?)
        };
        Ok(Filter {
            include_re,
            include_globs: glob_set("include.globs", &spec.include_globs)?,
            exclude_dirs: spec.exclude_dirs.iter().cloned().collect(),
            exclude_files: spec.exclude_files.iter().cloned().collect(),
            exclude_suffixes: spec
                .exclude_suffixes
                .iter()
                .map(|s| s.trim_start_matches('.').to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            exclude_res,
            exclude_globs: glob_set("exclude.globs", &spec.exclude_globs)?,
        })
    }

    /// A filter that keeps everything.
    pub fn all() -> Filter {
        Filter::new(&FilterSpec::default()).expect("empty spec compiles")
    }

    fn excluded_path(&self, rel: &str) -> bool {
        self.exclude_res.as_ref().is_some_and(|s| s.is_match(rel))
            || self.exclude_globs.as_ref().is_some_and(|g| g.is_match(rel))
    }

    /// Whether the walk must not enter the directory `name` at `rel`.
    pub fn skip_dir(&self, name: &str, rel: &str) -> bool {
        self.exclude_dirs.contains(name) || self.excluded_path(rel)
    }

    /// Whether a file `name` at `rel` is recorded.
    pub fn keep_file(&self, name: &str, rel: &str) -> bool {
        if let Some(re) = &self.include_re {
            if !re.is_match(rel) {
                return false;
            }
        }
        if let Some(g) = &self.include_globs {
            if !g.is_match(rel) {
                return false;
            }
        }
        if self.exclude_files.contains(name) || self.excluded_path(rel) {
            return false;
        }
        if !self.exclude_suffixes.is_empty() {
            // Every dotted suffix, longest first: `a.test.ts` -> `test.ts`, `ts`.
            let mut rest = name;
            while let Some(i) = rest.find('.') {
                rest = &rest[i + 1..];
                if self.exclude_suffixes.contains(rest) {
                    return false;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_need_every_category_set() {
        let f = Filter::new(&FilterSpec {
            include_pattern: Some(r"(?i)\.(tsx?|jsx?)$".into()),
            include_globs: vec!["src/**".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(f.keep_file("a.TS", "src/x/a.TS"));
        assert!(!f.keep_file("a.ts", "lib/a.ts"));
        assert!(!f.keep_file("a.md", "src/a.md"));
    }

    #[test]
    fn excludes_by_name_suffix_regex_and_glob() {
        let f = Filter::new(&FilterSpec {
            exclude_dirs: vec!["node_modules".into()],
            exclude_files: vec!["package-lock.json".into()],
            exclude_suffixes: vec![".d.ts".into(), "test.ts".into()],
            exclude_patterns: vec![r"^gen/".into()],
            exclude_globs: vec!["**/fixtures".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(f.skip_dir("node_modules", "a/node_modules"));
        assert!(f.skip_dir("fixtures", "a/b/fixtures"));
        assert!(!f.skip_dir("src", "src"));
        assert!(!f.keep_file("package-lock.json", "package-lock.json"));
        assert!(!f.keep_file("a.d.ts", "src/a.d.ts"));
        assert!(!f.keep_file("a.test.ts", "src/a.test.ts"));
        assert!(f.keep_file("a.ts", "src/a.ts"));
        assert!(f.keep_file("test.ts", "src/test.ts"));
        assert!(!f.keep_file("x.ts", "gen/x.ts"));
    }

    #[test]
    fn bad_rules_are_invalid_options() {
        let e = Filter::new(&FilterSpec {
            include_pattern: Some("(".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_OPTION");
        let e = Filter::new(&FilterSpec {
            exclude_globs: vec!["a[".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_OPTION");
    }
}
