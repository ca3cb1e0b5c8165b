//! §8 what counts as a tracked file: the src walk and the locale walk rules, as
//! [`FilterSpec`]s and depth caps for the parallel walk.
//!
//! The src rules are the host's own (i18nprune's `listSourceFiles` with its
//! `ScanExcludeConfig`), rule for rule: a file the host reads must be tracked and a file it
//! skips must not be, or an edit goes unseen. The src pattern and every host `RegExp` run with
//! JavaScript semantics ([`JsPattern`]); directory rules test a directory's name, file rules a
//! file's base name, extension rules every dotted suffix of the name lower-cased, path rules a
//! file's src-relative POSIX path.

use serde::Serialize;

use crate::core::filter::{FilterSpec, JsPattern, JsRegex};
use crate::core::walk::DEFAULT_MAX_DEPTH;

use super::layout::LocalesLayoutStructure;

/// The src file pattern's `source`: `/\.(tsx?|jsx?|mjs|cjs|vue|svelte)$/i`, tested on a file's
/// name with JavaScript semantics.
pub const SRC_FILE_PATTERN_SOURCE: &str = r"\.(tsx?|jsx?|mjs|cjs|vue|svelte)$";
/// The src file pattern's `flags`.
pub const SRC_FILE_PATTERN_FLAGS: &str = "i";
/// The src file pattern in Rust `regex` syntax, for the engine's `include.pattern` string. It
/// equals the JavaScript pattern on ASCII names; the dispatch itself runs the JavaScript one.
pub const SRC_FILE_PATTERN: &str = r"(?i)\.(tsx?|jsx?|mjs|cjs|vue|svelte)$";

/// The src file pattern as a [`JsPattern`].
pub fn src_file_pattern() -> JsPattern {
    JsPattern::new(SRC_FILE_PATTERN_SOURCE, SRC_FILE_PATTERN_FLAGS)
}

/// The src file pattern compiled once per process (JavaScript semantics).
pub fn src_file_regex() -> &'static JsRegex {
    static RE: std::sync::OnceLock<JsRegex> = std::sync::OnceLock::new();
    RE.get_or_init(|| JsRegex::new(&src_file_pattern(), "srcPattern").expect("a valid pattern"))
}

/// Whether a src-relative key is a src file by the src pattern (tested on its last segment).
pub fn is_src_key(key: &str) -> bool {
    src_file_regex().is_match(key.rsplit('/').next().unwrap_or(key))
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
/// Directory names the `production` preset adds (before the host's own).
pub const PRODUCTION_SKIPPED_DIRS: [&str; 6] = [
    "node_modules",
    "dist",
    "build",
    "compiled",
    "tests",
    "bench",
];
/// File names the `production` preset adds.
pub const PRODUCTION_LOCKFILES: [&str; 3] = ["pnpm-lock.yaml", "package-lock.json", "yarn.lock"];
/// Extensions the `production` preset adds.
pub const PRODUCTION_EXTENSIONS: [&str; 8] = [
    "test.ts", "test.tsx", "spec.ts", "spec.tsx", "test.js", "test.jsx", "spec.js", "spec.jsx",
];
/// The locale walk's depth cap for nested layouts.
pub const LOCALE_MAX_DEPTH: usize = 16;
/// The src walk's depth cap.
pub const SRC_MAX_DEPTH: usize = DEFAULT_MAX_DEPTH;

/// The host's src excludes (`ScanExcludeConfig`), strings already normalised as the host
/// normalises them (names trimmed; extensions trimmed, lower-cased, one leading dot dropped;
/// empty ones dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SrcExclude {
    /// Directory names never entered.
    pub dirs: Vec<String>,
    /// `RegExp`s on a directory's name: matching directories are never entered.
    pub dir_patterns: Vec<JsPattern>,
    /// File base names never tracked.
    pub files: Vec<String>,
    /// `RegExp`s on a file's base name.
    pub file_patterns: Vec<JsPattern>,
    /// Dotted suffixes (`d.ts`, `test.ts`), lower case; every suffix of a name is tried.
    pub extensions: Vec<String>,
    /// `RegExp`s on every lower-cased dotted suffix of a file's name.
    pub extension_patterns: Vec<JsPattern>,
    /// `RegExp`s on a file's src-relative POSIX path.
    pub path_patterns: Vec<JsPattern>,
}

