//! §5 dispatch: `getOrBuildCachedProjectData` (synchronous producer) and its two-phase form for
//! asynchronous producers, `beginCachedProjectData` -> `CachedProjectDataHandle` ->
//! `handle.commit(data)` / `commitCachedProjectData(handle, data)`. Both run the same core path
//! (`crate::core::contract::dispatch::{begin, decide, commit}`).
//!
//! Data crosses as JSON text: cached data reaches JavaScript through the global `JSON.parse`,
//! and the producer's data is serialised with the global `JSON.stringify` (a value it cannot
//! serialise is `INVALID_DATA`, and nothing is persisted).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use napi::bindgen_prelude::{
    ClassInstance, Either, JsObjectValue, Object, ObjectFinalize, Unknown,
};
use napi::{Env, ValueType};
use napi_derive::napi;

use super::contract_config::CacheRebuildConfig;
use super::contract_policy::{record_map, LocalesLayoutMode, LocalesLayoutStructure};
use super::contract_state::{
    caps_from, location_of, lock_timeout_from, runtime_record_hash, CacheCapsOptions,
    CacheDisableReason, CacheState,
};
use super::errors::{
    arg, call_host, coded, coded_type_error, exported, invalid, reject_unknown_keys, strict_arg,
    to_js,
};
use super::handoff::{
    define_lazy_json, json_parse, json_stringify, parse_stored, to_js_json, HeldValue,
};
use super::host_io::{with_io, JsIo};
use super::js_regexp::js_pattern;
use super::option_keys::{
    CACHED_PROJECT_INPUT, CACHED_PROJECT_LOCALES, CACHE_CAPS_OPTIONS, CACHE_REBUILD_CONFIG,
    TRACK_PROJECT_FILES_INPUT,
};
use crate::core::contract::analysis_file::JsonData;
use crate::core::contract::config::CacheMode;
use crate::core::contract::dispatch::{
    self as core, DispatchAction, DispatchInput, DispatchPlan, LocalesInput,
};
use crate::core::contract::dispatch_info::CacheDispatchInfo;
use crate::core::contract::io::{CacheIo, NativeIo, ScanJob, ScanTree};
use crate::core::contract::iso_time::now_iso;
use crate::core::contract::layout::{self as core_layout, CachedLocalesLayout};
use crate::core::contract::paths::to_posix_path;
use crate::core::contract::store_paths::resolve_path;
use crate::core::contract::tracked::{LOCALE_HINT_PREFIX, SRC_HINT_PREFIX};
use crate::core::contract::walk_specs;
use crate::core::contract::walk_specs::{SrcExclude, SrcWalkRules};
use crate::core::filter::{Filter, JsPattern, JsRegex};

/// The locales of a dispatch (the TypeScript `LocalesFilesystemConfig`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CachedProjectLocales {
    /// The source locale code (`en`).
    pub source: String,
    /// The locales directory as configured (stored in the layout fingerprint).
    pub directory: String,
    /// `flat_file` (default) or `locale_directory`.
    pub mode: Option<LocalesLayoutMode>,
    /// Default `locale_file` for `flat_file`, `locale_per_dir` for `locale_directory`.
    pub structure: Option<LocalesLayoutStructure>,
}

/// The input of `getOrBuildCachedProjectData` and `beginCachedProjectData` (the TypeScript
/// `CachedProjectInput<T>`): `T` is the host's data, what `producer` returns and
/// `parseCachedData` accepts.
#[napi(
    object,
    object_to_js = false,
    js_name = "CachedProjectInput<T = unknown>"
)]
pub struct CachedProjectInput<'a> {
    /// From `initializeCacheState`.
    pub state: CacheState,
    /// The host's port bag; only `hashText` is read (the hash of records and epochs; default
    /// SHA-256, as the i18nprune CLI passes; FNV-1a only when named). Use the same one as for
    /// the state.
    #[napi(ts_type = "CacheRuntime")]
    pub runtime: Option<Unknown<'a>>,
    /// The source locale file; for `flat_file` its locales-dir-relative path is the source
    /// segment key.
    pub source_locale_path: String,
    /// The src root.
    pub src_root: String,
    /// The locales directory.
    pub locales_dir: String,
    /// The locales layout.
    pub locales: CachedProjectLocales,
    /// Every source segment key (cachecore's; default: the source file for `flat_file`, every
    /// segment under `<source>/` for `locale_directory`).
    pub source_locale_segment_keys: Option<Vec<String>>,
    /// The src excludes (the TypeScript `ScanExcludeConfig`): `preset: 'production'`, `dirs`
    /// (names or RegExps), `files` (base names or RegExps), `extensions` (dotted suffixes),
    /// `patterns` (regular expressions on the src-relative POSIX path, strings or RegExps),
    /// `useDefaultSkip` (default true).
    #[napi(
        ts_type = "{ preset?: 'production'; dirs?: Array<string | RegExp>; files?: Array<string | RegExp>; extensions?: string[]; patterns?: Array<string | RegExp>; useDefaultSkip?: boolean }"
    )]
    pub exclude: Option<Unknown<'a>>,
    /// The src files the host's analyzer reads, tested on the src-relative POSIX path (a RegExp,
    /// or its source as a string). Default `/\.(tsx?|jsx?|mjs|cjs|vue|svelte)$/i`, exactly what
    /// i18nprune's analyzer reads: a host whose analyzer also reads `.mts` and `.cts` passes
    /// `/\.(tsx?|[mc]?ts|jsx?|mjs|cjs|vue|svelte)$/i`, so an edit there invalidates the analysis.
    #[napi(ts_type = "string | RegExp")]
    pub src_pattern: Option<Unknown<'a>>,
    /// Builds the data, synchronously: `producer(ctx)` when the cache is on, `producer()` with
    /// no argument when it is off. Required by `getOrBuildCachedProjectData`, ignored by
    /// `beginCachedProjectData`.
    #[napi(ts_type = "(ctx?: CacheProducerContext<T>) => T")]
    pub producer: Option<Unknown<'a>>,
    /// Validates cached data (the stored JSON, so `unknown`); `{ ok: true, data }` serves `data`.
    #[napi(ts_type = "(data: unknown) => { ok: true; data: T } | { ok: false }")]
    pub parse_cached_data: Option<Unknown<'a>>,
    /// The rebuild slice of the resolved config (default balanced: partial, 40).
    pub rebuild_config: Option<CacheRebuildConfig>,
    /// A baseline read before any dispatch of this run, instead of the stored index.
    #[napi(ts_type = "Record<string, CacheFileRecord>")]
    pub baseline_files: Option<Unknown<'a>>,
    /// Effective size caps.
    pub caps: Option<CacheCapsOptions>,
    /// How long a writer waits for a cache lock, in ms.
    pub lock_timeout_ms: Option<f64>,
    /// Take the current records from a live, settled `watch()` of this process covering the
    /// src root and the locales dir, when its options allow (default true); else walk.
    pub use_watcher: Option<bool>,
    /// The host's own IO ports (`getOrBuildCachedProjectData` only): the trees are listed and
    /// every tracked file read and hashed through them, the cache files read and written
    /// through them, and nothing touches this machine's disk. The policy stays cachecore's;
    /// there are no stat hints, locks or same-process memory (every dispatch reads what it
    /// fingerprints, as the TypeScript core did). `runtime.hashText` is then not probed: the
    /// hasher is `io.hashText`.
    #[napi(ts_type = "CacheIoPorts")]
    pub io: Option<Unknown<'a>>,
    /// The shared cache across machines: `false` off; an object overrides the environment
    /// field by field; absent, the environment decides (`TURBO_API`, `TURBO_TOKEN`,
    /// `TURBO_TEAM`, `TURBO_REMOTE_CACHE_SIGNATURE_KEY`, `CACHECORE_REMOTE_DIR`, ...). On a
    /// local miss the exact remote key is tried, then a base commit's; after a build the
    /// artifact is uploaded in the background. Remote problems are warnings, never errors.
    #[napi(ts_type = "boolean | RemoteCacheOptions")]
    pub remote: Option<Unknown<'a>>,
    /// The async forms only: called with progress while the trees are walked and read (at
    /// most every 50 ms, and once when done).
    #[napi(ts_type = "(progress: FingerprintProgress) => void")]
    pub on_progress: Option<Unknown<'a>>,
    /// The async forms only: aborts the walk and the hashing, and any step not begun yet
    /// (the producer, the commit); the promise rejects with an `AbortError` (`name:
    /// 'AbortError'`, `cause`: the signal's `reason`, `code: 'ABORTED'`) and nothing is
    /// persisted. Ignored by the sync forms.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Unknown<'a>>,
}

