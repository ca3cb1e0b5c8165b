'use strict'
// cachecore/i18nprune: i18nprune 0.1.4's cache surface (its `packages/core/src/cache/**`,
// `translator/cache/**` and `share/cache/resolveInputFilesEpoch.ts`), name for name, with its
// argument orders, optional arguments and result shapes, mapped onto cachecore's own exports.
//
// A thin layer: every decision, walk, hash, file format and guard is cachecore's (the backend);
// this file only reorders arguments, renames fields, turns Sets into arrays and `{ value,
// warnings }` into the shapes i18nprune returns, and routes IO. The backend is the native addon
// in Node, or the pure JavaScript policy functions in a browser or worker build (whose cache IO
// then throws NATIVE_UNAVAILABLE).
//
// IO: a runtime whose ports are not the defaults (an `fs` port, unless the host marked the
// runtime with `nativeCacheRuntime`, or a `hashText` that is not SHA-256, BLAKE3 or FNV-1a) is
// handed to the backend as `io`: the policy still runs in cachecore, every read, write, listing
// and hash goes through the host's functions, and this machine's disk is never touched. Without
// ports (or with the defaults) everything stays native.

const ANALYSIS_BASENAME = 'analysis.json'
const TRANSLATIONS_DIR = 'translations'
const SYNTHETIC_SOURCE_LOCALE_KEY = '__source_locale__'
const DEFAULT_HEAL_EVERY_RUNS = 20
const NATIVE_RUNTIME = Symbol.for('cachecore.nativeCacheRuntime')
const HASH_PROBES = ['', 'cachecore probe', 'h\u00e9llo w\u00f6rld \u{1F600}']
const ALGORITHMS = ['sha256', 'blake3', 'fnv1a64']

