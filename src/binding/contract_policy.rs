//! §2–§4 policy: `diffProjectFiles`, `classifyCacheFileDelta`, `layoutMatches`,
//! `decideAnalysisRebuild` and `decideProjectAnalysisCacheInvalidation` (argument conversion
//! only; the rules live in `crate::core::contract`).

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{Env, KeyCollectionMode, KeyConversion, KeyFilter, ValueType};
use napi_derive::napi;

use super::contract_config::CacheRebuildConfig;
use super::errors::{arg, exported, invalid, strict_arg};
use super::option_keys::{
    CLASSIFY_CACHE_FILE_DELTA_INPUT, DECIDE_ANALYSIS_REBUILD_INPUT, LOCALE_WRITE_INVALIDATION_INPUT,
};
use crate::core::contract::classify as core_classify;
use crate::core::contract::decide as core_decide;
use crate::core::contract::delta as core_delta;
use crate::core::contract::invalidation as core_inv;
use crate::core::contract::layout as core_layout;
use crate::core::contract::records::{FileRecord, FileRecordMap};

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A count or size from JavaScript: a finite, non-negative integer, else `INVALID_OPTION`.
pub(crate) fn js_count(env: &Env, value: f64, option: &str) -> napi::Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER {
        Ok(value as u64)
    } else {
        Err(invalid(
            env,
            option,
            format!("expected a non-negative integer, got {value}"),
        ))
    }
}

/// One tracked file of `files.json`: `{ hash, size, mtimeMs, updatedAt }`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CacheFileRecord {
    /// The content hash (hex).
    pub hash: String,
    /// The UTF-8 byte length of the content.
    pub size: f64,
    /// Modification time; the i18nprune CLI always stores `0`.
    pub mtime_ms: f64,
    /// An ISO timestamp; not part of any comparison.
    pub updated_at: String,
}

/// Reads a `Record<string, CacheFileRecord>` in `Object.keys` order (own enumerable string
/// keys: integer-like keys first, then insertion order).
pub(crate) fn record_map(
    env: &Env,
    value: Unknown<'_>,
    option: &str,
) -> napi::Result<FileRecordMap> {
    if value.get_type()? != ValueType::Object {
        return Err(invalid(
            env,
            option,
            format!(
                "expected an object of file records, got {}",
                value.get_type()?
            ),
        ));
    }
    let object: Object<'_> = arg(env, value, option)?;
    let names = object.get_all_property_names(
        KeyCollectionMode::OwnOnly,
        KeyFilter::Enumerable,
        KeyConversion::NumbersToStrings,
    )?;
    let len = names.get_array_length()?;
    let mut map = FileRecordMap::with_capacity(len as usize);
    for i in 0..len {
        let name: Unknown<'_> = names.get_element(i)?;
        if name.get_type()? != ValueType::String {
            continue; // a symbol key: not part of `Object.keys`
        }
        let key: String = arg(env, name, option)?;
        let at = format!("{option}[{key:?}]");
        // Looked up by the key's own JavaScript string: a name with a NUL is a key like any other.
        let value: Unknown<'_> = object.get_property(name)?;
        let record: CacheFileRecord = arg(env, value, &at)?;
        map.insert(
            key,
            FileRecord {
                hash: record.hash,
                size: js_count(env, record.size, &format!("{at}.size"))?,
                mtime_ms: record.mtime_ms,
                updated_at: record.updated_at,
            },
        );
    }
    Ok(map)
}

/// The keys of two file maps compared: `{ added, changed, deleted, unchanged }`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct CacheFileDelta {
    /// Keys only in current.
    pub added: Vec<String>,
    /// Keys in both whose hash, size or mtimeMs differs.
    pub changed: Vec<String>,
    /// Keys only in previous.
    pub deleted: Vec<String>,
    /// Keys in both with the same hash, size and mtimeMs.
    pub unchanged: Vec<String>,
}

impl From<core_delta::CacheFileDelta> for CacheFileDelta {
    fn from(d: core_delta::CacheFileDelta) -> Self {
        Self {
            added: d.added,
            changed: d.changed,
            deleted: d.deleted,
            unchanged: d.unchanged,
        }
    }
}

