// `cachecore` in a browser or worker build (the `browser` and `worker` export conditions): every
// export of the package, without the native addon. The pure policy functions work (plain
// JavaScript, held to the native ones by __test__/browser-policy.test.mjs); whatever needs a
// disk throws (or rejects with) an error whose code is NATIVE_UNAVAILABLE.

import { nativeOnly, nativeOnlyClass, resolveCacheState } from './browser/store.mjs'
import * as policy from './browser/policy.mjs'

export {
  CACHE_PROFILE_DEFAULTS,
  CACHE_SCHEMA_VERSION,
  DEFAULT_ANALYSIS_CAP_BYTES,
  DEFAULT_CACHE_PROFILE_ID,
  DEFAULT_FILES_CAP_BYTES,
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
export const scanProjectFiles = nativeOnly('scanProjectFiles')
export const cleanCacheRoot = nativeOnly('cleanCacheRoot')
export const cleanProjectCache = nativeOnly('cleanProjectCache')
export const remoteCacheStatus = nativeOnly('remoteCacheStatus')
export const flushRemoteUploads = nativeOnly('flushRemoteUploads', { async: true })
export const flushRemoteUploadsSync = nativeOnly('flushRemoteUploadsSync')

/** The whole module, as the Node ES module entry's default export. */
export default Object.freeze({
  ...Object.fromEntries(
    Object.entries(policy).filter(([k]) => !['codedError', 'fnv1a64', 'sha256', 'inputFilesEpochText', 'maskPlaceholders'].includes(k)),
  ),
  resolveCacheState,
  __napiBindingTarget,
  version,
  binaryTarget,
  fingerprint,
  fingerprintSync,
  watch,
  Watcher,
  getOrBuildCachedProjectData,
  beginCachedProjectData,
  commitCachedProjectData,
  CachedProjectDataHandle,
  initializeCacheState,
  prepareCacheForRun,
  loadProjectsIndex,
  saveProjectsIndex,
  healProjectsIndex,
  loadProjectFilesState,
  saveProjectFilesState,
  loadProjectRunState,
  saveProjectRunState,
  invalidateProjectAnalysisCache,
  invalidateProjectAnalysisCacheAfterLocaleWrites,
  loadTranslationCache,
  TranslationCache,
  healTranslationCacheFiles,
  trackProjectFiles,
  scanProjectFiles,
  cleanCacheRoot,
  cleanProjectCache,
  remoteCacheStatus,
  flushRemoteUploads,
  flushRemoteUploadsSync,
})
