// `cachecore/i18nprune`: i18nprune 0.1.4's cache surface, with its names, argument orders, optional
// arguments, result shapes and generics (Sets included), over cachecore. A host replaces each of
// its cache modules with `export * from 'cachecore/i18nprune'`. The host's own types (its
// runtime ports, locales config, scan excludes, context, translate config, translation results,
// run events) are taken structurally.

// ------------------------------------------------------------------------------------------------
// The host's types, structurally (not exported: a host keeps its own).

/** A directory entry of a host file-system port. */
type RuntimeDirEntry = { name: string; kind: 'file' | 'directory' | 'other' }
/** A path kind of a host file-system port. */
type RuntimeFsPathKind = RuntimeDirEntry['kind'] | 'missing'
/** The host's file-system port; cachecore calls it synchronously (a Promise is an IO failure). */
type RuntimeFsPort = {
  exists: (filePath: string) => boolean | Promise<boolean>
  readText: (filePath: string) => string | Promise<string>
  statKind: (filePath: string) => RuntimeFsPathKind | Promise<RuntimeFsPathKind>
  listDir: (dirPath: string) => RuntimeDirEntry[] | Promise<RuntimeDirEntry[]>
  writeText: (filePath: string, content: string) => void | Promise<void>
  deleteFile: (filePath: string) => void | Promise<void>
  mkdirp: (dirPath: string) => void | Promise<void>
  realpath?: (filePath: string) => string
}
/** The host's path port. */
type RuntimePathPort = {
  join: (...parts: string[]) => string
  dirname: (value: string) => string
  basename: (value: string, ext?: string) => string
  normalize: (value: string) => string
  relative: (from: string, to: string) => string
  resolve: (...parts: string[]) => string
  isAbsolute: (value: string) => boolean
}
/** The host's clock and working directory. */
type RuntimeSystemPort = { cwd: () => string; now: () => number }
/** The host's locales config block. */
type LocalesFilesystemConfig = {
  source: string
  directory: string
  mode?: 'flat_file' | 'locale_directory'
  structure?: 'locale_file' | 'locale_per_dir' | 'feature_bundle'
}
/** The host's src excludes. */
type ScanExcludeConfig = {
  preset?: 'production'
  dirs?: Array<string | RegExp>
  files?: Array<string | RegExp>
  extensions?: Array<string | RegExp>
  patterns?: RegExp[]
  useDefaultSkip?: boolean
}
/** One `--debug-cache` line as the host's `run.message` event. */
type CacheRunMessageEvent<Op extends string> = {
  type: 'run.message'
  op: Op
  runId?: string
  at: number
  level: 'info' | 'detail'
  channel: 'cache'
  message: string
}
/** A translation provider id. */
type TranslationProviderId = 'google' | 'mymemory' | 'deepl' | 'libre' | 'llm'
/** A translated leaf's metadata. */
type TranslationLeafMeta = {
  status: string
  confidence: number | null
  needsReview: boolean
  needsTranslationAgain: boolean
  source: string
}
/** A translation result as the host's translator returns it. */
type TranslationResult = {
  readonly text: string
  readonly leafMeta: TranslationLeafMeta
  readonly decision?: 'translated' | 'review'
  readonly runtime?: { attempts: number; retries: number }
}
/** One stored translation row. */
type TranslationCacheEntry = {
  text: string
  leafMeta: TranslationLeafMeta
  decision?: 'translated' | 'review'
  providerId: TranslationProviderId
  createdAt: string
}
/** `translations/<code>.json`. */
type TranslationLocaleCacheFile = {
  version: number
  updatedAt: string
  targetLang: string
  translateConfigEpoch: string
  inputFilesEpoch: string
  entries: Record<string, TranslationCacheEntry>
}
/** The host's `translate` config block (what the translate config epoch covers). */
type TranslateConfig = {
  primary?: unknown
  workers?: unknown
  policy?: unknown
  providers: ReadonlyArray<Record<string, unknown>>
}
/** The host's context, as far as the translation cache reads it. */
type CacheHostContext = {
  readonly config: { readonly translate?: TranslateConfig }
  readonly cache?: {
    readonly state: CacheState
    readonly runtime: CacheRuntime
    readonly baselineFiles?: Record<string, CacheProjectFileRecord>
  }
}
/** The L1 memo port. */
type TranslateCacheL1Port = {
  readonly translateConfigEpoch: string
  get(key: string): TranslationResult | undefined
  set(key: string, value: TranslationResult): void
  buildKey(input: { sourceText: string; sourceLang: string; targetLang: string; providerId: TranslationProviderId }): string
}
/** The L2 store port. */
type TranslateCacheL2Port = {
  readonly targetLang: string
  get(key: string): TranslationResult | undefined
  set(key: string, result: TranslationResult, providerId: TranslationProviderId): void
  buildKey(input: { sourceText: string; sourceLang: string; providerId: TranslationProviderId }): string
  flush(): CacheWarning | undefined
}

