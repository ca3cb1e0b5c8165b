// The host contract (§1-§4, §7, §9) through the compiled addon, as a TypeScript host calls it.
// Expected values are written out from the contract or computed by plain JS references below.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { cachecore as c, fnv1a64 } from './helpers.mjs'

// ---------------------------------------------------------------------------------------------
// Plain JS references (what the TypeScript core does).

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex')
const refEpochText = (files) =>
  Object.keys(files)
    .sort()
    .map((k) => `${k}\t${files[k].hash}\t${files[k].size}\n`)
    .join('')
const refEpoch = (files, hash = fnv1a64) => hash(refEpochText(files))
const refProjectId = (root, hash = fnv1a64) =>
  hash(root.replace(/\\/g, '/').normalize('NFC').toLowerCase()).slice(0, 16)
const refRootKey = (root) => root.replace(/\\/g, '/').normalize('NFC').replace(/\/+$/, '') + '/'
function refDiff(previous, current) {
  const d = { added: [], changed: [], deleted: [], unchanged: [] }
  for (const k of Object.keys(current)) {
    const p = previous[k]
    const n = current[k]
    if (!p) d.added.push(k)
    else if (p.hash !== n.hash || p.size !== n.size || p.mtimeMs !== n.mtimeMs) d.changed.push(k)
    else d.unchanged.push(k)
  }
  for (const k of Object.keys(previous)) if (!(k in current)) d.deleted.push(k)
  return d
}

const rec = (hash, size = 1, mtimeMs = 0, updatedAt = '2024-01-01T00:00:00.000Z') => ({
  hash,
  size,
  mtimeMs,
  updatedAt,
})
const invalid = (e) => e instanceof Error && e.code === 'INVALID_OPTION'

// ---------------------------------------------------------------------------------------------
// §1 configuration

const BALANCED = { enabled: true, profile: 'balanced', mode: 'readWrite', rebuild: 'partial', fullRescanThresholdPercent: 40 }

test('constants: profiles, default profile, schema version, size caps', () => {
  assert.deepEqual(c.CACHE_PROFILE_DEFAULTS, {
    safe: { rebuild: 'full', fullRescanThresholdPercent: 10, mode: 'readWrite' },
    balanced: { rebuild: 'partial', fullRescanThresholdPercent: 40, mode: 'readWrite' },
    fast: { rebuild: 'partial', fullRescanThresholdPercent: 70, mode: 'readWrite' },
  })
  assert.deepEqual(Object.keys(c.CACHE_PROFILE_DEFAULTS), ['safe', 'balanced', 'fast'])
  assert.equal(c.DEFAULT_CACHE_PROFILE_ID, 'balanced')
  assert.equal(c.CACHE_SCHEMA_VERSION, 1)
  assert.equal(c.MAX_META_BYTES, 2 * 1024 * 1024)
  assert.equal(c.MAX_FILES_BYTES, 32 * 1024 * 1024)
  assert.equal(c.MAX_ANALYSIS_BYTES, 16 * 1024 * 1024)
  assert.equal(c.MAX_TRANSLATIONS_BYTES, 32 * 1024 * 1024)
})

test('resolveCacheConfig: defaults, enabled default true, dir only when given', () => {
  for (const source of [undefined, null, {}]) {
    const r = c.resolveCacheConfig(source)
    assert.deepEqual(r, BALANCED)
    assert.equal('dir' in r, false)
  }
  assert.deepEqual(c.resolveCacheConfig(), BALANCED)
  assert.deepEqual(c.resolveCacheConfig({ enabled: false, dir: '.cache/i18n' }), {
    ...BALANCED,
    enabled: false,
    dir: '.cache/i18n',
  })
  assert.equal(c.resolveCacheConfig({ enabled: true }).enabled, true)
  assert.equal(c.resolveCacheConfig({ dir: '' }).dir, '')
})

test('resolveCacheConfig: each profile applies its defaults; profile thresholds as is', () => {
  for (const [profile, d] of Object.entries(c.CACHE_PROFILE_DEFAULTS)) {
    assert.deepEqual(c.resolveCacheConfig({ profile }), { enabled: true, profile, ...d })
  }
  assert.equal(c.resolveCacheConfig({ profile: 'safe' }).fullRescanThresholdPercent, 10)
  assert.equal(c.resolveCacheConfig({ profile: 'fast' }).fullRescanThresholdPercent, 70)
})

test('resolveCacheConfig: explicit rebuild, mode and threshold beat the profile field by field', () => {
  assert.deepEqual(c.resolveCacheConfig({ profile: 'safe', rebuild: 'partial' }), {
    enabled: true, profile: 'safe', mode: 'readWrite', rebuild: 'partial', fullRescanThresholdPercent: 10,
  })
  assert.deepEqual(c.resolveCacheConfig({ profile: 'safe', fullRescanThresholdPercent: 25 }), {
    enabled: true, profile: 'safe', mode: 'readWrite', rebuild: 'full', fullRescanThresholdPercent: 25,
  })
  assert.deepEqual(c.resolveCacheConfig({ profile: 'fast', mode: 'readOnly' }), {
    enabled: true, profile: 'fast', mode: 'readOnly', rebuild: 'partial', fullRescanThresholdPercent: 70,
  })
  assert.deepEqual(c.resolveCacheConfig({ rebuild: 'full' }), { ...BALANCED, rebuild: 'full' })
})

test('resolveCacheConfig: an explicit threshold is clamped to [0, 100]', () => {
  for (const [given, expected] of [[-5, 0], [0, 0], [12.5, 12.5], [100, 100], [100.5, 100], [250, 100]]) {
    assert.equal(c.resolveCacheConfig({ fullRescanThresholdPercent: given }).fullRescanThresholdPercent, expected, String(given))
    assert.equal(c.resolveCacheRebuildConfig({ profile: 'safe', fullRescanThresholdPercent: given }).fullRescanThresholdPercent, expected)
  }
})

test('resolveCacheConfig: an unknown profile gets balanced defaults and is echoed', () => {
  assert.deepEqual(c.resolveCacheConfig({ profile: 'turbo' }), { ...BALANCED, profile: 'turbo' })
  assert.deepEqual(c.resolveCacheConfig({ profile: 'Safe', rebuild: 'full' }), { ...BALANCED, profile: 'Safe', rebuild: 'full' })
})

test('resolveCacheRebuildConfig: the rebuild slice, by the same rules', () => {
  assert.deepEqual(c.resolveCacheRebuildConfig(), { rebuild: 'partial', fullRescanThresholdPercent: 40 })
  assert.deepEqual(c.resolveCacheRebuildConfig({ profile: 'safe' }), { rebuild: 'full', fullRescanThresholdPercent: 10 })
  assert.deepEqual(c.resolveCacheRebuildConfig({ profile: 'nope', rebuild: 'full', fullRescanThresholdPercent: 101 }), {
    rebuild: 'full',
    fullRescanThresholdPercent: 100,
  })
})

test('resolveCacheConfig: values of the wrong type are INVALID_OPTION', () => {
  for (const bad of [5, 'balanced', true, { rebuild: 'bogus' }, { mode: 'rw' }, { enabled: 'yes' }, { fullRescanThresholdPercent: '40' }, { profile: 3 }]) {
    assert.throws(() => c.resolveCacheConfig(bad), invalid, JSON.stringify(bad))
    assert.throws(() => c.resolveCacheRebuildConfig(bad), invalid, JSON.stringify(bad))
  }
})