impl From<CacheFileDelta> for core_delta::CacheFileDelta {
    fn from(d: CacheFileDelta) -> Self {
        Self {
            added: d.added,
            changed: d.changed,
            deleted: d.deleted,
            unchanged: d.unchanged,
        }
    }
}

/// `diffProjectFiles(previous, current)`: a key only in current is added; in both and any of
/// hash, size, mtimeMs differs is changed, else unchanged; only in previous is deleted. Order:
/// current's key order, then previous's for deleted. Throws `INVALID_OPTION` for a map that is
/// not an object of records.
#[napi(
    ts_args_type = "previous: Record<string, CacheFileRecord>, current: Record<string, CacheFileRecord>",
    ts_return_type = "CacheFileDelta"
)]
pub fn diff_project_files(
    env: Env,
    previous: Unknown<'_>,
    current: Unknown<'_>,
) -> napi::Result<CacheFileDelta> {
    exported(&env, "diffProjectFiles", || {
        let previous = record_map(&env, previous, "previous")?;
        let current = record_map(&env, current, "current")?;
        Ok(core_delta::diff_project_files(&previous, &current).into())
    })
}

/// The state of the `files.json` index:
/// `{ kind: 'ok' } | { kind: 'missing' } | { kind: 'malformed' } | { kind: 'empty' }`.
#[napi(discriminant = "kind", discriminant_case = "lowercase")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilesIndexStatus {
    /// `files.json` loaded and usable as a diff baseline.
    Ok {},
    /// `files.json` does not exist.
    Missing {},
    /// `files.json` is invalid or oversized.
    Malformed {},
    /// `files.json` has no records.
    Empty {},
}

impl From<FilesIndexStatus> for core_delta::FilesIndexStatus {
    fn from(s: FilesIndexStatus) -> Self {
        match s {
            FilesIndexStatus::Ok {} => Self::Ok,
            FilesIndexStatus::Missing {} => Self::Missing,
            FilesIndexStatus::Malformed {} => Self::Malformed,
            FilesIndexStatus::Empty {} => Self::Empty,
        }
    }
}

impl From<core_delta::FilesIndexStatus> for FilesIndexStatus {
    fn from(s: core_delta::FilesIndexStatus) -> Self {
        match s {
            core_delta::FilesIndexStatus::Ok => Self::Ok {},
            core_delta::FilesIndexStatus::Missing => Self::Missing {},
            core_delta::FilesIndexStatus::Malformed => Self::Malformed {},
            core_delta::FilesIndexStatus::Empty => Self::Empty {},
        }
    }
}

/// `'flat_file' | 'locale_directory'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalesLayoutMode {
    /// One file per locale (`en.json`).
    #[napi(value = "flat_file")]
    FlatFile,
    /// One directory per locale (`en/common.json`).
    #[napi(value = "locale_directory")]
    LocaleDirectory,
}

mirror_enum!(
    LocalesLayoutMode,
    core_layout::LocalesLayoutMode,
    [FlatFile, LocaleDirectory]
);

/// `'locale_file' | 'locale_per_dir' | 'feature_bundle'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalesLayoutStructure {
    /// A single file per locale.
    #[napi(value = "locale_file")]
    LocaleFile,
    /// A directory per locale.
    #[napi(value = "locale_per_dir")]
    LocalePerDir,
    /// Feature bundles.
    #[napi(value = "feature_bundle")]
    FeatureBundle,
}

mirror_enum!(
    LocalesLayoutStructure,
    core_layout::LocalesLayoutStructure,
    [LocaleFile, LocalePerDir, FeatureBundle]
);

/// The locales layout fingerprint stored in `files.json`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CachedLocalesLayout {
    /// The layout mode.
    pub mode: LocalesLayoutMode,
    /// The layout structure.
    pub structure: LocalesLayoutStructure,
    /// The locales directory, as configured.
    pub directory: String,
    /// The source locale, as configured.
    pub source: String,
}

impl From<CachedLocalesLayout> for core_layout::CachedLocalesLayout {
    fn from(l: CachedLocalesLayout) -> Self {
        Self {
            mode: l.mode.into(),
            structure: l.structure.into(),
            directory: l.directory,
            source: l.source,
        }
    }
}

