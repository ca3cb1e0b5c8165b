//! §4 invalidation after the host writes locale files: `decideProjectAnalysisCacheInvalidation`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::config::{CacheRebuildConfig, CacheRebuildMode};
use super::paths::to_posix_path;

string_enum! {
    /// `action: 'delete' | 'skip'`.
    pub enum AnalysisCacheInvalidationAction {
        /// Delete `analysis.json`.
        Delete => "delete",
        /// Keep `analysis.json`.
        Skip => "skip",
    }
}

string_enum! {
    /// Why `analysis.json` is deleted or kept after locale writes.
    pub enum AnalysisCacheInvalidationReason {
        /// The cache is disabled.
        CacheDisabled => "cache_disabled",
        /// No locale file was written.
        NoLocaleWrites => "no_locale_writes",
        /// The config says `rebuild: 'full'`.
        ConfigRebuildFull => "config_rebuild_full",
        /// Only target locales were written; the next dispatch reuses the analysis.
        TargetLocaleWritesOnly => "target_locale_writes_only",
        /// A source segment was written; the next dispatch's rebuild policy handles it.
        LocaleWritesDispatchHandles => "locale_writes_dispatch_handles",
    }
}

/// `{ action, reason }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisCacheInvalidationDecision {
    /// Delete or keep `analysis.json`.
    pub action: AnalysisCacheInvalidationAction,
    /// Why.
    pub reason: AnalysisCacheInvalidationReason,
}

/// `{ enabled, rebuildConfig, sourceLocaleSegmentKey, mutatedLocaleSegmentKeys }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocaleWriteInvalidationInput {
    /// Whether the cache is on.
    pub enabled: bool,
    /// The rebuild config.
    pub rebuild_config: CacheRebuildConfig,
    /// The primary source-locale segment key.
    pub source_locale_segment_key: String,
    /// Every source-locale segment key, beside the primary one (as in classification).
    #[serde(default)]
    pub source_locale_segment_keys: Vec<String>,
    /// The locale segment keys the host wrote.
    pub mutated_locale_segment_keys: Vec<String>,
}

/// `decideProjectAnalysisCacheInvalidation`, in order: disabled -> skip `cache_disabled`; no keys
/// -> skip `no_locale_writes`; rebuild full -> delete `config_rebuild_full`; no written key is a
/// source segment -> skip `target_locale_writes_only`; else skip `locale_writes_dispatch_handles`.
/// Keys are compared in POSIX spelling.
pub fn decide_project_analysis_cache_invalidation(
    input: &LocaleWriteInvalidationInput,
) -> AnalysisCacheInvalidationDecision {
    use AnalysisCacheInvalidationAction::{Delete, Skip};
    use AnalysisCacheInvalidationReason as Reason;

    let decision = |action, reason| AnalysisCacheInvalidationDecision { action, reason };
    if !input.enabled {
        return decision(Skip, Reason::CacheDisabled);
    }
    if input.mutated_locale_segment_keys.is_empty() {
        return decision(Skip, Reason::NoLocaleWrites);
    }
    if input.rebuild_config.rebuild == CacheRebuildMode::Full {
        return decision(Delete, Reason::ConfigRebuildFull);
    }
    let source_keys: HashSet<_> = std::iter::once(&input.source_locale_segment_key)
        .chain(&input.source_locale_segment_keys)
        .map(|key| to_posix_path(key))
        .collect();
    let source_written = input
        .mutated_locale_segment_keys
        .iter()
        .any(|key| source_keys.contains(&to_posix_path(key)));
    if !source_written {
        return decision(Skip, Reason::TargetLocaleWritesOnly);
    }
    decision(Skip, Reason::LocaleWritesDispatchHandles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnalysisCacheInvalidationAction as A;
    use AnalysisCacheInvalidationReason as R;

    fn input(
        enabled: bool,
        rebuild: CacheRebuildMode,
        keys: &[&str],
    ) -> LocaleWriteInvalidationInput {
        LocaleWriteInvalidationInput {
            enabled,
            rebuild_config: CacheRebuildConfig {
                rebuild,
                full_rescan_threshold_percent: 40.0,
            },
            source_locale_segment_key: "en.json".to_owned(),
            source_locale_segment_keys: Vec::new(),
            mutated_locale_segment_keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    fn decide(i: &LocaleWriteInvalidationInput) -> (A, R) {
        let d = decide_project_analysis_cache_invalidation(i);
        (d.action, d.reason)
    }

    #[test]
    fn the_five_outcomes_in_order() {
        use CacheRebuildMode::{Full, Partial};
        assert_eq!(
            decide(&input(false, Full, &["en.json"])),
            (A::Skip, R::CacheDisabled)
        );
        assert_eq!(
            decide(&input(true, Full, &[])),
            (A::Skip, R::NoLocaleWrites)
        );
        assert_eq!(
            decide(&input(true, Full, &["fr.json"])),
            (A::Delete, R::ConfigRebuildFull)
        );
        assert_eq!(
            decide(&input(true, Partial, &["fr.json", "de.json"])),
            (A::Skip, R::TargetLocaleWritesOnly)
        );
        assert_eq!(
            decide(&input(true, Partial, &["fr.json", "en.json"])),
            (A::Skip, R::LocaleWritesDispatchHandles)
        );
    }

    #[test]
    fn keys_are_compared_posix_and_every_source_segment_counts() {
        let mut i = input(true, CacheRebuildMode::Partial, &[r"en\common.json"]);
        i.source_locale_segment_key = "en/common.json".to_owned();
        assert_eq!(decide(&i), (A::Skip, R::LocaleWritesDispatchHandles));
        i.mutated_locale_segment_keys = vec!["en/auth.json".to_owned()];
        assert_eq!(decide(&i), (A::Skip, R::TargetLocaleWritesOnly));
        i.source_locale_segment_keys =
            vec!["en/common.json".to_owned(), r"en\auth.json".to_owned()];
        assert_eq!(decide(&i), (A::Skip, R::LocaleWritesDispatchHandles));
    }

    #[test]
    fn json_shapes() {
        let i: LocaleWriteInvalidationInput = serde_json::from_value(serde_json::json!({
            "enabled": true,
            "rebuildConfig": {"rebuild": "full", "fullRescanThresholdPercent": 10},
            "sourceLocaleSegmentKey": "en.json",
            "mutatedLocaleSegmentKeys": ["fr.json"]
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_string(&decide_project_analysis_cache_invalidation(&i)).unwrap(),
            r#"{"action":"delete","reason":"config_rebuild_full"}"#
        );
        let literals = [
            "cache_disabled",
            "no_locale_writes",
            "config_rebuild_full",
            "target_locale_writes_only",
            "locale_writes_dispatch_handles",
        ];
        for (reason, literal) in R::ALL.iter().zip(literals) {
            assert_eq!(serde_json::to_value(reason).unwrap(), literal);
        }
        assert_eq!(serde_json::to_value(A::Skip).unwrap(), "skip");
    }
}
