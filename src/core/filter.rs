//! Include and exclude rules applied during the walk.
//!
//! Paths given to the rules are root-relative POSIX paths. Excludes prune whole directories
//! (directory names, regexes and globs on the directory's path); files must pass every include
//! category that is set (the include regex and the include globs) and no exclude.
//!
//! Two regex dialects: pattern strings of the generic engine are Rust `regex` syntax (as
//! documented, `(?i)` for case-insensitive); JavaScript `RegExp`s a host hands over
//! ([`JsPattern`], its `source` and `flags`) run on `regress`, an ECMAScript engine, so they
//! match exactly what `RegExp.prototype.test` matches in the host. A JavaScript pattern
//! `regress` cannot run, or whose `test` is stateful (`g`, `y`), is refused, never approximated.

use std::collections::HashSet;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use super::error::{CoreError, CoreResult};
use super::js_suffix::LiteralSuffixes;

/// A JavaScript regular expression as a host wrote it: `RegExp.prototype.source` and `flags`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JsPattern {
    /// The pattern text (`re.source`).
    pub source: String,
    /// The flags (`re.flags`): any of `d`, `i`, `m`, `s`, `u`, `v`.
    pub flags: String,
}

impl JsPattern {
    /// A pattern with flags.
    pub fn new(source: impl Into<String>, flags: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            flags: flags.into(),
        }
    }
}

impl std::fmt::Display for JsPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}/{}", self.source, self.flags)
    }
}

/// A compiled [`JsPattern`]: `is_match` is `RegExp.prototype.test` on a fresh `RegExp`.
#[derive(Debug)]
pub struct JsRegex {
    re: regress::Regex,
    /// The exact byte-compare form of a `\.(words)$` pattern ([`LiteralSuffixes`]), when the
    /// pattern has that shape.
    suffixes: Option<LiteralSuffixes>,
    /// `u` or `v`: the text is read as code points, else as UTF-16 code units.
    unicode: bool,
    /// Case-insensitive without `u`/`v`: see [`NON_UNICODE_FOLDS`].
    legacy_icase: bool,
}

/// The two characters `regress` folds to ASCII letters in a case-insensitive pattern without
/// `u`: LATIN SMALL LETTER LONG S (to `s`) and KELVIN SIGN (to `k`). JavaScript does not: its
/// non-Unicode `Canonicalize` never maps a non-ASCII character to an ASCII one, so
/// `/s/i.test('\u{17f}')` is false. Both are found by a scan of every BMP character (see the
/// test). For a pattern made of ASCII only (checked when compiling), such a character then
/// behaves as any non-ASCII letter without case: [`JsRegex::is_match`] reads it as U+E000,
/// which `regress` does not fold either.
const NON_UNICODE_FOLDS: [u16; 2] = [0x017F, 0x212A];
/// What [`NON_UNICODE_FOLDS`] are read as.
const NO_CASE_PLACEHOLDER: u16 = 0xE000;