// ------------------------------------------------------------------------------------------------
// The cache types.

export type CacheProfileId = 'safe' | 'balanced' | 'fast'
export type CacheProfileDefaults = {
  rebuild: 'partial' | 'full'
  fullRescanThresholdPercent: number
  mode: 'readWrite' | 'readOnly'
}
export type CacheRebuildMode = 'partial' | 'full'
export type AnalysisRebuildStrategy = 'full' | 'partial' | 'reuse'
export type CacheRebuildConfig = { rebuild: CacheRebuildMode; fullRescanThresholdPercent: number }
export type ClassifiedSrcDelta = { added: string[]; changed: string[]; deleted: string[] }
export type FilesIndexStatus = { kind: 'ok' } | { kind: 'missing' } | { kind: 'malformed' } | { kind: 'empty' }
export type CacheFileDelta = { added: string[]; changed: string[]; deleted: string[]; unchanged: string[] }
export type ClassifiedCacheFileDelta = {
  src: ClassifiedSrcDelta
  sourceLocale: string[]
  targetLocale: string[]
  layoutChanged: boolean
  filesIndexStatus: FilesIndexStatus
}
export type AnalysisRebuildReason =
  | 'config_rebuild_full'
  | 'layout_changed'
  | 'source_locale_changed'
  | 'source_locale_partial'
  | 'target_locale_only'
  | 'locale_or_non_src_changed'
  | 'no_previous_cache'
  | 'src_threshold'
  | 'src_partial'
  | 'files_index_missing'
  | 'files_index_malformed'
  | 'files_index_empty'
  | 'files_index_stale'
  | 'files_index_recovered'
export type AnalysisRebuildDecision = {
  strategy: AnalysisRebuildStrategy
  reason: AnalysisRebuildReason
  thresholdPercent?: number
  srcAffected?: number
  trackedSrcCount?: number
  srcDelta?: ClassifiedSrcDelta
}
export type CacheProducerContext<T> = {
  delta: CacheFileDelta
  classified: ClassifiedCacheFileDelta
  previous?: T
  trackedSrcCount: number
  rebuildConfig: CacheRebuildConfig
  analysisRebuild?: AnalysisRebuildDecision
}
export type CachedLocalesLayout = {
  mode: 'flat_file' | 'locale_directory'
  structure: 'locale_file' | 'locale_per_dir' | 'feature_bundle'
  directory: string
  source: string
}
export type CacheProjectFileRecord = { hash: string; size: number; mtimeMs: number; updatedAt: string }
export type TrackedProjectFilesCurrent = {
  files: Record<string, CacheProjectFileRecord>
  localeSegments: Record<string, CacheProjectFileRecord>
  localesLayout: CachedLocalesLayout
  merged: Record<string, CacheProjectFileRecord>
}
export type CacheDisableReason =
  | 'default'
  | 'cli_no_cache'
  | 'config_disabled'
  | 'project_root_missing'
  | 'cache_dir_unavailable'
  | 'cache_io_error'
  | 'cache_oversize'
  | 'cache_malformed'
  | 'cache_read_only'
export type CacheState = {
  enabled: boolean
  reason: CacheDisableReason
  rootDir: string
  metaPath: string
  projectId: string
  projectRoot: string
  projectDir: string
  filesPath: string
  analysisPath: string
  translationsDir: string
  readOnly: boolean
}
export type CacheWarning = { code: CacheDisableReason; message: string; path?: string }
export type CacheProjectsIndex = {
  version: number
  updatedAt: string
  projects: Record<string, string>
  maintenance: { runCount: number; healEveryRuns: number; lastHealAt?: string }
}
export type CacheProjectFilesState = {
  version: number
  updatedAt: string
  files: Record<string, CacheProjectFileRecord>
  localeSegments?: Record<string, CacheProjectFileRecord>
  localesLayout?: CachedLocalesLayout
}
export type CacheProjectRunState = {
  version: number
  updatedAt: string
  projectId: string
  data: unknown
  inputFilesEpoch?: string
}
export type CacheDispatchStatus = 'hit' | 'miss' | 'bypass' | 'disabled'
export type CacheDispatchReason =
  | 'cache_hit'
  | 'no_cache'
  | 'cache_unavailable'
  | 'run_missing'
  | 'files_changed'
  | 'files_index_recovered'
  | 'run_binding_stale'
  | 'producer_succeeded'
  | 'run_invalid'