/// `layoutMatches(a?, b)`: all four layout fields equal; false when `a` is undefined (or null).
#[napi(
    ts_args_type = "a: CachedLocalesLayout | undefined | null, b: CachedLocalesLayout",
    ts_return_type = "boolean"
)]
pub fn layout_matches(env: Env, a: Option<Unknown<'_>>, b: Unknown<'_>) -> napi::Result<bool> {
    exported(&env, "layoutMatches", || {
        let a: Option<CachedLocalesLayout> = match a {
            None => None,
            Some(a) => arg(&env, a, "a")?,
        };
        let b: CachedLocalesLayout = arg(&env, b, "b")?;
        Ok(core_layout::layout_matches(
            a.map(Into::into).as_ref(),
            &b.into(),
        ))
    })
}

/// The src part of a classified delta: `{ added, changed, deleted }`.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct ClassifiedSrcDelta {
    /// Source files added.
    pub added: Vec<String>,
    /// Source files changed.
    pub changed: Vec<String>,
    /// Source files deleted.
    pub deleted: Vec<String>,
}

impl From<core_classify::ClassifiedSrcDelta> for ClassifiedSrcDelta {
    fn from(d: core_classify::ClassifiedSrcDelta) -> Self {
        Self {
            added: d.added,
            changed: d.changed,
            deleted: d.deleted,
        }
    }
}

impl From<ClassifiedSrcDelta> for core_classify::ClassifiedSrcDelta {
    fn from(d: ClassifiedSrcDelta) -> Self {
        Self {
            added: d.added,
            changed: d.changed,
            deleted: d.deleted,
        }
    }
}

/// A delta sorted by role:
/// `{ src: { added, changed, deleted }, sourceLocale, targetLocale, layoutChanged, filesIndexStatus }`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ClassifiedCacheFileDelta {
    /// Source files, by kind.
    pub src: ClassifiedSrcDelta,
    /// Source-locale segments added, changed or deleted.
    pub source_locale: Vec<String>,
    /// Target-locale segments added, changed or deleted.
    pub target_locale: Vec<String>,
    /// Whether the locales layout differs from the stored one (only with a usable index).
    pub layout_changed: bool,
    /// The state of the `files.json` index.
    pub files_index_status: FilesIndexStatus,
}

impl From<core_classify::ClassifiedCacheFileDelta> for ClassifiedCacheFileDelta {
    fn from(c: core_classify::ClassifiedCacheFileDelta) -> Self {
        Self {
            src: c.src.into(),
            source_locale: c.source_locale,
            target_locale: c.target_locale,
            layout_changed: c.layout_changed,
            files_index_status: c.files_index_status.into(),
        }
    }
}

impl From<ClassifiedCacheFileDelta> for core_classify::ClassifiedCacheFileDelta {
    fn from(c: ClassifiedCacheFileDelta) -> Self {
        Self {
            src: c.src.into(),
            source_locale: c.source_locale,
            target_locale: c.target_locale,
            layout_changed: c.layout_changed,
            files_index_status: c.files_index_status.into(),
        }
    }
}

/// The input of `classifyCacheFileDelta`.
#[napi(object, object_to_js = false)]
pub struct ClassifyCacheFileDeltaInput {
    /// The delta to classify.
    pub delta: CacheFileDelta,
    /// The src keys tracked now.
    pub current_src_file_keys: Vec<String>,
    /// The src keys of the baseline (what lets deletions classify).
    pub baseline_src_file_keys: Vec<String>,
    /// The locale segment keys tracked now.
    pub current_locale_segment_keys: Vec<String>,
    /// The locale segment keys of the baseline.
    pub baseline_locale_segment_keys: Vec<String>,
    /// The primary source-locale segment key (`en.json`, `en/common.json`).
    pub source_locale_segment_key: String,
    /// Every source-locale segment key (`locale_directory`: `en/common.json`, `en/auth.json`);
    /// each is classified as `sourceLocale`, beside `sourceLocaleSegmentKey`.
    pub source_locale_segment_keys: Option<Vec<String>>,
    /// The layout stored in `files.json`, if any.
    pub previous_layout: Option<CachedLocalesLayout>,
    /// The layout of the current config.
    pub current_layout: CachedLocalesLayout,
    /// The state of the `files.json` index.
    pub files_index_status: FilesIndexStatus,
}

