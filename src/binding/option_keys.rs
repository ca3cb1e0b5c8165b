//! The keys of every options object of the API, checked on the way in: a key that is not one
//! of them (a typo such as `exlude`) is `INVALID_OPTION` naming it, never silently ignored.
//!
//! Options objects are strict. Objects that are data or ports stay structural (extra keys
//! ignored), because hosts pass their own shapes there: the `runtime` port bag (i18nprune's
//! `CacheRuntime` carries `fs`, `path`, `system`, ...), the `state` a host got from
//! `initializeCacheState` (or its own `CacheState`), file records and maps, a
//! `CacheDispatchInfo` handed back to the message helpers, and the classified delta and rebuild
//! config nested in `decideAnalysisRebuild`'s input (a host may pass a whole resolved config).
//! A test holds each list to the interface of the same name in `index.d.ts`.

/// The keys of `CachedProjectInput`.
pub(crate) const CACHED_PROJECT_INPUT: &[&str] = &[
    "state",
    "runtime",
    "sourceLocalePath",
    "srcRoot",
    "localesDir",
    "locales",
    "sourceLocaleSegmentKeys",
    "exclude",
    "producer",
    "parseCachedData",
    "rebuildConfig",
    "baselineFiles",
    "caps",
    "lockTimeoutMs",
    "useWatcher",
    "io",
    "remote",
];
/// The keys of `RemoteCacheOptions`.
pub(crate) const REMOTE_CACHE_OPTIONS: &[&str] = &[
    "enabled",
    "api",
    "token",
    "team",
    "teamId",
    "signatureKey",
    "dir",
    "readOnly",
    "producer",
    "baseCommits",
    "connectTimeoutMs",
    "timeoutMs",
    "maxArtifactBytes",
    "exitWaitMs",
];
/// The keys of `CachedProjectLocales`.
pub(crate) const CACHED_PROJECT_LOCALES: &[&str] = &["source", "directory", "mode", "structure"];
/// The keys of `CacheCapsOptions`.
pub(crate) const CACHE_CAPS_OPTIONS: &[&str] = &["meta", "files", "analysis", "translations"];
/// The keys of `CacheRebuildConfig`.
pub(crate) const CACHE_REBUILD_CONFIG: &[&str] = &["rebuild", "fullRescanThresholdPercent"];
/// The keys of `FingerprintOptions`.
pub(crate) const FINGERPRINT_OPTIONS: &[&str] = &[
    "root",
    "include",
    "exclude",
    "maxDepth",
    "followSymlinks",
    "hash",
    "strategy",
    "previous",
    "writeTo",
    "report",
    "onProgress",
    "signal",
];
/// The keys of `IncludeRules`.
pub(crate) const INCLUDE_RULES: &[&str] = &["pattern", "globs"];
/// The keys of `ExcludeRules`.
pub(crate) const EXCLUDE_RULES: &[&str] = &["dirs", "files", "suffixes", "patterns", "globs"];
/// The keys of `WatchOptions`.
pub(crate) const WATCH_OPTIONS: &[&str] = &[
    "root",
    "include",
    "exclude",
    "maxDepth",
    "followSymlinks",
    "hash",
    "strategy",
    "poll",
    "pollIntervalMs",
    "debounceMs",
    "maxBatchMs",
    "layout",
    "persistent",
];
/// The keys of `WatchLayout`.
pub(crate) const WATCH_LAYOUT: &[&str] = &["srcDir", "localesDir", "sourceLocaleSegmentKeys"];
/// The keys of `CacheStateInput`.
pub(crate) const CACHE_STATE_INPUT: &[&str] = &[
    "projectRoot",
    "cacheRootDir",
    "noCache",
    "disabledReason",
    "runtime",
    "cacheReadOnly",
    "io",
];
/// The keys of `CacheConfigSource`.
pub(crate) const CACHE_CONFIG_SOURCE: &[&str] = &[
    "enabled",
    "dir",
    "profile",
    "mode",
    "rebuild",
    "fullRescanThresholdPercent",
];
/// The keys of `CacheStoreOptions`.
pub(crate) const CACHE_STORE_OPTIONS: &[&str] = &["caps", "lockTimeoutMs", "io"];
/// The keys of `CacheProjectIdOptions`.
pub(crate) const CACHE_PROJECT_ID_OPTIONS: &[&str] = &["hashText"];
/// The keys of `TranslationCacheInput`.
pub(crate) const TRANSLATION_CACHE_INPUT: &[&str] = &[
    "targetLang",
    "translateConfigEpoch",
    "inputFilesEpoch",
    "fileName",
];
/// The keys of `TrackProjectFilesInput`.
pub(crate) const TRACK_PROJECT_FILES_INPUT: &[&str] = &[
    "srcRoot",
    "exclude",
    "localesDir",
    "locales",
    "runtime",
    "io",
];
/// The keys of `LocaleWriteInvalidationInput`.
pub(crate) const LOCALE_WRITE_INVALIDATION_INPUT: &[&str] = &[
    "enabled",
    "rebuildConfig",
    "sourceLocaleSegmentKey",
    "sourceLocaleSegmentKeys",
    "mutatedLocaleSegmentKeys",
];
/// The keys of `DecideAnalysisRebuildInput`.
pub(crate) const DECIDE_ANALYSIS_REBUILD_INPUT: &[&str] =
    &["config", "classified", "hasPrevious", "trackedSrcCount"];
