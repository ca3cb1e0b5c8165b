//! §3 the rebuild decision: `decideAnalysisRebuild` and its reasons.

use serde::{Deserialize, Serialize};

use super::classify::{ClassifiedCacheFileDelta, ClassifiedSrcDelta};
use super::config::{CacheRebuildConfig, CacheRebuildMode};
use super::delta::FilesIndexStatus;
use super::js_number::serialize_opt_js_number;

string_enum! {
    /// `strategy: 'full' | 'partial' | 'reuse'`.
    pub enum AnalysisRebuildStrategy {
        /// Rebuild the analysis from scratch.
        Full => "full",
        /// Patch the previous analysis.
        Partial => "partial",
        /// Reuse the previous analysis as is.
        Reuse => "reuse",
    }
}

string_enum! {
    /// `AnalysisRebuildReason`: the 13 reasons of the rules plus `files_index_recovered`.
    pub enum AnalysisRebuildReason {
        /// Rule 1: the config says `rebuild: 'full'`.
        ConfigRebuildFull => "config_rebuild_full",
        /// Rule 4: the locales layout changed.
        LayoutChanged => "layout_changed",
        /// Rule 5: the source locale changed together with other changes.
        SourceLocaleChanged => "source_locale_changed",
        /// Rule 5: only the source locale changed.
        SourceLocalePartial => "source_locale_partial",
        /// Rule 6: only target locales changed.
        TargetLocaleOnly => "target_locale_only",
        /// Rule 7: no src change (locale or untracked change).
        LocaleOrNonSrcChanged => "locale_or_non_src_changed",
        /// Rule 2: no previous analysis, usable index.
        NoPreviousCache => "no_previous_cache",
        /// Rule 8: the affected src share reached the threshold.
        SrcThreshold => "src_threshold",
        /// Rule 9: a src change under the threshold.
        SrcPartial => "src_partial",
        /// Rule 2: no previous analysis, `files.json` missing.
        FilesIndexMissing => "files_index_missing",
        /// Rule 2: no previous analysis, `files.json` invalid or oversized.
        FilesIndexMalformed => "files_index_malformed",
        /// Rule 2: no previous analysis, `files.json` empty.
        FilesIndexEmpty => "files_index_empty",
        /// Rule 3: a previous analysis, but the index is unusable.
        FilesIndexStale => "files_index_stale",
        /// Dispatch only: the index was rebuilt and the analysis reused (epoch unchanged).
        FilesIndexRecovered => "files_index_recovered",
    }
}

/// `{ strategy, reason, thresholdPercent?, srcAffected?, trackedSrcCount?, srcDelta? }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRebuildDecision {
    /// What to do with the analysis.
    pub strategy: AnalysisRebuildStrategy,
    /// Why.
    pub reason: AnalysisRebuildReason,
    /// The configured threshold (`src_threshold` only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_opt_js_number"
    )]
    pub threshold_percent: Option<f64>,
    /// `added + changed + deleted` src files (`src_threshold`, `src_partial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_affected: Option<u64>,
    /// The tracked src file count (`src_threshold`, `src_partial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked_src_count: Option<u64>,
    /// The classified src paths; dispatch attaches them (see [`Self::with_src_delta`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src_delta: Option<ClassifiedSrcDelta>,
}

impl AnalysisRebuildDecision {
    /// A decision with no optional field.
    pub const fn new(strategy: AnalysisRebuildStrategy, reason: AnalysisRebuildReason) -> Self {
        Self {
            strategy,
            reason,
            threshold_percent: None,
            src_affected: None,
            tracked_src_count: None,
            src_delta: None,
        }
    }

    /// This decision with `srcDelta` set, as dispatch reports it (`srcDelta: classified.src`).
    pub fn with_src_delta(self, src: ClassifiedSrcDelta) -> Self {
        Self {
            src_delta: Some(src),
            ..self
        }
    }
}