/// `classifyCacheFileDelta(input)`: paths are made POSIX; a path among the current or baseline
/// src keys goes to `src[kind]`; else a path among the locale keys goes to `sourceLocale` when
/// it is a source segment (`sourceLocaleSegmentKey` or any of `sourceLocaleSegmentKeys`), else
/// to `targetLocale`; anything else is dropped. `layoutChanged = index usable &&
/// !layoutMatches(previousLayout, currentLayout)`.
#[napi(
    ts_args_type = "input: ClassifyCacheFileDeltaInput",
    ts_return_type = "ClassifiedCacheFileDelta"
)]
pub fn classify_cache_file_delta(
    env: Env,
    input: Unknown<'_>,
) -> napi::Result<ClassifiedCacheFileDelta> {
    exported(&env, "classifyCacheFileDelta", || {
        let i: ClassifyCacheFileDeltaInput =
            strict_arg(&env, input, "input", CLASSIFY_CACHE_FILE_DELTA_INPUT, &[])?;
        let input = core_classify::ClassifyCacheFileDeltaInput {
            delta: i.delta.into(),
            current_src_file_keys: i.current_src_file_keys,
            baseline_src_file_keys: i.baseline_src_file_keys,
            current_locale_segment_keys: i.current_locale_segment_keys,
            baseline_locale_segment_keys: i.baseline_locale_segment_keys,
            source_locale_segment_key: i.source_locale_segment_key,
            source_locale_segment_keys: i.source_locale_segment_keys.unwrap_or_default(),
            previous_layout: i.previous_layout.map(Into::into),
            current_layout: i.current_layout.into(),
            files_index_status: i.files_index_status.into(),
        };
        Ok(core_classify::classify_cache_file_delta(&input).into())
    })
}

/// `'full' | 'partial' | 'reuse'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisRebuildStrategy {
    /// Rebuild the analysis from scratch.
    #[napi(value = "full")]
    Full,
    /// Patch the previous analysis.
    #[napi(value = "partial")]
    Partial,
    /// Keep the previous analysis as is.
    #[napi(value = "reuse")]
    Reuse,
}

mirror_enum!(
    AnalysisRebuildStrategy,
    core_decide::AnalysisRebuildStrategy,
    [Full, Partial, Reuse]
);

/// Why the analysis is rebuilt as it is: the 13 reasons of `decideAnalysisRebuild` plus
/// `files_index_recovered` (dispatch only).
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisRebuildReason {
    /// The config says `rebuild: 'full'`.
    #[napi(value = "config_rebuild_full")]
    ConfigRebuildFull,
    /// The locales layout changed.
    #[napi(value = "layout_changed")]
    LayoutChanged,
    /// A source-locale segment changed along with other deltas.
    #[napi(value = "source_locale_changed")]
    SourceLocaleChanged,
    /// Only source-locale segments changed.
    #[napi(value = "source_locale_partial")]
    SourceLocalePartial,
    /// Only target-locale segments changed.
    #[napi(value = "target_locale_only")]
    TargetLocaleOnly,
    /// Nothing src or locale-classified changed.
    #[napi(value = "locale_or_non_src_changed")]
    LocaleOrNonSrcChanged,
    /// There is no previous analysis.
    #[napi(value = "no_previous_cache")]
    NoPreviousCache,
    /// The affected share of src files reached the threshold.
    #[napi(value = "src_threshold")]
    SrcThreshold,
    /// Few src files changed.
    #[napi(value = "src_partial")]
    SrcPartial,
    /// `files.json` is missing.
    #[napi(value = "files_index_missing")]
    FilesIndexMissing,
    /// `files.json` is invalid or oversized.
    #[napi(value = "files_index_malformed")]
    FilesIndexMalformed,
    /// `files.json` is empty.
    #[napi(value = "files_index_empty")]
    FilesIndexEmpty,
    /// The index is unusable but a previous analysis exists.
    #[napi(value = "files_index_stale")]
    FilesIndexStale,
    /// The index was rebuilt and the analysis reused (dispatch only).
    #[napi(value = "files_index_recovered")]
    FilesIndexRecovered,
}

mirror_enum!(
    AnalysisRebuildReason,
    core_decide::AnalysisRebuildReason,
    [
        ConfigRebuildFull,
        LayoutChanged,
        SourceLocaleChanged,
        SourceLocalePartial,
        TargetLocaleOnly,
        LocaleOrNonSrcChanged,
        NoPreviousCache,
        SrcThreshold,
        SrcPartial,
        FilesIndexMissing,
        FilesIndexMalformed,
        FilesIndexEmpty,
        FilesIndexStale,
        FilesIndexRecovered,
    ]
);