function createDropIn(backend) {
  const out = {}

  // ----------------------------------------------------------------------------------------------
  // Runtime ports: native or the host's.

  const recognised = new WeakMap()
  /** The native algorithm a `hashText` computes, or `undefined` for a host's own hasher. */
  function hashAlgorithm(hashText) {
    if (hashText === undefined || hashText === null) return 'fnv1a64'
    if (typeof hashText === 'string') return ALGORITHMS.includes(hashText) ? hashText : undefined
    if (typeof hashText !== 'function') return undefined
    if (recognised.has(hashText)) return recognised.get(hashText)
    let found
    try {
      const outputs = HASH_PROBES.map((p) => hashText(p))
      found = ALGORITHMS.find((a) =>
        HASH_PROBES.every((p, i) => backend.computeCacheContentHash(p, a) === outputs[i]),
      )
    } catch {
      found = undefined
    }
    recognised.set(hashText, found)
    return found
  }

  /**
   * The host's ports when they are not the defaults (see the file comment), else undefined.
   * Without a `hashText` they hash with FNV-1a, the TypeScript core's fallback.
   */
  function portsOf(runtime) {
    if (runtime === undefined || runtime === null || typeof runtime !== 'object') return undefined
    const nativeFs = runtime.fs === undefined || runtime.fs === null || runtime[NATIVE_RUNTIME] === true
    if (nativeFs && hashAlgorithm(runtime.hashText) !== undefined) return undefined
    return runtime.hashText === undefined || runtime.hashText === null ? { ...runtime, hashText: 'fnv1a64' } : runtime
  }

  /** The given keys of an object (cachecore's options objects are strict; the host's are not). */
  function pick(object, names) {
    if (object === undefined || object === null || typeof object !== 'object') return object
    const out = {}
    for (const k of names) if (object[k] !== undefined) out[k] = object[k]
    return out
  }
  const CONFIG_KEYS = ['enabled', 'dir', 'profile', 'mode', 'rebuild', 'fullRescanThresholdPercent']
  const INVALIDATION_KEYS = ['enabled', 'rebuildConfig', 'sourceLocaleSegmentKey', 'mutatedLocaleSegmentKeys']
  const STATE_INPUT_KEYS = ['projectRoot', 'cacheRootDir', 'noCache', 'disabledReason', 'cacheReadOnly']

  /**
   * The `runtime` argument of a native export: the hash algorithm only (a host's own hasher
   * travels with its ports, `io`).
   */
  function nativeRuntime(runtime) {
    const algo = hashAlgorithm(runtime && runtime.hashText)
    return algo === undefined ? {} : { hashText: algo }
  }

  /** Store options with the host's ports, if any. */
  function storeOptions(runtime) {
    const io = portsOf(runtime)
    return io === undefined ? undefined : { io }
  }

  /**
   * Marks a runtime whose `fs`, `path` and clock ports are plain Node (the disk of this machine):
   * cachecore then does their IO natively (parallel walks, stat hints, locks, atomic writes). Its
   * `hashText` still decides: SHA-256, BLAKE3 or FNV-1a stay native, any other goes through it.
   * Returns the runtime itself.
   */
  out.nativeCacheRuntime = function nativeCacheRuntime(runtime) {
    Object.defineProperty(runtime, NATIVE_RUNTIME, { value: true, enumerable: false })
    return runtime
  }

  const firstWarning = (warnings) => (warnings && warnings.length > 0 ? warnings[0] : undefined)

  // ----------------------------------------------------------------------------------------------
  // Constants.

  out.ANALYSIS_BASENAME = ANALYSIS_BASENAME
  out.CACHE_PROFILE_DEFAULTS = backend.CACHE_PROFILE_DEFAULTS
  out.CACHE_SCHEMA_VERSION = backend.CACHE_SCHEMA_VERSION
  out.DEFAULT_CACHE_PROFILE_ID = backend.DEFAULT_CACHE_PROFILE_ID
  out.MAX_ANALYSIS_BYTES = backend.MAX_ANALYSIS_BYTES
  out.MAX_PROJECT_FILES_BYTES = backend.MAX_FILES_BYTES
  out.MAX_PROJECTS_INDEX_BYTES = backend.MAX_META_BYTES
  out.EMPTY_INPUT_FILES_EPOCH = backend.computeCacheContentHash('', 'sha256')

  // ----------------------------------------------------------------------------------------------
  // Configuration, deltas, policy (the backend's, argument for argument).

  out.resolveCacheConfig = (cache) => backend.resolveCacheConfig(pick(cache, CONFIG_KEYS))
  out.resolveCacheRebuildConfig = (cache) => backend.resolveCacheRebuildConfig(pick(cache, CONFIG_KEYS))
  out.decideAnalysisRebuild = (input) =>
    backend.decideAnalysisRebuild(pick(input, ['config', 'classified', 'hasPrevious', 'trackedSrcCount']))
  out.decideProjectAnalysisCacheInvalidation = (input) =>
    backend.decideProjectAnalysisCacheInvalidation(pick(input, INVALIDATION_KEYS))
  out.diffProjectFiles = (previous, current) => backend.diffProjectFiles(previous, current)
  out.layoutMatches = (a, b) => backend.layoutMatches(a, b)
  out.filesIndexIsUsable = (status) => status.kind === 'ok'
  out.srcDeltaIsEmpty = (src) => src.added.length + src.changed.length + src.deleted.length === 0
  out.countSrcDeltaAffected = (src) => src.added.length + src.changed.length + src.deleted.length

  const keys = (set) => (set === undefined || set === null ? [] : Array.from(set))
  out.classifyCacheFileDelta = function classifyCacheFileDelta(input) {
    return backend.classifyCacheFileDelta({
      ...pick(input, ['delta', 'sourceLocaleSegmentKey', 'previousLayout', 'currentLayout', 'filesIndexStatus']),
      currentSrcFileKeys: keys(input.currentSrcFileKeys),
      baselineSrcFileKeys: keys(input.baselineSrcFileKeys),
      currentLocaleSegmentKeys: keys(input.currentLocaleSegmentKeys),
      baselineLocaleSegmentKeys: keys(input.baselineLocaleSegmentKeys),
    })
  }

  out.resolveCachedLocalesLayout = (locales) => ({
    mode: locales.mode ?? 'flat_file',
    structure: locales.structure ?? 'locale_file',
    directory: locales.directory,
    source: locales.source,
  })

  // ----------------------------------------------------------------------------------------------
  // Hashing.

  out.computeCacheContentHash = (text, hashText) => backend.computeCacheContentHash(text, hashText)
  out.computeInputFilesEpoch = (files, hashText) => backend.computeInputFilesEpoch(files, hashText)
  out.computeCacheProjectId = function computeCacheProjectId(projectRoot, input = {}) {
    const root = input.path ? input.path.resolve(projectRoot) : projectRoot
    return backend.computeCacheProjectId(root, { hashText: input.hashText })
  }
  out.normalizeProjectRootKey = (projectRoot) => backend.normalizeProjectRootKey(projectRoot)
  out.isEmptyInputFilesEpoch = (epoch) => epoch === out.EMPTY_INPUT_FILES_EPOCH
  out.isTrackedFilesMapEmpty = (files) => Object.keys(files).length === 0

  // ----------------------------------------------------------------------------------------------
  // Small helpers of the TypeScript core.

  out.nowIso = (runtime) => new Date(runtime?.system?.now() ?? Date.now()).toISOString()
  out.textByteLength = (text, runtime) =>
    runtime?.byteLength ? runtime.byteLength(text) : new TextEncoder().encode(text).length
  out.isProjectCacheWritable = (state) => state.enabled && !state.readOnly
  out.resolveAnalysisCachePath = (state) => state.analysisPath

  out.omitSyntheticSourceKey = function omitSyntheticSourceKey(files) {
    if (!(SYNTHETIC_SOURCE_LOCALE_KEY in files)) return files
    const copy = { ...files }
    delete copy[SYNTHETIC_SOURCE_LOCALE_KEY]
    return copy
  }
  out.mergeTrackedFileMaps = (files, localeSegments) => ({ ...files, ...localeSegments })

  out.defaultProjectFilesState = (runtime) => ({
    version: out.CACHE_SCHEMA_VERSION,
    updatedAt: out.nowIso(runtime),
    files: {},
  })
  out.defaultProjectsIndex = (runtime) => ({
    version: out.CACHE_SCHEMA_VERSION,
    updatedAt: out.nowIso(runtime),
    projects: {},
    maintenance: { runCount: 0, healEveryRuns: DEFAULT_HEAL_EVERY_RUNS },
  })

  // ----------------------------------------------------------------------------------------------
  // Shape checks the TypeScript core exports (cachecore's loaders validate at least as strictly:
  // whatever they accept, these accept).

  const isObject = (v) => typeof v === 'object' && v !== null
  const isRecordMap = (v) => isObject(v) && !Array.isArray(v)

  out.validateProjectFilesPayload = function validateProjectFilesPayload(data, _filePath) {
    if (!data || typeof data !== 'object') return { ok: false, message: 'root is not an object' }
    if (!isRecordMap(data.files)) return { ok: false, message: 'missing or invalid field: files' }
    if (data.localeSegments !== undefined && !isRecordMap(data.localeSegments)) {
      return { ok: false, message: 'invalid field: localeSegments' }
    }
    if (data.localesLayout !== undefined) {
      const l = data.localesLayout
      const strings = ['mode', 'structure', 'directory', 'source']
      if (!isObject(l) || !strings.every((k) => typeof l[k] === 'string')) {
        return { ok: false, message: 'invalid field: localesLayout' }
      }
    }
    if (data.version !== undefined && data.version !== out.CACHE_SCHEMA_VERSION) {
      return { ok: false, message: `unsupported cache schema version: ${String(data.version)}` }
    }
    return { ok: true, files: data }
  }

  out.validateProjectRunEnvelope = function validateProjectRunEnvelope(data, _filePath) {
    if (!data || typeof data !== 'object') return { ok: false, message: 'root is not an object' }
    if (!('data' in data)) return { ok: false, message: 'missing required field: data' }
    if (data.inputFilesEpoch !== undefined && typeof data.inputFilesEpoch !== 'string') {
      return { ok: false, message: 'invalid field type: inputFilesEpoch' }
    }
    return { ok: true, run: data }
  }

  const PROVIDERS = ['google', 'mymemory', 'deepl', 'libre', 'llm']
  out.validateTranslationLocaleCacheFile = function validateTranslationLocaleCacheFile(data, _filePath) {
    if (!data || typeof data !== 'object') return { ok: false, message: 'root is not an object' }
    for (const field of ['targetLang', 'translateConfigEpoch', 'inputFilesEpoch']) {
      if (typeof data[field] !== 'string') {
        return { ok: false, message: `missing or invalid field: ${field}` }
      }
    }
    if (!isRecordMap(data.entries)) return { ok: false, message: 'missing or invalid field: entries' }
    for (const e of Object.values(data.entries)) {
      const valid =
        isObject(e) &&
        typeof e.text === 'string' &&
        isObject(e.leafMeta) &&
        typeof e.providerId === 'string' &&
        typeof e.createdAt === 'string'
      if (!valid) return { ok: false, message: 'invalid translation cache entry' }
      if (!PROVIDERS.includes(e.providerId)) {
        return { ok: false, message: 'invalid translation cache entry providerId' }
      }
    }
    if (data.version !== undefined && data.version !== out.CACHE_SCHEMA_VERSION) {
      return { ok: false, message: `unsupported cache schema version: ${String(data.version)}` }
    }
    return { ok: true, state: data }
  }

  // ----------------------------------------------------------------------------------------------
  // JSON files at a host-chosen path, through the host's own runtime (as the TypeScript core's
  // helpers: they never throw, failures are warnings).

  function syncPort(value, label, at) {
    if (value && typeof value.then === 'function') {
      throw new Error(`Synchronous ${label} requires a plain value (got a Promise at ${at})`)
    }
    return value
  }
  const errorText = (err) => (err instanceof Error ? err.message : String(err))

  out.readJsonFileWithLimit = function readJsonFileWithLimit(filePath, maxBytes, runtime) {
    try {
      if (!syncPort(runtime.fs.exists(filePath), 'fs.exists', filePath)) return {}
      if (syncPort(runtime.fs.statKind(filePath), 'fs.statKind', filePath) !== 'file') {
        return { warning: { code: 'cache_io_error', message: 'cache path is not a file; skipping', path: filePath } }
      }
      const known = runtime.fileSize?.(filePath)
      const oversize = (size) => ({
        warning: {
          code: 'cache_oversize',
          message: `cache file exceeds size limit (${String(size)} > ${String(maxBytes)} bytes); skipping`,
          path: filePath,
        },
      })
      if (known !== undefined && known > maxBytes) return oversize(known)
      const raw = syncPort(runtime.fs.readText(filePath), 'fs.readText', filePath)
      const size = known ?? out.textByteLength(raw, runtime)
      if (size > maxBytes) return oversize(size)
      try {
        return { data: JSON.parse(raw) }
      } catch (err) {
        return { warning: { code: 'cache_malformed', message: `invalid JSON: ${errorText(err)}`, path: filePath } }
      }
    } catch (err) {
      return { warning: { code: 'cache_io_error', message: `cache read error: ${errorText(err)}`, path: filePath } }
    }
  }

  out.writeJsonAtomic = function writeJsonAtomic(filePath, data, runtime) {
    try {
      const content = JSON.stringify(data, null, 2)
      if (runtime.writeTextAtomic) {
        runtime.writeTextAtomic(filePath, content)
        return undefined
      }
      const dir = runtime.path.dirname(filePath)
      syncPort(runtime.fs.mkdirp(dir), 'fs.mkdirp', dir)
      syncPort(runtime.fs.writeText(filePath, content), 'fs.writeText', filePath)
      return undefined
    } catch (err) {
      return { code: 'cache_io_error', message: `cache write error: ${errorText(err)}`, path: filePath }
    }
  }

  out.tryDeleteCacheFile = function tryDeleteCacheFile(runtime, filePath) {
    try {
      if (!syncPort(runtime.fs.exists(filePath), 'fs.exists', filePath)) return
      syncPort(runtime.fs.deleteFile(filePath), 'fs.deleteFile', filePath)
    } catch {
      // best effort, as in the TypeScript core
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Cache state and files (cachecore's store, through the host's ports when they are not the
  // defaults).

  const stateInput = (input) => ({
    ...pick(input, STATE_INPUT_KEYS),
    runtime: nativeRuntime(input.runtime),
    io: portsOf(input.runtime),
  })
  out.resolveCacheState = (input) => backend.resolveCacheState(stateInput(input))
  out.initializeCacheState = (input) => backend.initializeCacheState(stateInput(input))

  out.prepareCacheForRun = function prepareCacheForRun(state, runtime) {
    const r = backend.prepareCacheForRun(state, nativeRuntime(runtime), storeOptions(runtime))
    return { index: r.index, warnings: r.warnings }
  }

  out.loadProjectsIndex = function loadProjectsIndex(state, runtime) {
    if (!state.enabled) return { index: out.defaultProjectsIndex(runtime), warnings: [] }
    const r = backend.loadProjectsIndex(state, storeOptions(runtime))
    return { index: r.value, warnings: r.warnings }
  }

  out.saveProjectsIndex = function saveProjectsIndex(state, index, runtime) {
    if (!state.enabled) return undefined
    return firstWarning(backend.saveProjectsIndex(state, index, storeOptions(runtime)).warnings)
  }

  out.touchProjectIndex = function touchProjectIndex(state, index, runtime) {
    const next = { ...index, projects: { ...index.projects }, maintenance: { ...index.maintenance } }
    next.projects[out.normalizeProjectRootKey(state.projectRoot)] = out.computeCacheProjectId(
      state.projectRoot,
      { path: runtime?.path, hashText: runtime?.hashText },
    )
    next.maintenance.runCount += 1
    return next
  }

  out.maybeHealCacheIndex = function maybeHealCacheIndex(state, index, runtime) {
    const r = backend.healProjectsIndex(state, index, storeOptions(runtime))
    return { index: r.healed ? r.value : index, warnings: r.warnings, healed: r.healed }
  }

  out.loadProjectFilesState = function loadProjectFilesState(state, runtime) {
    if (!state.enabled) return { files: out.defaultProjectFilesState(runtime), warnings: [] }
    const r = backend.loadProjectFilesState(state, storeOptions(runtime))
    return { files: r.value ?? out.defaultProjectFilesState(runtime), warnings: r.warnings }
  }

  out.saveProjectFilesState = function saveProjectFilesState(state, files, runtime) {
    if (!state.enabled) return undefined
    return firstWarning(backend.saveProjectFilesState(state, files, storeOptions(runtime)).warnings)
  }

  out.loadProjectRunEnvelope = function loadProjectRunEnvelope(state, runtime) {
    const r = backend.loadProjectRunState({ ...state, enabled: true }, storeOptions(runtime))
    return r.value === undefined ? { warnings: r.warnings } : { run: r.value, warnings: r.warnings }
  }

  out.loadProjectRunState = function loadProjectRunState(state, runtime) {
    if (!state.enabled) return { warnings: [] }
    return out.loadProjectRunEnvelope(state, runtime)
  }

  out.saveProjectRunState = function saveProjectRunState(state, runtime, input) {
    if (!state.enabled) return undefined
    return firstWarning(backend.saveProjectRunState(state, input, storeOptions(runtime)).warnings)
  }

  out.resolveFilesIndexStatus = function resolveFilesIndexStatus(input) {
    const own = input.warnings.filter((w) => w.path === undefined || w.path === input.filesPath)
    if (own.some((w) => w.code === 'cache_malformed' || w.code === 'cache_oversize')) {
      return { kind: 'malformed' }
    }
    if (!syncPort(input.runtime.fs.exists(input.filesPath), 'fs.exists', input.filesPath)) {
      return { kind: 'missing' }
    }
    const prev = input.prev
    const empty =
      Object.keys(prev.files).length === 0 &&
      (!prev.localeSegments || Object.keys(prev.localeSegments).length === 0) &&
      prev.localesLayout === undefined
    return empty ? { kind: 'empty' } : { kind: 'ok' }
  }

  // ----------------------------------------------------------------------------------------------
  // Invalidation.

  out.invalidateProjectAnalysisCache = function invalidateProjectAnalysisCache(state, runtime) {
    backend.invalidateProjectAnalysisCache(state, nativeRuntime(runtime), storeOptions(runtime))
  }

  out.invalidateProjectAnalysisCacheAfterLocaleWrites = function (state, runtime, input) {
    const r = backend.invalidateProjectAnalysisCacheAfterLocaleWrites(
      state,
      nativeRuntime(runtime),
      pick(input, INVALIDATION_KEYS),
      storeOptions(runtime),
    )
    return { action: r.action, reason: r.reason }
  }

  // ----------------------------------------------------------------------------------------------
  // Tracked files.

  function tracked(input) {
    return backend.trackProjectFiles({
      srcRoot: input.srcRoot,
      exclude: input.exclude,
      localesDir: input.localesDir,
      locales: input.locales,
      runtime: nativeRuntime(input.runtime),
      io: portsOf(input.runtime),
    })
  }

  out.buildSrcFileRecords = (input) => tracked({ ...input, localesDir: undefined }).files
  out.buildLocaleSegmentRecords = (input) =>
    tracked({ ...input, srcRoot: undefined }).localeSegments
  out.buildTrackedProjectFilesCurrent = function buildTrackedProjectFilesCurrent(input) {
    const scanned = tracked(input.scanSrc ? input : { ...input, srcRoot: undefined })
    const files = input.scanSrc ? scanned.files : out.omitSyntheticSourceKey(input.reuseSrcFiles ?? {})
    const localeSegments = scanned.localeSegments
    return {
      files,
      localeSegments,
      localesLayout: out.resolveCachedLocalesLayout(input.locales),
      merged: out.mergeTrackedFileMaps(files, localeSegments),
    }
  }

  // ----------------------------------------------------------------------------------------------
  // The dispatch.

  out.getOrBuildCachedProjectData = function getOrBuildCachedProjectData(input) {
    const parse = input.parseCachedData
    const producer = (ctx) => {
      // The TypeScript core hands the producer `previous` as the host's parser returned it.
      if (ctx !== undefined && ctx.previous !== undefined && parse) {
        const parsed = parse(ctx.previous)
        if (parsed && parsed.ok) ctx.previous = parsed.data
        else delete ctx.previous
      }
      return ctx === undefined ? input.producer() : input.producer(ctx)
    }
    const r = backend.getOrBuildCachedProjectData({
      state: input.state,
      runtime: nativeRuntime(input.runtime),
      io: portsOf(input.runtime),
      sourceLocalePath: input.sourceLocalePath,
      srcRoot: input.srcRoot,
      localesDir: input.localesDir,
      locales: input.locales,
      exclude: input.exclude,
      producer,
      parseCachedData: parse,
      rebuildConfig: input.rebuildConfig,
      baselineFiles: input.baselineFiles,
    })
    const { classified: _classified, ...cache } = r.cache
    return { data: r.data, cache }
  }

  // ----------------------------------------------------------------------------------------------
  // `--debug-cache` messages, emitted as the TypeScript core's `run.message` events.

  function emitLines(input, lines) {
    if (!input.emit) return
    for (const line of lines) {
      try {
        input.emit({
          type: 'run.message',
          op: input.op,
          runId: input.runId,
          at: Date.now(),
          level: line.level,
          channel: 'cache',
          message: line.message,
        })
      } catch {
        // The host's handler never breaks the run.
      }
    }
  }

  out.emitCacheDispatchMessages = (input) =>
    emitLines(input, backend.cacheDispatchMessageLines(input.label, input.cache))
  out.emitCacheMemoryHitMessage = (input) =>
    emitLines(input, backend.cacheMemoryHitMessageLines(input.label))
  out.emitAnalysisCacheInvalidationMessage = (input) =>
    emitLines(input, backend.analysisCacheInvalidationMessageLines(input.decision))

  // ----------------------------------------------------------------------------------------------
  // Translation cache: keys, epochs, L1 memo, L2 store.

  const KEY_FIELDS = ['sourceText', 'sourceLang', 'providerId', 'translateConfigEpoch']
  out.buildTranslateCacheKey = (input) => backend.buildTranslateCacheKey(pick(input, [...KEY_FIELDS, 'targetLang']))
  out.buildTranslateCacheKeyForLocaleFile = (input) =>
    backend.buildTranslateCacheKeyForLocaleFile(pick(input, KEY_FIELDS))
  out.computeTranslateConfigEpoch = (translate) => backend.computeTranslateConfigEpoch(translate)

  function joinPath(runtime, ...parts) {
    if (runtime?.path?.join) return runtime.path.join(...parts)
    const sep = parts[0].includes('\\') && !parts[0].includes('/') ? '\\' : '/'
    return parts.join(sep)
  }
  out.resolveTranslationsDir = (state, runtime) => joinPath(runtime, state.projectDir, TRANSLATIONS_DIR)
  const safeLocaleName = (targetLang) => `${targetLang.replace(/[/\\]/g, '_')}.json`
  out.resolveLocaleTranslationCachePath = (state, runtime, targetLang) =>
    joinPath(runtime, out.resolveTranslationsDir(state, runtime), safeLocaleName(targetLang))

  class TranslateCacheL1Memo {
    #entries = new Map()
    constructor(input) {
      this.translateConfigEpoch = input.translateConfigEpoch
    }
    get(key) {
      return this.#entries.get(key)
    }
    set(key, value) {
      this.#entries.set(key, value)
    }
    buildKey(input) {
      return out.buildTranslateCacheKey({ ...input, translateConfigEpoch: this.translateConfigEpoch })
    }
    size() {
      return this.#entries.size
    }
  }
  out.TranslateCacheL1Memo = TranslateCacheL1Memo

  const resultOf = (row) => ({
    text: row.text,
    leafMeta: row.leafMeta,
    ...(row.decision !== undefined ? { decision: row.decision } : {}),
  })

  class TranslateCacheL2Store {
    #cache
    #runtime
    constructor(input, secret) {
      if (secret !== NATIVE_RUNTIME) {
        throw new TypeError('TranslateCacheL2Store is opened with TranslateCacheL2Store.open(input)')
      }
      this.#cache = input.cache
      this.#runtime = input.runtime
      this.targetLang = input.targetLang
      this.localeFilePath = input.localeFilePath
      this.inputFilesEpoch = input.inputFilesEpoch
      this.translateConfigEpoch = input.translateConfigEpoch
    }

    static open(input) {
      const warnings = []
      const translationsDir = out.resolveTranslationsDir(input.state, input.runtime)
      const io = portsOf(input.runtime)
      if (io !== undefined) {
        try {
          syncPort(io.fs.mkdirp(translationsDir), 'fs.mkdirp', translationsDir)
        } catch {
          // flush reports a failed write
        }
      }
      const fileName = safeLocaleName(input.targetLang)
      const cache = backend.loadTranslationCache(
        { ...input.state, translationsDir },
        {
          targetLang: input.targetLang,
          translateConfigEpoch: input.translateConfigEpoch,
          inputFilesEpoch: input.inputFilesEpoch,
          fileName,
        },
        io === undefined ? undefined : { io },
      )
      warnings.push(...cache.warnings)
      const store = new TranslateCacheL2Store(
        {
          cache,
          runtime: input.runtime,
          targetLang: input.targetLang,
          localeFilePath: cache.path,
          inputFilesEpoch: input.inputFilesEpoch,
          translateConfigEpoch: input.translateConfigEpoch,
        },
        NATIVE_RUNTIME,
      )
      return { store, warnings }
    }

    buildKey(input) {
      return out.buildTranslateCacheKeyForLocaleFile({ ...input, translateConfigEpoch: this.translateConfigEpoch })
    }
    get(key) {
      const row = this.#cache.get(key)
      return row === undefined ? undefined : resultOf(row)
    }
    set(key, result, providerId) {
      this.#cache.put(key, { ...resultOf(result), providerId, createdAt: out.nowIso(this.#runtime) })
    }
    flush() {
      return firstWarning(this.#cache.flush())
    }
    size() {
      return this.#cache.size
    }
  }
  out.TranslateCacheL2Store = TranslateCacheL2Store

  out.loadTranslationLocaleCacheFile = function loadTranslationLocaleCacheFile(filePath, runtime) {
    const { data, warning } = out.readJsonFileWithLimit(filePath, backend.MAX_TRANSLATIONS_BYTES, runtime)
    if (warning) return { warnings: [{ ...warning, path: filePath }] }
    if (data === undefined) return { warnings: [] }
    const checked = out.validateTranslationLocaleCacheFile(data, filePath)
    if (!checked.ok) {
      return {
        warnings: [
          { code: 'cache_malformed', message: `cache translations store invalid (${checked.message})`, path: filePath },
        ],
      }
    }
    return { locale: checked.state, warnings: [] }
  }

  out.saveTranslationLocaleCacheFile = function saveTranslationLocaleCacheFile(state, runtime, filePath, locale) {
    if (!state.enabled) return undefined
    if (!out.isProjectCacheWritable(state)) {
      return { code: 'cache_read_only', message: 'cache is read-only; skipped persisting translations cache', path: filePath }
    }
    const payload = { ...locale, updatedAt: out.nowIso(runtime), version: out.CACHE_SCHEMA_VERSION }
    return out.writeJsonAtomic(filePath, payload, runtime)
  }

  out.healTranslationCacheFiles = function healTranslationCacheFiles(state, runtime) {
    if (!state.enabled) return []
    const translationsDir = out.resolveTranslationsDir(state, runtime)
    return backend.healTranslationCacheFiles({ ...state, translationsDir }, storeOptions(runtime))
  }

  out.prepareTranslationCacheLayout = function prepareTranslationCacheLayout(state, runtime) {
    if (!state.enabled) return []
    const io = portsOf(runtime)
    if (io !== undefined && !state.readOnly) {
      const translationsDir = out.resolveTranslationsDir(state, runtime)
      try {
        syncPort(io.fs.mkdirp(translationsDir), 'fs.mkdirp', translationsDir)
      } catch (err) {
        return [
          {
            code: 'cache_dir_unavailable',
            message: `unable to create translations cache dir: ${errorText(err)}`,
            path: translationsDir,
          },
        ]
      }
    }
    return out.healTranslationCacheFiles(state, runtime)
  }

  // ----------------------------------------------------------------------------------------------
  // The host's context (its CoreContext, taken structurally: `{ config, cache? }`).

  out.translateCacheL1Enabled = (ctx) => ctx.cache?.state.reason !== 'cli_no_cache'
  out.createTranslateCacheL1ForContext = (ctx) =>
    out.translateCacheL1Enabled(ctx)
      ? new TranslateCacheL1Memo({ translateConfigEpoch: out.computeTranslateConfigEpoch(ctx.config.translate) })
      : undefined
  out.translateCacheL2Enabled = (ctx, opts) => opts?.bypassL2 !== true && ctx.cache?.state.enabled === true
  out.createGenerateTranslateCache = (ctx, _opts) => ({
    cache: { l1: out.createTranslateCacheL1ForContext(ctx) },
    warnings: [],
  })
  out.bindGenerateTranslateCache = (base, l2) => ({ l1: base.l1, l2 })
  out.flushTranslateCacheL2 = (l2) => l2?.flush()

  /** The tracked files the context's cache was last bound to: its baseline, else `files.json`. */
  function contextTrackedFiles(ctx, requireUsableIndex) {
    const { state, runtime, baselineFiles } = ctx.cache
    if (baselineFiles !== undefined) return baselineFiles
    const loaded = out.loadProjectFilesState(state, runtime)
    if (requireUsableIndex) {
      const status = out.resolveFilesIndexStatus({
        prev: loaded.files,
        warnings: loaded.warnings,
        filesPath: state.filesPath,
        runtime,
      })
      if (status.kind !== 'ok') return undefined
    }
    return out.mergeTrackedFileMaps(out.omitSyntheticSourceKey(loaded.files.files), loaded.files.localeSegments ?? {})
  }

  out.openTranslateCacheL2ForTarget = function openTranslateCacheL2ForTarget(ctx, targetLang, opts) {
    if (!out.translateCacheL2Enabled(ctx, opts) || !ctx.cache) return { warnings: [] }
    const inputFilesEpoch = out.computeInputFilesEpoch(contextTrackedFiles(ctx, false), ctx.cache.runtime.hashText)
    const opened = TranslateCacheL2Store.open({
      state: ctx.cache.state,
      runtime: ctx.cache.runtime,
      targetLang,
      inputFilesEpoch,
      translateConfigEpoch: out.computeTranslateConfigEpoch(ctx.config.translate),
    })
    return { l2: opened.store, warnings: opened.warnings }
  }

  out.resolveShareInputFilesEpoch = function resolveShareInputFilesEpoch(ctx) {
    if (!ctx.cache?.state.enabled) return undefined
    const files = contextTrackedFiles(ctx, true)
    if (files === undefined || out.isTrackedFilesMapEmpty(files)) return undefined
    const epoch = out.computeInputFilesEpoch(files, ctx.cache.runtime.hashText)
    return out.isEmptyInputFilesEpoch(epoch) ? undefined : epoch
  }

  return out
}

module.exports = { createDropIn }