/// The producer's context: `{ delta, classified, previous?, trackedSrcCount, rebuildConfig, analysisRebuild }`.
#[napi(object, js_name = "CacheProducerContext<T = unknown>")]
pub struct CacheProducerContext {
    /// The delta against the baseline.
    pub delta: super::contract_policy::CacheFileDelta,
    /// The classified delta.
    pub classified: super::contract_policy::ClassifiedCacheFileDelta,
    /// The previous data, when it is a valid base to patch: the stored data (through
    /// `JSON.parse`) that `parseCachedData` accepted.
    #[napi(ts_type = "T")]
    pub previous: Option<serde_json::Value>,
    /// The tracked src file count.
    pub tracked_src_count: f64,
    /// The rebuild config.
    pub rebuild_config: CacheRebuildConfig,
    /// The rebuild decision.
    pub analysis_rebuild: super::contract_policy::AnalysisRebuildDecision,
}

/// Where a dispatch spent its time, in milliseconds: cachecore's diagnostics (not part of the
/// contract), for hosts that explain a slow run.
#[napi(object, object_from_js = false)]
#[derive(Clone, Copy, Default)]
pub struct DispatchTimings {
    /// `meta.json` maintenance, `files.json` and the stat hints, walking, stat'ing and hashing
    /// the tracked files.
    pub scan_ms: f64,
    /// Reading and checking `analysis.json`'s envelope (its data stays on disk when the file is
    /// in cachecore's layout).
    pub envelope_ms: f64,
    /// Reading the stored data and parsing it with `JSON.parse` (which also validates it), when
    /// the decision uses it.
    pub data_ms: f64,
    /// The host's `parseCachedData` and the decision.
    pub decide_ms: f64,
    /// Serialising the producer's data (`JSON.stringify`) and persisting; 0 before `commit`.
    pub commit_ms: f64,
    /// The part of `commitMs` spent in `JSON.stringify` of the producer's data (V8's own
    /// serialiser; 0 when nothing new was produced).
    pub stringify_ms: f64,
}

/// What the fingerprint step of a dispatch read (cachecore's diagnostics): how many tracked
/// files were read and hashed, how many kept their stored hash through a whole-tuple stat hint
/// without being opened, and the content bytes read.
#[napi(object, object_from_js = false)]
#[derive(Clone, Copy, Default)]
pub struct DispatchScanStats {
    /// Tracked files whose content was read.
    pub hashed: f64,
    /// Tracked files whose stored hash was reused without reading them.
    pub reused: f64,
    /// Content bytes read.
    pub bytes_read: f64,
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `{ data, cache, memoryHit, fromWatcher, timings }`.
#[napi(
    object,
    object_from_js = false,
    js_name = "CachedProjectResult<T = unknown>"
)]
pub struct CachedProjectResult<'a> {
    /// The data: the producer's value, or the cached data (`parseCachedData`'s `data` when
    /// given, else `JSON.parse` of the stored JSON).
    #[napi(ts_type = "T")]
    pub data: Unknown<'a>,
    /// The `cache` info (print it with `cacheDispatchMessageLines`).
    #[napi(ts_type = "CacheDispatchInfo")]
    pub cache: Unknown<'a>,
    /// A same-process repeat served from memory: print `cacheMemoryHitMessageLines(label)`
    /// (`<label> cache memory hit (same_run)`).
    pub memory_hit: bool,
    /// Whether the current src and locale records came from a live, settled `watch()` of this
    /// process that covers both trees (no walk, nothing stat'ed or read) rather than a walk.
    pub from_watcher: bool,
    /// Where the dispatch spent its time.
    pub timings: DispatchTimings,
}

/// One rule of a `ScanExcludeConfig` list: a string, or a `RegExp` (run with JavaScript
/// semantics; one the core cannot run exactly is `INVALID_OPTION` naming it).
enum Rule {
    Text(String),
    Pattern(JsPattern),
}

fn rule(env: &Env, v: Unknown<'_>, what: &str) -> napi::Result<Rule> {
    match v.get_type()? {
        ValueType::String => Ok(Rule::Text(arg(env, v, what)?)),
        ValueType::Object => match js_pattern(env, v, what)? {
            Some(p) => Ok(Rule::Pattern(p)),
            None => Err(invalid(env, what, "expected a string or a RegExp")),
        },
        other => Err(invalid(
            env,
            what,
            format!("expected a string or a RegExp, got {other}"),
        )),
    }
}

fn list(env: &Env, o: &Object<'_>, name: &str) -> napi::Result<Vec<Rule>> {
    let v: Option<Unknown<'_>> = o.get_named_property(name)?;
    let Some(v) = v else { return Ok(Vec::new()) };
    if matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) {
        return Ok(Vec::new());
    }
    let items: Vec<Unknown<'_>> = arg(env, v, &format!("exclude.{name}"))?;
    items
        .into_iter()
        .enumerate()
        .map(|(n, i)| rule(env, i, &format!("exclude.{name}[{n}]")))
        .collect()
}