// ---------------------------------------------------------------------------------------------
// §2 deltas and classification

test('diffProjectFiles: kinds by hash, size and mtimeMs; order as Object.keys', () => {
  const previous = { 'gone2.ts': rec('x'), 'hash.ts': rec('old'), 'u.ts': rec('u'), 'size.ts': rec('s'), 'mtime.ts': rec('m'), 'gone1.ts': rec('y'), 7: rec('n7') }
  const current = { 'new2.ts': rec('n'), 'mtime.ts': rec('m', 1, 5), 'u.ts': rec('u', 1, 0, 'later'), 'hash.ts': rec('new'), 'new1.ts': rec('n'), 'size.ts': rec('s', 2), 10: rec('n10'), 2: rec('n2') }
  const d = c.diffProjectFiles(previous, current)
  assert.deepEqual(d, {
    added: ['2', '10', 'new2.ts', 'new1.ts'], // integer-like keys first, as JS orders them
    changed: ['mtime.ts', 'hash.ts', 'size.ts'],
    deleted: ['7', 'gone2.ts', 'gone1.ts'],
    unchanged: ['u.ts'],
  })
  assert.deepEqual(d, refDiff(previous, current))
  assert.deepEqual(c.diffProjectFiles({}, {}), { added: [], changed: [], deleted: [], unchanged: [] })
})

test('diffProjectFiles agrees with the JS reference on random maps', () => {
  let seed = 7
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n)
  for (let round = 0; round < 50; round++) {
    const make = () => {
      const m = {}
      for (let i = 0, n = rnd(12); i < n; i++) m[rnd(3) ? `k${rnd(15)}` : String(rnd(15))] = rec(`h${rnd(3)}`, rnd(3), rnd(2))
      return m
    }
    const a = make()
    const b = make()
    assert.deepEqual(c.diffProjectFiles(a, b), refDiff(a, b))
  }
})

test('diffProjectFiles: bad maps are INVALID_OPTION', () => {
  for (const [p, n] of [[5, {}], [null, {}], [{}, 'x'], [{ a: { hash: 1, size: 1, mtimeMs: 0, updatedAt: '' } }, {}], [{ a: rec('x', -1) }, {}], [{ a: rec('x', 1.5) }, {}], [{ a: 'x' }, {}]]) {
    assert.throws(() => c.diffProjectFiles(p, n), invalid)
  }
})

const LAYOUT = { mode: 'flat_file', structure: 'locale_file', directory: 'locales', source: 'en' }

function classifyInput(delta, over = {}) {
  return {
    delta: { added: [], changed: [], deleted: [], unchanged: [], ...delta },
    currentSrcFileKeys: ['src/a.ts', 'src/new.ts'],
    baselineSrcFileKeys: ['src/a.ts', 'src/gone.ts'],
    currentLocaleSegmentKeys: ['en.json', 'fr.json', 'de.json'],
    baselineLocaleSegmentKeys: ['en.json', 'fr.json', 'it.json'],
    sourceLocaleSegmentKey: 'en.json',
    previousLayout: LAYOUT,
    currentLayout: LAYOUT,
    filesIndexStatus: { kind: 'ok' },
    ...over,
  }
}

test('classifyCacheFileDelta: src by the union of keys, then source/target locale, else dropped', () => {
  const r = c.classifyCacheFileDelta(
    classifyInput({
      added: ['src/new.ts', 'de.json', 'README.md'],
      changed: ['src/a.ts', 'en.json', 'fr.json'],
      deleted: ['src/gone.ts', 'it.json', 'package.json'],
      unchanged: ['src/b.ts'],
    }),
  )
  assert.deepEqual(r, {
    src: { added: ['src/new.ts'], changed: ['src/a.ts'], deleted: ['src/gone.ts'] },
    sourceLocale: ['en.json'],
    targetLocale: ['de.json', 'fr.json', 'it.json'],
    layoutChanged: false,
    filesIndexStatus: { kind: 'ok' },
  })
})

test('classifyCacheFileDelta: paths and keys are made POSIX', () => {
  const r = c.classifyCacheFileDelta(
    classifyInput(
      { changed: ['src\\a.ts', 'en\\common.json', 'fr/common.json'] },
      {
        currentSrcFileKeys: ['src\\a.ts'],
        currentLocaleSegmentKeys: ['en\\common.json', 'fr\\common.json'],
        sourceLocaleSegmentKey: 'en\\common.json',
      },
    ),
  )
  assert.deepEqual(r.src.changed, ['src/a.ts'])
  assert.deepEqual(r.sourceLocale, ['en/common.json'])
  assert.deepEqual(r.targetLocale, ['fr/common.json'])
})

test('classifyCacheFileDelta: every source segment of sourceLocaleSegmentKeys is sourceLocale', () => {
  const layout = { mode: 'locale_directory', structure: 'locale_per_dir', directory: 'locales', source: 'en' }
  const over = {
    currentLocaleSegmentKeys: ['en/common.json', 'en/auth.json', 'fr/common.json'],
    baselineLocaleSegmentKeys: ['en/common.json', 'fr/common.json'],
    sourceLocaleSegmentKey: 'en/common.json',
    previousLayout: layout,
    currentLayout: layout,
  }
  const delta = { added: ['en/auth.json'], changed: ['fr/common.json'] }
  const multi = c.classifyCacheFileDelta(classifyInput(delta, { ...over, sourceLocaleSegmentKeys: ['en/common.json', 'en/auth.json'] }))
  assert.deepEqual(multi.sourceLocale, ['en/auth.json'])
  assert.deepEqual(multi.targetLocale, ['fr/common.json'])
  // Without the list, the TypeScript behaviour: a non-primary source segment counts as target.
  const single = c.classifyCacheFileDelta(classifyInput(delta, over))
  assert.deepEqual(single.sourceLocale, [])
  assert.deepEqual(single.targetLocale, ['en/auth.json', 'fr/common.json'])
  // ...which matters: the decision differs (reuse vs partial source rebuild).
  const decide = (classified) =>
    c.decideAnalysisRebuild({ config: { rebuild: 'partial', fullRescanThresholdPercent: 40 }, classified, hasPrevious: true, trackedSrcCount: 3 })
  const onlyAuth = { added: ['en/auth.json'] }
  assert.equal(decide(c.classifyCacheFileDelta(classifyInput(onlyAuth, { ...over, sourceLocaleSegmentKeys: ['en/auth.json'] }))).reason, 'source_locale_partial')
  assert.equal(decide(c.classifyCacheFileDelta(classifyInput(onlyAuth, over))).reason, 'target_locale_only')
})

