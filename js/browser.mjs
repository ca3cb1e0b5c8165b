// `cachecore` in a browser or worker build (the `browser` and `worker` export conditions): every
// export of the package, without the native addon. The pure policy functions work (plain
// JavaScript, held to the native ones by __test__/browser-policy.test.mjs); whatever needs a
// disk throws (or rejects with) an error whose code is NATIVE_UNAVAILABLE.

import { nativeOnly, nativeOnlyClass, resolveCacheState } from './browser/store.mjs'

export {
  CACHE_PROFILE_DEFAULTS,
  CACHE_SCHEMA_VERSION,
  DEFAULT_ANALYSIS_CAP_BYTES,
  DEFAULT_CACHE_PROFILE_ID,
  DEFAULT_LOCK_TIMEOUT_MS,
  MAX_ANALYSIS_BYTES,
  MAX_FILES_BYTES,
  MAX_META_BYTES,
  MAX_TRANSLATIONS_BYTES,
  analysisCacheInvalidationMessageLines,
  buildTranslateCacheKey,
  buildTranslateCacheKeyForLocaleFile,
  cacheDispatchMessageLines,
  cacheMemoryHitMessageLines,
  classifyCacheFileDelta,
  computeCacheContentHash,
  computeCacheProjectId,
  computeInputFilesEpoch,
  computeTranslateConfigEpoch,
  decideAnalysisRebuild,
  decideProjectAnalysisCacheInvalidation,
  defaultCacheCaps,
  diffProjectFiles,
  emitAnalysisCacheInvalidationMessage,
  emitCacheDispatchMessages,
  emitCacheMemoryHitMessage,
  layoutMatches,
  normalizeProjectRootKey,
  resolveCacheConfig,
  resolveCacheRebuildConfig,
  trackedWalkRules,
  validateTranslationLocaleCode,
} from './browser/policy.mjs'
export { resolveCacheState }

/** No binding is loaded in a browser or worker build. */
export const __napiBindingTarget = undefined