/// The keys of a `ScanExcludeConfig`.
const EXCLUDE_KEYS: &[&str] = &[
    "preset",
    "dirs",
    "files",
    "extensions",
    "patterns",
    "useDefaultSkip",
];

/// The host's src file pattern (`None` when absent: the contract's default): a `RegExp` (its
/// `source` and `flags`) or a string (a JavaScript pattern source, no flags), tested on a file's
/// name with JavaScript semantics. A pattern that does not compile is `INVALID_OPTION`
/// (`srcPattern`).
pub(super) fn src_pattern(env: &Env, v: Option<Unknown<'_>>) -> napi::Result<Option<JsPattern>> {
    let Some(v) = v else { return Ok(None) };
    if matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) {
        return Ok(None);
    }
    let p = match rule(env, v, "srcPattern")? {
        Rule::Text(source) => JsPattern::new(source, ""),
        Rule::Pattern(p) => p,
    };
    JsRegex::new(&p, "srcPattern").map_err(|e| to_js(env, &e))?;
    Ok(Some(p))
}

/// The src walk rules of a dispatch with this `exclude` and `srcPattern`.
pub(super) fn src_walk_rules(
    env: &Env,
    exclude: Option<Unknown<'_>>,
    pattern: Option<Unknown<'_>>,
) -> napi::Result<SrcWalkRules> {
    let mut rules = walk_rules(env, exclude)?;
    rules.src_pattern = src_pattern(env, pattern)?;
    Ok(rules)
}

/// The src walk rules of a `ScanExcludeConfig`, normalised as the host's walk does: names
/// trimmed (empty ones dropped), extensions trimmed, lower-cased and stripped of one leading
/// dot, `RegExp`s kept with their flags. A string in `patterns` is a JavaScript pattern source.
pub(super) fn walk_rules(env: &Env, exclude: Option<Unknown<'_>>) -> napi::Result<SrcWalkRules> {
    let mut rules = SrcWalkRules::default();
    let Some(v) = exclude else { return Ok(rules) };
    if matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) {
        return Ok(rules);
    }
    let o: Object<'_> = arg(env, v, "exclude")?;
    reject_unknown_keys(env, &o, EXCLUDE_KEYS, "exclude")?;
    let preset: Option<String> = o.get_named_property("preset")?;
    match preset.as_deref() {
        None => {}
        Some("production") => rules.production = true,
        Some(p) => {
            return Err(invalid(
                env,
                "exclude.preset",
                format!("unknown preset {p:?} (expected 'production')"),
            ))
        }
    }
    let skip: Option<bool> = o.get_named_property("useDefaultSkip")?;
    rules.default_skipped_dirs = skip.unwrap_or(true);
    let mut ex = SrcExclude::default();
    let trimmed = |s: &str| Some(s.trim().to_owned()).filter(|t| !t.is_empty());
    for r in list(env, &o, "dirs")? {
        match r {
            Rule::Text(s) => ex.dirs.extend(trimmed(&s)),
            Rule::Pattern(p) => ex.dir_patterns.push(p),
        }
    }
    for r in list(env, &o, "files")? {
        match r {
            Rule::Text(s) => ex.files.extend(trimmed(&s)),
            Rule::Pattern(p) => ex.file_patterns.push(p),
        }
    }
    for r in list(env, &o, "extensions")? {
        match r {
            Rule::Text(s) => {
                let t = s.trim().to_lowercase();
                let t = t.strip_prefix('.').unwrap_or(&t);
                if !t.is_empty() {
                    ex.extensions.push(t.to_owned());
                }
            }
            Rule::Pattern(p) => ex.extension_patterns.push(p),
        }
    }
    for (n, r) in list(env, &o, "patterns")?.into_iter().enumerate() {
        ex.path_patterns.push(match r {
            Rule::Pattern(p) => p,
            Rule::Text(source) => {
                let p = JsPattern::new(source, "");
                JsRegex::new(&p, &format!("exclude.patterns[{n}]")).map_err(|e| to_js(env, &e))?;
                p
            }
        });
    }
    rules.exclude = ex;
    Ok(rules)
}

/// The nested options objects of a dispatch's input and their keys.
const DISPATCH_NESTED: &[(&str, &[&str])] = &[
    ("locales", CACHED_PROJECT_LOCALES),
    ("caps", CACHE_CAPS_OPTIONS),
    ("rebuildConfig", CACHE_REBUILD_CONFIG),
    ("exclude", EXCLUDE_KEYS),
];

/// A dispatch's input, its keys checked (`runtime`, `state` and `baselineFiles` are structural:
/// hosts pass their own port bag, state and records there).
pub(super) fn dispatch_arg<'a>(
    env: &Env,
    input: Unknown<'a>,
) -> napi::Result<CachedProjectInput<'a>> {
    strict_arg(env, input, "input", CACHED_PROJECT_INPUT, DISPATCH_NESTED)
}

/// The key check of [`dispatch_arg`] alone (the async twins reject with it).
pub(super) fn check_dispatch_keys(env: &Env, input: Unknown<'_>) -> napi::Result<()> {
    super::errors::check_keys(env, input, CACHED_PROJECT_INPUT, "")?;
    for (field, keys) in DISPATCH_NESTED {
        super::errors::check_field_keys(env, input, field, keys, "")?;
    }
    Ok(())
}

/// The layout fingerprint of the host's locales: `flat_file` by default, and the structure
/// by default `locale_file` for `flat_file`, `locale_per_dir` for `locale_directory`.
fn layout_of(l: &CachedProjectLocales) -> CachedLocalesLayout {
    let mode = l.mode.unwrap_or(LocalesLayoutMode::FlatFile);
    let structure = l.structure.unwrap_or(match mode {
        LocalesLayoutMode::FlatFile => LocalesLayoutStructure::LocaleFile,
        LocalesLayoutMode::LocaleDirectory => LocalesLayoutStructure::LocalePerDir,
    });
    CachedLocalesLayout {
        mode: mode.into(),
        structure: structure.into(),
        directory: l.directory.clone(),
        source: l.source.clone(),
    }
}