test('classifyCacheFileDelta: layoutChanged only with a usable index; layoutMatches', () => {
  assert.equal(c.classifyCacheFileDelta(classifyInput({}, { previousLayout: undefined })).layoutChanged, true)
  // `previousLayout?: CachedLocalesLayout` (no null in the declared type): null is rejected.
  assert.throws(() => c.classifyCacheFileDelta(classifyInput({}, { previousLayout: null })), invalid)
  assert.equal(c.classifyCacheFileDelta(classifyInput({}, { previousLayout: { ...LAYOUT, source: 'fr' } })).layoutChanged, true)
  assert.equal(c.classifyCacheFileDelta(classifyInput({})).layoutChanged, false)
  for (const kind of ['missing', 'malformed', 'empty']) {
    const r = c.classifyCacheFileDelta(classifyInput({}, { previousLayout: undefined, filesIndexStatus: { kind } }))
    assert.equal(r.layoutChanged, false, kind)
    assert.deepEqual(r.filesIndexStatus, { kind })
  }
  assert.equal(c.layoutMatches(LAYOUT, { ...LAYOUT }), true)
  assert.equal(c.layoutMatches(undefined, LAYOUT), false)
  assert.equal(c.layoutMatches(null, LAYOUT), false)
  for (const change of [{ mode: 'locale_directory' }, { structure: 'feature_bundle' }, { directory: 'i18n' }, { source: 'fr' }]) {
    assert.equal(c.layoutMatches({ ...LAYOUT, ...change }, LAYOUT), false, JSON.stringify(change))
  }
  assert.throws(() => c.layoutMatches(LAYOUT, { ...LAYOUT, mode: 'flat' }), invalid)
  assert.throws(() => c.classifyCacheFileDelta(classifyInput({}, { filesIndexStatus: { kind: 'gone' } })), invalid)
  assert.throws(() => c.classifyCacheFileDelta(5), invalid)
})

// ---------------------------------------------------------------------------------------------
// §3 the rebuild decision

const PARTIAL = { rebuild: 'partial', fullRescanThresholdPercent: 40 }
const paths = (n, prefix) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
function classified({ added = 0, changed = 0, deleted = 0, source = 0, target = 0, layoutChanged = false, kind = 'ok' } = {}) {
  return {
    src: { added: paths(added, 'src/new'), changed: paths(changed, 'src/c'), deleted: paths(deleted, 'src/old') },
    sourceLocale: paths(source, 'en/'),
    targetLocale: paths(target, 'fr/'),
    layoutChanged,
    filesIndexStatus: { kind },
  }
}
const decide = (cl, { config = PARTIAL, hasPrevious = true, tracked = 10 } = {}) =>
  c.decideAnalysisRebuild({ config, classified: cl, hasPrevious, trackedSrcCount: tracked })

test('§3 rules in order, first match wins; every decide reason reached', () => {
  const reached = new Set()
  const check = (cl, opts, expected, why) => {
    const d = decide(cl, opts)
    assert.deepEqual(d, expected, why)
    reached.add(d.reason)
  }
  const everything = classified({ changed: 9, source: 1, target: 1, layoutChanged: true, kind: 'malformed' })
  // 1. rebuild full beats everything, with no extra fields.
  check(everything, { config: { rebuild: 'full', fullRescanThresholdPercent: 40 }, hasPrevious: false }, { strategy: 'full', reason: 'config_rebuild_full' }, 'rule 1')
  check(classified(), { config: { rebuild: 'full', fullRescanThresholdPercent: 100 } }, { strategy: 'full', reason: 'config_rebuild_full' }, 'rule 1 with nothing changed')
  // 2. no previous analysis: by index kind, else no_previous_cache (beats layout/source/target/src rules).
  check(classified({ changed: 9, source: 1, target: 1, layoutChanged: true }), { hasPrevious: false }, { strategy: 'full', reason: 'no_previous_cache' }, 'rule 2 ok index')
  for (const [kind, reason] of [['missing', 'files_index_missing'], ['malformed', 'files_index_malformed'], ['empty', 'files_index_empty']]) {
    check(classified({ target: 1, kind }), { hasPrevious: false }, { strategy: 'full', reason }, `rule 2 ${kind}`)
  }
  // 3. unusable index with a previous analysis (beats layout and locale rules).
  for (const kind of ['missing', 'malformed', 'empty']) {
    check(classified({ source: 1, layoutChanged: true, kind }), {}, { strategy: 'full', reason: 'files_index_stale' }, `rule 3 ${kind}`)
    check(classified({ target: 1, kind }), {}, { strategy: 'full', reason: 'files_index_stale' }, `rule 3 ${kind} target only`)
  }
  // 4. layout changed (beats a source-only change that rule 5 would make partial).
  check(classified({ source: 1, layoutChanged: true }), {}, { strategy: 'full', reason: 'layout_changed' }, 'rule 4')
  // 5. source locale: partial when alone, else full (beats rule 6 target-only reuse).
  check(classified({ source: 2 }), {}, { strategy: 'partial', reason: 'source_locale_partial' }, 'rule 5 alone')
  check(classified({ source: 1, target: 1 }), {}, { strategy: 'full', reason: 'source_locale_changed' }, 'rule 5 with target')
  check(classified({ source: 1, added: 1 }), {}, { strategy: 'full', reason: 'source_locale_changed' }, 'rule 5 with src added')
  check(classified({ source: 1, deleted: 1 }), { tracked: 1000 }, { strategy: 'full', reason: 'source_locale_changed' }, 'rule 5 with src deleted')
  // 6. target-only change with an empty src delta: reuse.
  check(classified({ target: 3 }), {}, { strategy: 'reuse', reason: 'target_locale_only' }, 'rule 6')
  // 7. nothing classified: full.
  check(classified(), {}, { strategy: 'full', reason: 'locale_or_non_src_changed' }, 'rule 7')
  // 8. threshold reached (>=), counting added + changed + deleted.
  check(classified({ changed: 4 }), {}, { strategy: 'full', reason: 'src_threshold', thresholdPercent: 40, srcAffected: 4, trackedSrcCount: 10 }, 'rule 8 equal')
  check(classified({ added: 1, changed: 1, deleted: 1, target: 2 }), { config: { rebuild: 'partial', fullRescanThresholdPercent: 30 } },
    { strategy: 'full', reason: 'src_threshold', thresholdPercent: 30, srcAffected: 3, trackedSrcCount: 10 }, 'rule 8 sum, target ignored')
  check(classified({ changed: 1 }), { config: { rebuild: 'partial', fullRescanThresholdPercent: 100 }, tracked: 0 },
    { strategy: 'full', reason: 'src_threshold', thresholdPercent: 100, srcAffected: 1, trackedSrcCount: 0 }, 'rule 8 no tracked files = 100%')
  check(classified({ changed: 1 }), { config: { rebuild: 'partial', fullRescanThresholdPercent: 0 }, tracked: 1000 },
    { strategy: 'full', reason: 'src_threshold', thresholdPercent: 0, srcAffected: 1, trackedSrcCount: 1000 }, 'rule 8 threshold 0')
  // 9. below the threshold: partial.
  check(classified({ changed: 3 }), {}, { strategy: 'partial', reason: 'src_partial', srcAffected: 3, trackedSrcCount: 10 }, 'rule 9')
  check(classified({ changed: 1, target: 4 }), {}, { strategy: 'partial', reason: 'src_partial', srcAffected: 1, trackedSrcCount: 10 }, 'rule 9 with target changes')
  check(classified({ changed: 39 }), { tracked: 100 }, { strategy: 'partial', reason: 'src_partial', srcAffected: 39, trackedSrcCount: 100 }, 'rule 9 just below')

  assert.deepEqual([...reached].sort(), [
    'config_rebuild_full', 'files_index_empty', 'files_index_malformed', 'files_index_missing', 'files_index_stale',
    'layout_changed', 'locale_or_non_src_changed', 'no_previous_cache', 'source_locale_changed', 'source_locale_partial',
    'src_partial', 'src_threshold', 'target_locale_only',
  ])
})

