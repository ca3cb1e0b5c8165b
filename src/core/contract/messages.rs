//! §7 the `--debug-cache` lines, returned as data. Hosts only decorate them (prefix, dimming)
//! and emit them in order.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::decide::{AnalysisRebuildDecision, AnalysisRebuildReason, AnalysisRebuildStrategy};
use super::delta::FilesIndexStatus;
use super::dispatch_info::{
    CacheDispatchInfo, CacheDispatchReason, CacheRemoteInfo, CacheRemoteSource,
};
use super::invalidation::{
    AnalysisCacheInvalidationAction, AnalysisCacheInvalidationDecision,
    AnalysisCacheInvalidationReason,
};
use super::js_number::{js_math_round, js_number_to_string};

/// How many file names are listed per delta kind before `... N more`.
pub const DELTA_SAMPLE_LIMIT: usize = 12;

/// The limit shown in the threshold detail when a decision carries none.
const DEFAULT_THRESHOLD_LIMIT: f64 = 40.0;

string_enum! {
    /// `level: 'info' | 'detail'`: the status line and warnings are info, the rest detail.
    pub enum CacheMessageLevel {
        /// A status line or a warning.
        Info => "info",
        /// Everything else.
        Detail => "detail",
    }
}

/// One line: `{ level, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheMessageLine {
    /// Info or detail.
    pub level: CacheMessageLevel,
    /// The text, undecorated.
    pub message: String,
}

impl CacheMessageLine {
    /// An info line.
    pub fn info(message: impl Into<String>) -> Self {
        Self {
            level: CacheMessageLevel::Info,
            message: message.into(),
        }
    }

    /// A detail line.
    pub fn detail(message: impl Into<String>) -> Self {
        Self {
            level: CacheMessageLevel::Detail,
            message: message.into(),
        }
    }
}

/// The text after `  invalidated: ` for a dispatch reason; none for `cache_hit` and
/// `producer_succeeded`.
pub fn describe_cache_invalidation(reason: CacheDispatchReason) -> Option<&'static str> {
    use CacheDispatchReason as R;
    match reason {
        R::FilesChanged => Some("source files changed"),
        R::FilesIndexRecovered => {
            Some("files index rebuilt; analysis reused (project files unchanged)")
        }
        R::RunBindingStale => Some("stale (source files changed since last cache write)"),
        R::RunInvalid => Some("cached data failed validation"),
        R::RunMissing => Some("no cached data"),
        R::CacheUnavailable => Some("cache unavailable"),
        R::NoCache => Some("cache disabled"),
        R::CacheHit | R::ProducerSucceeded => None,
    }
}

/// The text after `  analysis rebuild: `: `skipped (...)`, `partial (...)` or `full (...)`.
pub fn describe_analysis_rebuild(decision: &AnalysisRebuildDecision) -> String {
    use AnalysisRebuildReason as R;
    match decision.strategy {
        AnalysisRebuildStrategy::Reuse => match decision.reason {
            R::TargetLocaleOnly => {
                "skipped (target locale only (reusing analysis.json))".to_owned()
            }
            _ => "skipped (reusing analysis.json)".to_owned(),
        },
        AnalysisRebuildStrategy::Partial => match decision.reason {
            R::SourceLocalePartial => {
                "partial (source locale only, missingKeys updated)".to_owned()
            }
            _ => {
                let (changed, added, deleted) =
                    decision.src_delta.as_ref().map_or((0, 0, 0), |s| {
                        (s.changed.len(), s.added.len(), s.deleted.len())
                    });
                format!("partial ({changed} changed, {added} added, {deleted} deleted)")
            }
        },
        AnalysisRebuildStrategy::Full => {
            let detail: Cow<'static, str> = match decision.reason {
                R::SrcThreshold => describe_threshold(decision).into(),
                R::LayoutChanged => "layout changed".into(),
                R::SourceLocaleChanged => "source locale changed (with other deltas)".into(),
                R::LocaleOrNonSrcChanged => "locale or non-src delta".into(),
                R::NoPreviousCache => "no previous analysis cache".into(),
                R::FilesIndexMissing => "files.json missing".into(),
                R::FilesIndexMalformed => "files.json invalid or oversized".into(),
                R::FilesIndexEmpty => "files.json empty".into(),
                R::FilesIndexStale => {
                    "files index unusable and project files changed since last analysis".into()
                }
                _ => "config rebuild=full".into(),
            };
            format!("full ({detail})")
        }
    }
}