/// The core input of a dispatch (`js`: the host's ports, whose paths are the host's own).
pub(crate) fn dispatch_input(
    env: &Env,
    i: &CachedProjectInput<'_>,
    js: Option<&JsIo<'_>>,
) -> napi::Result<DispatchInput> {
    let hash = match js {
        Some(js) => js.record_hash(),
        None => runtime_record_hash(env, i.runtime)?,
    };
    let loc = location_of(env, &i.state, js.is_some())?;
    let layout = layout_of(&i.locales);
    let locales_dir = match js {
        Some(_) => PathBuf::from(&i.locales_dir),
        None => resolve_path(Path::new(&i.locales_dir)),
    };
    let host_relative = match (js, &i.source_locale_segment_keys) {
        (Some(js), None) => js.relative(&i.locales_dir, &i.source_locale_path)?,
        _ => None,
    };
    let source_segment_keys = match (&i.source_locale_segment_keys, layout.mode) {
        (Some(keys), _) => Some(keys.iter().map(|k| to_posix_path(k).into_owned()).collect()),
        (None, core_layout::LocalesLayoutMode::FlatFile) if host_relative.is_some() => {
            host_relative.map(|k| vec![k])
        }
        (None, core_layout::LocalesLayoutMode::FlatFile) => {
            let source = match js {
                Some(_) => PathBuf::from(&i.source_locale_path),
                None => resolve_path(Path::new(&i.source_locale_path)),
            };
            source
                .strip_prefix(&locales_dir)
                .ok()
                .map(|rel| vec![to_posix_path(&rel.display().to_string()).into_owned()])
        }
        (None, core_layout::LocalesLayoutMode::LocaleDirectory) => None,
    };
    let mut input = DispatchInput::new(
        loc,
        PathBuf::from(&i.src_root),
        LocalesInput {
            dir: locales_dir,
            layout,
            source_segment_keys,
        },
    );
    input.enabled = i.state.enabled;
    input.bypass = i.state.reason == CacheDisableReason::CliNoCache;
    input.mode = if i.state.read_only {
        CacheMode::ReadOnly
    } else {
        CacheMode::ReadWrite
    };
    input.rebuild = i.rebuild_config.map(Into::into).unwrap_or_default();
    input.hash = hash;
    input.src_rules = walk_rules(env, i.exclude)?;
    input.src_rules.src_pattern = src_pattern(env, i.src_pattern)?;
    input.baseline_files = match i.baseline_files {
        Some(v) if !matches!(v.get_type()?, ValueType::Undefined | ValueType::Null) => {
            Some(record_map(env, v, "baselineFiles")?)
        }
        _ => None,
    };
    input.caps = caps_from(env, i.caps.as_ref())?;
    input.lock_timeout = lock_timeout_from(env, i.lock_timeout_ms)?;
    input.use_watcher = i.use_watcher.unwrap_or(true);
    input.source_locale_path = Some(match js {
        Some(_) => PathBuf::from(&i.source_locale_path),
        None => resolve_path(Path::new(&i.source_locale_path)),
    });
    // A host's own IO is the host's cache: nothing of it goes to or comes from a remote.
    input.remote = match js {
        Some(_) => crate::core::remote::RemoteConfig::Off,
        None => super::remote::remote_config(env, i.remote)?,
    };
    Ok(input)
}

/// Calls `parseCachedData(value)`: `Some(data)` on `{ ok: true, data }`, `None` otherwise. An
/// exception it throws propagates unchanged.
fn validate<'a>(
    env: &'a Env,
    validator: &Unknown<'a>,
    value: Unknown<'a>,
) -> napi::Result<Option<Unknown<'a>>> {
    let r = call_host(env, *validator, &[value])?;
    if r.get_type()? != ValueType::Object {
        return Ok(None);
    }
    let o: Object<'_> = arg(env, r, "parseCachedData result")?;
    let ok: Unknown<'_> = o.get_named_property("ok")?;
    let ok = ok.get_type()? == ValueType::Boolean && arg::<bool>(env, ok, "ok")?;
    if !ok {
        return Ok(None);
    }
    let data: Unknown<'_> = o.get_named_property("data")?;
    // SAFETY: the value lives in the current handle scope, as `env` does.
    Ok(Some(unsafe {
        std::mem::transmute::<Unknown<'_>, Unknown<'a>>(data)
    }))
}

/// The host's `parseCachedData`, when it gave one (anything but a function is `INVALID_OPTION`).
pub(super) fn validator<'a>(
    env: &'a Env,
    v: Option<Unknown<'a>>,
) -> napi::Result<Option<Unknown<'a>>> {
    match v {
        None => Ok(None),
        Some(v) => match v.get_type()? {
            ValueType::Undefined | ValueType::Null => Ok(None),
            ValueType::Function => Ok(Some(v)),
            other => Err(invalid(
                env,
                "parseCachedData",
                format!("expected a function, got {other}"),
            )),
        },
    }
}

/// A decided dispatch and the JavaScript values it already made.
pub(super) struct Decided<'a> {
    pub(super) plan: DispatchPlan,
    /// What the host's `parseCachedData` returned for the stored data, when it passed.
    validated: Option<Unknown<'a>>,
    /// The stored data as `JSON.parse` gave it (parsed once: served, or the context's
    /// `previous`), when the decision uses it.
    pub(super) parsed: Option<Unknown<'a>>,
    pub(super) timings: DispatchTimings,
    pub(super) scan: DispatchScanStats,
}

impl<'a> Decided<'a> {
    /// The data to serve without a producer (a hit or a reuse): the host's validated shape when
    /// it has a validator, else the stored data as parsed.
    pub(super) fn served(&self) -> Option<Unknown<'a>> {
        self.validated.or(self.parsed)
    }
}

/// Begin, then [`decide_begun`].
fn begin_and_decide<'a>(
    env: &'a Env,
    i: &CachedProjectInput<'a>,
    io: &dyn CacheIo,
    js: Option<&JsIo<'_>>,
) -> napi::Result<Decided<'a>> {
    let input = dispatch_input(env, i, js)?;
    let check = validator(env, i.parse_cached_data)?;
    let begun = core::begin_with(io, input).map_err(|e| to_js(env, &e))?;
    decide_begun(env, begun, check.as_ref())
}

/// Reads and parses the stored data once when the decision uses it (V8's `JSON.parse` is its
/// validation: a failure makes it a malformed cache, never reused), runs the host's validator,
/// decides. On the JavaScript thread, after `begin` (on it, or on the libuv pool).
pub(super) fn decide_begun<'a>(
    env: &'a Env,
    mut begun: core::DispatchBegin,
    check: Option<&Unknown<'a>>,
) -> napi::Result<Decided<'a>> {
    let times = begun.phase_times();
    let stats = begun.scan_stats();
    let scan = DispatchScanStats {
        hashed: stats.hashed as f64,
        reused: stats.reused as f64,
        bytes_read: stats.bytes_read as f64,
    };
    let data_started = std::time::Instant::now();
    let mut parsed = None;
    if let Some(data) = begun.previous_data().cloned() {
        match parse_stored(env, &data)? {
            Ok(value) => parsed = Some(value),
            Err(e) => begun.reject_previous(e),
        }
    }
    let data_ms = ms(data_started.elapsed());
    let decide_started = std::time::Instant::now();
    let mut validated = None;
    let valid = match (parsed, check) {
        (Some(value), Some(f)) => {
            validated = validate(env, f, value)?;
            validated.is_some()
        }
        _ => true,
    };
    let plan = begun.decide(valid);
    if plan.memory_hit {
        // Served from memory: hand the host its own validated shape when it has a validator.
        if let DispatchAction::UseCached(data) = &plan.action {
            let value = json_parse(env, data.get())?;
            validated = match check {
                Some(f) => validate(env, f, value)?.or(Some(json_parse(env, data.get())?)),
                None => Some(value),
            };
        }
    }
    let timings = DispatchTimings {
        scan_ms: ms(times.scan),
        envelope_ms: ms(times.envelope),
        data_ms,
        decide_ms: ms(decide_started.elapsed()),
        commit_ms: 0.0,
        stringify_ms: 0.0,
    };
    Ok(Decided {
        plan,
        validated,
        parsed,
        timings,
        scan,
    })
}