/// The result of `decideAnalysisRebuild`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct AnalysisRebuildDecision {
    /// How the analysis is rebuilt.
    pub strategy: AnalysisRebuildStrategy,
    /// Why.
    pub reason: AnalysisRebuildReason,
    /// The threshold that was reached (`src_threshold` only).
    pub threshold_percent: Option<f64>,
    /// Added + changed + deleted src files (`src_threshold`, `src_partial`).
    pub src_affected: Option<f64>,
    /// The tracked src file count (`src_threshold`, `src_partial`).
    pub tracked_src_count: Option<f64>,
    /// The src delta, when the dispatcher attaches it.
    pub src_delta: Option<ClassifiedSrcDelta>,
}

impl From<core_decide::AnalysisRebuildDecision> for AnalysisRebuildDecision {
    fn from(d: core_decide::AnalysisRebuildDecision) -> Self {
        Self {
            strategy: d.strategy.into(),
            reason: d.reason.into(),
            threshold_percent: d.threshold_percent,
            src_affected: d.src_affected.map(|n| n as f64),
            tracked_src_count: d.tracked_src_count.map(|n| n as f64),
            src_delta: d.src_delta.map(Into::into),
        }
    }
}

impl AnalysisRebuildDecision {
    /// The core decision, with counts checked to be non-negative integers.
    pub(crate) fn into_core(
        self,
        env: &Env,
        option: &str,
    ) -> napi::Result<core_decide::AnalysisRebuildDecision> {
        let count = |v: Option<f64>, field: &str| {
            v.map(|v| js_count(env, v, &format!("{option}.{field}")))
                .transpose()
        };
        Ok(core_decide::AnalysisRebuildDecision {
            strategy: self.strategy.into(),
            reason: self.reason.into(),
            threshold_percent: self.threshold_percent,
            src_affected: count(self.src_affected, "srcAffected")?,
            tracked_src_count: count(self.tracked_src_count, "trackedSrcCount")?,
            src_delta: self.src_delta.map(Into::into),
        })
    }
}

/// The input of `decideAnalysisRebuild`.
#[napi(object, object_to_js = false)]
pub struct DecideAnalysisRebuildInput {
    /// The rebuild slice of the resolved config.
    pub config: CacheRebuildConfig,
    /// The classified delta.
    pub classified: ClassifiedCacheFileDelta,
    /// Whether a previous analysis exists.
    pub has_previous: bool,
    /// How many src files are tracked now.
    pub tracked_src_count: f64,
}

/// `decideAnalysisRebuild(input)`, first match wins: `rebuild === 'full'` -> full
/// `config_rebuild_full`; no previous -> full `files_index_<kind>` (unusable index) or
/// `no_previous_cache`; unusable index -> full `files_index_stale`; layout changed -> full
/// `layout_changed`; source-locale change -> partial `source_locale_partial` (nothing else
/// changed) or full `source_locale_changed`; target-locale only -> reuse `target_locale_only`;
/// empty src delta -> full `locale_or_non_src_changed`; affected share >= threshold -> full
/// `src_threshold`; else partial `src_partial`.
#[napi(
    ts_args_type = "input: DecideAnalysisRebuildInput",
    ts_return_type = "AnalysisRebuildDecision"
)]
pub fn decide_analysis_rebuild(
    env: Env,
    input: Unknown<'_>,
) -> napi::Result<AnalysisRebuildDecision> {
    exported(&env, "decideAnalysisRebuild", || {
        let i: DecideAnalysisRebuildInput =
            strict_arg(&env, input, "input", DECIDE_ANALYSIS_REBUILD_INPUT, &[])?;
        let tracked = js_count(&env, i.tracked_src_count, "trackedSrcCount")?;
        Ok(core_decide::decide_analysis_rebuild(
            &i.config.into(),
            &i.classified.into(),
            i.has_previous,
            tracked,
        )
        .into())
    })
}

/// `'delete' | 'skip'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisCacheInvalidationAction {
    /// Delete `analysis.json`.
    #[napi(value = "delete")]
    Delete,
    /// Leave it; dispatch decides on the next run.
    #[napi(value = "skip")]
    Skip,
}

