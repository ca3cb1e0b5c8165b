//! Content-addressed remote keys. A key never holds a machine path: it hashes (SHA-256) the
//! artifact format, the cache schema, the host's producer identity, the record hash algorithm,
//! the locales layout, the source segments, the src walk rules, where the src root and the
//! locales dir lie relative to the project root, and then either the input files epoch (the
//! exact key) or a commit (the base key). Two checkouts of one commit at different paths, on
//! different machines, get the same keys.

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::codes::{RemoteFailure, REMOTE_UNAVAILABLE};
use crate::core::contract::config::CACHE_SCHEMA_VERSION;
use crate::core::contract::dispatch::DispatchInput;
use crate::core::contract::hashing::TextHash;
use crate::core::contract::layout::CachedLocalesLayout;
use crate::core::contract::paths::to_posix_path;
use crate::core::contract::store_paths::resolve_path;
use crate::core::filter::JsPattern;

/// The version of the artifact format and of the key derivation.
pub const ARTIFACT_FORMAT: u32 = 1;

/// The src walk rules as they enter a key (canonical field order, plain lists; `RegExp`s as
/// their source and flags).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesIdentity {
    /// Directory names never entered.
    pub dirs: Vec<String>,
    /// `RegExp`s on a directory's name.
    pub dir_patterns: Vec<JsPattern>,
    /// File base names never tracked.
    pub files: Vec<String>,
    /// `RegExp`s on a file's base name.
    pub file_patterns: Vec<JsPattern>,
    /// Dotted suffixes, lower case.
    pub extensions: Vec<String>,
    /// `RegExp`s on every lower-cased dotted suffix.
    pub extension_patterns: Vec<JsPattern>,
    /// `RegExp`s on a file's src-relative path.
    pub path_patterns: Vec<JsPattern>,
    /// Whether the default skipped directories are skipped.
    pub default_skipped_dirs: bool,
    /// The `production` preset.
    pub production: bool,
}

/// Everything besides the files that shapes an analysis: equal identities and equal files
/// mean the same analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// [`ARTIFACT_FORMAT`].
    pub format: u32,
    /// The contract's cache schema version.
    pub schema: u32,
    /// The host's producer identity (default: cachecore's version and the schema).
    pub producer: String,
    /// The record hash algorithm (`sha256` or `blake3`).
    pub hash: String,
    /// The locales layout.
    pub layout: CachedLocalesLayout,
    /// The host's source segment keys, when it gave them.
    pub source_segments: Option<Vec<String>>,
    /// The src root relative to the project root (POSIX, `.` for the root itself).
    pub src_root: String,
    /// The locales dir relative to the project root.
    pub locales_dir: String,
    /// The source locale file the host reads, relative to the project root (absent when the
    /// host gives none).
    pub source_locale_path: Option<String>,
    /// The src walk rules.
    pub src_rules: RulesIdentity,
}

/// `to` relative to `from`, lexically (both absolute, `.`/`..` folded), POSIX: `src`,
/// `../shared/src`, `.`.
pub fn relative_posix(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c.as_os_str());
    }
    let s = out.to_string_lossy();
    if s.is_empty() {
        ".".to_owned()
    } else {
        to_posix_path(&s).into_owned()
    }
}

impl Identity {
    /// The identity of a dispatch. Fails (a `remote_unavailable` warning) when its records are
    /// hashed with FNV-1a: a key must rest on a collision-resistant content hash.
    pub fn of_dispatch(input: &DispatchInput, producer: &str) -> Result<Self, RemoteFailure> {
        if !matches!(input.hash, TextHash::Sha256 | TextHash::Blake3) {
            return Err(RemoteFailure::new(
                REMOTE_UNAVAILABLE,
                format!(
                    "the remote cache needs sha256 or blake3 content hashes (runtime.hashText), not {}; running without the remote",
                    input.hash
                ),
            ));
        }
        let root = &input.location.project_root;
        let ex = &input.src_rules.exclude;
        Ok(Self {
            format: ARTIFACT_FORMAT,
            schema: CACHE_SCHEMA_VERSION,
            producer: producer.to_owned(),
            hash: input.hash.to_string(),
            layout: input.locales.layout.clone(),
            source_segments: input.locales.source_segment_keys.clone(),
            src_root: relative_posix(root, &resolve_path(&input.src_root)),
            locales_dir: relative_posix(root, &resolve_path(&input.locales.dir)),
            source_locale_path: input
                .source_locale_path
                .as_deref()
                .map(|p| relative_posix(root, &resolve_path(p))),
            src_rules: RulesIdentity {
                dirs: ex.dirs.clone(),
                dir_patterns: ex.dir_patterns.clone(),
                files: ex.files.clone(),
                file_patterns: ex.file_patterns.clone(),
                extensions: ex.extensions.clone(),
                extension_patterns: ex.extension_patterns.clone(),
                path_patterns: ex.path_patterns.clone(),
                default_skipped_dirs: input.src_rules.default_skipped_dirs,
                production: input.src_rules.production,
            },
        })
    }