/// `undefined` (not `null`) for `None`.
pub(crate) fn or_undefined(v: Option<Unknown<'_>>) -> Either<Unknown<'_>, ()> {
    match v {
        Some(v) => Either::A(v),
        None => Either::B(()),
    }
}

/// The producer's context as a JavaScript value; `previous` is the stored data as parsed for
/// the decision (never serialised again).
pub(super) fn context_js<'a>(
    env: &'a Env,
    plan: &DispatchPlan,
    parsed: Option<Unknown<'a>>,
) -> napi::Result<Option<Unknown<'a>>> {
    let Some(ctx) = plan.producer_context() else {
        return Ok(None);
    };
    let value = to_js_json(env, ctx)?;
    if let (Some(data), Some(previous)) = (&ctx.previous, parsed) {
        debug_assert!(data.is_valid());
        let mut obj: Object<'_> = arg(env, value, "context")?;
        obj.set_named_property("previous", previous)?;
    }
    Ok(Some(value))
}

/// The unchanged keys of a dispatch's delta, shared with the accessor that lists them.
type Unchanged = Rc<Vec<String>>;

/// Takes the unchanged keys out of `cache` (they are listed lazily: see [`cache_js`]).
fn take_unchanged(cache: &mut CacheDispatchInfo) -> Unchanged {
    Rc::new(
        cache
            .delta
            .as_mut()
            .map(|d| std::mem::take(&mut d.unchanged))
            .unwrap_or_default(),
    )
}

/// The `cache` info as a JavaScript object whose `delta.unchanged` (every tracked file on a
/// hit: 20,000 keys on a large project) is built only when it is read.
fn cache_js<'a>(
    env: &'a Env,
    cache: &CacheDispatchInfo,
    unchanged: &Unchanged,
) -> napi::Result<Unknown<'a>> {
    let value = to_js_json(env, cache)?;
    if cache.delta.is_some() {
        let obj: Object<'_> = arg(env, value, "cache")?;
        let delta: Object<'_> = obj.get_named_property("delta")?;
        let keys = unchanged.clone();
        define_lazy_json(env, &delta, "unchanged", move || {
            serde_json::to_string(&*keys).unwrap_or_else(|_| "[]".into())
        })?;
    }
    Ok(value)
}

/// The result object; `commit_started` is when serialising and persisting began.
pub(super) fn result<'a>(
    env: &'a Env,
    outcome: core::DispatchOutcome,
    data: Option<Unknown<'a>>,
    timings: DispatchTimings,
    commit_started: std::time::Instant,
) -> napi::Result<CachedProjectResult<'a>> {
    result_with(env, outcome, None, data, timings, commit_started)
}

/// [`result`], with the `cache` info already serialised when `cache_json` is given (the async
/// commit does that on the libuv pool, so only `JSON.parse` runs on this thread).
pub(super) fn result_with<'a>(
    env: &'a Env,
    outcome: core::DispatchOutcome,
    cache_json: Option<String>,
    data: Option<Unknown<'a>>,
    mut timings: DispatchTimings,
    commit_started: std::time::Instant,
) -> napi::Result<CachedProjectResult<'a>> {
    let data = match data {
        Some(d) => d,
        None => json_parse(env, outcome.data.get())?,
    };
    let cache = match cache_json {
        // Serialised on the pool with its unchanged keys (the async commit).
        Some(text) => json_parse(env, &text)?,
        None => {
            let mut cache = outcome.cache;
            let unchanged = take_unchanged(&mut cache);
            cache_js(env, &cache, &unchanged)?
        }
    };
    Ok(CachedProjectResult {
        data,
        cache,
        memory_hit: outcome.memory_hit,
        from_watcher: outcome.from_watcher,
        timings: {
            timings.commit_ms = ms(commit_started.elapsed());
            timings
        },
    })
}

/// `JSON.stringify` of the producer's data, timed: the text, the timings with `stringifyMs`, and
/// when serialising began (the start of `commitMs`).
pub(super) fn stringify_timed(
    env: &Env,
    value: Unknown<'_>,
    timings: DispatchTimings,
) -> napi::Result<(JsonData, DispatchTimings, std::time::Instant)> {
    let started = std::time::Instant::now();
    let raw = json_stringify(env, value, "the producer's data")?;
    let timings = DispatchTimings {
        stringify_ms: ms(started.elapsed()),
        ..timings
    };
    Ok((raw, timings, started))
}

pub(super) fn commit(
    env: &Env,
    io: &dyn CacheIo,
    plan: DispatchPlan,
    produced: Option<JsonData>,
) -> napi::Result<core::DispatchOutcome> {
    core::commit_with(io, plan, produced).map_err(|e| to_js(env, &e))
}

/// Calls `producer(ctx)` (`producer()` when the cache is off) on this thread and returns what it
/// returned. An exception it throws propagates unchanged.
pub(super) fn call_producer<'a>(
    env: &'a Env,
    producer: Unknown<'a>,
    plan: &DispatchPlan,
    parsed: Option<Unknown<'a>>,
) -> napi::Result<Unknown<'a>> {
    // A producer that throws makes the caller throw the very value it threw.
    match context_js(env, plan, parsed)? {
        Some(ctx) => call_host(env, producer, &[ctx]),
        None => call_host(env, producer, &[]),
    }
}

/// The producer's data, or `INVALID_DATA` (`what`; nothing persisted) when it is `undefined`.
pub(super) fn defined<'a>(env: &Env, value: Unknown<'a>, what: &str) -> napi::Result<Unknown<'a>> {
    if value.get_type()? == ValueType::Undefined {
        return Err(coded(
            env,
            "INVALID_DATA",
            format!("{what}; nothing was persisted"),
        ));
    }
    Ok(value)
}