test('AnalysisRebuildReason has the 14 values; files_index_recovered is printed for dispatch', () => {
  const dts = fs.readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const m = dts.match(/export type AnalysisRebuildReason = ([^\n]+)/)
  assert.ok(m, 'AnalysisRebuildReason is declared')
  const values = m[1].split('|').map((s) => s.trim().replace(/^'|'$/g, ''))
  assert.deepEqual(values.sort(), [
    'config_rebuild_full', 'files_index_empty', 'files_index_malformed', 'files_index_missing', 'files_index_recovered',
    'files_index_stale', 'layout_changed', 'locale_or_non_src_changed', 'no_previous_cache', 'source_locale_changed',
    'source_locale_partial', 'src_partial', 'src_threshold', 'target_locale_only',
  ])
  const lines = c.cacheDispatchMessageLines('project analysis', {
    status: 'hit',
    reason: 'files_index_recovered',
    analysisRebuild: { strategy: 'reuse', reason: 'files_index_recovered' },
  })
  assert.deepEqual(lines.map((l) => l.message), [
    'project analysis cache hit (files_index_recovered)',
    '  invalidated: files index rebuilt; analysis reused (project files unchanged)',
    '  analysis rebuild: skipped (reusing analysis.json)',
  ])
})

test('decideAnalysisRebuild: bad input is INVALID_OPTION', () => {
  for (const tracked of [-1, 1.5, NaN, Infinity, '10']) {
    assert.throws(() => decide(classified({ changed: 1 }), { tracked }), invalid, String(tracked))
  }
  assert.throws(() => c.decideAnalysisRebuild({ config: PARTIAL, hasPrevious: true, trackedSrcCount: 1 }), invalid)
  assert.throws(() => c.decideAnalysisRebuild({ config: { rebuild: 'always', fullRescanThresholdPercent: 1 }, classified: classified(), hasPrevious: true, trackedSrcCount: 1 }), invalid)
  assert.throws(() => c.decideAnalysisRebuild(), invalid)
})

// ---------------------------------------------------------------------------------------------
// §4 invalidation after locale writes

test('§4 decideProjectAnalysisCacheInvalidation: outcomes in order', () => {
  const full = { rebuild: 'full', fullRescanThresholdPercent: 40 }
  const inv = (over) =>
    c.decideProjectAnalysisCacheInvalidation({ enabled: true, rebuildConfig: PARTIAL, sourceLocaleSegmentKey: 'en.json', mutatedLocaleSegmentKeys: ['en.json'], ...over })
  assert.deepEqual(inv({ enabled: false, rebuildConfig: full }), { action: 'skip', reason: 'cache_disabled' })
  assert.deepEqual(inv({ mutatedLocaleSegmentKeys: [], rebuildConfig: full }), { action: 'skip', reason: 'no_locale_writes' })
  assert.deepEqual(inv({ rebuildConfig: full, mutatedLocaleSegmentKeys: ['fr.json'] }), { action: 'delete', reason: 'config_rebuild_full' })
  assert.deepEqual(inv({ mutatedLocaleSegmentKeys: ['fr.json', 'de.json'] }), { action: 'skip', reason: 'target_locale_writes_only' })
  assert.deepEqual(inv({ mutatedLocaleSegmentKeys: ['fr.json', 'en.json'] }), { action: 'skip', reason: 'locale_writes_dispatch_handles' })
  assert.deepEqual(inv({ sourceLocaleSegmentKey: 'en\\common.json', mutatedLocaleSegmentKeys: ['en/common.json'] }), { action: 'skip', reason: 'locale_writes_dispatch_handles' })
  assert.deepEqual(inv({ sourceLocaleSegmentKey: 'en/common.json', sourceLocaleSegmentKeys: ['en/auth.json'], mutatedLocaleSegmentKeys: ['en/auth.json'] }), { action: 'skip', reason: 'locale_writes_dispatch_handles' })
  assert.deepEqual(inv({ sourceLocaleSegmentKey: 'en/common.json', mutatedLocaleSegmentKeys: ['en/auth.json'] }), { action: 'skip', reason: 'target_locale_writes_only' })
  assert.throws(() => inv({ enabled: 'yes' }), invalid)
  assert.throws(() => c.decideProjectAnalysisCacheInvalidation(null), invalid)
})

// ---------------------------------------------------------------------------------------------
// §7 messages

const msgs = (label, cache) => c.cacheDispatchMessageLines(label, cache).map((l) => [l.level, l.message])
const rebuildLine = (analysisRebuild) =>
  c.cacheDispatchMessageLines('x', { status: 'miss', reason: 'producer_succeeded', analysisRebuild }).map((l) => l.message)[1]

test('§7 a full miss prints every section in order, with levels', () => {
  const cache = {
    status: 'miss',
    reason: 'files_changed',
    warnings: [
      { code: 'analysis_oversize', message: 'analysis.json is too large', path: '/h/cache/projects/abc/analysis.json' },
      { code: 'x', message: 'no path' },
      { code: 'y', message: 'empty path', path: '' },
    ],
    delta: { added: ['src/new.ts'], changed: ['src/a.ts', 'src/b.ts'], deleted: [], unchanged: paths(7, 'u') },
    paths: { meta: '/h/cache/meta.json', projectDir: '/h/cache/projects/abc', files: '/h/cache/projects/abc/files.json', analysis: '/h/cache/projects/abc/analysis.json' },
    analysisRebuild: { strategy: 'partial', reason: 'src_partial', srcAffected: 3, trackedSrcCount: 10, srcDelta: { added: ['src/new.ts'], changed: ['src/a.ts', 'src/b.ts'], deleted: [] } },
    filesIndexStatus: { kind: 'missing' },
  }
  assert.deepEqual(msgs('project analysis', cache), [
    ['info', 'project analysis cache miss (files_changed)'],
    ['detail', '  invalidated: source files changed'],
    ['detail', '  meta: /h/cache/meta.json'],
    ['detail', '  project: /h/cache/projects/abc'],
    ['detail', '  files: /h/cache/projects/abc/files.json'],
    ['detail', '  analysis: /h/cache/projects/abc/analysis.json'],
    ['detail', '  file delta: +1 ~2 -0 =7'],
    ['detail', '    added: src/new.ts'],
    ['detail', '    changed: src/a.ts'],
    ['detail', '    changed: src/b.ts'],
    ['detail', '  analysis rebuild: partial (2 changed, 1 added, 0 deleted)'],
    ['detail', '  files index: files.json missing — rebuilding fingerprints from disk'],
    ['info', 'warning: analysis.json is too large (/h/cache/projects/abc/analysis.json)'],
    ['info', 'warning: no path'],
    ['info', 'warning: empty path'],
  ])
})