    /// The identity's canonical JSON (fixed field order).
    fn canonical(&self) -> String {
        serde_json::to_string(self).expect("an identity serialises")
    }

    fn key(&self, kind: &str, value: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"cachecore remote ");
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(self.canonical().as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        format!("{:x}", h.finalize())
    }

    /// The exact key: this identity and the input files epoch of the files.
    pub fn exact_key(&self, epoch: &str) -> String {
        self.key("exact", epoch)
    }

    /// The base key: this identity and the commit the artifact was built at.
    pub fn base_key(&self, commit: &str) -> String {
        self.key("base", commit)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::contract::dispatch::LocalesInput;
    use crate::core::contract::store_paths::{resolve_cache_location, CacheLocationInput};

    /// A dispatch input for a project at `root` (`src`, `locales`, flat `en`), cache in `home`.
    pub(crate) fn input_at(root: &Path, home: &Path) -> DispatchInput {
        let location = resolve_cache_location(&CacheLocationInput {
            home: Some(home.to_path_buf()),
            config_dir: None,
            project_root: root.to_path_buf(),
            hash: TextHash::Sha256,
        })
        .unwrap();
        DispatchInput::new(
            location,
            root.join("src"),
            LocalesInput {
                dir: root.join("locales"),
                layout: crate::core::contract::layout::tests::flat(),
                source_segment_keys: None,
            },
        )
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_posix(Path::new("/a/b"), Path::new("/a/b/src")),
            "src"
        );
        assert_eq!(relative_posix(Path::new("/a/b"), Path::new("/a/b")), ".");
        assert_eq!(
            relative_posix(Path::new("/a/b"), Path::new("/a/c/src")),
            "../c/src"
        );
    }

    #[test]
    fn keys_do_not_depend_on_where_the_checkout_is() {
        let a = Identity::of_dispatch(&input_at(Path::new("/home/ann/app"), Path::new("/h1")), "p")
            .unwrap();
        let b = Identity::of_dispatch(
            &input_at(Path::new("/runner/work/app/app"), Path::new("/h2")),
            "p",
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.exact_key("e1"), b.exact_key("e1"));
        assert_eq!(a.exact_key("e1").len(), 64);
        assert_ne!(a.exact_key("e1"), a.exact_key("e2"));
        assert_ne!(a.exact_key("c"), a.base_key("c"));
    }

    #[test]
    fn every_identity_part_changes_the_key() {
        let root = Path::new("/p");
        let base = input_at(root, Path::new("/h"));
        let key = |i: &DispatchInput, producer: &str| {
            Identity::of_dispatch(i, producer).unwrap().exact_key("e")
        };
        let k0 = key(&base, "p");
        assert_ne!(k0, key(&base, "q"), "producer");
        let mut i = base.clone();
        i.hash = TextHash::Blake3;
        assert_ne!(k0, key(&i, "p"), "hash");
        let mut i = base.clone();
        i.locales.layout.source = "de".into();
        assert_ne!(k0, key(&i, "p"), "layout");
        let mut i = base.clone();
        i.src_root = root.join("app");
        assert_ne!(k0, key(&i, "p"), "src root");
        let mut i = base.clone();
        i.src_rules.exclude.dirs.push("gen".into());
        assert_ne!(k0, key(&i, "p"), "rules");
        let mut i = base.clone();
        i.locales.source_segment_keys = Some(vec!["en.json".into()]);
        assert_ne!(k0, key(&i, "p"), "source segments");
        let mut i = base;
        i.hash = TextHash::Fnv1a64;
        assert!(Identity::of_dispatch(&i, "p").is_err(), "fnv is refused");
    }
}