/// Whether a pattern's text can only denote ASCII characters: no non-ASCII character, no
/// `\u`/`\x` escape, no octal escape of 128 or more (`\200`..`\377`).
fn ascii_only_pattern(source: &str) -> bool {
    let b = source.as_bytes();
    if !source.is_ascii() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let n = b[i + 1];
            if n == b'u' || n == b'x' {
                return false;
            }
            if (n == b'2' || n == b'3')
                && b.get(i + 2).is_some_and(|c| (b'0'..=b'7').contains(c))
                && b.get(i + 3).is_some_and(|c| (b'0'..=b'7').contains(c))
            {
                return false;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    true
}

impl JsRegex {
    /// Compiles `pattern`; `option` names it in the `INVALID_OPTION` error for a flag whose
    /// `test` is stateful (`g`, `y`), an unknown or repeated flag, or a pattern `regress`
    /// cannot run.
    pub fn new(pattern: &JsPattern, option: &str) -> CoreResult<JsRegex> {
        let mut seen = String::new();
        for c in pattern.flags.chars() {
            if seen.contains(c) {
                return Err(CoreError::invalid_option(
                    option,
                    format!("{pattern}: flag {c:?} repeated"),
                ));
            }
            seen.push(c);
            match c {
                'd' | 'i' | 'm' | 's' | 'u' | 'v' => {}
                'g' | 'y' => {
                    return Err(CoreError::invalid_option(
                        option,
                        format!(
                            "{pattern}: a RegExp with the {c:?} flag is stateful (its test() \
                             starts at lastIndex), so what it matches depends on the order of the \
                             calls; drop the flag"
                        ),
                    ))
                }
                _ => {
                    return Err(CoreError::invalid_option(
                        option,
                        format!("{pattern}: unknown flag {c:?}"),
                    ))
                }
            }
        }
        let unicode = seen.contains('u') || seen.contains('v');
        if seen.contains('u') && seen.contains('v') {
            return Err(CoreError::invalid_option(
                option,
                format!("{pattern}: flags 'u' and 'v' exclude each other"),
            ));
        }
        let legacy_icase = seen.contains('i') && !unicode;
        if legacy_icase && !ascii_only_pattern(&pattern.source) {
            return Err(CoreError::invalid_option(
                option,
                format!(
                    "{pattern}: a case-insensitive pattern without the 'u' flag that names \
                     non-ASCII characters cannot be run with JavaScript's exact case rules; \
                     add the 'u' flag or write the characters' cases out"
                ),
            ));
        }
        // `d` (match indices) does not change what matches; regress ignores it.
        let flags: String = seen.chars().filter(|c| *c != 'd').collect();
        let re = regress::Regex::with_flags(&pattern.source, flags.as_str()).map_err(|e| {
            CoreError::invalid_option(
                option,
                format!("{pattern} cannot be run with JavaScript semantics: {e}"),
            )
        })?;
        Ok(JsRegex {
            re,
            suffixes: LiteralSuffixes::recognise(&pattern.source, &flags),
            unicode,
            legacy_icase,
        })
    }

    /// Whether the pattern matches somewhere in `text` (a search, as `test` does).
    pub fn is_match(&self, text: &str) -> bool {
        match &self.suffixes {
            Some(fast) => fast.is_match(text),
            None => self.is_match_by_engine(text),
        }
    }

    /// [`JsRegex::is_match`] by `regress`, whatever the pattern's shape.
    fn is_match_by_engine(&self, text: &str) -> bool {
        if text.is_ascii() {
            // ASCII text: code units, code points and bytes coincide.
            return self.re.find(text).is_some();
        }
        let mut units: Vec<u16> = text.encode_utf16().collect();
        if self.legacy_icase {
            for u in units.iter_mut() {
                if NON_UNICODE_FOLDS.contains(u) {
                    *u = NO_CASE_PLACEHOLDER;
                }
            }
        }
        if self.unicode {
            self.re.find_from_utf16(&units, 0).next().is_some()
        } else {
            self.re.find_from_ucs2(&units, 0).next().is_some()
        }
    }
}

/// JavaScript rules (see [`JsPattern`]), each with the part of a path it is tested on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsRules {
    /// A file's relative path must match (the engine's `include.pattern` as a `RegExp`).
    pub include_path: Option<JsPattern>,
    /// A file's base name must match (the contract's src file pattern).
    pub include_name: Option<JsPattern>,
    /// Files and directories whose relative path matches are dropped (the engine's
    /// `exclude.patterns` given as `RegExp`s).
    pub exclude_path: Vec<JsPattern>,
    /// Files whose relative path matches are dropped (the contract's `exclude.patterns`).
    pub exclude_file_path: Vec<JsPattern>,
    /// Directories whose name matches are never entered (the contract's `exclude.dirs`).
    pub exclude_dir_name: Vec<JsPattern>,
    /// Files whose base name matches are dropped (the contract's `exclude.files`).
    pub exclude_file_name: Vec<JsPattern>,
    /// Files with a dotted suffix that matches, lower-cased, are dropped (the contract's
    /// `exclude.extensions`).
    pub exclude_suffix: Vec<JsPattern>,
}

impl JsRules {
    /// Whether no rule is set.
    pub fn is_empty(&self) -> bool {
        *self == JsRules::default()
    }
}

#[derive(Debug, Default)]
struct JsCompiled {
    include_path: Option<JsRegex>,
    include_name: Option<JsRegex>,
    exclude_path: Vec<JsRegex>,
    exclude_file_path: Vec<JsRegex>,
    exclude_dir_name: Vec<JsRegex>,
    exclude_file_name: Vec<JsRegex>,
    exclude_suffix: Vec<JsRegex>,
}

fn compile_all(patterns: &[JsPattern], option: &str) -> CoreResult<Vec<JsRegex>> {
    patterns.iter().map(|p| JsRegex::new(p, option)).collect()
}

impl JsCompiled {
    fn new(r: &JsRules) -> CoreResult<Self> {
        Ok(Self {
            include_path: r
                .include_path
                .as_ref()
                .map(|p| JsRegex::new(p, "include.pattern"))
                .transpose()?,
            include_name: r
                .include_name
                .as_ref()
                .map(|p| JsRegex::new(p, "srcPattern"))
                .transpose()?,
            exclude_path: compile_all(&r.exclude_path, "exclude.patterns")?,
            exclude_file_path: compile_all(&r.exclude_file_path, "exclude.patterns")?,
            exclude_dir_name: compile_all(&r.exclude_dir_name, "exclude.dirs")?,
            exclude_file_name: compile_all(&r.exclude_file_name, "exclude.files")?,
            exclude_suffix: compile_all(&r.exclude_suffix, "exclude.extensions")?,
        })
    }
}