const enumOf = (pairs) => Object.freeze(Object.fromEntries(pairs))
export const AnalysisCacheInvalidationAction = enumOf([['Delete', 'delete'], ['Skip', 'skip']])
export const AnalysisCacheInvalidationReason = enumOf([
  ['CacheDisabled', 'cache_disabled'],
  ['NoLocaleWrites', 'no_locale_writes'],
  ['ConfigRebuildFull', 'config_rebuild_full'],
  ['TargetLocaleWritesOnly', 'target_locale_writes_only'],
  ['LocaleWritesDispatchHandles', 'locale_writes_dispatch_handles'],
])
export const AnalysisRebuildReason = enumOf([
  ['ConfigRebuildFull', 'config_rebuild_full'],
  ['LayoutChanged', 'layout_changed'],
  ['SourceLocaleChanged', 'source_locale_changed'],
  ['SourceLocalePartial', 'source_locale_partial'],
  ['TargetLocaleOnly', 'target_locale_only'],
  ['LocaleOrNonSrcChanged', 'locale_or_non_src_changed'],
  ['NoPreviousCache', 'no_previous_cache'],
  ['SrcThreshold', 'src_threshold'],
  ['SrcPartial', 'src_partial'],
  ['FilesIndexMissing', 'files_index_missing'],
  ['FilesIndexMalformed', 'files_index_malformed'],
  ['FilesIndexEmpty', 'files_index_empty'],
  ['FilesIndexStale', 'files_index_stale'],
  ['FilesIndexRecovered', 'files_index_recovered'],
])
export const AnalysisRebuildStrategy = enumOf([['Full', 'full'], ['Partial', 'partial'], ['Reuse', 'reuse']])
export const CacheDisableReason = enumOf([
  ['Default', 'default'],
  ['CliNoCache', 'cli_no_cache'],
  ['ConfigDisabled', 'config_disabled'],
  ['ProjectRootMissing', 'project_root_missing'],
  ['CacheDirUnavailable', 'cache_dir_unavailable'],
  ['CacheIoError', 'cache_io_error'],
  ['CacheOversize', 'cache_oversize'],
  ['CacheMalformed', 'cache_malformed'],
  ['CacheReadOnly', 'cache_read_only'],
])
export const CacheDispatchReason = enumOf([
  ['CacheHit', 'cache_hit'],
  ['NoCache', 'no_cache'],
  ['CacheUnavailable', 'cache_unavailable'],
  ['RunMissing', 'run_missing'],
  ['FilesChanged', 'files_changed'],
  ['FilesIndexRecovered', 'files_index_recovered'],
  ['RunBindingStale', 'run_binding_stale'],
  ['ProducerSucceeded', 'producer_succeeded'],
  ['RunInvalid', 'run_invalid'],
])
export const CacheDispatchStatus = enumOf([['Hit', 'hit'], ['Miss', 'miss'], ['Bypass', 'bypass'], ['Disabled', 'disabled']])
export const CacheMessageLevel = enumOf([['Info', 'info'], ['Detail', 'detail']])
export const CacheMode = enumOf([['ReadWrite', 'readWrite'], ['ReadOnly', 'readOnly']])
export const CacheProfileId = enumOf([['Safe', 'safe'], ['Balanced', 'balanced'], ['Fast', 'fast']])
export const CacheRebuildMode = enumOf([['Partial', 'partial'], ['Full', 'full']])
export const FingerprintReport = enumOf([['All', 'all'], ['Changes', 'changes']])
export const FingerprintStrategy = enumOf([['Content', 'content'], ['Metadata', 'metadata'], ['HashAlways', 'hash-always']])
export const HashAlgorithm = enumOf([['Sha256', 'sha256'], ['Blake3', 'blake3'], ['Fnv1a64', 'fnv1a64']])
export const LocalesLayoutMode = enumOf([['FlatFile', 'flat_file'], ['LocaleDirectory', 'locale_directory']])
export const LocalesLayoutStructure = enumOf([
  ['LocaleFile', 'locale_file'],
  ['LocalePerDir', 'locale_per_dir'],
  ['FeatureBundle', 'feature_bundle'],
])
export const WatchEventKind = enumOf([['Ready', 'ready'], ['Change', 'change'], ['Rescan', 'rescan'], ['Error', 'error']])
export const WatchMode = enumOf([['Native', 'native'], ['Poll', 'poll']])
export const WatchRescanReason = enumOf([
  ['Overflow', 'overflow'],
  ['WatcherError', 'watcher_error'],
  ['WatchLimit', 'watch_limit'],
  ['RootChanged', 'root_changed'],
  ['UnknownPath', 'unknown_path'],
  ['Requested', 'requested'],
])

export const version = () => '0.1.0'
export const binaryTarget = nativeOnly('binaryTarget')
export const fingerprint = nativeOnly('fingerprint', { async: true })
export const fingerprintSync = nativeOnly('fingerprintSync')
export const watch = nativeOnly('watch')
export const Watcher = nativeOnlyClass('Watcher')
export const getOrBuildCachedProjectData = nativeOnly('getOrBuildCachedProjectData')
export const beginCachedProjectData = nativeOnly('beginCachedProjectData')
export const commitCachedProjectData = nativeOnly('commitCachedProjectData')
export const CachedProjectDataHandle = nativeOnlyClass('CachedProjectDataHandle')
export const initializeCacheState = nativeOnly('initializeCacheState')
export const prepareCacheForRun = nativeOnly('prepareCacheForRun')
export const loadProjectsIndex = nativeOnly('loadProjectsIndex')
export const saveProjectsIndex = nativeOnly('saveProjectsIndex')
export const healProjectsIndex = nativeOnly('healProjectsIndex')
export const loadProjectFilesState = nativeOnly('loadProjectFilesState')
export const saveProjectFilesState = nativeOnly('saveProjectFilesState')
export const loadProjectRunState = nativeOnly('loadProjectRunState')
export const saveProjectRunState = nativeOnly('saveProjectRunState')
export const invalidateProjectAnalysisCache = nativeOnly('invalidateProjectAnalysisCache')
export const invalidateProjectAnalysisCacheAfterLocaleWrites = nativeOnly('invalidateProjectAnalysisCacheAfterLocaleWrites')
export const loadTranslationCache = nativeOnly('loadTranslationCache')
export const TranslationCache = nativeOnlyClass('TranslationCache')
export const healTranslationCacheFiles = nativeOnly('healTranslationCacheFiles')
export const trackProjectFiles = nativeOnly('trackProjectFiles')
