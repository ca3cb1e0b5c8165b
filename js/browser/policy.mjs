// cachecore's pure policy functions in plain JavaScript, for browser and worker builds, where the
// native addon cannot load. Each one returns exactly what the native export of the same name
// returns: __test__/browser-policy.test.mjs holds them to it over randomized inputs, so the two
// can never drift. Anything that needs the disk is not here (see ./unavailable.mjs).

// ------------------------------------------------------------------------------------------------
// Constants (checked against the native ones).

export const CACHE_SCHEMA_VERSION = 1
export const DEFAULT_CACHE_PROFILE_ID = 'balanced'
export const CACHE_PROFILE_DEFAULTS = {
  safe: { rebuild: 'full', fullRescanThresholdPercent: 10, mode: 'readWrite' },
  balanced: { rebuild: 'partial', fullRescanThresholdPercent: 40, mode: 'readWrite' },
  fast: { rebuild: 'partial', fullRescanThresholdPercent: 70, mode: 'readWrite' },
}
export const MAX_META_BYTES = 2 * 1024 * 1024
export const MAX_FILES_BYTES = 32 * 1024 * 1024
export const MAX_ANALYSIS_BYTES = 16 * 1024 * 1024
export const MAX_TRANSLATIONS_BYTES = 32 * 1024 * 1024
export const DEFAULT_ANALYSIS_CAP_BYTES = 256 * 1024 * 1024
export const DEFAULT_FILES_CAP_BYTES = 256 * 1024 * 1024
export const DEFAULT_LOCK_TIMEOUT_MS = 2000

/** A coded error, as the native exports throw. */
export function codedError(code, message, Kind = Error) {
  const e = new Kind(message)
  e.code = code
  return e
}

const invalid = (option, message) =>
  codedError('INVALID_OPTION', `invalid option \`${option}\`: ${message}`, TypeError)

export function defaultCacheCaps() {
  return {
    meta: MAX_META_BYTES,
    files: DEFAULT_FILES_CAP_BYTES,
    analysis: DEFAULT_ANALYSIS_CAP_BYTES,
    translations: MAX_TRANSLATIONS_BYTES,
  }
}

// ------------------------------------------------------------------------------------------------
// §1 configuration.

const PROFILES = ['safe', 'balanced', 'fast']

export function resolveCacheConfig(source) {
  const s = source ?? {}
  const defaults = CACHE_PROFILE_DEFAULTS[PROFILES.includes(s.profile) ? s.profile : DEFAULT_CACHE_PROFILE_ID]
  const threshold = s.fullRescanThresholdPercent
  const out = {
    enabled: s.enabled ?? true,
    profile: s.profile ?? DEFAULT_CACHE_PROFILE_ID,
    mode: s.mode ?? defaults.mode,
    rebuild: s.rebuild ?? defaults.rebuild,
    fullRescanThresholdPercent:
      threshold === undefined || threshold === null ? defaults.fullRescanThresholdPercent : Math.min(100, Math.max(0, threshold)),
  }
  if (s.dir !== undefined && s.dir !== null) out.dir = s.dir
  return out
}

export function resolveCacheRebuildConfig(source) {
  const r = resolveCacheConfig(source)
  return { rebuild: r.rebuild, fullRescanThresholdPercent: r.fullRescanThresholdPercent }
}

// ------------------------------------------------------------------------------------------------
// §2 deltas and classification, §3 the rebuild decision, §4 invalidation.

const posix = (p) => p.replace(/\\/g, '/')
const sameFingerprint = (a, b) => a.hash === b.hash && a.size === b.size && a.mtimeMs === b.mtimeMs

export function diffProjectFiles(previous, current) {
  const delta = { added: [], changed: [], deleted: [], unchanged: [] }
  for (const [key, next] of Object.entries(current)) {
    const prev = Object.prototype.hasOwnProperty.call(previous, key) ? previous[key] : undefined
    if (prev === undefined) delta.added.push(key)
    else if (sameFingerprint(prev, next)) delta.unchanged.push(key)
    else delta.changed.push(key)
  }
  for (const key of Object.keys(previous)) {
    if (!Object.prototype.hasOwnProperty.call(current, key)) delta.deleted.push(key)
  }
  return delta
}