/// `getOrBuildCachedProjectData(input) -> { data, cache, memoryHit, fromWatcher, timings }` (§5): checks the cache
/// files, then serves the cached data (hit), reuses it without calling the producer
/// (`target_locale_only`, persisted), or calls `producer(ctx)` (`producer()` when the cache is
/// off) and persists what it returns. A producer that throws makes this throw the same
/// exception, and nothing is persisted; one that returns `undefined` or a value
/// `JSON.stringify` rejects is `INVALID_DATA`. A second dispatch in the same process with
/// unchanged files is a hit with `memoryHit: true`.
#[napi(
    ts_generic_types = "T = unknown",
    ts_args_type = "input: CachedProjectInput<T>",
    ts_return_type = "CachedProjectResult<T>"
)]
pub fn get_or_build_cached_project_data<'a>(
    env: &'a Env,
    input: Unknown<'a>,
) -> napi::Result<CachedProjectResult<'a>> {
    exported(env, "getOrBuildCachedProjectData", || {
        let i: CachedProjectInput<'a> = dispatch_arg(env, input)?;
        let producer = match i.producer {
            Some(p) if p.get_type()? == ValueType::Function => p,
            _ => return Err(invalid(env, "producer", "expected a function")),
        };
        let root = resolve_path(Path::new(&i.state.root_dir));
        with_io(env, i.io, &root, |io, js| {
            dispatch_sync(env, &i, producer, io, js)
        })
    })
}

/// The one-shot dispatch over `io`.
fn dispatch_sync<'a>(
    env: &'a Env,
    i: &CachedProjectInput<'a>,
    producer: Unknown<'a>,
    io: &dyn CacheIo,
    js: Option<&JsIo<'_>>,
) -> napi::Result<CachedProjectResult<'a>> {
    {
        let decided = begin_and_decide(env, i, io, js)?;
        let timings = decided.timings;
        if !decided.plan.needs_producer() {
            let served = decided.served();
            let started = std::time::Instant::now();
            let outcome = commit(env, io, decided.plan, None)?;
            return result(env, outcome, served, timings, started);
        }
        let plan = decided.plan;
        let value = call_producer(env, producer, &plan, decided.parsed)?;
        let value = defined(env, value, "the producer returned undefined")?;
        let (raw, timings, started) = stringify_timed(env, value, timings)?;
        let outcome = commit(env, io, plan, Some(raw))?;
        result(env, outcome, Some(value), timings, started)
    }
}

/// A dispatch between its decision and its commit (the two-phase form for asynchronous
/// producers). Made by `beginCachedProjectData` (or `beginCachedProjectDataAsync`); commit it
/// exactly once (`commit` or `commitAsync`).
#[napi(custom_finalize)]
pub struct CachedProjectDataHandle {
    pub(super) plan: Option<DispatchPlan>,
    /// The `cache` info so far, its unchanged keys taken out into `unchanged`.
    cache: CacheDispatchInfo,
    unchanged: Unchanged,
    memory_hit: bool,
    from_watcher: bool,
    needs_producer: bool,
    /// The data `commit` serves without a producer (parsed once, at `begin`).
    served: Option<HeldValue>,
    /// The stored data as parsed for the decision (the context's `previous`).
    previous: Option<HeldValue>,
    timings: DispatchTimings,
    scan: DispatchScanStats,
}

impl CachedProjectDataHandle {
    /// Releases the references to the parsed data (after `commit`, or when the handle is
    /// collected uncommitted).
    fn release(&mut self, env: &Env) -> napi::Result<()> {
        for r in [self.served.take(), self.previous.take()]
            .into_iter()
            .flatten()
        {
            r.release(env)?;
        }
        Ok(())
    }
}

impl ObjectFinalize for CachedProjectDataHandle {
    fn finalize(mut self, env: Env) -> napi::Result<()> {
        self.release(&env)
    }
}

fn get_ref<'a>(env: &'a Env, r: &Option<HeldValue>) -> napi::Result<Option<Unknown<'a>>> {
    r.as_ref().map(|r| r.get(env)).transpose()
}

#[napi]
impl CachedProjectDataHandle {
    /// The `cache` info so far (`commit` adds write warnings).
    #[napi(getter, ts_return_type = "CacheDispatchInfo")]
    pub fn cache<'a>(&self, env: &'a Env) -> napi::Result<Unknown<'a>> {
        cache_js(env, &self.cache, &self.unchanged)
    }

    /// Whether the host must run its producer and pass the data to `commit`.
    #[napi(getter)]
    pub fn needs_producer(&self) -> bool {
        self.needs_producer
    }

    /// Whether this is a same-process memory hit (`memory hit (same_run)`).
    #[napi(getter)]
    pub fn memory_hit(&self) -> bool {
        self.memory_hit
    }

    /// Whether the current records came from a live watcher's index instead of a walk.
    #[napi(getter)]
    pub fn from_watcher(&self) -> bool {
        self.from_watcher
    }

    /// Where `begin` spent its time (`commitMs` is 0: the result of `commit` has it).
    #[napi(getter)]
    pub fn timings(&self) -> DispatchTimings {
        self.timings
    }

    /// What `begin`'s fingerprint step read: files hashed, files whose stored hash a stat hint
    /// vouched for (not opened), content bytes read.
    #[napi(getter)]
    pub fn scan(&self) -> DispatchScanStats {
        self.scan
    }

    /// Whether `commit` already ran.
    #[napi(getter)]
    pub fn committed(&self) -> bool {
        self.plan.is_none()
    }

    /// The producer's context when a producer is needed with the cache on; `undefined` when the
    /// cache is off (call the producer with no context) or no producer is needed.
    #[napi(getter, ts_return_type = "CacheProducerContext | undefined")]
    pub fn context<'a>(&self, env: &'a Env) -> napi::Result<Either<Unknown<'a>, ()>> {
        match &self.plan {
            Some(plan) => context_js(env, plan, get_ref(env, &self.previous)?).map(or_undefined),
            None => Ok(Either::B(())),
        }
    }

    /// The cached data that will be served (a hit or a reuse), or the context's `previous`
    /// when a producer is needed, as parsed once by `begin`. `undefined` when there is none
    /// (and after `commit`).
    #[napi(getter, ts_return_type = "unknown")]
    pub fn previous_data<'a>(&self, env: &'a Env) -> napi::Result<Either<Unknown<'a>, ()>> {
        let previous = get_ref(env, &self.previous)?;
        Ok(or_undefined(match previous {
            Some(v) => Some(v),
            None => get_ref(env, &self.served)?,
        }))
    }

    /// Persists and returns `{ data, cache, memoryHit, fromWatcher, timings }`. `data` is required when
    /// `needsProducer` (serialised with `JSON.stringify`; `undefined` or a value it rejects is
    /// `INVALID_DATA`, and the handle stays uncommitted) and ignored otherwise. A second commit
    /// is `ALREADY_COMMITTED`.
    #[napi(
        ts_args_type = "data?: unknown",
        ts_return_type = "CachedProjectResult"
    )]
    pub fn commit<'a>(
        &mut self,
        env: &'a Env,
        data: Option<Unknown<'a>>,
    ) -> napi::Result<CachedProjectResult<'a>> {
        exported(env, "CachedProjectDataHandle.commit", || {
            commit_handle(env, self, data)
        })
    }
}