/// The keys of `ClassifyCacheFileDeltaInput`.
pub(crate) const CLASSIFY_CACHE_FILE_DELTA_INPUT: &[&str] = &[
    "delta",
    "currentSrcFileKeys",
    "baselineSrcFileKeys",
    "currentLocaleSegmentKeys",
    "baselineLocaleSegmentKeys",
    "sourceLocaleSegmentKey",
    "sourceLocaleSegmentKeys",
    "previousLayout",
    "currentLayout",
    "filesIndexStatus",
];
/// The keys of `EmitCacheDispatchMessagesInput`.
pub(crate) const EMIT_CACHE_DISPATCH_MESSAGES_INPUT: &[&str] =
    &["emit", "op", "runId", "label", "cache"];
/// The keys of `EmitCacheMemoryHitMessageInput`.
pub(crate) const EMIT_CACHE_MEMORY_HIT_MESSAGE_INPUT: &[&str] = &["emit", "op", "runId", "label"];
/// The keys of `EmitAnalysisCacheInvalidationMessageInput`.
pub(crate) const EMIT_ANALYSIS_CACHE_INVALIDATION_MESSAGE_INPUT: &[&str] =
    &["emit", "op", "runId", "decision"];
/// The keys of `BuildTranslateCacheKeyInput`.
pub(crate) const BUILD_TRANSLATE_CACHE_KEY_INPUT: &[&str] = &[
    "sourceText",
    "sourceLang",
    "targetLang",
    "providerId",
    "translateConfigEpoch",
];
/// The keys of `BuildTranslateCacheKeyForLocaleFileInput`.
pub(crate) const BUILD_TRANSLATE_CACHE_KEY_FOR_LOCALE_FILE_INPUT: &[&str] = &[
    "sourceText",
    "sourceLang",
    "providerId",
    "translateConfigEpoch",
];
/// The keys of `SaveProjectRunStateInput`.
pub(crate) const SAVE_PROJECT_RUN_STATE_INPUT: &[&str] = &["data", "inputFilesEpoch"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of `interface <name>` in the generated `index.d.ts`.
    fn declared(dts: &str, name: &str) -> Vec<String> {
        let start = [" {", "<"]
            .iter()
            .find_map(|end| dts.find(&format!("export interface {name}{end}")))
            .unwrap_or_else(|| panic!("interface {name} not in index.d.ts"));
        let body = &dts[start..];
        let body = &body[..body.find("\n}").expect("interface end")];
        body.lines()
            .filter_map(|l| l.strip_prefix("  "))
            .filter(|l| !l.starts_with(' ') && !l.starts_with('*') && !l.starts_with('/'))
            .filter_map(|l| l.split([':', '?']).next())
            .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_list_equals_its_interface() {
        let dts =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index.d.ts")).unwrap();
        for (name, keys) in [
            ("CachedProjectInput", CACHED_PROJECT_INPUT),
            ("CachedProjectLocales", CACHED_PROJECT_LOCALES),
            ("RemoteCacheOptions", REMOTE_CACHE_OPTIONS),
            ("CacheCapsOptions", CACHE_CAPS_OPTIONS),
            ("CacheRebuildConfig", CACHE_REBUILD_CONFIG),
            ("FingerprintOptions", FINGERPRINT_OPTIONS),
            ("IncludeRules", INCLUDE_RULES),
            ("ExcludeRules", EXCLUDE_RULES),
            ("WatchOptions", WATCH_OPTIONS),
            ("WatchLayout", WATCH_LAYOUT),
            ("CacheStateInput", CACHE_STATE_INPUT),
            ("CacheConfigSource", CACHE_CONFIG_SOURCE),
            ("CacheStoreOptions", CACHE_STORE_OPTIONS),
            ("CacheProjectIdOptions", CACHE_PROJECT_ID_OPTIONS),
            ("TranslationCacheInput", TRANSLATION_CACHE_INPUT),
            (
                "LocaleWriteInvalidationInput",
                LOCALE_WRITE_INVALIDATION_INPUT,
            ),
            ("DecideAnalysisRebuildInput", DECIDE_ANALYSIS_REBUILD_INPUT),
            (
                "ClassifyCacheFileDeltaInput",
                CLASSIFY_CACHE_FILE_DELTA_INPUT,
            ),
            (
                "EmitCacheDispatchMessagesInput",
                EMIT_CACHE_DISPATCH_MESSAGES_INPUT,
            ),
            (
                "EmitCacheMemoryHitMessageInput",
                EMIT_CACHE_MEMORY_HIT_MESSAGE_INPUT,
            ),
            (
                "EmitAnalysisCacheInvalidationMessageInput",
                EMIT_ANALYSIS_CACHE_INVALIDATION_MESSAGE_INPUT,
            ),
            (
                "BuildTranslateCacheKeyInput",
                BUILD_TRANSLATE_CACHE_KEY_INPUT,
            ),
            (
                "BuildTranslateCacheKeyForLocaleFileInput",
                BUILD_TRANSLATE_CACHE_KEY_FOR_LOCALE_FILE_INPUT,
            ),
            ("SaveProjectRunStateInput", SAVE_PROJECT_RUN_STATE_INPUT),
            ("TrackProjectFilesInput", TRACK_PROJECT_FILES_INPUT),
        ] {
            assert_eq!(declared(&dts, name), keys.to_vec(), "{name}");
        }
    }
}
