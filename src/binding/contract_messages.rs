//! §7 `--debug-cache` lines: the emitters (`emitCacheDispatchMessages`,
//! `emitCacheMemoryHitMessage`, `emitAnalysisCacheInvalidationMessage`) and the same lines as
//! data. The texts live in `crate::core::contract::messages`.

use crate::core::contract::iso_time::now_iso;

use napi::bindgen_prelude::{Function, Unknown};
use napi::Env;
use napi_derive::napi;

use super::contract_policy::{
    AnalysisCacheInvalidationDecision, AnalysisRebuildDecision, CacheFileDelta,
    ClassifiedCacheFileDelta, FilesIndexStatus,
};
use super::errors::{arg, ensure_function, exported, strict_arg};
use super::fingerprint::CacheWarning;
use super::option_keys::{
    EMIT_ANALYSIS_CACHE_INVALIDATION_MESSAGE_INPUT, EMIT_CACHE_DISPATCH_MESSAGES_INPUT,
    EMIT_CACHE_MEMORY_HIT_MESSAGE_INPUT,
};
use crate::core::contract::dispatch_info as core_info;
use crate::core::contract::messages as core;

/// `'hit' | 'miss' | 'bypass' | 'disabled'`.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheDispatchStatus {
    /// The cached data was used.
    #[napi(value = "hit")]
    Hit,
    /// The producer ran (or the analysis was reused and persisted).
    #[napi(value = "miss")]
    Miss,
    /// The host's no-cache flag turned the cache off for this run.
    #[napi(value = "bypass")]
    Bypass,
    /// The config turned the cache off.
    #[napi(value = "disabled")]
    Disabled,
}

mirror_enum!(
    CacheDispatchStatus,
    core_info::CacheDispatchStatus,
    [Hit, Miss, Bypass, Disabled]
);

/// Why a dispatch ended as it did.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheDispatchReason {
    /// Nothing changed and the cached data parsed.
    #[napi(value = "cache_hit")]
    CacheHit,
    /// The cache is off.
    #[napi(value = "no_cache")]
    NoCache,
    /// The cache could not be used.
    #[napi(value = "cache_unavailable")]
    CacheUnavailable,
    /// There is no cached data.
    #[napi(value = "run_missing")]
    RunMissing,
    /// Project files changed.
    #[napi(value = "files_changed")]
    FilesChanged,
    /// The files index was rebuilt and the analysis reused.
    #[napi(value = "files_index_recovered")]
    FilesIndexRecovered,
    /// The cached data was written for other inputs.
    #[napi(value = "run_binding_stale")]
    RunBindingStale,
    /// The producer succeeded.
    #[napi(value = "producer_succeeded")]
    ProducerSucceeded,
    /// The cached data failed validation.
    #[napi(value = "run_invalid")]
    RunInvalid,
}

mirror_enum!(
    CacheDispatchReason,
    core_info::CacheDispatchReason,
    [
        CacheHit,
        NoCache,
        CacheUnavailable,
        RunMissing,
        FilesChanged,
        FilesIndexRecovered,
        RunBindingStale,
        ProducerSucceeded,
        RunInvalid,
    ]
);

/// The cache files of a dispatch.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CacheDispatchPaths {
    /// `<root>/meta.json`.
    pub meta: String,
    /// `projects/<id>/files.json`.
    pub files: String,
    /// `projects/<id>/analysis.json`.
    pub analysis: String,
    /// `projects/<id>`.
    pub project_dir: String,
}

/// The stored and current input files epochs of a `run_binding_stale` dispatch.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CacheInputFilesEpochDebug {
    /// The epoch stored with the cached data, if any.
    pub cached: Option<String>,
    /// The epoch of the current files.
    pub current: String,
}

/// The `cache` object of a dispatch result.
#[napi(object)]
pub struct CacheDispatchInfo {
    /// What happened.
    pub status: CacheDispatchStatus,
    /// Why.
    pub reason: CacheDispatchReason,
    /// Diagnostics (a missing, oversize or malformed file); each is printed.
    pub warnings: Option<Vec<CacheWarning>>,
    /// The file delta against the baseline.
    pub delta: Option<CacheFileDelta>,
    /// The cache files.
    pub paths: Option<CacheDispatchPaths>,
    /// The epochs of a stale binding.
    pub input_files_epoch_debug: Option<CacheInputFilesEpochDebug>,
    /// The rebuild decision.
    pub analysis_rebuild: Option<AnalysisRebuildDecision>,
    /// The state of the `files.json` index.
    pub files_index_status: Option<FilesIndexStatus>,
    /// The classified delta.
    pub classified: Option<ClassifiedCacheFileDelta>,
    /// The remote cache's part, when one is configured (cachecore's addition).
    pub remote: Option<super::remote::CacheRemoteInfo>,
}