export function layoutMatches(a, b) {
  return (
    a !== undefined &&
    a !== null &&
    a.mode === b.mode &&
    a.structure === b.structure &&
    a.directory === b.directory &&
    a.source === b.source
  )
}

const usable = (status) => status.kind === 'ok'

export function classifyCacheFileDelta(input) {
  const set = (...lists) => new Set(lists.flat().map(posix))
  const srcKeys = set(input.currentSrcFileKeys, input.baselineSrcFileKeys)
  const localeKeys = set(input.currentLocaleSegmentKeys, input.baselineLocaleSegmentKeys)
  const sourceKeys = set([input.sourceLocaleSegmentKey], input.sourceLocaleSegmentKeys ?? [])
  const src = { added: [], changed: [], deleted: [] }
  const sourceLocale = []
  const targetLocale = []
  for (const kind of ['added', 'changed', 'deleted']) {
    for (const raw of input.delta[kind]) {
      const p = posix(raw)
      if (srcKeys.has(p)) src[kind].push(p)
      else if (!localeKeys.has(p)) continue
      else if (sourceKeys.has(p)) sourceLocale.push(p)
      else targetLocale.push(p)
    }
  }
  return {
    src,
    sourceLocale,
    targetLocale,
    layoutChanged: usable(input.filesIndexStatus) && !layoutMatches(input.previousLayout, input.currentLayout),
    filesIndexStatus: input.filesIndexStatus,
  }
}

const affected = (src) => src.added.length + src.changed.length + src.deleted.length

export function decideAnalysisRebuild(input) {
  const { config, classified, hasPrevious, trackedSrcCount } = input
  const d = (strategy, reason) => ({ strategy, reason })
  const indexUsable = usable(classified.filesIndexStatus)
  const srcEmpty = affected(classified.src) === 0
  if (config.rebuild === 'full') return d('full', 'config_rebuild_full')
  if (!hasPrevious) {
    if (indexUsable) return d('full', 'no_previous_cache')
    const kind = classified.filesIndexStatus.kind
    return d('full', kind === 'malformed' ? 'files_index_malformed' : kind === 'empty' ? 'files_index_empty' : 'files_index_missing')
  }
  if (!indexUsable) return d('full', 'files_index_stale')
  if (classified.layoutChanged) return d('full', 'layout_changed')
  if (classified.sourceLocale.length > 0) {
    return classified.targetLocale.length === 0 && srcEmpty
      ? d('partial', 'source_locale_partial')
      : d('full', 'source_locale_changed')
  }
  if (classified.targetLocale.length > 0 && srcEmpty) return d('reuse', 'target_locale_only')
  if (srcEmpty) return d('full', 'locale_or_non_src_changed')
  const srcAffected = affected(classified.src)
  const threshold = config.fullRescanThresholdPercent
  const percent = trackedSrcCount > 0 ? (srcAffected / trackedSrcCount) * 100 : 100
  if (percent >= threshold) {
    return { ...d('full', 'src_threshold'), thresholdPercent: threshold, srcAffected, trackedSrcCount }
  }
  return { ...d('partial', 'src_partial'), srcAffected, trackedSrcCount }
}

export function decideProjectAnalysisCacheInvalidation(input) {
  const d = (action, reason) => ({ action, reason })
  if (!input.enabled) return d('skip', 'cache_disabled')
  if (input.mutatedLocaleSegmentKeys.length === 0) return d('skip', 'no_locale_writes')
  if (input.rebuildConfig.rebuild === 'full') return d('delete', 'config_rebuild_full')
  const sources = new Set([input.sourceLocaleSegmentKey, ...(input.sourceLocaleSegmentKeys ?? [])].map(posix))
  if (!input.mutatedLocaleSegmentKeys.some((k) => sources.has(posix(k)))) {
    return d('skip', 'target_locale_writes_only')
  }
  return d('skip', 'locale_writes_dispatch_handles')
}