/// How to walk the src root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SrcWalkRules {
    /// The user's excludes.
    pub exclude: SrcExclude,
    /// Skip [`DEFAULT_SKIPPED_DIRS`] (default true).
    pub default_skipped_dirs: bool,
    /// The `production` preset.
    pub production: bool,
}

impl Default for SrcWalkRules {
    fn default() -> Self {
        Self {
            exclude: SrcExclude::default(),
            default_skipped_dirs: true,
            production: false,
        }
    }
}

impl SrcWalkRules {
    /// The filter spec of these rules (the host's walk, rule for rule).
    pub fn filter_spec(&self) -> FilterSpec {
        let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ex = &self.exclude;
        let mut spec = FilterSpec {
            exclude_dirs: ex.dirs.clone(),
            exclude_files: ex.files.clone(),
            exclude_suffixes: ex.extensions.clone(),
            suffixes_ignore_case: true,
            ..FilterSpec::default()
        };
        spec.js.include_name = Some(src_file_pattern());
        spec.js.exclude_dir_name = ex.dir_patterns.clone();
        spec.js.exclude_file_name = ex.file_patterns.clone();
        spec.js.exclude_suffix = ex.extension_patterns.clone();
        spec.js.exclude_file_path = ex.path_patterns.clone();
        if self.default_skipped_dirs {
            spec.exclude_dirs.extend(owned(&DEFAULT_SKIPPED_DIRS));
        }
        if self.production {
            spec.exclude_dirs.extend(owned(&PRODUCTION_SKIPPED_DIRS));
            spec.exclude_files.extend(owned(&PRODUCTION_LOCKFILES));
            spec.exclude_suffixes.extend(owned(&PRODUCTION_EXTENSIONS));
        }
        spec.exclude_dirs.sort();
        spec.exclude_dirs.dedup();
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
        rules.exclude.dir_patterns.push(JsPattern::new("^gen", ""));
        rules.exclude.extensions.push("d.ts".into());
        let f = Filter::new(&rules.filter_spec()).unwrap();
        assert!(f.keep_file("a.TSX", "x/a.TSX"));
        assert!(f.keep_file("a.svelte", "a.svelte"));
        assert!(!f.keep_file("a.json", "a.json"));
        assert!(!f.keep_file("a.d.ts", "a.d.ts"));
        assert!(
            !f.keep_file("a.D.TS", "a.D.TS"),
            "extensions compare lower-cased"
        );
        assert!(f.skip_dir("node_modules", "node_modules"));
        assert!(f.skip_dir("generated", "x/generated"));
        assert!(
            f.keep_file("generated.ts", "generated.ts"),
            "a dirs RegExp tests directories only"
        );
        assert!(!f.skip_dir("tests", "tests"));
        assert!(f.keep_file("a.test.ts", "a.test.ts"));
        // Long s is not an ASCII s for a non-unicode case-insensitive JavaScript RegExp.
        assert!(!f.keep_file("a.j\u{17f}", "a.j\u{17f}"));
        rules.production = true;
        rules.default_skipped_dirs = false;
        let f = Filter::new(&rules.filter_spec()).unwrap();
        assert!(
            f.skip_dir("node_modules", "node_modules"),
            "the preset lists it"
        );
        assert!(!f.skip_dir(".git", ".git"));
        assert!(f.skip_dir("tests", "tests"));
        assert!(!f.keep_file("a.test.ts", "a.test.ts"));
        assert!(!f.keep_file("a.spec.jsx", "a.spec.jsx"));
        assert!(f.keep_file("a.test.mjs", "a.test.mjs"), "the host reads it");
    }
}