/// The handle `beginCachedProjectData<T>` returns, typed: a `CachedProjectDataHandle` whose
/// context, previous data and commit carry the host's data type `T` (TypeScript only: at run
/// time it is the class).
#[napi(
    object,
    object_to_js = false,
    object_from_js = false,
    js_name = "CachedProjectDataHandleOf<T = unknown> extends CachedProjectDataHandle"
)]
pub struct CachedProjectDataHandleOf {
    /// The producer's context when a producer is needed with the cache on; `undefined` when the
    /// cache is off (call the producer with no context) or no producer is needed.
    #[napi(ts_type = "CacheProducerContext<T> | undefined")]
    pub context: (),
    /// The cached data that will be served (a hit or a reuse), or the context's `previous`
    /// when a producer is needed; `undefined` when there is none (and after `commit`).
    #[napi(ts_type = "T | undefined")]
    pub previous_data: (),
    /// Persists and returns `{ data, cache, memoryHit, fromWatcher, timings }` (see the class).
    #[napi(ts_type = "(data?: T) => CachedProjectResult<T>")]
    pub commit: (),
    /// `commit` without blocking (see the class).
    #[napi(ts_type = "(data?: T) => Promise<CachedProjectResult<T>>")]
    pub commit_async: (),
}

/// A commit taken from a handle, ready to persist: the plan, the producer's data as text, the
/// value the result serves, the timings and when committing began.
pub(super) struct PendingCommit<'a> {
    pub plan: DispatchPlan,
    pub produced: Option<JsonData>,
    pub data: Option<Unknown<'a>>,
    pub timings: DispatchTimings,
    pub started: std::time::Instant,
}

/// Takes the plan out of a handle for `commit` or `commitAsync` (serialising the producer's
/// data when one was needed); `ALREADY_COMMITTED` the second time, `INVALID_DATA` (the handle
/// stays uncommitted) when the data is missing or cannot be serialised.
pub(super) fn take_commit<'a>(
    env: &'a Env,
    handle: &mut CachedProjectDataHandle,
    data: Option<Unknown<'a>>,
) -> napi::Result<PendingCommit<'a>> {
    if handle.plan.is_none() {
        return Err(coded(
            env,
            "ALREADY_COMMITTED",
            "this dispatch handle was already committed",
        ));
    }
    let data = match data {
        Some(d) if d.get_type()? != ValueType::Undefined => Some(d),
        _ => None,
    };
    if handle.needs_producer {
        let Some(value) = data else {
            return Err(coded(
                env,
                "INVALID_DATA",
                "commit needs the producer's data (got undefined); nothing was persisted",
            ));
        };
        let (raw, timings, started) = stringify_timed(env, value, handle.timings)?;
        let plan = handle.plan.take().expect("checked above");
        handle.release(env)?;
        return Ok(PendingCommit {
            plan,
            produced: Some(raw),
            data: Some(value),
            timings,
            started,
        });
    }
    let started = std::time::Instant::now();
    let plan = handle.plan.take().expect("checked above");
    let served = get_ref(env, &handle.served)?;
    handle.release(env)?;
    Ok(PendingCommit {
        plan,
        produced: None,
        data: served,
        timings: handle.timings,
        started,
    })
}

fn commit_handle<'a>(
    env: &'a Env,
    handle: &mut CachedProjectDataHandle,
    data: Option<Unknown<'a>>,
) -> napi::Result<CachedProjectResult<'a>> {
    let p = take_commit(env, handle, data)?;
    let outcome = commit(env, &NativeIo::new(p.plan.cache_root()), p.plan, p.produced)?;
    result(env, outcome, p.data, p.timings, p.started)
}

/// `beginCachedProjectData(input) -> CachedProjectDataHandle`: the first phase of a dispatch
/// (every check, `parseCachedData` included, and the decision) for hosts whose producer is
/// asynchronous. Run the producer when `handle.needsProducer` (with `handle.context`), then
/// `handle.commit(data)`. `input.producer` is ignored.
#[napi(
    ts_generic_types = "T = unknown",
    ts_args_type = "input: CachedProjectInput<T>",
    ts_return_type = "CachedProjectDataHandleOf<T>"
)]
pub fn begin_cached_project_data(
    env: &Env,
    input: Unknown<'_>,
) -> napi::Result<CachedProjectDataHandle> {
    exported(env, "beginCachedProjectData", || {
        let i: CachedProjectInput<'_> = dispatch_arg(env, input)?;
        if i.io
            .is_some_and(|v| !matches!(v.get_type(), Ok(ValueType::Undefined | ValueType::Null)))
        {
            return Err(invalid(
                env,
                "io",
                "a host's IO ports are called synchronously: use getOrBuildCachedProjectData",
            ));
        }
        let io = NativeIo::new(resolve_path(Path::new(&i.state.root_dir)));
        handle_of(env, begin_and_decide(env, &i, &io, None)?)
    })
}

/// The handle of a decided dispatch.
pub(super) fn handle_of(env: &Env, decided: Decided<'_>) -> napi::Result<CachedProjectDataHandle> {
    let plan = decided.plan;
    let needs_producer = plan.needs_producer();
    let served = match needs_producer {
        false => decided.validated.or(decided.parsed),
        true => None,
    };
    let mut cache = plan.cache.clone();
    let unchanged = take_unchanged(&mut cache);
    Ok(CachedProjectDataHandle {
        timings: decided.timings,
        scan: decided.scan,
        cache,
        unchanged,
        memory_hit: plan.memory_hit,
        from_watcher: plan.from_watcher,
        needs_producer,
        served: served.map(|v| HeldValue::hold(env, v)).transpose()?,
        previous: decided
            .parsed
            .map(|v| HeldValue::hold(env, v))
            .transpose()?,
        plan: Some(plan),
    })
}

/// `commitCachedProjectData(handle, data?)`: `handle.commit(data)`.
#[napi(
    ts_generic_types = "T = unknown",
    ts_args_type = "handle: CachedProjectDataHandleOf<T>, data?: T",
    ts_return_type = "CachedProjectResult<T>"
)]
pub fn commit_cached_project_data<'a>(
    env: &'a Env,
    handle: Unknown<'a>,
    data: Option<Unknown<'a>>,
) -> napi::Result<CachedProjectResult<'a>> {
    exported(env, "commitCachedProjectData", || {
        let mut handle: ClassInstance<'a, CachedProjectDataHandle> = arg(env, handle, "handle")?;
        commit_handle(env, &mut handle, data)
    })
}