export function trackedWalkRules() {
  return {
    srcPattern: '(?i)\\.(tsx?|jsx?|mjs|cjs|vue|svelte)$',
    skippedDirs: ['node_modules', 'dist', 'build', '.git', 'coverage', '.next', 'out'],
    srcMaxDepth: 48,
    localeMaxDepth: 16,
  }
}

// ------------------------------------------------------------------------------------------------
// §9 hashing.

/**
 * The string as the native code sees it once converted: lone surrogates become U+FFFD (only
 * `computeCacheContentHash`'s FNV-1a and the translation keys hash a string's own code units).
 */
const wellFormed = (s) =>
  typeof s.toWellFormed === 'function' ? s.toWellFormed() : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')

/** 64-bit FNV-1a over the string's UTF-16 code units, 16 lowercase hex digits. */
export function fnv1a64(text) {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i))
    h = BigInt.asUintN(64, h * 0x100000001b3n)
  }
  return h.toString(16).padStart(16, '0')
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

/** SHA-256 of the string's UTF-8 bytes (lone surrogates as U+FFFD), 64 lowercase hex digits. */
export function sha256(text) {
  const bytes = new TextEncoder().encode(text)
  const bitLen = bytes.length * 8
  const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6)
  padded.set(bytes)
  padded[bytes.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000))
  view.setUint32(padded.length - 4, bitLen >>> 0)
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
  const w = new Uint32Array(64)
  const rotr = (x, n) => (x >>> n) | (x << (32 - n))
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4)
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3)
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10)
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0
    }
    let [a, b, c, d, e, f, g, hh] = h
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0
      hh = g
      g = f
      f = e
      e = (d + t1) >>> 0
      d = c
      c = b
      b = a
      a = (t1 + t2) >>> 0
    }
    h[0] += a
    h[1] += b
    h[2] += c
    h[3] += d
    h[4] += e
    h[5] += f
    h[6] += g
    h[7] += hh
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('')
}

/** The hasher of a `hashText` argument: a function, an algorithm name, or FNV-1a by default. */
function hasher(hashText, option = 'hashText') {
  if (hashText === undefined || hashText === null || hashText === 'fnv1a64') return fnv1a64
  if (hashText === 'sha256') return sha256
  if (typeof hashText === 'function') {
    return (text) => {
      const out = hashText(wellFormed(text))
      if (typeof out !== 'string') throw invalid(option, `must return a string, returned ${typeof out}`)
      return out
    }
  }
  if (hashText === 'blake3') {
    throw codedError(
      'NATIVE_UNAVAILABLE',
      "cachecore: BLAKE3 is native only; in a browser or worker build pass 'sha256', 'fnv1a64' or a function",
    )
  }
  if (typeof hashText === 'string') {
    throw invalid(option, `unknown algorithm ${JSON.stringify(hashText)} (expected 'sha256', 'blake3' or 'fnv1a64')`)
  }
  throw invalid(option, `expected a function or an algorithm name, got ${typeof hashText}`)
}

export function computeCacheContentHash(text, hashText) {
  return hasher(hashText)(text)
}

/** The keys sorted as JavaScript sorts strings, one `key \t hash \t size \n` line each. */
export function inputFilesEpochText(files) {
  return Object.keys(files)
    .sort()
    .map((k) => `${k}\t${files[k].hash}\t${String(files[k].size)}\n`)
    .join('')
}

export function computeInputFilesEpoch(files, hashText) {
  return hasher(hashText)(wellFormed(inputFilesEpochText(files)))
}

const normalizePathKeyForCache = (root) => posix(wellFormed(root)).normalize('NFC').toLowerCase()