export type CacheHashText = (text: string) => string
/**
 * The host's ports. When `fs` is given (and the runtime is not marked with `nativeCacheRuntime`)
 * or `hashText` is not SHA-256, BLAKE3 or FNV-1a, every read, write, listing and hash goes
 * through them; the policy stays cachecore's and this machine's disk is never touched.
 */
export type CacheRuntime = {
  fs: RuntimeFsPort
  path: RuntimePathPort
  system: RuntimeSystemPort
  hashText?: CacheHashText
  byteLength?: (text: string) => number
  fileSize?: (filePath: string) => number | undefined
  writeTextAtomic?: (filePath: string, content: string) => void
  deleteDir?: (dirPath: string) => void
}
export type CacheStateInput = {
  projectRoot: string
  cacheRootDir: string
  noCache?: boolean
  disabledReason?: CacheDisableReason
  runtime: CacheRuntime
  cacheReadOnly?: boolean
}
export type CacheDispatchPaths = { meta: string; files: string; analysis: string; projectDir: string }
export type CacheInputFilesEpochDebug = { cached?: string; current: string }
export type CacheDispatchInfo = {
  status: CacheDispatchStatus
  reason: CacheDispatchReason
  warnings: CacheWarning[]
  delta?: CacheFileDelta
  paths?: CacheDispatchPaths
  inputFilesEpochDebug?: CacheInputFilesEpochDebug
  analysisRebuild?: AnalysisRebuildDecision
  filesIndexStatus?: FilesIndexStatus
}
export type CacheDispatchResult<T> = { data: T; cache: CacheDispatchInfo }
export type CachedProjectInput<T> = {
  state: CacheState
  runtime: CacheRuntime
  sourceLocalePath: string
  srcRoot: string
  localesDir: string
  locales: LocalesFilesystemConfig
  exclude?: ScanExcludeConfig
  producer: (ctx?: CacheProducerContext<T>) => T
  parseCachedData?: (data: unknown) => { ok: true; data: T } | { ok: false }
  rebuildConfig?: CacheRebuildConfig
  baselineFiles?: Record<string, CacheProjectFileRecord>
}
type AnalysisCacheInvalidationDecision = {
  action: 'delete' | 'skip'
  reason:
    | 'cache_disabled'
    | 'no_locale_writes'
    | 'config_rebuild_full'
    | 'target_locale_writes_only'
    | 'locale_writes_dispatch_handles'
}
type LocaleWriteInvalidationInput = {
  enabled: boolean
  rebuildConfig: CacheRebuildConfig
  sourceLocaleSegmentKey: string
  mutatedLocaleSegmentKeys: readonly string[]
}
type CacheConfigSource = {
  enabled?: boolean
  dir?: string
  profile?: CacheProfileId
  mode?: 'readWrite' | 'readOnly'
  rebuild?: CacheRebuildMode
  fullRescanThresholdPercent?: number
}
type ResolvedCacheConfig = {
  enabled: boolean
  profile: CacheProfileId
  mode: 'readWrite' | 'readOnly'
  rebuild: CacheRebuildMode
  fullRescanThresholdPercent: number
  dir?: string
}

// ------------------------------------------------------------------------------------------------
// Constants.

export declare const ANALYSIS_BASENAME: 'analysis.json'
export declare const CACHE_PROFILE_DEFAULTS: Record<CacheProfileId, CacheProfileDefaults>
export declare const CACHE_SCHEMA_VERSION: 1
export declare const DEFAULT_CACHE_PROFILE_ID: CacheProfileId
/** The TypeScript core's read cap of `analysis.json` (cachecore reads up to 256 MiB). */
export declare const MAX_ANALYSIS_BYTES: number
export declare const MAX_PROJECT_FILES_BYTES: number
export declare const MAX_PROJECTS_INDEX_BYTES: number
/** SHA-256 of the empty string: the epoch of an empty tracked-files map. */
export declare const EMPTY_INPUT_FILES_EPOCH: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