fn any_match(res: &[JsRegex], text: &str) -> bool {
    res.iter().any(|r| r.is_match(text))
}

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
    /// Compare `exclude_suffixes` with a name's suffixes lower-cased (the contract's
    /// `exclude.extensions`, which the host lower-cases).
    pub suffixes_ignore_case: bool,
    /// JavaScript rules.
    pub js: JsRules,
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
    suffixes_ignore_case: bool,
    js: JsCompiled,
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
            // The contract's extensions come normalised as the host does it (one leading dot
            // dropped); the engine's drop every leading dot.
            exclude_suffixes: spec
                .exclude_suffixes
                .iter()
                .map(|s| match spec.suffixes_ignore_case {
                    true => s.clone(),
                    false => s.trim_start_matches('.').to_string(),
                })
                .filter(|s| !s.is_empty())
                .collect(),
            exclude_res,
            exclude_globs: glob_set("exclude.globs", &spec.exclude_globs)?,
            suffixes_ignore_case: spec.suffixes_ignore_case,
            js: JsCompiled::new(&spec.js)?,
        })
    }

    /// A filter that keeps everything.
    pub fn all() -> Filter {
        Filter::new(&FilterSpec::default()).expect("empty spec compiles")
    }

    fn excluded_path(&self, rel: &str) -> bool {
        self.exclude_res.as_ref().is_some_and(|s| s.is_match(rel))
            || self.exclude_globs.as_ref().is_some_and(|g| g.is_match(rel))
            || any_match(&self.js.exclude_path, rel)
    }

    /// Whether the walk must not enter the directory `name` at `rel`.
    pub fn skip_dir(&self, name: &str, rel: &str) -> bool {
        self.exclude_dirs.contains(name)
            || self.excluded_path(rel)
            || any_match(&self.js.exclude_dir_name, name)
    }

    fn excluded_suffix(&self, name: &str) -> bool {
        // Every dotted suffix, longest first: `a.test.ts` -> `test.ts`, `ts`.
        fn any_suffix(name: &str, hit: impl Fn(&str) -> bool) -> bool {
            let mut rest = name;
            while let Some(i) = rest.find('.') {
                rest = &rest[i + 1..];
                if hit(rest) {
                    return true;
                }
            }
            false
        }
        let js = &self.js.exclude_suffix;
        if self.exclude_suffixes.is_empty() && js.is_empty() {
            return false;
        }
        let lowered = if self.suffixes_ignore_case || !js.is_empty() {
            Some(name.to_lowercase())
        } else {
            None
        };
        let lower = lowered.as_deref().unwrap_or(name);
        let strings = if self.suffixes_ignore_case {
            lower
        } else {
            name
        };
        (!self.exclude_suffixes.is_empty()
            && any_suffix(strings, |s| self.exclude_suffixes.contains(s)))
            || (!js.is_empty() && any_suffix(lower, |s| any_match(js, s)))
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
        let js = &self.js;
        if js.include_path.as_ref().is_some_and(|r| !r.is_match(rel))
            || js.include_name.as_ref().is_some_and(|r| !r.is_match(name))
        {
            return false;
        }
        if self.exclude_files.contains(name)
            || self.excluded_path(rel)
            || any_match(&js.exclude_file_name, name)
            || any_match(&js.exclude_file_path, rel)
        {
            return false;
        }
        !self.excluded_suffix(name)
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

    fn js(source: &str, flags: &str) -> JsRegex {
        JsRegex::new(&JsPattern::new(source, flags), "p").unwrap()
    }

    /// Names built from the characters that could fool a suffix compare: the pattern's letters
    /// in both cases, dots, line breaks (for `$`), the two letters `regress` folds onto ASCII,
    /// other non-ASCII letters and an astral character.
    fn suffix_names() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let alphabet = prop::sample::select(vec![
            "t",
            "T",
            "s",
            "S",
            "x",
            "X",
            "j",
            "J",
            "m",
            "c",
            "v",
            "u",
            "e",
            "l",
            "E",
            "L",
            ".",
            ".",
            "\n",
            "\r",
            "\u{2028}",
            "\u{17f}",
            "\u{212a}",
            "\u{130}",
            "\u{131}",
            "\u{e9}",
            "\u{1F600}",
            "a",
            "0",
            "/",
        ]);
        prop::collection::vec(alphabet, 0..9).prop_map(|parts| parts.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The byte-compare fast path answers exactly what `regress` answers.
        #[test]
        fn the_suffix_fast_path_equals_the_engine(name in suffix_names()) {
            for (source, flags) in [
                (r"\.(tsx?|jsx?|mjs|cjs|vue|svelte)$", "i"),
                (r"\.(tsx?|jsx?|mjs|cjs|vue|svelte)$", ""),
                (r"\.(?:ts|x0|Sel?)$", "ds"),
                (r"\.(ts)$", "i"),
            ] {
                let re = js(source, flags);
                proptest::prop_assert!(re.suffixes.is_some(), "/{source}/{flags} takes the fast path");
                proptest::prop_assert_eq!(
                    re.is_match(&name),
                    re.is_match_by_engine(&name),
                    "/{}/{} on {:?}", source, flags, name
                );
            }
        }
    }

    #[test]
    fn patterns_of_other_shapes_run_on_the_engine() {
        assert!(js(r"\.(ts)$", "m").suffixes.is_none());
        assert!(js(r"\.(ts)$", "iu").suffixes.is_none());
        assert!(
            js(r"\.(ts)$", "m").is_match("a.ts\nb"),
            "m: $ before a line break"
        );
        assert!(
            js(r"\.(ts)$", "iu").is_match("a.t\u{17f}"),
            "iu: U+017F folds onto s"
        );
    }

    #[test]
    fn js_patterns_match_as_javascript() {
        // Expected values are what V8 answers (node -e), not what Rust's regex would.
        assert!(!js(r"gen_\d\.ts$", "").is_match("gen_\u{663}.ts"));
        assert!(js(r"gen_\d\.ts$", "").is_match("gen_3.ts"));
        assert!(!js(r"^\w+$", "").is_match("caf\u{e9}"));
        assert!(js(r"\bx", "").is_match("\u{e9}x"), "é is no word character");
        assert!(!js("s", "i").is_match("\u{17f}"));
        assert!(js("s", "iu").is_match("\u{17f}"));
        assert!(!js(r"\w", "i").is_match("\u{17f}"));
        assert!(js(r"\w", "iu").is_match("\u{17f}"));
        assert!(!js("[a-z]", "i").is_match("\u{212a}"));
        assert!(js("[a-z]", "iu").is_match("\u{212a}"));
        assert!(js("^.$", "").is_match("\u{e9}"));
        assert!(
            !js("^.$", "").is_match("\u{1F600}"),
            "two code units without u"
        );
        assert!(js("^.$", "u").is_match("\u{1F600}"));
        assert!(js("^a.b$", "s").is_match("a\nb"));
        assert!(!js("^a.b$", "").is_match("a\nb"));
        assert!(js("^b", "m").is_match("a\nb"));
    }

    #[test]
    fn stateful_or_inexact_js_patterns_are_refused() {
        for (source, flags) in [
            ("a", "g"),
            ("a", "y"),
            ("a", "ii"),
            ("a", "x"),
            ("(", ""),
            ("\u{e9}", "i"),
            ("\\u00e9", "i"),
            ("a", "uv"),
        ] {
            let e = JsRegex::new(&JsPattern::new(source, flags), "exclude.dirs[0]").unwrap_err();
            assert_eq!(e.code(), "INVALID_OPTION", "/{source}/{flags}");
            assert!(e.to_string().contains("exclude.dirs[0]"), "{e}");
        }
        assert!(JsRegex::new(&JsPattern::new("\u{e9}", "iu"), "p").is_ok());
        assert!(JsRegex::new(&JsPattern::new("a", "dims"), "p").is_ok());
    }

    #[test]
    fn only_long_s_and_kelvin_fold_to_ascii_in_regress() {
        // The premise of NON_UNICODE_FOLDS: in a case-insensitive non-Unicode regress pattern,
        // no other BMP character reaches an ASCII letter.
        let a = regress::Regex::with_flags("[a-z]", "i").unwrap();
        let w = regress::Regex::with_flags(r"\w", "i").unwrap();
        let hits: Vec<u32> = (0x80u32..=0xFFFF)
            .filter(|c| !(0xD800..0xE000).contains(c))
            .filter(|&c| {
                let u = [c as u16];
                a.find_from_ucs2(&u, 0).next().is_some() || w.find_from_ucs2(&u, 0).next().is_some()
            })
            .collect();
        assert_eq!(
            hits,
            NON_UNICODE_FOLDS
                .iter()
                .map(|&u| u32::from(u))
                .collect::<Vec<_>>()
        );
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