export function computeCacheProjectId(root, options) {
  return Array.from(hasher(options?.hashText)(normalizePathKeyForCache(root))).slice(0, 16).join('')
}

export function normalizeProjectRootKey(root) {
  return `${posix(wellFormed(root)).normalize('NFC').replace(/\/+$/, '')}/`
}

// ------------------------------------------------------------------------------------------------
// §6 translation cache keys and file names.

/** `{{…}}` placeholders (no `}` inside, not empty) become `__I18NPRUNE_<n>__`. */
export function maskPlaceholders(text) {
  let n = 0
  return text.replace(/\{\{[^}]+\}\}/g, () => `__I18NPRUNE_${n++}__`)
}

export function buildTranslateCacheKey(input) {
  const parts = [input.translateConfigEpoch, input.providerId, input.sourceLang, input.targetLang, maskPlaceholders(input.sourceText)]
  return fnv1a64(parts.join('\0'))
}

export function buildTranslateCacheKeyForLocaleFile(input) {
  const parts = [input.translateConfigEpoch, input.providerId, input.sourceLang, maskPlaceholders(input.sourceText)]
  return fnv1a64(parts.join('\0'))
}

export function computeTranslateConfigEpoch(translate) {
  if (translate === undefined || translate === null) return 'none'
  if (typeof translate !== 'object') throw invalid('translate', 'expected an object')
  if (!Array.isArray(translate.providers)) throw invalid('translate.providers', 'expected an array')
  const providers = Array.from(translate.providers, (row) => {
    const copy = Object.assign({}, row)
    delete copy.apiKey
    return copy
  })
  const payload = { primary: translate.primary, workers: translate.workers, policy: translate.policy, providers }
  return fnv1a64(JSON.stringify(payload))
}

const DEVICE = /^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])$/i

export function validateTranslationLocaleCode(code) {
  const fail = (message) => {
    const e = codedError('INVALID_KEY', `invalid key ${JSON.stringify(Array.from(code).slice(0, 80).join(''))}: ${message}`)
    throw e
  }
  if (code.length === 0) fail('locale code is empty')
  if (new TextEncoder().encode(code).length > 64) fail('locale code is longer than 64 characters')
  if (!/^[A-Za-z0-9_-]+$/.test(code)) fail("locale code may only hold ASCII letters, digits, '_' and '-'")
  if (DEVICE.test(code)) fail('locale code is a reserved device name')
}

// ------------------------------------------------------------------------------------------------
// §7 messages.

const INVALIDATION = {
  files_changed: 'source files changed',
  files_index_recovered: 'files index rebuilt; analysis reused (project files unchanged)',
  run_binding_stale: 'stale (source files changed since last cache write)',
  run_invalid: 'cached data failed validation',
  run_missing: 'no cached data',
  cache_unavailable: 'cache unavailable',
  no_cache: 'cache disabled',
}

const FULL_DETAIL = {
  layout_changed: 'layout changed',
  source_locale_changed: 'source locale changed (with other deltas)',
  locale_or_non_src_changed: 'locale or non-src delta',
  no_previous_cache: 'no previous analysis cache',
  files_index_missing: 'files.json missing',
  files_index_malformed: 'files.json invalid or oversized',
  files_index_empty: 'files.json empty',
  files_index_stale: 'files index unusable and project files changed since last analysis',
}

const FILES_INDEX_NOTE = {
  missing: 'files.json missing — rebuilding fingerprints from disk',
  malformed: 'files.json invalid or oversized — rebuilding fingerprints from disk',
  empty: 'files.json empty — rebuilding fingerprints from disk',
}