// ------------------------------------------------------------------------------------------------
// Configuration, deltas, policy.

export declare function resolveCacheConfig(cache?: CacheConfigSource): ResolvedCacheConfig
export declare function resolveCacheRebuildConfig(cache?: CacheConfigSource): CacheRebuildConfig
export declare function decideAnalysisRebuild(input: {
  config: CacheRebuildConfig
  classified: ClassifiedCacheFileDelta
  hasPrevious: boolean
  trackedSrcCount: number
}): AnalysisRebuildDecision
export declare function decideProjectAnalysisCacheInvalidation(
  input: LocaleWriteInvalidationInput,
): AnalysisCacheInvalidationDecision
export declare function diffProjectFiles(
  previous: Record<string, CacheProjectFileRecord>,
  current: Record<string, CacheProjectFileRecord>,
): CacheFileDelta
export declare function classifyCacheFileDelta(input: {
  delta: CacheFileDelta
  currentSrcFileKeys: ReadonlySet<string>
  baselineSrcFileKeys: ReadonlySet<string>
  currentLocaleSegmentKeys: ReadonlySet<string>
  baselineLocaleSegmentKeys: ReadonlySet<string>
  sourceLocaleSegmentKey: string
  previousLayout?: CachedLocalesLayout
  currentLayout: CachedLocalesLayout
  filesIndexStatus: FilesIndexStatus
}): ClassifiedCacheFileDelta
export declare function srcDeltaIsEmpty(src: ClassifiedSrcDelta): boolean
export declare function countSrcDeltaAffected(src: ClassifiedSrcDelta): number
export declare function filesIndexIsUsable(status: FilesIndexStatus): boolean
export declare function layoutMatches(a: CachedLocalesLayout | undefined, b: CachedLocalesLayout): boolean
export declare function resolveCachedLocalesLayout(locales: LocalesFilesystemConfig): CachedLocalesLayout
export declare function resolveFilesIndexStatus(input: {
  prev: CacheProjectFilesState
  warnings: readonly CacheWarning[]
  filesPath: string
  runtime: CacheRuntime
}): FilesIndexStatus

// ------------------------------------------------------------------------------------------------
// Hashing and epochs.

export declare function computeCacheContentHash(text: string, hashText?: CacheHashText): string
export declare function computeInputFilesEpoch(
  files: Record<string, CacheProjectFileRecord>,
  hashText?: CacheHashText,
): string
export declare function computeCacheProjectId(
  projectRoot: string,
  input?: { path?: Pick<RuntimePathPort, 'resolve'>; hashText?: CacheHashText },
): string
export declare function normalizeProjectRootKey(projectRoot: string): string
export declare function isEmptyInputFilesEpoch(epoch: string | undefined): boolean
export declare function isTrackedFilesMapEmpty(files: Record<string, CacheProjectFileRecord>): boolean

// ------------------------------------------------------------------------------------------------
// Helpers.

export declare function nowIso(runtime?: Pick<CacheRuntime, 'system'>): string
export declare function textByteLength(text: string, runtime: CacheRuntime): number
export declare function readJsonFileWithLimit<T>(
  filePath: string,
  maxBytes: number,
  runtime: CacheRuntime,
): { data?: T; warning?: CacheWarning }
export declare function writeJsonAtomic(filePath: string, data: unknown, runtime: CacheRuntime): CacheWarning | undefined
export declare function tryDeleteCacheFile(runtime: CacheRuntime, filePath: string): void
export declare function omitSyntheticSourceKey(
  files: Record<string, CacheProjectFileRecord>,
): Record<string, CacheProjectFileRecord>
export declare function mergeTrackedFileMaps(
  files: Record<string, CacheProjectFileRecord>,
  localeSegments: Record<string, CacheProjectFileRecord>,
): Record<string, CacheProjectFileRecord>
/**
 * Marks a runtime whose `fs`, `path` and clock are plain Node (this machine's disk): cachecore
 * then does their IO natively (parallel walks, stat hints, locks, atomic writes). Returns it.
 */
export declare function nativeCacheRuntime<R extends object>(runtime: R): R

// ------------------------------------------------------------------------------------------------
// State and cache files.