test('§7 status line and the invalidated line per reason (none for hits)', () => {
  const expected = {
    cache_hit: null,
    producer_succeeded: null,
    no_cache: 'cache disabled',
    cache_unavailable: 'cache unavailable',
    run_missing: 'no cached data',
    files_changed: 'source files changed',
    files_index_recovered: 'files index rebuilt; analysis reused (project files unchanged)',
    run_binding_stale: 'stale (source files changed since last cache write)',
    run_invalid: 'cached data failed validation',
  }
  for (const status of ['hit', 'miss', 'bypass', 'disabled']) {
    for (const [reason, text] of Object.entries(expected)) {
      const lines = msgs('project analysis', { status, reason })
      assert.deepEqual(lines, [['info', `project analysis cache ${status} (${reason})`], ...(text ? [['detail', `  invalidated: ${text}`]] : [])])
    }
  }
  assert.deepEqual(msgs('x', { status: 'disabled', reason: 'no_cache', paths: { meta: 'm', projectDir: 'p', files: 'f', analysis: 'a' } }), [
    ['info', 'x cache disabled (no_cache)'],
    ['detail', '  invalidated: cache disabled'],
    ['detail', '  meta: m'],
    ['detail', '  project: p'],
    ['detail', '  files: f'],
    ['detail', '  analysis: a'],
  ])
})

test('§7 file delta: up to 12 names per kind, then "... N more"', () => {
  const names = (p, n) => Array.from({ length: n }, (_, i) => `${p}${i + 1}.ts`)
  const lines = msgs('x', { status: 'miss', reason: 'files_changed', delta: { added: names('a', 12), changed: names('c', 13), deleted: names('d', 40), unchanged: [] } }).map((l) => l[1])
  assert.deepEqual(lines.slice(2), [
    '  file delta: +12 ~13 -40 =0',
    ...names('a', 12).map((f) => `    added: ${f}`), // exactly 12: no "more" line
    ...names('c', 12).map((f) => `    changed: ${f}`),
    '    changed: ... 1 more',
    ...names('d', 12).map((f) => `    deleted: ${f}`),
    '    deleted: ... 28 more',
  ])
  const empty = msgs('x', { status: 'miss', reason: 'files_changed', delta: { added: [], changed: [], deleted: [], unchanged: ['u'] } })
  assert.deepEqual(empty.slice(2), [['detail', '  file delta: +0 ~0 -0 =1']])
})

test('§7 analysis rebuild lines for every strategy and reason', () => {
  assert.equal(rebuildLine({ strategy: 'reuse', reason: 'target_locale_only' }), '  analysis rebuild: skipped (target locale only (reusing analysis.json))')
  assert.equal(rebuildLine({ strategy: 'reuse', reason: 'files_index_recovered' }), '  analysis rebuild: skipped (reusing analysis.json)')
  assert.equal(rebuildLine({ strategy: 'partial', reason: 'source_locale_partial' }), '  analysis rebuild: partial (source locale only, missingKeys updated)')
  assert.equal(rebuildLine({ strategy: 'partial', reason: 'src_partial', srcAffected: 6, trackedSrcCount: 100, srcDelta: { added: ['a'], changed: ['b', 'c', 'd'], deleted: ['e', 'f'] } }),
    '  analysis rebuild: partial (3 changed, 1 added, 2 deleted)')
  assert.equal(rebuildLine({ strategy: 'partial', reason: 'src_partial', srcAffected: 6, trackedSrcCount: 100 }), '  analysis rebuild: partial (0 changed, 0 added, 0 deleted)')
  const full = {
    config_rebuild_full: 'config rebuild=full',
    layout_changed: 'layout changed',
    source_locale_changed: 'source locale changed (with other deltas)',
    locale_or_non_src_changed: 'locale or non-src delta',
    no_previous_cache: 'no previous analysis cache',
    files_index_missing: 'files.json missing',
    files_index_malformed: 'files.json invalid or oversized',
    files_index_empty: 'files.json empty',
    files_index_stale: 'files index unusable and project files changed since last analysis',
  }
  for (const [reason, text] of Object.entries(full)) {
    assert.equal(rebuildLine({ strategy: 'full', reason }), `  analysis rebuild: full (${text})`, reason)
  }
  // threshold <round pct>% (limit <t>%): Math.round (half up), 100% without tracked files.
  const threshold = (srcAffected, trackedSrcCount, thresholdPercent) =>
    rebuildLine({ strategy: 'full', reason: 'src_threshold', srcAffected, trackedSrcCount, thresholdPercent })
  assert.equal(threshold(4, 10, 40), '  analysis rebuild: full (threshold 40% (limit 40%))')
  assert.equal(threshold(1, 8, 10), '  analysis rebuild: full (threshold 13% (limit 10%))') // 12.5 rounds up
  assert.equal(threshold(2, 3, 66), '  analysis rebuild: full (threshold 67% (limit 66%))')
  assert.equal(threshold(1, 3, 12.5), '  analysis rebuild: full (threshold 33% (limit 12.5%))')
  assert.equal(threshold(1, 0, 100), '  analysis rebuild: full (threshold 100% (limit 100%))')
  // The decision as decideAnalysisRebuild returns it prints the same way.
  assert.equal(rebuildLine(decide(classified({ changed: 5 }), { tracked: 12 })), '  analysis rebuild: full (threshold 42% (limit 40%))')
})

test('§7 files index and invalidation lines, memory hit', () => {
  for (const [kind, text] of [['missing', 'files.json missing'], ['malformed', 'files.json invalid or oversized'], ['empty', 'files.json empty']]) {
    assert.deepEqual(msgs('x', { status: 'miss', reason: 'run_missing', filesIndexStatus: { kind } }).at(-1), ['detail', `  files index: ${text} — rebuilding fingerprints from disk`])
  }
  assert.equal(msgs('x', { status: 'hit', reason: 'cache_hit', filesIndexStatus: { kind: 'ok' } }).length, 1)
  const invLines = (action, reason) => c.analysisCacheInvalidationMessageLines({ action, reason }).map((l) => [l.level, l.message])
  assert.deepEqual(invLines('delete', 'config_rebuild_full'), [['detail', '  analysis invalidation: deleted (config rebuild=full)']])
  assert.deepEqual(invLines('delete', 'locale_writes_dispatch_handles'), [['detail', '  analysis invalidation: deleted']])
  assert.deepEqual(invLines('skip', 'target_locale_writes_only'), [['detail', '  analysis invalidation: skipped (target locale writes only)']])
  assert.deepEqual(invLines('skip', 'locale_writes_dispatch_handles'), [['detail', '  analysis invalidation: skipped (dispatch rebuild on next run)']])
  assert.deepEqual(invLines('skip', 'cache_disabled'), [])
  assert.deepEqual(invLines('skip', 'no_locale_writes'), [])
  assert.deepEqual(c.cacheMemoryHitMessageLines('project analysis'), [{ level: 'info', message: 'project analysis cache memory hit (same_run)' }])
})