impl CacheDispatchInfo {
    /// The core value, with counts checked.
    fn into_core(self, env: &Env) -> napi::Result<core_info::CacheDispatchInfo> {
        let mut info = core_info::CacheDispatchInfo::new(self.status.into(), self.reason.into());
        info.warnings = self
            .warnings
            .unwrap_or_default()
            .into_iter()
            .map(|w| core_info::CacheWarning {
                code: w.code,
                message: w.message,
                path: w.path,
            })
            .collect();
        info.delta = self.delta.map(Into::into);
        info.paths = self.paths.map(|p| core_info::CacheDispatchPaths {
            meta: p.meta,
            files: p.files,
            analysis: p.analysis,
            project_dir: p.project_dir,
        });
        info.input_files_epoch_debug =
            self.input_files_epoch_debug
                .map(|d| core_info::CacheInputFilesEpochDebug {
                    cached: d.cached,
                    current: d.current,
                });
        info.analysis_rebuild = self
            .analysis_rebuild
            .map(|d| d.into_core(env, "cache.analysisRebuild"))
            .transpose()?;
        info.files_index_status = self.files_index_status.map(Into::into);
        info.classified = self.classified.map(Into::into);
        info.remote = self.remote.map(Into::into);
        Ok(info)
    }
}

/// `'info' | 'detail'`: the status line and warnings are info, the rest detail.
#[napi(string_enum)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMessageLevel {
    /// A status line or a warning.
    #[napi(value = "info")]
    Info,
    /// Everything else.
    #[napi(value = "detail")]
    Detail,
}

mirror_enum!(CacheMessageLevel, core::CacheMessageLevel, [Info, Detail]);

/// One `--debug-cache` line, undecorated: `{ level, message }`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CacheMessageLine {
    /// Info or detail.
    pub level: CacheMessageLevel,
    /// The text; hosts only add their prefix and styling.
    pub message: String,
}

impl From<core::CacheMessageLine> for CacheMessageLine {
    fn from(l: core::CacheMessageLine) -> Self {
        Self {
            level: l.level.into(),
            message: l.message,
        }
    }
}

/// What an emitter passes to `emit`, once per line:
/// `{ type: 'run.message', op, runId, at, channel: 'cache', level, message }`.
#[napi(object, object_from_js = false)]
pub struct CacheRunMessageEvent {
    /// Always `'run.message'`.
    #[napi(js_name = "type", ts_type = "'run.message'")]
    pub kind: String,
    /// The host's operation.
    pub op: String,
    /// The host's run id, as given.
    pub run_id: Option<String>,
    /// When the line was emitted (ISO 8601, `Date.prototype.toISOString`).
    pub at: String,
    /// Always `'cache'`.
    #[napi(ts_type = "'cache'")]
    pub channel: String,
    /// Info or detail.
    pub level: CacheMessageLevel,
    /// The text.
    pub message: String,
}

/// The host's sink: called once per line; whatever it throws is swallowed.
type Emit<'a> = Function<'a, CacheRunMessageEvent, Unknown<'a>>;

/// The input of `emitCacheDispatchMessages`.
#[napi(object, object_to_js = false)]
pub struct EmitCacheDispatchMessagesInput<'a> {
    /// Called once per line, in order; an exception it throws is swallowed.
    #[napi(ts_type = "(event: CacheRunMessageEvent) => void")]
    pub emit: Emit<'a>,
    /// The host's operation.
    pub op: String,
    /// The host's run id.
    pub run_id: Option<String>,
    /// What was dispatched, e.g. `project analysis`.
    pub label: String,
    /// The `cache` object of the dispatch result.
    pub cache: CacheDispatchInfo,
}

/// The input of `emitCacheMemoryHitMessage`.
#[napi(object, object_to_js = false)]
pub struct EmitCacheMemoryHitMessageInput<'a> {
    /// Called with the line; an exception it throws is swallowed.
    #[napi(ts_type = "(event: CacheRunMessageEvent) => void")]
    pub emit: Emit<'a>,
    /// The host's operation.
    pub op: String,
    /// The host's run id.
    pub run_id: Option<String>,
    /// What was dispatched, e.g. `project analysis`.
    pub label: String,
}

/// The input of `emitAnalysisCacheInvalidationMessage`.
#[napi(object, object_to_js = false)]
pub struct EmitAnalysisCacheInvalidationMessageInput<'a> {
    /// Called with the line, if any; an exception it throws is swallowed.
    #[napi(ts_type = "(event: CacheRunMessageEvent) => void")]
    pub emit: Emit<'a>,
    /// The host's operation.
    pub op: String,
    /// The host's run id.
    pub run_id: Option<String>,
    /// The result of `decideProjectAnalysisCacheInvalidation`.
    pub decision: AnalysisCacheInvalidationDecision,
}

/// Calls `emit` once per line, in order, swallowing whatever it throws.
fn emit_lines(emit: &Emit<'_>, op: &str, run_id: Option<&str>, lines: Vec<core::CacheMessageLine>) {
    let at = now_iso();
    for line in lines {
        let event = CacheRunMessageEvent {
            kind: "run.message".to_owned(),
            op: op.to_owned(),
            run_id: run_id.map(str::to_owned),
            at: at.clone(),
            channel: "cache".to_owned(),
            level: line.level.into(),
            message: line.message,
        };
        // `call` clears a pending exception into its `Err`: swallowing it leaves none behind.
        let _ = emit.call(event);
    }
}

