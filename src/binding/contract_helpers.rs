//! §9 helpers: `computeCacheContentHash`, `computeInputFilesEpoch`, `computeCacheProjectId`
//! and `normalizeProjectRootKey`. `hashText` may be a JavaScript function (called
//! synchronously on this thread, as the TypeScript code does) or an algorithm name, in which
//! case hashing stays native.

use std::cell::RefCell;

use napi::bindgen_prelude::{Function, Unknown, Utf16String};
use napi::{Env, ValueType};
use napi_derive::napi;

use super::contract_policy::record_map;
use super::errors::{arg, exported, invalid, strict_arg};
use super::fingerprint::HashAlgorithm;
use super::option_keys::CACHE_PROJECT_ID_OPTIONS;
use crate::core::contract::hashing::{self as core, TextHash};

/// A host's text hasher: `(text: string) => string`.
type JsHashText<'a> = Function<'a, String, Unknown<'a>>;

/// What hashes text: a JavaScript function or a native algorithm.
enum Hasher<'a> {
    Native(TextHash),
    Js(JsHashText<'a>),
}

impl From<HashAlgorithm> for TextHash {
    fn from(a: HashAlgorithm) -> Self {
        match a {
            HashAlgorithm::Sha256 => TextHash::Sha256,
            HashAlgorithm::Blake3 => TextHash::Blake3,
            HashAlgorithm::Fnv1a64 => TextHash::Fnv1a64,
        }
    }
}

/// Reads an optional `hashText`: `undefined`/`null` -> FNV-1a (the contract's fallback); a
/// function -> that function; an algorithm name -> that algorithm; anything else ->
/// `INVALID_OPTION`.
fn hasher_arg<'a>(env: &Env, value: Option<Unknown<'a>>) -> napi::Result<Hasher<'a>> {
    let Some(value) = value else {
        return Ok(Hasher::Native(TextHash::default()));
    };
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(Hasher::Native(TextHash::default())),
        ValueType::Function => Ok(Hasher::Js(arg(env, value, "hashText")?)),
        ValueType::String => {
            let name: String = arg(env, value, "hashText")?;
            TextHash::parse(&name).map(Hasher::Native).ok_or_else(|| {
                invalid(
                    env,
                    "hashText",
                    format!(
                        "unknown algorithm {name:?} (expected 'sha256', 'blake3' or 'fnv1a64')"
                    ),
                )
            })
        }
        other => Err(invalid(
            env,
            "hashText",
            format!("expected a function or an algorithm name, got {other}"),
        )),
    }
}

impl Hasher<'_> {
    /// Runs a core `_with` helper over this hasher. A JavaScript hasher that throws makes the
    /// call throw that very exception; one that returns a non-string is `INVALID_OPTION`.
    fn run<T>(
        &self,
        env: &Env,
        native: impl FnOnce(TextHash) -> T,
        with: impl FnOnce(&dyn Fn(&str) -> String) -> T,
    ) -> napi::Result<T> {
        let f = match self {
            Hasher::Native(algo) => return Ok(native(*algo)),
            Hasher::Js(f) => f,
        };
        let failure: RefCell<Option<napi::Error>> = RefCell::new(None);
        let hash = |text: &str| -> String {
            if failure.borrow().is_some() {
                return String::new();
            }
            let result = f.call(text.to_owned()).and_then(|v| {
                if v.get_type()? == ValueType::String {
                    arg::<String>(env, v, "hashText")
                } else {
                    Err(invalid(
                        env,
                        "hashText",
                        format!("must return a string, returned {}", v.get_type()?),
                    ))
                }
            });
            result.unwrap_or_else(|e| {
                *failure.borrow_mut() = Some(e);
                String::new()
            })
        };
        let out = with(&hash);
        match failure.into_inner() {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

/// `computeCacheContentHash(text, hashText?)`: `hashText(text)` when given (a function or an
/// algorithm name), else 64-bit FNV-1a over the string's UTF-16 code units, lowercase hex
/// padded to 16.
#[napi(
    ts_args_type = "text: string, hashText?: CacheRuntime['hashText']",
    ts_return_type = "string"
)]
pub fn compute_cache_content_hash(
    env: Env,
    text: Unknown<'_>,
    hash_text: Option<Unknown<'_>>,
) -> napi::Result<String> {
    exported(&env, "computeCacheContentHash", || {
        let units: Utf16String = arg(&env, text, "text")?;
        let hasher = hasher_arg(&env, hash_text)?;
        if let Hasher::Native(TextHash::Fnv1a64) = hasher {
            // Over the string's own code units, so a lone surrogate hashes as in JavaScript.
            return Ok(core::fnv1a64_utf16_units(&units));
        }
        let text = String::from_utf16_lossy(&units);
        hasher.run(
            &env,
            |algo| core::compute_cache_content_hash(&text, algo),
            |f| core::compute_cache_content_hash_with(&text, f),
        )
    })
}