test('§7 lines: bad input is INVALID_OPTION', () => {
  assert.throws(() => c.cacheDispatchMessageLines('x', { status: 'won', reason: 'cache_hit' }), invalid)
  assert.throws(() => c.cacheDispatchMessageLines('x', { status: 'hit', reason: 'because' }), invalid)
  assert.throws(() => c.cacheDispatchMessageLines(5, { status: 'hit', reason: 'cache_hit' }), invalid)
  assert.throws(() => c.cacheDispatchMessageLines('x', { status: 'miss', reason: 'files_changed', analysisRebuild: { strategy: 'full', reason: 'src_threshold', srcAffected: -1 } }), invalid)
  assert.throws(() => c.analysisCacheInvalidationMessageLines({ action: 'drop', reason: 'cache_disabled' }), invalid)
})

// ---------------------------------------------------------------------------------------------
// §9 emitters

const isIso = (at) => typeof at === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) && new Date(at).toISOString() === at

test('emitCacheDispatchMessages: one event per line, in order, with the run.message shape', () => {
  const cache = {
    status: 'miss',
    reason: 'files_changed',
    warnings: [{ code: 'w', message: 'careful' }],
    delta: { added: ['a.ts'], changed: [], deleted: [], unchanged: [] },
    analysisRebuild: { strategy: 'full', reason: 'no_previous_cache' },
  }
  const events = []
  const before = Date.now()
  const ret = c.emitCacheDispatchMessages({ emit: (e) => events.push(e), op: 'scan', runId: 'run-1', label: 'project analysis', cache })
  assert.equal(ret, undefined)
  const lines = c.cacheDispatchMessageLines('project analysis', cache)
  assert.equal(events.length, lines.length)
  events.forEach((e, i) => {
    assert.equal(e.type, 'run.message')
    assert.equal(e.op, 'scan')
    assert.equal(e.runId, 'run-1')
    assert.equal(e.channel, 'cache')
    assert.ok(isIso(e.at), e.at)
    assert.ok(Date.parse(e.at) >= before - 1 && Date.parse(e.at) <= Date.now() + 1)
    assert.equal(e.level, lines[i].level)
    assert.equal(e.message, lines[i].message)
    assert.deepEqual(Object.keys(e).sort(), ['at', 'channel', 'level', 'message', 'op', 'runId', 'type'])
  })
  assert.deepEqual(events.map((e) => e.level), ['info', 'detail', 'detail', 'detail', 'detail', 'info'])
  // runId is optional.
  const noRun = []
  c.emitCacheDispatchMessages({ emit: (e) => noRun.push(e), op: 'scan', label: 'L', cache: { status: 'hit', reason: 'cache_hit' } })
  assert.equal(noRun.length, 1)
  assert.equal(noRun[0].runId, undefined)
  assert.equal(noRun[0].message, 'L cache hit (cache_hit)')
})

test('emitters swallow whatever emit throws and still emit every line', () => {
  const seen = []
  const throwing = (e) => {
    seen.push(e.message)
    throw new Error('sink down')
  }
  const cache = { status: 'miss', reason: 'run_missing', filesIndexStatus: { kind: 'empty' } }
  assert.doesNotThrow(() => c.emitCacheDispatchMessages({ emit: throwing, op: 'o', label: 'L', cache }))
  assert.deepEqual(seen, c.cacheDispatchMessageLines('L', cache).map((l) => l.message))
  seen.length = 0
  assert.doesNotThrow(() => c.emitCacheMemoryHitMessage({ emit: throwing, op: 'o', label: 'L' }))
  assert.doesNotThrow(() => c.emitAnalysisCacheInvalidationMessage({ emit: throwing, op: 'o', decision: { action: 'delete', reason: 'config_rebuild_full' } }))
  assert.doesNotThrow(() => c.emitCacheMemoryHitMessage({ emit: () => { throw 'not even an Error' }, op: 'o', label: 'L' }))
  assert.deepEqual(seen, ['L cache memory hit (same_run)', '  analysis invalidation: deleted (config rebuild=full)'])
  // Nothing is left pending: the next call works normally.
  assert.deepEqual(c.resolveCacheRebuildConfig(), { rebuild: 'partial', fullRescanThresholdPercent: 40 })
})

test('emitCacheMemoryHitMessage and emitAnalysisCacheInvalidationMessage', () => {
  const events = []
  const emit = (e) => events.push(e)
  c.emitCacheMemoryHitMessage({ emit, op: 'translate', runId: 'r', label: 'project analysis' })
  assert.equal(events.length, 1)
  assert.equal(events[0].type, 'run.message')
  assert.equal(events[0].op, 'translate')
  assert.equal(events[0].runId, 'r')
  assert.equal(events[0].channel, 'cache')
  assert.equal(events[0].level, 'info')
  assert.equal(events[0].message, 'project analysis cache memory hit (same_run)')
  assert.ok(isIso(events[0].at))
  events.length = 0
  for (const [decision, message] of [
    [{ action: 'delete', reason: 'config_rebuild_full' }, '  analysis invalidation: deleted (config rebuild=full)'],
    [{ action: 'skip', reason: 'target_locale_writes_only' }, '  analysis invalidation: skipped (target locale writes only)'],
    [{ action: 'skip', reason: 'locale_writes_dispatch_handles' }, '  analysis invalidation: skipped (dispatch rebuild on next run)'],
    [{ action: 'skip', reason: 'cache_disabled' }, null],
    [{ action: 'skip', reason: 'no_locale_writes' }, null],
  ]) {
    c.emitAnalysisCacheInvalidationMessage({ emit, op: 'sync', runId: 'r2', decision })
    assert.deepEqual(events.map((e) => [e.level, e.message, e.op, e.runId]), message ? [['detail', message, 'sync', 'r2']] : [], JSON.stringify(decision))
    events.length = 0
  }
  // The decision straight from decideProjectAnalysisCacheInvalidation.
  const decision = c.decideProjectAnalysisCacheInvalidation({ enabled: true, rebuildConfig: { rebuild: 'full', fullRescanThresholdPercent: 40 }, sourceLocaleSegmentKey: 'en.json', mutatedLocaleSegmentKeys: ['fr.json'] })
  c.emitAnalysisCacheInvalidationMessage({ emit, op: 'sync', decision })
  assert.deepEqual(events.map((e) => e.message), ['  analysis invalidation: deleted (config rebuild=full)'])
})

test('emitters: bad input is INVALID_OPTION and emit is not called', () => {
  let called = 0
  const emit = () => called++
  assert.throws(() => c.emitCacheDispatchMessages({ emit, op: 'o', label: 'L' }), invalid)
  assert.throws(() => c.emitCacheDispatchMessages({ emit: 'nope', op: 'o', label: 'L', cache: { status: 'hit', reason: 'cache_hit' } }), invalid)
  assert.throws(() => c.emitCacheMemoryHitMessage({ emit, label: 'L' }), invalid)
  assert.throws(() => c.emitAnalysisCacheInvalidationMessage({ emit, op: 'o', decision: { action: 'x', reason: 'y' } }), invalid)
  assert.throws(() => c.emitCacheMemoryHitMessage(), invalid)
  assert.equal(called, 0)
})

// ---------------------------------------------------------------------------------------------
// §9 hashing helpers

const STRINGS = ['', 'a', 'foobar', '😀', 'é', 'e\u0301', 'héllo wörld — 日本語 😀', 'src/a.ts\tabc\t3\n', 'lone \ud83d surrogate', '\udc00']