function describeAnalysisRebuild(r) {
  if (r.strategy === 'reuse') {
    return r.reason === 'target_locale_only' ? 'skipped (target locale only (reusing analysis.json))' : 'skipped (reusing analysis.json)'
  }
  if (r.strategy === 'partial') {
    if (r.reason === 'source_locale_partial') return 'partial (source locale only, missingKeys updated)'
    const s = r.srcDelta
    return `partial (${s?.changed.length ?? 0} changed, ${s?.added.length ?? 0} added, ${s?.deleted.length ?? 0} deleted)`
  }
  if (r.reason === 'src_threshold') {
    const pct = r.trackedSrcCount > 0 ? Math.round(((r.srcAffected ?? 0) / r.trackedSrcCount) * 100) : 100
    return `full (threshold ${String(pct)}% (limit ${String(r.thresholdPercent ?? 40)}%))`
  }
  return `full (${FULL_DETAIL[r.reason] ?? 'config rebuild=full'})`
}

const SAMPLES = 12

export function cacheDispatchMessageLines(label, cache) {
  const info = (message) => ({ level: 'info', message })
  const detail = (message) => ({ level: 'detail', message })
  const lines = [info(`${label} cache ${cache.status} (${cache.reason})`)]
  if (INVALIDATION[cache.reason]) lines.push(detail(`  invalidated: ${INVALIDATION[cache.reason]}`))
  if (cache.paths) {
    lines.push(detail(`  meta: ${cache.paths.meta}`))
    lines.push(detail(`  project: ${cache.paths.projectDir}`))
    lines.push(detail(`  files: ${cache.paths.files}`))
    lines.push(detail(`  analysis: ${cache.paths.analysis}`))
  }
  if (cache.delta) {
    const d = cache.delta
    lines.push(detail(`  file delta: +${d.added.length} ~${d.changed.length} -${d.deleted.length} =${d.unchanged.length}`))
    for (const kind of ['added', 'changed', 'deleted']) {
      for (const f of d[kind].slice(0, SAMPLES)) lines.push(detail(`    ${kind}: ${f}`))
      if (d[kind].length > SAMPLES) lines.push(detail(`    ${kind}: ... ${d[kind].length - SAMPLES} more`))
    }
  }
  if (cache.analysisRebuild) lines.push(detail(`  analysis rebuild: ${describeAnalysisRebuild(cache.analysisRebuild)}`))
  const note = cache.filesIndexStatus && FILES_INDEX_NOTE[cache.filesIndexStatus.kind]
  if (note) lines.push(detail(`  files index: ${note}`))
  for (const w of cache.warnings ?? []) {
    lines.push(info(w.path ? `warning: ${w.message} (${w.path})` : `warning: ${w.message}`))
  }
  return lines
}

export function cacheMemoryHitMessageLines(label) {
  return [{ level: 'info', message: `${label} cache memory hit (same_run)` }]
}

export function analysisCacheInvalidationMessageLines(decision) {
  let text
  if (decision.action === 'delete') text = decision.reason === 'config_rebuild_full' ? 'deleted (config rebuild=full)' : 'deleted'
  else if (decision.reason === 'target_locale_writes_only') text = 'skipped (target locale writes only)'
  else if (decision.reason === 'locale_writes_dispatch_handles') text = 'skipped (dispatch rebuild on next run)'
  else return []
  return [{ level: 'detail', message: `  analysis invalidation: ${text}` }]
}

function emitLines(input, lines) {
  if (typeof input?.emit !== 'function') throw invalid('emit', 'expected a function')
  const at = new Date().toISOString()
  for (const line of lines) {
    try {
      const runId = input.runId === undefined || input.runId === null ? {} : { runId: input.runId }
      input.emit({ type: 'run.message', op: input.op, ...runId, at, channel: 'cache', level: line.level, message: line.message })
    } catch {
      // The host's handler never breaks the run.
    }
  }
}

export const emitCacheDispatchMessages = (input) => emitLines(input, cacheDispatchMessageLines(input.label, input.cache))
export const emitCacheMemoryHitMessage = (input) => emitLines(input, cacheMemoryHitMessageLines(input.label))
export const emitAnalysisCacheInvalidationMessage = (input) =>
  emitLines(input, analysisCacheInvalidationMessageLines(input.decision))