/// The input of `decideAnalysisRebuild`: `{ config, classified, hasPrevious, trackedSrcCount }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecideAnalysisRebuildInput {
    /// The rebuild config.
    pub config: CacheRebuildConfig,
    /// The classified delta.
    pub classified: ClassifiedCacheFileDelta,
    /// Whether a previous analysis exists (and parses).
    pub has_previous: bool,
    /// The tracked src file count.
    pub tracked_src_count: u64,
}

impl DecideAnalysisRebuildInput {
    /// [`decide_analysis_rebuild`] on this input.
    pub fn decide(&self) -> AnalysisRebuildDecision {
        decide_analysis_rebuild(
            &self.config,
            &self.classified,
            self.has_previous,
            self.tracked_src_count,
        )
    }
}

/// The rule 2 reason for an unusable index, by its kind (any other kind maps to missing).
fn files_index_rebuild_reason(status: FilesIndexStatus) -> AnalysisRebuildReason {
    match status {
        FilesIndexStatus::Malformed => AnalysisRebuildReason::FilesIndexMalformed,
        FilesIndexStatus::Empty => AnalysisRebuildReason::FilesIndexEmpty,
        FilesIndexStatus::Missing | FilesIndexStatus::Ok => {
            AnalysisRebuildReason::FilesIndexMissing
        }
    }
}

