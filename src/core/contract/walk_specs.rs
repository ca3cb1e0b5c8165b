//! §8 what counts as a tracked file: the src walk and the locale walk rules, as
//! [`FilterSpec`]s and depth caps for the parallel walk.

use crate::core::filter::FilterSpec;
use crate::core::walk::DEFAULT_MAX_DEPTH;

use super::layout::LocalesLayoutStructure;

/// The default src file pattern: `\.(tsx?|jsx?|mjs|cjs|vue|svelte)$`, case-insensitive: exactly
/// the files i18nprune's analyzer reads (its scanner's `SOURCE_FILE_NAME`), so the index holds
/// the files whose content can change its analysis, and the same keys as the TypeScript core's
/// `files.json`. A host whose analyzer reads more (`.mts`, `.cts`) passes its own pattern
/// ([`SrcWalkRules::src_pattern`]).
pub const SRC_FILE_PATTERN: &str = r"(?i)\.(tsx?|jsx?|mjs|cjs|vue|svelte)$";

/// [`SRC_FILE_PATTERN`] compiled once per process.
pub fn src_file_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(SRC_FILE_PATTERN).expect("a valid pattern"))
}
/// Directory names the src walk skips by default.
pub const DEFAULT_SKIPPED_DIRS: [&str; 7] = [
    "node_modules",
    "dist",
    "build",
    ".git",
    "coverage",
    ".next",
    "out",
];
/// Directory names the `production` preset adds.
pub const PRODUCTION_SKIPPED_DIRS: [&str; 3] = ["compiled", "tests", "bench"];
/// Lockfile names the `production` preset adds.
pub const PRODUCTION_LOCKFILES: [&str; 5] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
];
/// The src extensions (for the preset's `test|spec` suffixes).
const SRC_EXTENSIONS: [&str; 9] = [
    "ts", "tsx", "js", "jsx", "mjs", "cjs", "vue", "svelte", "mts",
];
/// The locale walk's depth cap for nested layouts.
pub const LOCALE_MAX_DEPTH: usize = 16;
/// The src walk's depth cap.
pub const SRC_MAX_DEPTH: usize = DEFAULT_MAX_DEPTH;

/// The host's src excludes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SrcExclude {
    /// Directory names never entered.
    pub dirs: Vec<String>,
    /// Regexes on a directory's name.
    pub dir_patterns: Vec<String>,
    /// File base names never tracked.
    pub files: Vec<String>,
    /// Dotted suffixes (`d.ts`, `test.ts`); every suffix of a name is tried, longest first.
    pub suffixes: Vec<String>,
    /// Regexes on the src-relative POSIX path.
    pub path_patterns: Vec<String>,
}

/// How to walk the src root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrcWalkRules {
    /// The user's excludes.
    pub exclude: SrcExclude,
    /// Skip [`DEFAULT_SKIPPED_DIRS`] (default true).
    pub default_skipped_dirs: bool,
    /// The `production` preset.
    pub production: bool,
    /// The host's src file pattern (a regex on the src-relative POSIX path); `None`:
    /// [`SRC_FILE_PATTERN`].
    pub src_pattern: Option<String>,
}

impl Default for SrcWalkRules {
    fn default() -> Self {
        Self {
            exclude: SrcExclude::default(),
            default_skipped_dirs: true,
            production: false,
            src_pattern: None,
        }
    }
}

impl SrcWalkRules {
    /// The src file pattern in effect.
    pub fn src_pattern(&self) -> &str {
        self.src_pattern.as_deref().unwrap_or(SRC_FILE_PATTERN)
    }

    /// The src file pattern in effect, compiled (the default once per process). A pattern
    /// that does not compile is `INVALID_OPTION` (`srcPattern`).
    pub fn src_regex(
        &self,
    ) -> crate::core::error::CoreResult<std::borrow::Cow<'static, regex::Regex>> {
        match &self.src_pattern {
            None => Ok(std::borrow::Cow::Borrowed(src_file_regex())),
            Some(p) => regex::Regex::new(p)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| {
                    crate::core::error::CoreError::invalid_option(
                        "srcPattern",
                        format!("bad regex {p:?}: {e}"),
                    )
                }),
        }
    }

    /// The filter spec of these rules. A directory-name regex `r` becomes a path regex matching
    /// a last path segment `r` (it also applies to file names).
    pub fn filter_spec(&self) -> FilterSpec {
        let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut spec = FilterSpec {
            include_pattern: Some(self.src_pattern().to_owned()),
            exclude_dirs: self.exclude.dirs.clone(),
            exclude_files: self.exclude.files.clone(),
            exclude_suffixes: self.exclude.suffixes.clone(),
            exclude_patterns: self.exclude.path_patterns.clone(),
            ..FilterSpec::default()
        };
        for re in &self.exclude.dir_patterns {
            let inner = re.trim_start_matches('^').trim_end_matches('$');
            spec.exclude_patterns.push(format!("(?:^|/)(?:{inner})$"));
        }
        if self.default_skipped_dirs {
            spec.exclude_dirs.extend(owned(&DEFAULT_SKIPPED_DIRS));
        }
        if self.production {
            spec.exclude_dirs.extend(owned(&PRODUCTION_SKIPPED_DIRS));
            spec.exclude_files.extend(owned(&PRODUCTION_LOCKFILES));
            for kind in ["test", "spec"] {
                for ext in SRC_EXTENSIONS {
                    spec.exclude_suffixes.push(format!("{kind}.{ext}"));
                }
            }
        }
        spec
    }
}

/// The locale walk: every `*.json` (sidecars `*.meta.json` included).
pub fn locale_filter_spec() -> FilterSpec {
    FilterSpec {
        include_pattern: Some(r"\.json$".to_owned()),
        ..FilterSpec::default()
    }
}

/// The locale walk's depth cap: top level only for `locale_file`, else 16.
pub fn locale_max_depth(structure: LocalesLayoutStructure) -> usize {
    match structure {
        LocalesLayoutStructure::LocaleFile => 0,
        _ => LOCALE_MAX_DEPTH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::filter::Filter;

    #[test]
    fn src_rules() {
        let mut rules = SrcWalkRules::default();
        rules.exclude.dir_patterns.push("^gen.*$".into());
        rules.exclude.suffixes.push("d.ts".into());
        let f = Filter::new(&rules.filter_spec()).unwrap();
        assert!(f.keep_file("a.TSX", "x/a.TSX"));
        assert!(f.keep_file("a.svelte", "a.svelte"));
        assert!(!f.keep_file("a.json", "a.json"));
        assert!(!f.keep_file("a.d.ts", "a.d.ts"));
        assert!(f.skip_dir("node_modules", "node_modules"));
        assert!(f.skip_dir("generated", "x/generated"));
        assert!(!f.skip_dir("tests", "tests"));
        assert!(f.keep_file("a.test.ts", "a.test.ts"));
        rules.production = true;
        rules.default_skipped_dirs = false;
        let f = Filter::new(&rules.filter_spec()).unwrap();
        assert!(!f.skip_dir("node_modules", "node_modules"));
        assert!(f.skip_dir("tests", "tests"));
        assert!(!f.keep_file("a.test.ts", "a.test.ts"));
        assert!(!f.keep_file("a.spec.jsx", "a.spec.jsx"));
    }
}