/// Replaces `CachedProjectDataHandle.prototype.commit` with a function that checks its
/// receiver itself: a class method's receiver is checked by V8 before any of the addon's code
/// runs (`handle.commit.call({})` would be a bare `TypeError: Illegal invocation` without a
/// code). Called a wrong receiver, it throws a `TypeError` with code `INVALID_OPTION`.
#[napi(module_exports)]
pub fn guard_handle_commit(exports: Object<'_>, env: Env) -> napi::Result<()> {
    let class: napi::bindgen_prelude::Function<'_> =
        exports.get_named_property("CachedProjectDataHandle")?;
    let mut proto: Object<'_> = class.get_named_property("prototype")?;
    let commit = env.create_function_from_closure::<(), Unknown<'static>, _>("commit", |ctx| {
        use napi::bindgen_prelude::{FromNapiValue, ToNapiValue};
        use napi::JsValue;
        // SAFETY: the call's own env and values, used within the call.
        let env: &'static Env = unsafe { &*(ctx.env as *const Env) };
        let this: Unknown<'_> = ctx.this()?;
        let handle = unsafe {
            ClassInstance::<CachedProjectDataHandle>::from_napi_value(env.raw(), this.raw())
        };
        let Ok(mut handle) = handle else {
            return Err(coded_type_error(
                env,
                "INVALID_OPTION",
                "invalid option `this`: commit must be called on a CachedProjectDataHandle \
                     (handle.commit(data), or commitCachedProjectData(handle, data))",
            ));
        };
        let data: Option<Unknown<'_>> = match ctx.length() {
            0 => None,
            _ => Some(ctx.get(0)?),
        };
        let result = exported(env, "CachedProjectDataHandle.commit", || {
            commit_handle(env, &mut handle, data)
        })?;
        let raw = unsafe { CachedProjectResult::to_napi_value(env.raw(), result)? };
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
    })?;
    proto.set_named_property("commit", commit)?;
    Ok(())
}

/// The input of `trackProjectFiles`: the trees a dispatch fingerprints, either or both.
#[napi(object, object_to_js = false)]
pub struct TrackProjectFilesInput<'a> {
    /// The src root (its files go to `files`).
    pub src_root: Option<String>,
    /// The src excludes, as in `CachedProjectInput`.
    #[napi(
        ts_type = "{ preset?: 'production'; dirs?: Array<string | RegExp>; files?: Array<string | RegExp>; extensions?: string[]; patterns?: Array<string | RegExp>; useDefaultSkip?: boolean }"
    )]
    pub exclude: Option<Unknown<'a>>,
    /// The locales directory (its segments go to `localeSegments`; needs `locales`).
    pub locales_dir: Option<String>,
    /// The locales layout.
    pub locales: Option<CachedProjectLocales>,
    /// The hasher, as in `CachedProjectInput`.
    #[napi(ts_type = "CacheRuntime")]
    pub runtime: Option<Unknown<'a>>,
    /// The host's own IO ports (the trees are listed and read through them).
    #[napi(ts_type = "CacheIoPorts")]
    pub io: Option<Unknown<'a>>,
}

/// `{ files, localeSegments, warnings }` of `trackProjectFiles`.
#[napi(object, object_from_js = false)]
pub struct TrackedProjectFiles<'a> {
    /// The src records, keyed by src-root-relative POSIX path.
    #[napi(ts_type = "Record<string, CacheFileRecord>")]
    pub files: Unknown<'a>,
    /// The locale segment records, keyed by locales-dir-relative POSIX path.
    #[napi(ts_type = "Record<string, CacheFileRecord>")]
    pub locale_segments: Unknown<'a>,
    /// Unreadable files and directories, depth limits, links that loop.
    pub warnings: Vec<super::fingerprint::CacheWarning>,
}

/// `trackProjectFiles(input) -> { files, localeSegments, warnings }`: step 4 of a dispatch on
/// its own, with the dispatch's walk rules (§8): every tracked file of the src root and of the
/// locales directory, read and hashed (no stored index, nothing written).
#[napi(
    ts_args_type = "input: TrackProjectFilesInput",
    ts_return_type = "TrackedProjectFiles"
)]
pub fn track_project_files<'a>(
    env: &'a Env,
    input: Unknown<'a>,
) -> napi::Result<TrackedProjectFiles<'a>> {
    exported(env, "trackProjectFiles", || {
        let i: TrackProjectFilesInput<'a> = strict_arg(
            env,
            input,
            "input",
            TRACK_PROJECT_FILES_INPUT,
            &[
                ("locales", CACHED_PROJECT_LOCALES),
                ("exclude", EXCLUDE_KEYS),
            ],
        )?;
        // Nothing of the cache is read or written: no cache root.
        with_io(env, i.io, Path::new(""), |io, js| {
            let hash = match js {
                Some(js) => js.record_hash(),
                None => runtime_record_hash(env, i.runtime)?,
            };
            let path_of = |p: &String| match js {
                Some(_) => PathBuf::from(p),
                None => resolve_path(Path::new(p)),
            };
            let rules = walk_rules(env, i.exclude)?;
            let src_spec = rules.filter_spec();
            let src_filter = Filter::new(&src_spec).map_err(|e| to_js(env, &e))?;
            let locale_spec = walk_specs::locale_filter_spec();
            let locale_filter = Filter::new(&locale_spec).map_err(|e| to_js(env, &e))?;
            let src_root = i.src_root.as_ref().map(path_of);
            let locales_dir = match (&i.locales_dir, &i.locales) {
                (Some(d), Some(_)) => Some(path_of(d)),
                (Some(_), None) => {
                    return Err(invalid(env, "locales", "the locales layout is required"))
                }
                _ => None,
            };
            let depth = i
                .locales
                .as_ref()
                .map(|l| walk_specs::locale_max_depth(layout_of(l).structure))
                .unwrap_or(0);
            let now = now_iso();
            let scanned = io
                .scan(&ScanJob {
                    files_path: None,
                    hints_path: Path::new(""),
                    project_dir: Path::new(""),
                    read_only: true,
                    files_cap: 0,
                    hash,
                    src: src_root.as_deref().map(|root| ScanTree {
                        root,
                        filter: &src_filter,
                        spec: &src_spec,
                        max_depth: walk_specs::SRC_MAX_DEPTH,
                        hint_prefix: SRC_HINT_PREFIX,
                    }),
                    locales: locales_dir.as_deref().map(|root| ScanTree {
                        root,
                        filter: &locale_filter,
                        spec: &locale_spec,
                        max_depth: depth,
                        hint_prefix: LOCALE_HINT_PREFIX,
                    }),
                    use_watcher: false,
                    shadow_may_stand: false,
                    now: &now,
                    ctl: &crate::core::control::Control::default(),
                })
                .map_err(|e| to_js(env, &e))?;
            let mut warnings = scanned.src.warnings;
            warnings.extend(scanned.locales.warnings);
            Ok(TrackedProjectFiles {
                files: to_js_json(env, &scanned.src.records)?,
                locale_segments: to_js_json(env, &scanned.locales.records)?,
                warnings: super::contract_state::warnings_js(warnings),
            })
        })
    })
}