mirror_enum!(
    AnalysisCacheInvalidationAction,
    core_inv::AnalysisCacheInvalidationAction,
    [Delete, Skip]
);

/// Why `analysis.json` is deleted or kept after locale writes.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisCacheInvalidationReason {
    /// The cache is off.
    #[napi(value = "cache_disabled")]
    CacheDisabled,
    /// No locale file was written.
    #[napi(value = "no_locale_writes")]
    NoLocaleWrites,
    /// The config says `rebuild: 'full'`.
    #[napi(value = "config_rebuild_full")]
    ConfigRebuildFull,
    /// Only target-locale segments were written.
    #[napi(value = "target_locale_writes_only")]
    TargetLocaleWritesOnly,
    /// A source segment was written; the next dispatch rebuilds.
    #[napi(value = "locale_writes_dispatch_handles")]
    LocaleWritesDispatchHandles,
}

mirror_enum!(
    AnalysisCacheInvalidationReason,
    core_inv::AnalysisCacheInvalidationReason,
    [
        CacheDisabled,
        NoLocaleWrites,
        ConfigRebuildFull,
        TargetLocaleWritesOnly,
        LocaleWritesDispatchHandles,
    ]
);

/// The result of `decideProjectAnalysisCacheInvalidation`: `{ action, reason }`.
#[napi(object)]
#[derive(Debug, Clone, Copy)]
pub struct AnalysisCacheInvalidationDecision {
    /// Delete or skip.
    pub action: AnalysisCacheInvalidationAction,
    /// Why.
    pub reason: AnalysisCacheInvalidationReason,
}

impl From<core_inv::AnalysisCacheInvalidationDecision> for AnalysisCacheInvalidationDecision {
    fn from(d: core_inv::AnalysisCacheInvalidationDecision) -> Self {
        Self {
            action: d.action.into(),
            reason: d.reason.into(),
        }
    }
}

impl From<AnalysisCacheInvalidationDecision> for core_inv::AnalysisCacheInvalidationDecision {
    fn from(d: AnalysisCacheInvalidationDecision) -> Self {
        Self {
            action: d.action.into(),
            reason: d.reason.into(),
        }
    }
}

/// The input of `decideProjectAnalysisCacheInvalidation`.
#[napi(object, object_to_js = false)]
pub struct LocaleWriteInvalidationInput {
    /// Whether the cache is on.
    pub enabled: bool,
    /// The rebuild slice of the resolved config.
    pub rebuild_config: CacheRebuildConfig,
    /// The primary source-locale segment key.
    pub source_locale_segment_key: String,
    /// Every source-locale segment key, beside the primary one (as in classification).
    pub source_locale_segment_keys: Option<Vec<String>>,
    /// The locale segment keys the host wrote.
    pub mutated_locale_segment_keys: Vec<String>,
}

/// `decideProjectAnalysisCacheInvalidation(input)`, in order: disabled -> skip
/// `cache_disabled`; no keys -> skip `no_locale_writes`; rebuild full -> delete
/// `config_rebuild_full`; no written key is a source segment -> skip
/// `target_locale_writes_only`; else skip `locale_writes_dispatch_handles`.
#[napi(
    ts_args_type = "input: LocaleWriteInvalidationInput",
    ts_return_type = "AnalysisCacheInvalidationDecision"
)]
pub fn decide_project_analysis_cache_invalidation(
    env: Env,
    input: Unknown<'_>,
) -> napi::Result<AnalysisCacheInvalidationDecision> {
    exported(&env, "decideProjectAnalysisCacheInvalidation", || {
        let i: LocaleWriteInvalidationInput =
            strict_arg(&env, input, "input", LOCALE_WRITE_INVALIDATION_INPUT, &[])?;
        let input = core_inv::LocaleWriteInvalidationInput {
            enabled: i.enabled,
            rebuild_config: i.rebuild_config.into(),
            source_locale_segment_key: i.source_locale_segment_key,
            source_locale_segment_keys: i.source_locale_segment_keys.unwrap_or_default(),
            mutated_locale_segment_keys: i.mutated_locale_segment_keys,
        };
        Ok(core_inv::decide_project_analysis_cache_invalidation(&input).into())
    })
}