/// `emitCacheDispatchMessages({ emit, op, runId?, label, cache })`: emits the lines of
/// `cacheDispatchMessageLines(label, cache)`.
#[napi(
    ts_args_type = "input: EmitCacheDispatchMessagesInput",
    ts_return_type = "void"
)]
pub fn emit_cache_dispatch_messages(env: Env, input: Unknown<'_>) -> napi::Result<()> {
    exported(&env, "emitCacheDispatchMessages", || {
        let i: EmitCacheDispatchMessagesInput<'_> = strict_arg(
            &env,
            input,
            "input",
            EMIT_CACHE_DISPATCH_MESSAGES_INPUT,
            &[],
        )?;
        ensure_function(&env, &i.emit, "emit")?;
        let info = i.cache.into_core(&env)?;
        let lines = core::cache_dispatch_message_lines(&i.label, &info);
        emit_lines(&i.emit, &i.op, i.run_id.as_deref(), lines);
        Ok(())
    })
}

/// `emitCacheMemoryHitMessage({ emit, op, runId?, label })`: emits
/// `<label> cache memory hit (same_run)` at level info.
#[napi(
    ts_args_type = "input: EmitCacheMemoryHitMessageInput",
    ts_return_type = "void"
)]
pub fn emit_cache_memory_hit_message(env: Env, input: Unknown<'_>) -> napi::Result<()> {
    exported(&env, "emitCacheMemoryHitMessage", || {
        let i: EmitCacheMemoryHitMessageInput<'_> = strict_arg(
            &env,
            input,
            "input",
            EMIT_CACHE_MEMORY_HIT_MESSAGE_INPUT,
            &[],
        )?;
        ensure_function(&env, &i.emit, "emit")?;
        let lines = vec![core::cache_memory_hit_message_line(&i.label)];
        emit_lines(&i.emit, &i.op, i.run_id.as_deref(), lines);
        Ok(())
    })
}

/// `emitAnalysisCacheInvalidationMessage({ emit, op, runId?, decision })`: emits
/// `  analysis invalidation: …` at level detail; nothing for `cache_disabled` and
/// `no_locale_writes`.
#[napi(
    ts_args_type = "input: EmitAnalysisCacheInvalidationMessageInput",
    ts_return_type = "void"
)]
pub fn emit_analysis_cache_invalidation_message(env: Env, input: Unknown<'_>) -> napi::Result<()> {
    exported(&env, "emitAnalysisCacheInvalidationMessage", || {
        let i: EmitAnalysisCacheInvalidationMessageInput<'_> = strict_arg(
            &env,
            input,
            "input",
            EMIT_ANALYSIS_CACHE_INVALIDATION_MESSAGE_INPUT,
            &[],
        )?;
        ensure_function(&env, &i.emit, "emit")?;
        let lines = core::analysis_cache_invalidation_message_line(&i.decision.into())
            .into_iter()
            .collect();
        emit_lines(&i.emit, &i.op, i.run_id.as_deref(), lines);
        Ok(())
    })
}

/// The lines `emitCacheDispatchMessages` emits, as data: the status line, the invalidation,
/// the paths, the file delta (at most 12 names per kind, then `... N more`), the analysis
/// rebuild, the files index, the warnings.
#[napi(
    ts_args_type = "label: string, cache: CacheDispatchInfo",
    ts_return_type = "CacheMessageLine[]"
)]
pub fn cache_dispatch_message_lines(
    env: Env,
    label: Unknown<'_>,
    cache: Unknown<'_>,
) -> napi::Result<Vec<CacheMessageLine>> {
    exported(&env, "cacheDispatchMessageLines", || {
        let label: String = arg(&env, label, "label")?;
        let cache: CacheDispatchInfo = arg(&env, cache, "cache")?;
        let info = cache.into_core(&env)?;
        Ok(core::cache_dispatch_message_lines(&label, &info)
            .into_iter()
            .map(Into::into)
            .collect())
    })
}

/// The line `emitCacheMemoryHitMessage` emits, as data (one line).
#[napi(ts_args_type = "label: string", ts_return_type = "CacheMessageLine[]")]
pub fn cache_memory_hit_message_lines(
    env: Env,
    label: Unknown<'_>,
) -> napi::Result<Vec<CacheMessageLine>> {
    exported(&env, "cacheMemoryHitMessageLines", || {
        let label: String = arg(&env, label, "label")?;
        Ok(vec![core::cache_memory_hit_message_line(&label).into()])
    })
}

/// The line `emitAnalysisCacheInvalidationMessage` emits, as data (none or one).
#[napi(
    ts_args_type = "decision: AnalysisCacheInvalidationDecision",
    ts_return_type = "CacheMessageLine[]"
)]
pub fn analysis_cache_invalidation_message_lines(
    env: Env,
    decision: Unknown<'_>,
) -> napi::Result<Vec<CacheMessageLine>> {
    exported(&env, "analysisCacheInvalidationMessageLines", || {
        let decision: AnalysisCacheInvalidationDecision = arg(&env, decision, "decision")?;
        Ok(
            core::analysis_cache_invalidation_message_line(&decision.into())
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    })
}