/// `threshold <round pct>% (limit <t>%)`; the percentage is 100 without tracked src files.
fn describe_threshold(decision: &AnalysisRebuildDecision) -> String {
    let percent = match decision.tracked_src_count {
        Some(tracked) if tracked > 0 => {
            js_math_round(decision.src_affected.unwrap_or(0) as f64 / tracked as f64 * 100.0)
        }
        _ => 100.0,
    };
    let limit = decision
        .threshold_percent
        .unwrap_or(DEFAULT_THRESHOLD_LIMIT);
    format!(
        "threshold {}% (limit {}%)",
        js_number_to_string(percent),
        js_number_to_string(limit)
    )
}

/// The text after `  files index: ` for an unusable index; none for `ok`.
pub fn describe_files_index_status(status: FilesIndexStatus) -> Option<&'static str> {
    match status {
        FilesIndexStatus::Ok => None,
        FilesIndexStatus::Missing => Some("files.json missing — rebuilding fingerprints from disk"),
        FilesIndexStatus::Malformed => {
            Some("files.json invalid or oversized — rebuilding fingerprints from disk")
        }
        FilesIndexStatus::Empty => Some("files.json empty — rebuilding fingerprints from disk"),
    }
}

/// A byte count for people: `834 B`, `12.4 KB`, `3.1 MB`.
fn describe_bytes(n: u64) -> String {
    match n {
        0..=999 => format!("{n} B"),
        1_000..=999_999 => format!("{:.1} KB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// The text after `  source: ` when a remote cache is configured: `local`, `remote exact (…)`,
/// `remote base <commit> (…)` or `none (…)`.
pub fn describe_remote_source(r: &CacheRemoteInfo) -> String {
    let short = |s: &Option<String>| {
        s.as_deref()
            .map(|k| k.chars().take(12).collect::<String>())
            .unwrap_or_default()
    };
    let fetched = || {
        let mut parts = vec![r.endpoint.clone(), format!("artifact {}", short(&r.key))];
        if let (Some(b), Some(ms)) = (r.bytes, r.fetch_ms) {
            parts.push(format!("{} in {} ms", describe_bytes(b), ms.round()));
        }
        parts.join(", ")
    };
    match r.source {
        CacheRemoteSource::Local => "local".to_owned(),
        CacheRemoteSource::RemoteExact => format!("remote exact ({})", fetched()),
        CacheRemoteSource::RemoteBase => {
            format!("remote base {} ({})", short(&r.commit), fetched())
        }
        CacheRemoteSource::Nothing => {
            format!(
                "none (no local analysis, no remote artifact at {})",
                r.endpoint
            )
        }
    }
}

/// Up to [`DELTA_SAMPLE_LIMIT`] `    <kind>: <file>` lines, then `    <kind>: ... N more`.
fn push_delta_samples(lines: &mut Vec<CacheMessageLine>, kind: &str, files: &[String]) {
    for file in files.iter().take(DELTA_SAMPLE_LIMIT) {
        lines.push(CacheMessageLine::detail(format!("    {kind}: {file}")));
    }
    if files.len() > DELTA_SAMPLE_LIMIT {
        let more = files.len() - DELTA_SAMPLE_LIMIT;
        lines.push(CacheMessageLine::detail(format!(
            "    {kind}: ... {more} more"
        )));
    }
}

/// The lines of `emitCacheDispatchMessages`, in order: the status line, the invalidation, the
/// paths, the file delta and its samples, the analysis rebuild, the files index, the warnings.
pub fn cache_dispatch_message_lines(
    label: &str,
    cache: &CacheDispatchInfo,
) -> Vec<CacheMessageLine> {
    let mut lines = vec![CacheMessageLine::info(format!(
        "{label} cache {} ({})",
        cache.status, cache.reason
    ))];
    if let Some(text) = describe_cache_invalidation(cache.reason) {
        lines.push(CacheMessageLine::detail(format!("  invalidated: {text}")));
    }
    if let Some(remote) = &cache.remote {
        lines.push(CacheMessageLine::detail(format!(
            "  source: {}",
            describe_remote_source(remote)
        )));
    }
    if let Some(paths) = &cache.paths {
        lines.push(CacheMessageLine::detail(format!("  meta: {}", paths.meta)));
        lines.push(CacheMessageLine::detail(format!(
            "  project: {}",
            paths.project_dir
        )));
        lines.push(CacheMessageLine::detail(format!(
            "  files: {}",
            paths.files
        )));
        lines.push(CacheMessageLine::detail(format!(
            "  analysis: {}",
            paths.analysis
        )));
    }
    if let Some(delta) = &cache.delta {
        lines.push(CacheMessageLine::detail(format!(
            "  file delta: +{} ~{} -{} ={}",
            delta.added.len(),
            delta.changed.len(),
            delta.deleted.len(),
            delta.unchanged.len()
        )));
        push_delta_samples(&mut lines, "added", &delta.added);
        push_delta_samples(&mut lines, "changed", &delta.changed);
        push_delta_samples(&mut lines, "deleted", &delta.deleted);
    }
    if let Some(decision) = &cache.analysis_rebuild {
        lines.push(CacheMessageLine::detail(format!(
            "  analysis rebuild: {}",
            describe_analysis_rebuild(decision)
        )));
    }
    match cache.remote.as_ref().and_then(|r| r.upload.as_deref()) {
        Some("scheduled") => lines.push(CacheMessageLine::detail(
            "  remote upload: scheduled (in the background)",
        )),
        Some("read_only") => lines.push(CacheMessageLine::detail(
            "  remote upload: skipped (read-only)",
        )),
        _ => {}
    }
    if let Some(note) = cache
        .files_index_status
        .and_then(describe_files_index_status)
    {
        lines.push(CacheMessageLine::detail(format!("  files index: {note}")));
    }
    for warning in &cache.warnings {
        let message = match warning.path.as_deref() {
            Some(path) if !path.is_empty() => format!("warning: {} ({path})", warning.message),
            _ => format!("warning: {}", warning.message),
        };
        lines.push(CacheMessageLine::info(message));
    }
    lines
}

/// The line of `emitCacheMemoryHitMessage`: `<label> cache memory hit (same_run)`.
pub fn cache_memory_hit_message_line(label: &str) -> CacheMessageLine {
    CacheMessageLine::info(format!("{label} cache memory hit (same_run)"))
}

/// The line of `emitAnalysisCacheInvalidationMessage`; none for `cache_disabled` and
/// `no_locale_writes`.
pub fn analysis_cache_invalidation_message_line(
    decision: &AnalysisCacheInvalidationDecision,
) -> Option<CacheMessageLine> {
    use AnalysisCacheInvalidationAction as A;
    use AnalysisCacheInvalidationReason as R;
    let text = match (decision.action, decision.reason) {
        (A::Delete, R::ConfigRebuildFull) => "deleted (config rebuild=full)",
        (A::Delete, _) => "deleted",
        (A::Skip, R::TargetLocaleWritesOnly) => "skipped (target locale writes only)",
        (A::Skip, R::LocaleWritesDispatchHandles) => "skipped (dispatch rebuild on next run)",
        (A::Skip, _) => return None,
    };
    Some(CacheMessageLine::detail(format!(
        "  analysis invalidation: {text}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::contract::classify::ClassifiedSrcDelta;
    use crate::core::contract::delta::CacheFileDelta;
    use crate::core::contract::dispatch_info::{
        CacheDispatchPaths, CacheDispatchStatus, CacheWarning,
    };
    use AnalysisRebuildReason as R;
    use AnalysisRebuildStrategy as S;
    use CacheMessageLevel::{Detail, Info};

    fn pairs(lines: &[CacheMessageLine]) -> Vec<(CacheMessageLevel, &str)> {
        lines
            .iter()
            .map(|l| (l.level, l.message.as_str()))
            .collect()
    }

    fn rebuild_text(strategy: S, reason: R) -> String {
        describe_analysis_rebuild(&AnalysisRebuildDecision::new(strategy, reason))
    }

    fn files(prefix: &str, n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("{prefix}{i}.ts")).collect()
    }

    #[test]
    fn status_line_alone_for_a_bare_hit() {
        let info = CacheDispatchInfo::new(CacheDispatchStatus::Hit, CacheDispatchReason::CacheHit);
        assert_eq!(
            pairs(&cache_dispatch_message_lines("project analysis", &info)),
            [(Info, "project analysis cache hit (cache_hit)")]
        );
    }

    #[test]
    fn invalidated_line_per_reason() {
        use CacheDispatchReason as D;
        let expected = [
            (D::CacheHit, None),
            (D::NoCache, Some("  invalidated: cache disabled")),
            (
                D::CacheUnavailable,
                Some("  invalidated: cache unavailable"),
            ),
            (D::RunMissing, Some("  invalidated: no cached data")),
            (D::FilesChanged, Some("  invalidated: source files changed")),
            (
                D::FilesIndexRecovered,
                Some(
                    "  invalidated: files index rebuilt; analysis reused (project files unchanged)",
                ),
            ),
            (
                D::RunBindingStale,
                Some("  invalidated: stale (source files changed since last cache write)"),
            ),
            (D::ProducerSucceeded, None),
            (
                D::RunInvalid,
                Some("  invalidated: cached data failed validation"),
            ),
        ];
        assert_eq!(expected.len(), D::ALL.len());
        for (reason, line) in expected {
            let info = CacheDispatchInfo::new(CacheDispatchStatus::Miss, reason);
            let lines = cache_dispatch_message_lines("project analysis", &info);
            assert_eq!(
                lines[0],
                CacheMessageLine::info(format!("project analysis cache miss ({reason})"))
            );
            assert_eq!(
                lines.get(1).map(|l| (l.level, l.message.as_str())),
                line.map(|l| (Detail, l))
            );
            assert_eq!(lines.len(), 1 + usize::from(line.is_some()));
        }
    }

    #[test]
    fn full_miss_prints_every_section_in_order() {
        let mut info =
            CacheDispatchInfo::new(CacheDispatchStatus::Miss, CacheDispatchReason::FilesChanged);
        info.paths = Some(CacheDispatchPaths {
            meta: "/h/cache/meta.json".to_owned(),
            files: "/h/cache/projects/abc/files.json".to_owned(),
            analysis: "/h/cache/projects/abc/analysis.json".to_owned(),
            project_dir: "/h/cache/projects/abc".to_owned(),
        });
        info.delta = Some(CacheFileDelta {
            added: vec!["src/new.ts".to_owned()],
            changed: vec!["src/a.ts".to_owned(), "src/b.ts".to_owned()],
            deleted: vec![],
            unchanged: files("src/u", 7),
        });
        let src = ClassifiedSrcDelta {
            added: vec!["src/new.ts".to_owned()],
            changed: vec!["src/a.ts".to_owned(), "src/b.ts".to_owned()],
            deleted: vec![],
        };
        info.analysis_rebuild =
            Some(AnalysisRebuildDecision::new(S::Partial, R::SrcPartial).with_src_delta(src));
        info.files_index_status = Some(FilesIndexStatus::Missing);
        info.warnings = vec![
            CacheWarning {
                code: "cache_oversize".to_owned(),
                message: "cache file exceeds size limit (9 > 8 bytes); skipping".to_owned(),
                path: Some("/h/cache/projects/abc/analysis.json".to_owned()),
            },
            CacheWarning {
                code: "cache_io_error".to_owned(),
                message: "no path".to_owned(),
                path: None,
            },
            CacheWarning {
                code: "cache_io_error".to_owned(),
                message: "empty path".to_owned(),
                path: Some(String::new()),
            },
        ];
        assert_eq!(
            pairs(&cache_dispatch_message_lines("project analysis", &info)),
            [
                (Info, "project analysis cache miss (files_changed)"),
                (Detail, "  invalidated: source files changed"),
                (Detail, "  meta: /h/cache/meta.json"),
                (Detail, "  project: /h/cache/projects/abc"),
                (Detail, "  files: /h/cache/projects/abc/files.json"),
                (Detail, "  analysis: /h/cache/projects/abc/analysis.json"),
                (Detail, "  file delta: +1 ~2 -0 =7"),
                (Detail, "    added: src/new.ts"),
                (Detail, "    changed: src/a.ts"),
                (Detail, "    changed: src/b.ts"),
                (Detail, "  analysis rebuild: partial (2 changed, 1 added, 0 deleted)"),
                (Detail, "  files index: files.json missing — rebuilding fingerprints from disk"),
                (
                    Info,
                    "warning: cache file exceeds size limit (9 > 8 bytes); skipping (/h/cache/projects/abc/analysis.json)"
                ),
                (Info, "warning: no path"),
                (Info, "warning: empty path"),
            ]
        );
    }

    #[test]
    fn delta_samples_are_capped_at_twelve_per_kind() {
        let mut info = CacheDispatchInfo::new(
            CacheDispatchStatus::Miss,
            CacheDispatchReason::ProducerSucceeded,
        );
        info.delta = Some(CacheFileDelta {
            added: files("a", 12),
            changed: files("c", 13),
            deleted: files("d", 40),
            unchanged: vec![],
        });
        let lines = cache_dispatch_message_lines("x", &info);
        let messages: Vec<&str> = lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(messages[1], "  file delta: +12 ~13 -40 =0");
        assert_eq!(messages[2], "    added: a1.ts");
        assert_eq!(messages[13], "    added: a12.ts");
        assert_eq!(messages[14], "    changed: c1.ts"); // exactly 12: no "more" line
        assert_eq!(messages[25], "    changed: c12.ts");
        assert_eq!(messages[26], "    changed: ... 1 more");
        assert_eq!(messages[27], "    deleted: d1.ts");
        assert_eq!(messages[38], "    deleted: d12.ts");
        assert_eq!(messages[39], "    deleted: ... 28 more");
        assert_eq!(messages.len(), 40);
        assert!(lines[1..].iter().all(|l| l.level == Detail));
    }

    #[test]
    fn analysis_rebuild_texts() {
        assert_eq!(
            rebuild_text(S::Reuse, R::TargetLocaleOnly),
            "skipped (target locale only (reusing analysis.json))"
        );
        assert_eq!(
            rebuild_text(S::Reuse, R::FilesIndexRecovered),
            "skipped (reusing analysis.json)"
        );
        assert_eq!(
            rebuild_text(S::Partial, R::SourceLocalePartial),
            "partial (source locale only, missingKeys updated)"
        );
        assert_eq!(
            rebuild_text(S::Partial, R::SrcPartial),
            "partial (0 changed, 0 added, 0 deleted)"
        );
        let full = [
            (R::ConfigRebuildFull, "full (config rebuild=full)"),
            (R::LayoutChanged, "full (layout changed)"),
            (
                R::SourceLocaleChanged,
                "full (source locale changed (with other deltas))",
            ),
            (R::LocaleOrNonSrcChanged, "full (locale or non-src delta)"),
            (R::NoPreviousCache, "full (no previous analysis cache)"),
            (R::FilesIndexMissing, "full (files.json missing)"),
            (
                R::FilesIndexMalformed,
                "full (files.json invalid or oversized)",
            ),
            (R::FilesIndexEmpty, "full (files.json empty)"),
            (
                R::FilesIndexStale,
                "full (files index unusable and project files changed since last analysis)",
            ),
        ];
        for (reason, text) in full {
            assert_eq!(rebuild_text(S::Full, reason), text);
        }
        let mut info = CacheDispatchInfo::new(
            CacheDispatchStatus::Hit,
            CacheDispatchReason::FilesIndexRecovered,
        );
        info.analysis_rebuild = Some(AnalysisRebuildDecision::new(
            S::Reuse,
            R::FilesIndexRecovered,
        ));
        info.files_index_status = Some(FilesIndexStatus::Malformed);
        assert_eq!(
            pairs(&cache_dispatch_message_lines("project analysis", &info))[2..],
            [
                (Detail, "  analysis rebuild: skipped (reusing analysis.json)"),
                (Detail, "  files index: files.json invalid or oversized — rebuilding fingerprints from disk"),
            ]
        );
    }

    #[test]
    fn threshold_detail_rounds_half_up() {
        let threshold = |affected: u64, tracked: Option<u64>, limit: Option<f64>| {
            describe_analysis_rebuild(&AnalysisRebuildDecision {
                threshold_percent: limit,
                src_affected: Some(affected),
                tracked_src_count: tracked,
                ..AnalysisRebuildDecision::new(S::Full, R::SrcThreshold)
            })
        };
        assert_eq!(
            threshold(4, Some(10), Some(40.0)),
            "full (threshold 40% (limit 40%))"
        );
        assert_eq!(
            threshold(1, Some(8), Some(10.0)),
            "full (threshold 13% (limit 10%))"
        ); // 12.5 -> 13
        assert_eq!(
            threshold(1, Some(3), Some(33.0)),
            "full (threshold 33% (limit 33%))"
        );
        assert_eq!(
            threshold(2, Some(3), Some(12.5)),
            "full (threshold 67% (limit 12.5%))"
        );
        assert_eq!(
            threshold(1, Some(0), Some(100.0)),
            "full (threshold 100% (limit 100%))"
        );
        assert_eq!(
            threshold(1, None, None),
            "full (threshold 100% (limit 40%))"
        );
    }

    #[test]
    fn files_index_notes() {
        assert_eq!(describe_files_index_status(FilesIndexStatus::Ok), None);
        assert_eq!(
            describe_files_index_status(FilesIndexStatus::Empty),
            Some("files.json empty — rebuilding fingerprints from disk")
        );
        let mut info =
            CacheDispatchInfo::new(CacheDispatchStatus::Hit, CacheDispatchReason::CacheHit);
        info.files_index_status = Some(FilesIndexStatus::Ok);
        assert_eq!(cache_dispatch_message_lines("x", &info).len(), 1);
    }

    #[test]
    fn disabled_and_bypass_still_print_paths() {
        for status in [CacheDispatchStatus::Bypass, CacheDispatchStatus::Disabled] {
            let mut info = CacheDispatchInfo::new(status, CacheDispatchReason::NoCache);
            info.paths = Some(CacheDispatchPaths {
                meta: "m".to_owned(),
                files: "f".to_owned(),
                analysis: "a".to_owned(),
                project_dir: "p".to_owned(),
            });
            let lines = cache_dispatch_message_lines("project analysis", &info);
            assert_eq!(
                pairs(&lines),
                [
                    (
                        Info,
                        format!("project analysis cache {status} (no_cache)").as_str()
                    ),
                    (Detail, "  invalidated: cache disabled"),
                    (Detail, "  meta: m"),
                    (Detail, "  project: p"),
                    (Detail, "  files: f"),
                    (Detail, "  analysis: a"),
                ]
            );
        }
    }

    #[test]
    fn memory_hit_line() {
        assert_eq!(
            cache_memory_hit_message_line("project analysis"),
            CacheMessageLine::info("project analysis cache memory hit (same_run)")
        );
        assert_eq!(
            serde_json::to_string(&cache_memory_hit_message_line("x")).unwrap(),
            r#"{"level":"info","message":"x cache memory hit (same_run)"}"#
        );
    }

    #[test]
    fn invalidation_lines() {
        use AnalysisCacheInvalidationAction as A;
        use AnalysisCacheInvalidationReason as IR;
        let line = |action, reason| {
            analysis_cache_invalidation_message_line(&AnalysisCacheInvalidationDecision {
                action,
                reason,
            })
            .map(|l| (l.level, l.message))
        };
        let detail = |text: &str| Some((Detail, text.to_owned()));
        assert_eq!(
            line(A::Delete, IR::ConfigRebuildFull),
            detail("  analysis invalidation: deleted (config rebuild=full)")
        );
        assert_eq!(
            line(A::Delete, IR::CacheDisabled),
            detail("  analysis invalidation: deleted")
        );
        assert_eq!(
            line(A::Skip, IR::TargetLocaleWritesOnly),
            detail("  analysis invalidation: skipped (target locale writes only)")
        );
        assert_eq!(
            line(A::Skip, IR::LocaleWritesDispatchHandles),
            detail("  analysis invalidation: skipped (dispatch rebuild on next run)")
        );
        assert_eq!(line(A::Skip, IR::CacheDisabled), None);
        assert_eq!(line(A::Skip, IR::NoLocaleWrites), None);
    }

    #[test]
    fn remote_source_and_upload_lines() {
        let remote = |source, upload: Option<&str>| CacheRemoteInfo {
            backend: "http".into(),
            endpoint: "http://127.0.0.1:3000 (team t)".into(),
            source,
            read_only: false,
            signed: false,
            key: Some("0123456789abcdef0123".into()),
            commit: Some("fedcba9876543210fedc".into()),
            bytes: Some(1_234_567),
            fetch_ms: Some(41.6),
            upload: upload.map(str::to_owned),
        };
        let lines = |r: CacheRemoteInfo| {
            let mut info =
                CacheDispatchInfo::new(CacheDispatchStatus::Hit, CacheDispatchReason::CacheHit);
            info.remote = Some(r);
            cache_dispatch_message_lines("project analysis", &info)
                .into_iter()
                .map(|l| (l.level, l.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(remote(CacheRemoteSource::RemoteExact, None)),
            [
                (Info, "project analysis cache hit (cache_hit)".to_owned()),
                (
                    Detail,
                    "  source: remote exact (http://127.0.0.1:3000 (team t), artifact 0123456789ab, 1.2 MB in 42 ms)"
                        .to_owned()
                ),
            ]
        );
        assert_eq!(
            lines(remote(CacheRemoteSource::RemoteBase, Some("scheduled")))[1..],
            [
                (
                    Detail,
                    "  source: remote base fedcba987654 (http://127.0.0.1:3000 (team t), artifact 0123456789ab, 1.2 MB in 42 ms)"
                        .to_owned()
                ),
                (
                    Detail,
                    "  remote upload: scheduled (in the background)".to_owned()
                ),
            ]
        );
        assert_eq!(
            lines(remote(CacheRemoteSource::Local, Some("read_only")))[1..],
            [
                (Detail, "  source: local".to_owned()),
                (Detail, "  remote upload: skipped (read-only)".to_owned()),
            ]
        );
        assert!(lines(remote(CacheRemoteSource::Nothing, None))[1]
            .1
            .starts_with("  source: none (no local analysis, no remote artifact at http://"));
        assert_eq!(describe_bytes(999), "999 B");
        assert_eq!(describe_bytes(12_400), "12.4 KB");
    }
}