export declare function resolveCacheState(input: CacheStateInput): CacheState
export declare function initializeCacheState(input: CacheStateInput): { state: CacheState; warnings: CacheWarning[] }
export declare function prepareCacheForRun(
  state: CacheState,
  runtime: CacheRuntime,
): { index: CacheProjectsIndex; warnings: CacheWarning[] }
export declare function isProjectCacheWritable(state: CacheState): boolean
export declare function resolveAnalysisCachePath(state: CacheState): string
export declare function validateProjectFilesPayload(
  data: unknown,
  _filePath: string,
): { ok: true; files: CacheProjectFilesState } | { ok: false; message: string }
export declare function validateProjectRunEnvelope(
  data: unknown,
  _filePath: string,
): { ok: true; run: CacheProjectRunState } | { ok: false; message: string }
export declare function loadProjectRunEnvelope(
  state: CacheState,
  runtime: CacheRuntime,
): { run?: CacheProjectRunState; warnings: CacheWarning[] }
export declare function defaultProjectFilesState(runtime?: Pick<CacheRuntime, 'system'>): CacheProjectFilesState
export declare function loadProjectFilesState(
  state: CacheState,
  runtime: CacheRuntime,
): { files: CacheProjectFilesState; warnings: CacheWarning[] }
export declare function saveProjectFilesState(
  state: CacheState,
  files: CacheProjectFilesState,
  runtime: CacheRuntime,
): CacheWarning | undefined
export declare function loadProjectRunState(
  state: CacheState,
  runtime: CacheRuntime,
): { run?: CacheProjectRunState; warnings: CacheWarning[] }
export declare function saveProjectRunState(
  state: CacheState,
  runtime: CacheRuntime,
  input: { data: unknown; inputFilesEpoch?: string },
): CacheWarning | undefined
export declare function defaultProjectsIndex(runtime?: Pick<CacheRuntime, 'system'>): CacheProjectsIndex
export declare function loadProjectsIndex(
  state: CacheState,
  runtime: CacheRuntime,
): { index: CacheProjectsIndex; warnings: CacheWarning[] }
export declare function saveProjectsIndex(
  state: CacheState,
  index: CacheProjectsIndex,
  runtime: CacheRuntime,
): CacheWarning | undefined
export declare function touchProjectIndex(
  state: CacheState,
  index: CacheProjectsIndex,
  runtime?: CacheRuntime,
): CacheProjectsIndex
export declare function maybeHealCacheIndex(
  state: CacheState,
  index: CacheProjectsIndex,
  runtime: CacheRuntime,
): { index: CacheProjectsIndex; warnings: CacheWarning[]; healed: boolean }
export declare function invalidateProjectAnalysisCache(state: CacheState, runtime: CacheRuntime): void
export declare function invalidateProjectAnalysisCacheAfterLocaleWrites(
  state: CacheState,
  runtime: CacheRuntime,
  input: LocaleWriteInvalidationInput,
): AnalysisCacheInvalidationDecision

// ------------------------------------------------------------------------------------------------
// Tracked files and the dispatch.

export declare function buildSrcFileRecords(input: {
  runtime: CacheRuntime
  srcRoot: string
  exclude?: ScanExcludeConfig
}): Record<string, CacheProjectFileRecord>
export declare function buildLocaleSegmentRecords(input: {
  runtime: CacheRuntime
  localesDir: string
  locales: LocalesFilesystemConfig
}): Record<string, CacheProjectFileRecord>
export declare function buildTrackedProjectFilesCurrent(input: {
  runtime: CacheRuntime
  srcRoot: string
  exclude?: ScanExcludeConfig
  localesDir: string
  locales: LocalesFilesystemConfig
  reuseSrcFiles?: Record<string, CacheProjectFileRecord>
  scanSrc: boolean
}): TrackedProjectFilesCurrent
export declare function getOrBuildCachedProjectData<T>(input: CachedProjectInput<T>): CacheDispatchResult<T>

// ------------------------------------------------------------------------------------------------
// `--debug-cache` messages.

export declare function emitCacheDispatchMessages<Op extends string>(input: {
  emit?: (event: CacheRunMessageEvent<Op>) => void
  op: Op
  runId?: string
  label: string
  cache: CacheDispatchInfo
}): void
export declare function emitCacheMemoryHitMessage<Op extends string>(input: {
  emit?: (event: CacheRunMessageEvent<Op>) => void
  op: Op
  runId?: string
  label: string
}): void
export declare function emitAnalysisCacheInvalidationMessage<Op extends string>(input: {
  emit?: (event: CacheRunMessageEvent<Op>) => void
  op: Op
  runId?: string
  decision: AnalysisCacheInvalidationDecision
}): void