/// `computeInputFilesEpoch(files, hashText?)`: sorts the keys (by UTF-16 code units, as
/// `Array.prototype.sort`), writes one line per record (key, tab, hash, tab, size, newline)
/// and hashes the whole string by the same rule as `computeCacheContentHash` (mtimeMs and
/// updatedAt are not part of it).
#[napi(
    ts_args_type = "files: Record<string, CacheFileRecord>, hashText?: CacheRuntime['hashText']",
    ts_return_type = "string"
)]
pub fn compute_input_files_epoch(
    env: Env,
    files: Unknown<'_>,
    hash_text: Option<Unknown<'_>>,
) -> napi::Result<String> {
    exported(&env, "computeInputFilesEpoch", || {
        let files = record_map(&env, files, "files")?;
        let hasher = hasher_arg(&env, hash_text)?;
        hasher.run(
            &env,
            |algo| core::compute_input_files_epoch(&files, algo),
            |f| core::compute_input_files_epoch_with(&files, f),
        )
    })
}

/// The options of `computeCacheProjectId`.
#[napi(object, object_to_js = false)]
pub struct CacheProjectIdOptions<'a> {
    /// The hasher: a function or an algorithm name (default FNV-1a).
    #[napi(ts_type = "CacheRuntime['hashText']")]
    pub hash_text: Option<Unknown<'a>>,
}

/// `computeCacheProjectId(root, { hashText? }?)`: the first 16 characters of the hash of the
/// absolute root made POSIX (`\` to `/`), NFC, lower-cased.
#[napi(
    ts_args_type = "root: string, options?: CacheProjectIdOptions | undefined | null",
    ts_return_type = "string"
)]
pub fn compute_cache_project_id(
    env: Env,
    root: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<String> {
    exported(&env, "computeCacheProjectId", || {
        let root: String = arg(&env, root, "root")?;
        let hash_text = match options {
            None => None,
            Some(o) => match o.get_type()? {
                ValueType::Undefined | ValueType::Null => None,
                ValueType::Object => {
                    strict_arg::<CacheProjectIdOptions<'_>>(
                        &env,
                        o,
                        "options",
                        CACHE_PROJECT_ID_OPTIONS,
                        &[],
                    )?
                    .hash_text
                }
                other => {
                    return Err(invalid(
                        &env,
                        "options",
                        format!("expected an object, got {other}"),
                    ))
                }
            },
        };
        let hasher = hasher_arg(&env, hash_text)?;
        hasher.run(
            &env,
            |algo| core::compute_cache_project_id(&root, algo),
            |f| core::compute_cache_project_id_with(&root, f),
        )
    })
}

/// `normalizeProjectRootKey(root)`: the key of `meta.json`'s `projects`: POSIX, NFC, trailing
/// slashes trimmed, then one `/` appended; case kept.
#[napi(ts_args_type = "root: string", ts_return_type = "string")]
pub fn normalize_project_root_key(env: Env, root: Unknown<'_>) -> napi::Result<String> {
    exported(&env, "normalizeProjectRootKey", || {
        let root: String = arg(&env, root, "root")?;
        Ok(core::normalize_project_root_key(&root))
    })
}

/// The default rules of the §8 walks, as the dispatch applies them: hosts and tools that run
/// `fingerprint` over a project's src and locales (the `cachecore` CLI does) take them from
/// here instead of restating them.
#[napi(object, object_from_js = false)]
pub struct TrackedWalkRules {
    /// The src file pattern (case-insensitive extensions), for `include.pattern`.
    pub src_pattern: String,
    /// Directory names the src walk skips by default, for `exclude.dirs`.
    pub skipped_dirs: Vec<String>,
    /// The src walk's depth cap.
    pub src_max_depth: u32,
    /// The locale walk's depth cap for nested layouts (`locale_file` is top level only).
    pub locale_max_depth: u32,
}

/// `trackedWalkRules()`: the default rules of the src and locale walks (§8).
#[napi]
pub fn tracked_walk_rules() -> TrackedWalkRules {
    use crate::core::contract::walk_specs as w;
    TrackedWalkRules {
        src_pattern: w::SRC_FILE_PATTERN.to_string(),
        skipped_dirs: w::DEFAULT_SKIPPED_DIRS
            .iter()
            .map(|d| d.to_string())
            .collect(),
        src_max_depth: w::SRC_MAX_DEPTH as u32,
        locale_max_depth: w::LOCALE_MAX_DEPTH as u32,
    }
}