/// `decideAnalysisRebuild`: the nine rules of §3, in order, first match wins.
pub fn decide_analysis_rebuild(
    config: &CacheRebuildConfig,
    classified: &ClassifiedCacheFileDelta,
    has_previous: bool,
    tracked_src_count: u64,
) -> AnalysisRebuildDecision {
    use AnalysisRebuildReason as Reason;
    use AnalysisRebuildStrategy::{Full, Partial, Reuse};

    let index_usable = classified.files_index_status.is_usable();
    let src_empty = classified.src.is_empty();
    // 1.
    if config.rebuild == CacheRebuildMode::Full {
        return AnalysisRebuildDecision::new(Full, Reason::ConfigRebuildFull);
    }
    // 2.
    if !has_previous {
        let reason = if index_usable {
            Reason::NoPreviousCache
        } else {
            files_index_rebuild_reason(classified.files_index_status)
        };
        return AnalysisRebuildDecision::new(Full, reason);
    }
    // 3.
    if !index_usable {
        return AnalysisRebuildDecision::new(Full, Reason::FilesIndexStale);
    }
    // 4.
    if classified.layout_changed {
        return AnalysisRebuildDecision::new(Full, Reason::LayoutChanged);
    }
    // 5.
    if !classified.source_locale.is_empty() {
        return if classified.target_locale.is_empty() && src_empty {
            AnalysisRebuildDecision::new(Partial, Reason::SourceLocalePartial)
        } else {
            AnalysisRebuildDecision::new(Full, Reason::SourceLocaleChanged)
        };
    }
    // 6.
    if !classified.target_locale.is_empty() && src_empty {
        return AnalysisRebuildDecision::new(Reuse, Reason::TargetLocaleOnly);
    }
    // 7.
    if src_empty {
        return AnalysisRebuildDecision::new(Full, Reason::LocaleOrNonSrcChanged);
    }
    // 8.
    let src_affected = classified.src.affected();
    let threshold = config.full_rescan_threshold_percent;
    let percent = if tracked_src_count > 0 {
        src_affected as f64 / tracked_src_count as f64 * 100.0
    } else {
        100.0
    };
    if percent >= threshold {
        return AnalysisRebuildDecision {
            threshold_percent: Some(threshold),
            src_affected: Some(src_affected),
            tracked_src_count: Some(tracked_src_count),
            ..AnalysisRebuildDecision::new(Full, Reason::SrcThreshold)
        };
    }
    // 9.
    AnalysisRebuildDecision {
        src_affected: Some(src_affected),
        tracked_src_count: Some(tracked_src_count),
        ..AnalysisRebuildDecision::new(Partial, Reason::SrcPartial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnalysisRebuildReason as R;
    use AnalysisRebuildStrategy as S;

    fn config(rebuild: CacheRebuildMode, threshold: f64) -> CacheRebuildConfig {
        CacheRebuildConfig {
            rebuild,
            full_rescan_threshold_percent: threshold,
        }
    }

    fn partial() -> CacheRebuildConfig {
        config(CacheRebuildMode::Partial, 40.0)
    }

    fn paths(n: usize, prefix: &str) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    /// A classified delta with `src_changed` changed src files and the given locale counts.
    fn classified(src_changed: usize, source: usize, target: usize) -> ClassifiedCacheFileDelta {
        ClassifiedCacheFileDelta {
            src: ClassifiedSrcDelta {
                changed: paths(src_changed, "src/"),
                ..ClassifiedSrcDelta::default()
            },
            source_locale: paths(source, "en/"),
            target_locale: paths(target, "fr/"),
            layout_changed: false,
            files_index_status: FilesIndexStatus::Ok,
        }
    }

    fn decide(
        config: &CacheRebuildConfig,
        c: &ClassifiedCacheFileDelta,
        prev: bool,
        tracked: u64,
    ) -> (S, R) {
        let d = decide_analysis_rebuild(config, c, prev, tracked);
        (d.strategy, d.reason)
    }

    #[test]
    fn rule_1_config_full_beats_everything() {
        let mut c = classified(5, 1, 1);
        c.layout_changed = true;
        c.files_index_status = FilesIndexStatus::Malformed;
        let full = config(CacheRebuildMode::Full, 40.0);
        assert_eq!(
            decide(&full, &c, false, 10),
            (S::Full, R::ConfigRebuildFull)
        );
        assert_eq!(
            decide_analysis_rebuild(&full, &c, true, 10),
            AnalysisRebuildDecision::new(S::Full, R::ConfigRebuildFull)
        );
    }

    #[test]
    fn rule_2_no_previous_by_index_kind() {
        let mut c = classified(0, 1, 1);
        c.layout_changed = true;
        assert_eq!(
            decide(&partial(), &c, false, 10),
            (S::Full, R::NoPreviousCache)
        );
        for (status, reason) in [
            (FilesIndexStatus::Missing, R::FilesIndexMissing),
            (FilesIndexStatus::Malformed, R::FilesIndexMalformed),
            (FilesIndexStatus::Empty, R::FilesIndexEmpty),
        ] {
            c.files_index_status = status;
            assert_eq!(decide(&partial(), &c, false, 10), (S::Full, reason));
        }
        assert_eq!(
            files_index_rebuild_reason(FilesIndexStatus::Ok),
            R::FilesIndexMissing
        );
    }

    #[test]
    fn rule_3_unusable_index_with_previous_is_stale() {
        for status in [
            FilesIndexStatus::Missing,
            FilesIndexStatus::Malformed,
            FilesIndexStatus::Empty,
        ] {
            let mut c = classified(0, 0, 1);
            c.layout_changed = true;
            c.files_index_status = status;
            assert_eq!(
                decide(&partial(), &c, true, 10),
                (S::Full, R::FilesIndexStale)
            );
        }
    }

    #[test]
    fn rule_4_layout_changed_beats_locale_rules() {
        let mut c = classified(0, 1, 0);
        c.layout_changed = true;
        assert_eq!(
            decide(&partial(), &c, true, 10),
            (S::Full, R::LayoutChanged)
        );
    }

    #[test]
    fn rule_5_source_locale() {
        assert_eq!(
            decide(&partial(), &classified(0, 1, 0), true, 10),
            (S::Partial, R::SourceLocalePartial)
        );
        assert_eq!(
            decide(&partial(), &classified(0, 1, 1), true, 10),
            (S::Full, R::SourceLocaleChanged)
        );
        assert_eq!(
            decide(&partial(), &classified(1, 1, 0), true, 10),
            (S::Full, R::SourceLocaleChanged)
        );
        let d = decide_analysis_rebuild(&partial(), &classified(0, 2, 0), true, 10);
        assert_eq!(
            d,
            AnalysisRebuildDecision::new(S::Partial, R::SourceLocalePartial)
        );
    }

    #[test]
    fn rule_6_target_locale_only_reuses() {
        assert_eq!(
            decide(&partial(), &classified(0, 0, 3), true, 10),
            (S::Reuse, R::TargetLocaleOnly)
        );
        // A target change with a src change falls through to the src rules.
        assert_eq!(
            decide(&partial(), &classified(1, 0, 3), true, 10),
            (S::Partial, R::SrcPartial)
        );
    }

    #[test]
    fn rule_7_nothing_classified_is_full() {
        assert_eq!(
            decide(&partial(), &classified(0, 0, 0), true, 10),
            (S::Full, R::LocaleOrNonSrcChanged)
        );
    }

    #[test]
    fn rule_8_threshold_reached_is_full_with_details() {
        // 4 of 10 = 40% >= 40.
        let d = decide_analysis_rebuild(&partial(), &classified(4, 0, 0), true, 10);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"strategy":"full","reason":"src_threshold","thresholdPercent":40,"srcAffected":4,"trackedSrcCount":10}"#
        );
        // No tracked src files counts as 100%.
        let d = decide_analysis_rebuild(
            &config(CacheRebuildMode::Partial, 100.0),
            &classified(1, 0, 0),
            true,
            0,
        );
        assert_eq!(
            (d.strategy, d.reason, d.tracked_src_count),
            (S::Full, R::SrcThreshold, Some(0))
        );
        // Added, changed and deleted all count.
        let mut c = classified(1, 0, 0);
        c.src.added = paths(1, "src/new");
        c.src.deleted = paths(1, "src/old");
        let d = decide_analysis_rebuild(&config(CacheRebuildMode::Partial, 30.0), &c, true, 10);
        assert_eq!((d.reason, d.src_affected), (R::SrcThreshold, Some(3)));
        // Threshold 0: any src change is full.
        let d = decide_analysis_rebuild(
            &config(CacheRebuildMode::Partial, 0.0),
            &classified(1, 0, 0),
            true,
            1000,
        );
        assert_eq!(d.reason, R::SrcThreshold);
    }

    #[test]
    fn rule_9_under_threshold_is_partial() {
        // 3 of 10 = 30% < 40.
        let d = decide_analysis_rebuild(&partial(), &classified(3, 0, 0), true, 10);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"strategy":"partial","reason":"src_partial","srcAffected":3,"trackedSrcCount":10}"#
        );
    }

    #[test]
    fn input_struct_and_src_delta() {
        let input: DecideAnalysisRebuildInput = serde_json::from_value(serde_json::json!({
            "config": {"rebuild": "partial", "fullRescanThresholdPercent": 40},
            "classified": {
                "src": {"added": [], "changed": ["src/a.ts"], "deleted": []},
                "sourceLocale": [], "targetLocale": [], "layoutChanged": false,
                "filesIndexStatus": {"kind": "ok"}
            },
            "hasPrevious": true,
            "trackedSrcCount": 10
        }))
        .unwrap();
        let d = input.decide().with_src_delta(input.classified.src.clone());
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({
                "strategy": "partial", "reason": "src_partial", "srcAffected": 1, "trackedSrcCount": 10,
                "srcDelta": {"added": [], "changed": ["src/a.ts"], "deleted": []}
            })
        );
    }

    #[test]
    fn reason_literals() {
        let expected = [
            "config_rebuild_full",
            "layout_changed",
            "source_locale_changed",
            "source_locale_partial",
            "target_locale_only",
            "locale_or_non_src_changed",
            "no_previous_cache",
            "src_threshold",
            "src_partial",
            "files_index_missing",
            "files_index_malformed",
            "files_index_empty",
            "files_index_stale",
            "files_index_recovered",
        ];
        assert_eq!(R::ALL.len(), 14);
        for (reason, literal) in R::ALL.iter().zip(expected) {
            assert_eq!(reason.as_str(), literal);
            assert_eq!(serde_json::to_value(reason).unwrap(), literal);
            assert_eq!(
                serde_json::from_value::<R>(literal.into()).unwrap(),
                *reason
            );
        }
        for (strategy, literal) in S::ALL.iter().zip(["full", "partial", "reuse"]) {
            assert_eq!(serde_json::to_value(strategy).unwrap(), literal);
        }
    }
}