// ------------------------------------------------------------------------------------------------
// The translation cache.

export declare function buildTranslateCacheKey(input: {
  sourceText: string
  sourceLang: string
  targetLang: string
  providerId: TranslationProviderId
  translateConfigEpoch: string
}): string
export declare function buildTranslateCacheKeyForLocaleFile(input: {
  sourceText: string
  sourceLang: string
  providerId: TranslationProviderId
  translateConfigEpoch: string
}): string
export declare function computeTranslateConfigEpoch(translate: TranslateConfig | undefined): string
export declare function resolveTranslationsDir(state: CacheState, runtime: CacheRuntime): string
export declare function resolveLocaleTranslationCachePath(
  state: CacheState,
  runtime: CacheRuntime,
  targetLang: string,
): string
export declare function validateTranslationLocaleCacheFile(
  data: unknown,
  _filePath: string,
): { ok: true; state: TranslationLocaleCacheFile } | { ok: false; message: string }
export declare function loadTranslationLocaleCacheFile(
  filePath: string,
  runtime: CacheRuntime,
): { locale?: TranslationLocaleCacheFile; warnings: CacheWarning[] }
export declare function saveTranslationLocaleCacheFile(
  state: CacheState,
  runtime: CacheRuntime,
  filePath: string,
  locale: TranslationLocaleCacheFile,
): CacheWarning | undefined
export declare function prepareTranslationCacheLayout(state: CacheState, runtime: CacheRuntime): CacheWarning[]
export declare function healTranslationCacheFiles(state: CacheState, runtime: CacheRuntime): CacheWarning[]

/** The per-run in-memory translation memo (L1). */
export declare class TranslateCacheL1Memo {
  readonly translateConfigEpoch: string
  constructor(input: { translateConfigEpoch: string })
  get(key: string): TranslationResult | undefined
  set(key: string, value: TranslationResult): void
  buildKey(input: { sourceText: string; sourceLang: string; targetLang: string; providerId: TranslationProviderId }): string
  size(): number
}

/** One target language's on-disk translation cache (L2, `translations/<targetLang>.json`). */
export declare class TranslateCacheL2Store {
  readonly targetLang: string
  readonly localeFilePath: string
  readonly inputFilesEpoch: string
  readonly translateConfigEpoch: string
  private constructor()
  static open(input: {
    state: CacheState
    runtime: CacheRuntime
    targetLang: string
    inputFilesEpoch: string
    translateConfigEpoch: string
  }): { store: TranslateCacheL2Store; warnings: CacheWarning[] }
  buildKey(input: { sourceText: string; sourceLang: string; providerId: TranslationProviderId }): string
  get(key: string): TranslationResult | undefined
  set(key: string, result: TranslationResult, providerId: TranslationProviderId): void
  flush(): CacheWarning | undefined
  size(): number
}

export declare function translateCacheL1Enabled(ctx: CacheHostContext): boolean
export declare function createTranslateCacheL1ForContext(ctx: CacheHostContext): TranslateCacheL1Memo | undefined
export declare function translateCacheL2Enabled(ctx: CacheHostContext, opts?: { bypassL2?: boolean }): boolean
export declare function createGenerateTranslateCache(
  ctx: CacheHostContext,
  _opts?: { bypassL2?: boolean },
): { cache: { l1?: TranslateCacheL1Port }; warnings: CacheWarning[] }
export declare function openTranslateCacheL2ForTarget(
  ctx: CacheHostContext,
  targetLang: string,
  opts?: { bypassL2?: boolean },
): { l2?: TranslateCacheL2Store; warnings: CacheWarning[] }
export declare function bindGenerateTranslateCache(
  base: { l1?: TranslateCacheL1Port },
  l2?: TranslateCacheL2Port,
): { l1?: TranslateCacheL1Port; l2?: TranslateCacheL2Port }
export declare function flushTranslateCacheL2(l2?: TranslateCacheL2Port): CacheWarning | undefined

// ------------------------------------------------------------------------------------------------
// Share.

export declare function resolveShareInputFilesEpoch(ctx: CacheHostContext): string | undefined