test('computeCacheContentHash: FNV-1a 64 over UTF-16 code units by default', () => {
  assert.equal(c.computeCacheContentHash(''), 'cbf29ce484222325')
  assert.equal(c.computeCacheContentHash('😀'), 'e5e45a0a241b88d8')
  for (const s of STRINGS) {
    assert.equal(c.computeCacheContentHash(s), fnv1a64(s), JSON.stringify(s))
    assert.equal(c.computeCacheContentHash(s, undefined), fnv1a64(s))
    assert.equal(c.computeCacheContentHash(s, null), fnv1a64(s))
    assert.equal(c.computeCacheContentHash(s, 'fnv1a64'), fnv1a64(s))
    assert.match(c.computeCacheContentHash(s), /^[0-9a-f]{16}$/)
  }
})

test('computeCacheContentHash: a JS hashText is called with the text; algorithm names hash natively', () => {
  const calls = []
  const jsSha = (t) => (calls.push(t), sha256(t))
  for (const s of STRINGS.filter((s) => s.isWellFormed())) {
    calls.length = 0
    assert.equal(c.computeCacheContentHash(s, jsSha), sha256(s))
    assert.deepEqual(calls, [s])
    assert.equal(c.computeCacheContentHash(s, 'sha256'), sha256(s))
  }
  assert.equal(c.computeCacheContentHash('anything', () => 'custom'), 'custom')
  assert.equal(c.computeCacheContentHash('', 'blake3'), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262')
  assert.match(c.computeCacheContentHash('x', 'blake3'), /^[0-9a-f]{64}$/)
})

test('input files epoch: sorted key/hash/size lines, mtimeMs and updatedAt ignored', () => {
  const files = {
    'src/b.ts': rec('h2', 20, 99, 'ignored'),
    'src/a.ts': rec('h1', 10),
    '\uff01.ts': rec('h4', 2),
    '😀.ts': rec('h3', 1),
    10: rec('h5', 0),
  }
  const text = '10\th5\t0\nsrc/a.ts\th1\t10\nsrc/b.ts\th2\t20\n😀.ts\th3\t1\n\uff01.ts\th4\t2\n'
  assert.equal(refEpochText(files), text) // the reference sorts by UTF-16 units, as JS does
  assert.equal(c.computeInputFilesEpoch(files), fnv1a64(text))
  assert.equal(c.computeInputFilesEpoch(files, 'fnv1a64'), refEpoch(files))
  assert.equal(c.computeInputFilesEpoch(files, 'sha256'), refEpoch(files, sha256))
  const calls = []
  assert.equal(c.computeInputFilesEpoch(files, (t) => (calls.push(t), sha256(t))), sha256(text))
  assert.deepEqual(calls, [text])
  const touched = { ...files, 'src/a.ts': rec('h1', 10, 12345, 'later') }
  assert.equal(c.computeInputFilesEpoch(touched), c.computeInputFilesEpoch(files))
  assert.notEqual(c.computeInputFilesEpoch({ ...files, 'src/a.ts': rec('h1', 11) }), c.computeInputFilesEpoch(files))
  assert.equal(c.computeInputFilesEpoch({}), 'cbf29ce484222325')
})

test('computeCacheProjectId: first 16 of the hash of the POSIX, NFC, lower-cased root', () => {
  const roots = ['/home/user/Proj', 'C:\\Users\\Me\\Proj', '/home/user/cafe\u0301', '/home/user/caf\u00e9', '/', 'D:\\Straße\\ÄÖÜ']
  for (const root of roots) {
    assert.equal(c.computeCacheProjectId(root), refProjectId(root), root)
    assert.equal(c.computeCacheProjectId(root, {}), refProjectId(root))
    assert.equal(c.computeCacheProjectId(root, undefined), refProjectId(root))
    assert.equal(c.computeCacheProjectId(root, { hashText: 'sha256' }), refProjectId(root, sha256))
    assert.equal(c.computeCacheProjectId(root, { hashText: sha256 }), refProjectId(root, sha256))
  }
  assert.equal(c.computeCacheProjectId('/home/user/caf\u00e9'), '72e778efe6bdc057')
  assert.equal(c.computeCacheProjectId('/home/user/cafe\u0301'), c.computeCacheProjectId('/HOME/USER/CAF\u00c9'))
  const calls = []
  assert.equal(c.computeCacheProjectId('C:\\X\\Y', { hashText: (t) => (calls.push(t), `${t}-0123456789abcdef`) }), 'c:/x/y-012345678')
  assert.deepEqual(calls, ['c:/x/y'])
})

test('normalizeProjectRootKey: POSIX, NFC, trailing slashes trimmed, one appended, case kept', () => {
  for (const root of ['/home/Me/proj', '/home/Me/proj///', 'C:\\Users\\Me\\Proj\\\\', '/', '/home/cafe\u0301', 'rel/Dir/']) {
    assert.equal(c.normalizeProjectRootKey(root), refRootKey(root), root)
  }
  assert.equal(c.normalizeProjectRootKey('C:\\Users\\Me\\Proj\\'), 'C:/Users/Me/Proj/')
  assert.equal(c.normalizeProjectRootKey('/home/cafe\u0301'), '/home/caf\u00e9/')
})

test('hashing helpers: bad arguments are INVALID_OPTION; a throwing hashText propagates its error', () => {
  for (const bad of ['md5', 'SHA256', 5, {}, true]) {
    assert.throws(() => c.computeCacheContentHash('x', bad), invalid, String(bad))
    assert.throws(() => c.computeInputFilesEpoch({}, bad), invalid, String(bad))
    assert.throws(() => c.computeCacheProjectId('/x', { hashText: bad }), invalid, String(bad))
  }
  assert.throws(() => c.computeCacheContentHash('x', () => 5), invalid)
  assert.throws(() => c.computeCacheContentHash(5), invalid)
  assert.throws(() => c.computeCacheContentHash(), invalid)
  assert.throws(() => c.computeInputFilesEpoch('x'), invalid)
  assert.throws(() => c.computeInputFilesEpoch({ a: { hash: 'h' } }), invalid)
  assert.throws(() => c.computeCacheProjectId(5), invalid)
  assert.throws(() => c.computeCacheProjectId('/x', 'sha256'), invalid)
  assert.throws(() => c.normalizeProjectRootKey(null), invalid)
  const boom = new TypeError('hasher failed')
  const thrower = () => {
    throw boom
  }
  assert.throws(() => c.computeCacheContentHash('x', thrower), (e) => e === boom)
  assert.throws(() => c.computeInputFilesEpoch({ a: rec('h') }, thrower), (e) => e === boom)
  assert.throws(() => c.computeCacheProjectId('/x', { hashText: thrower }), (e) => e === boom)
  assert.equal(c.computeCacheContentHash('x'), fnv1a64('x'))
})

// ---------------------------------------------------------------------------------------------
// Robustness and the declared types

const EXPORTS = [
  ['resolveCacheConfig', () => c.resolveCacheConfig()],
  ['resolveCacheRebuildConfig', () => c.resolveCacheRebuildConfig()],
  ['diffProjectFiles', () => c.diffProjectFiles({}, {})],
  ['classifyCacheFileDelta', () => c.classifyCacheFileDelta(classifyInput({}))],
  ['layoutMatches', () => c.layoutMatches(LAYOUT, LAYOUT)],
  ['decideAnalysisRebuild', () => decide(classified())],
  ['decideProjectAnalysisCacheInvalidation', () => c.decideProjectAnalysisCacheInvalidation({ enabled: true, rebuildConfig: PARTIAL, sourceLocaleSegmentKey: 'en.json', mutatedLocaleSegmentKeys: [] })],
  ['computeCacheContentHash', () => c.computeCacheContentHash('x')],
  ['computeInputFilesEpoch', () => c.computeInputFilesEpoch({})],
  ['computeCacheProjectId', () => c.computeCacheProjectId('/x')],
  ['normalizeProjectRootKey', () => c.normalizeProjectRootKey('/x')],
  ['emitCacheDispatchMessages', () => c.emitCacheDispatchMessages({ emit() {}, op: 'o', label: 'L', cache: { status: 'hit', reason: 'cache_hit' } })],
  ['emitCacheMemoryHitMessage', () => c.emitCacheMemoryHitMessage({ emit() {}, op: 'o', label: 'L' })],
  ['emitAnalysisCacheInvalidationMessage', () => c.emitAnalysisCacheInvalidationMessage({ emit() {}, op: 'o', decision: { action: 'skip', reason: 'cache_disabled' } })],
  ['cacheDispatchMessageLines', () => c.cacheDispatchMessageLines('L', { status: 'hit', reason: 'cache_hit' })],
  ['cacheMemoryHitMessageLines', () => c.cacheMemoryHitMessageLines('L')],
  ['analysisCacheInvalidationMessageLines', () => c.analysisCacheInvalidationMessageLines({ action: 'skip', reason: 'cache_disabled' })],
]

test('a panic inside any export becomes an INTERNAL error and Node keeps running', () => {
  process.env.CACHECORE_FAILPOINT = EXPORTS.map(([name]) => `panic:${name}`).join(',')
  try {
    for (const [name, call] of EXPORTS) {
      assert.throws(call, (e) => e instanceof Error && e.code === 'INTERNAL' && /panic/.test(e.message), name)
    }
  } finally {
    delete process.env.CACHECORE_FAILPOINT
  }
  for (const [name, call] of EXPORTS) assert.doesNotThrow(call, name)
})

test('no export panics or crashes on arguments of any type', () => {
  const junk = [undefined, null, 0, -1, NaN, '', 'x', true, [], [1], {}, { kind: 'ok' }, () => {}, Symbol('s'), 10n, new Date(0)]
  for (const [name] of EXPORTS) {
    for (const a of junk) {
      for (const b of [undefined, {}, 'x']) {
        try {
          c[name](a, b)
        } catch (e) {
          assert.ok(e instanceof Error, name)
          assert.ok(['INVALID_OPTION'].includes(e.code), `${name}(${String(a)}): ${e.code} ${e.message}`)
        }
      }
    }
  }
})

test('index.d.ts declares the contract names and types', () => {
  const dts = fs.readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const expected = [
    "export type CacheProfileId = 'safe' | 'balanced' | 'fast'",
    "export type CacheMode = 'readWrite' | 'readOnly'",
    "export type CacheRebuildMode = 'partial' | 'full'",
    'export declare const CACHE_PROFILE_DEFAULTS: CacheProfileDefaultsTable',
    'export declare const DEFAULT_CACHE_PROFILE_ID: CacheProfileId',
    'export declare const CACHE_SCHEMA_VERSION: number',
    'export declare const MAX_META_BYTES: number',
    'export declare const MAX_FILES_BYTES: number',
    'export declare const MAX_ANALYSIS_BYTES: number',
    'export declare const MAX_TRANSLATIONS_BYTES: number',
    'export declare function resolveCacheConfig(source?: CacheConfigSource | undefined | null): ResolvedCacheConfig',
    'export declare function resolveCacheRebuildConfig(source?: CacheConfigSource | undefined | null): CacheRebuildConfig',
    'export declare function diffProjectFiles(previous: Record<string, CacheFileRecord>, current: Record<string, CacheFileRecord>): CacheFileDelta',
    'export declare function classifyCacheFileDelta(input: ClassifyCacheFileDeltaInput): ClassifiedCacheFileDelta',
    'export declare function layoutMatches(a: CachedLocalesLayout | undefined | null, b: CachedLocalesLayout): boolean',
    'export declare function decideAnalysisRebuild(input: DecideAnalysisRebuildInput): AnalysisRebuildDecision',
    'export declare function decideProjectAnalysisCacheInvalidation(input: LocaleWriteInvalidationInput): AnalysisCacheInvalidationDecision',
    "export declare function computeCacheContentHash(text: string, hashText?: CacheRuntime['hashText']): string",
    "export declare function computeInputFilesEpoch(files: Record<string, CacheFileRecord>, hashText?: CacheRuntime['hashText']): string",
    '  hashText?: ((text: string) => string) | HashAlgorithm | (string & {}) | undefined | null',
    'export declare function computeCacheProjectId(root: string, options?: CacheProjectIdOptions | undefined | null): string',
    'export declare function normalizeProjectRootKey(root: string): string',
    'export declare function emitCacheDispatchMessages(input: EmitCacheDispatchMessagesInput): void',
    'export declare function emitCacheMemoryHitMessage(input: EmitCacheMemoryHitMessageInput): void',
    'export declare function emitAnalysisCacheInvalidationMessage(input: EmitAnalysisCacheInvalidationMessageInput): void',
    'export declare function cacheDispatchMessageLines(label: string, cache: CacheDispatchInfo): CacheMessageLine[]',
    "export type AnalysisRebuildStrategy = 'full' | 'partial' | 'reuse'",
    "export type CacheMessageLevel = 'info' | 'detail'",
    "export type HashAlgorithm = 'sha256' | 'blake3' | 'fnv1a64'",
    "  type: 'run.message'",
    "  channel: 'cache'",
    '  emit: (event: CacheRunMessageEvent) => void',
    '  sourceLocaleSegmentKeys?: Array<string>',
    "export type FilesIndexStatus =\n  | { kind: 'ok' }\n  | { kind: 'missing' }\n  | { kind: 'malformed' }\n  | { kind: 'empty' }\n",
    "export type LocalesLayoutMode = 'flat_file' | 'locale_directory'",
    "export type LocalesLayoutStructure = 'locale_file' | 'locale_per_dir' | 'feature_bundle'",
    "export type AnalysisCacheInvalidationAction = 'delete' | 'skip'",
    "export type CacheDispatchStatus = 'hit' | 'miss' | 'bypass' | 'disabled'",
  ]
  for (const line of expected) assert.ok(dts.includes(line), `index.d.ts lacks: ${line}`)
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
  assert.doesNotMatch(code, /\bany\b/, 'no any in index.d.ts')
})

test('trackedWalkRules: the §8 defaults, one source for the dispatch and for tools', () => {
  const r = c.trackedWalkRules()
  assert.equal(r.srcPattern, '(?i)\\.(tsx?|jsx?|mjs|cjs|vue|svelte)$')
  assert.deepEqual(r.skippedDirs, ['node_modules', 'dist', 'build', '.git', 'coverage', '.next', 'out'])
  assert.equal(r.srcMaxDepth, 48)
  assert.equal(r.localeMaxDepth, 16)
})
