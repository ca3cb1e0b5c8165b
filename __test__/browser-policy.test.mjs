// The browser build's pure functions (js/browser/policy.mjs, plain JavaScript) against the native
// exports of the same names, over randomized inputs: the two can never drift. Also: the browser
// entries export every name of the Node entries, and whatever needs a disk there throws
// NATIVE_UNAVAILABLE.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import * as browser from '../js/browser.mjs'
import * as browserDropIn from '../js/i18nprune.browser.mjs'
import * as nodeDropIn from '../js/i18nprune.mjs'
import { createRequire } from 'node:module'

/** The package's Node entry (exactly index.d.ts's values). */
const native = createRequire(import.meta.url)('../js/index.cjs')

const ROUNDS = Number(process.env.CACHECORE_DIFF_ROUNDS ?? 300)

/** A small seeded PRNG (mulberry32): failures reproduce with the printed seed. */
function rng(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n) => Math.floor(next() * n)
  const pick = (xs) => xs[int(xs.length)]
  const ALPHABET = ['a', 'b', 'Z', '0', '/', '\\', '.', '-', '_', '{', '}', ' ', '\n', '\t', 'é', 'e\u0301', '😀', '\ud800', '\u0000', '"']
  // Raw text (lone surrogates, NUL) where a function hashes a string's own code units; elsewhere
  // well-formed text, since natively every other string becomes a Rust string (U+FFFD for a
  // lone surrogate) and is compared as such.
  const raw = (max = 12) => Array.from({ length: int(max + 1) }, () => pick(ALPHABET)).join('')
  const text = (max = 12) => raw(max).toWellFormed()
  // Paths and keys: what a file system names (well-formed, no NUL).
  const name = (max = 6) => Array.from({ length: int(max + 1) }, () => pick(ALPHABET.slice(0, 17))).join('')
  const list = (max, f) => Array.from({ length: int(max + 1) }, f)
  return { next, int, pick, raw, text, name, list, bool: () => next() < 0.5, maybe: (f) => (next() < 0.5 ? undefined : f()) }
}

function roundsOf(name, body) {
  const seed = Number(process.env.CACHECORE_DIFF_SEED ?? Date.now() % 1e9)
  for (let i = 0; i < ROUNDS; i++) {
    const r = rng(seed + i)
    try {
      body(r)
    } catch (e) {
      e.message = `${name}, seed ${seed + i}: ${e.message}`
      throw e
    }
  }
}

/** Both outcomes, as values or as `{ code }` of what was thrown. */
function outcome(f) {
  try {
    return { value: f() }
  } catch (e) {
    return { threw: e.code ?? 'untyped' }
  }
}

const same = (name, args) => assert.deepEqual(outcome(() => browser[name](...args)), outcome(() => native[name](...args)), name)

const record = (r) => ({ hash: r.pick(['a', 'b', 'c']), size: r.int(3), mtimeMs: r.pick([0, 1, 1.5]), updatedAt: r.text(3) })
const recordMap = (r) => Object.fromEntries(r.list(6, () => [r.pick(['a.ts', 'b.ts', 'en.json', 'fr.json', 'x/y.ts', '1', '10', r.text(4)]), record(r)]))
const pathMap = (r) => Object.fromEntries(r.list(6, () => [r.pick(['a.ts', 'b.ts', 'en.json', 'fr.json', 'x/y.ts', '1', '10', r.name(4)]), record(r)]))
const layout = (r) => ({
  mode: r.pick(['flat_file', 'locale_directory']),
  structure: r.pick(['locale_file', 'locale_per_dir', 'feature_bundle']),
  directory: r.pick(['locales', 'messages']),
  source: r.pick(['en', 'fr']),
})
const status = (r) => ({ kind: r.pick(['ok', 'missing', 'malformed', 'empty']) })
const keys = (r) => r.list(4, () => r.pick(['a.ts', 'b\\c.ts', 'b/c.ts', 'en.json', 'fr.json', 'en/x.json', r.name(3)]))

test('constants, enums and the config functions equal the native ones', () => {
  for (const [k, v] of Object.entries(native)) {
    if (typeof v !== 'function' && k !== '__napiBindingTarget') assert.deepEqual(browser[k], v, k)
  }
  same('defaultCacheCaps', [])
  same('trackedWalkRules', [])
  roundsOf('resolveCacheConfig', (r) => {
    const source = r.maybe(() => ({
      enabled: r.maybe(r.bool),
      dir: r.maybe(() => r.text(4)),
      profile: r.maybe(() => r.pick(['safe', 'balanced', 'fast', 'custom'])),
      mode: r.maybe(() => r.pick(['readWrite', 'readOnly'])),
      rebuild: r.maybe(() => r.pick(['partial', 'full'])),
      fullRescanThresholdPercent: r.maybe(() => r.pick([-5, 0, 12.5, 40, 100, 250])),
    }))
    same('resolveCacheConfig', [source])
    same('resolveCacheRebuildConfig', [source])
  })
})

test('deltas, classification, the rebuild and invalidation decisions equal the native ones', () => {
  roundsOf('policy', (r) => {
    same('diffProjectFiles', [pathMap(r), pathMap(r)])
    same('layoutMatches', [r.maybe(() => layout(r)), layout(r)])
    const delta = { added: keys(r), changed: keys(r), deleted: keys(r), unchanged: keys(r) }
    const input = {
      delta,
      currentSrcFileKeys: keys(r),
      baselineSrcFileKeys: keys(r),
      currentLocaleSegmentKeys: keys(r),
      baselineLocaleSegmentKeys: keys(r),
      sourceLocaleSegmentKey: r.pick(['en.json', 'en/x.json']),
      previousLayout: r.maybe(() => layout(r)),
      currentLayout: layout(r),
      filesIndexStatus: status(r),
    }
    if (r.bool()) input.sourceLocaleSegmentKeys = keys(r)
    same('classifyCacheFileDelta', [input])
    const classified = native.classifyCacheFileDelta(input)
    for (const rebuild of ['partial', 'full']) {
      same('decideAnalysisRebuild', [
        {
          config: { rebuild, fullRescanThresholdPercent: r.pick([0, 10, 33.3, 40, 100]) },
          classified: { ...classified, layoutChanged: r.bool() },
          hasPrevious: r.bool(),
          trackedSrcCount: r.int(10),
        },
      ])
    }
    same('decideProjectAnalysisCacheInvalidation', [
      {
        enabled: r.bool(),
        rebuildConfig: { rebuild: r.pick(['partial', 'full']), fullRescanThresholdPercent: 40 },
        sourceLocaleSegmentKey: r.pick(['en.json', 'en\\x.json']),
        mutatedLocaleSegmentKeys: keys(r),
        ...(r.bool() ? { sourceLocaleSegmentKeys: keys(r) } : {}),
      },
    ])
  })
})

test('hashes, epochs, project ids and translation keys equal the native ones', () => {
  roundsOf('hashing', (r) => {
    const text = r.raw(40)
    for (const algo of [undefined, 'sha256', 'fnv1a64', (t) => `h:${t.length}`]) {
      same('computeCacheContentHash', [text, algo])
      same('computeInputFilesEpoch', [pathMap(r), algo])
      same('computeCacheProjectId', [`/${r.text(10)}`, algo === undefined ? undefined : { hashText: algo }])
    }
    same('normalizeProjectRootKey', [r.text(10)])
    const input = {
      sourceText: r.pick([text, `Hi {{${r.text(3)}}}, {{n}}!`, '{{}} {{a} {b}}', '{{{a}}']),
      sourceLang: r.pick(['en', 'fr']),
      targetLang: r.pick(['de', 'pt-BR', r.text(3)]),
      providerId: r.pick(['google', 'deepl']),
      translateConfigEpoch: r.text(8),
    }
    same('buildTranslateCacheKey', [input])
    const { targetLang: _target, ...forFile } = input
    same('buildTranslateCacheKeyForLocaleFile', [forFile])
    same('computeTranslateConfigEpoch', [
      r.maybe(() => ({
        primary: r.maybe(() => r.text(4)),
        workers: r.maybe(() => r.int(4)),
        policy: r.maybe(() => ({ review: r.bool() })),
        providers: r.list(3, () => ({ id: r.text(3), apiKey: r.maybe(() => r.text(5)), model: r.maybe(() => r.text(3)) })),
      })),
    ])
    same('validateTranslationLocaleCode', [r.pick(['en', 'pt-BR', 'CON', 'com1', 'COM0', 'x'.repeat(64), 'x'.repeat(65), '', r.text(6)])])
  })
  assert.equal(outcome(() => browser.computeCacheContentHash('x', 'blake3')).threw, 'NATIVE_UNAVAILABLE')
})

test('the --debug-cache lines equal the native ones', () => {
  const reasons = ['cache_hit', 'no_cache', 'cache_unavailable', 'run_missing', 'files_changed', 'files_index_recovered', 'run_binding_stale', 'producer_succeeded', 'run_invalid']
  const rebuildReasons = ['config_rebuild_full', 'layout_changed', 'source_locale_changed', 'source_locale_partial', 'target_locale_only', 'locale_or_non_src_changed', 'no_previous_cache', 'src_threshold', 'src_partial', 'files_index_missing', 'files_index_malformed', 'files_index_empty', 'files_index_stale', 'files_index_recovered']
  const many = (r) => r.list(r.pick([2, 15]), () => r.text(4))
  roundsOf('messages', (r) => {
    const cache = {
      status: r.pick(['hit', 'miss', 'bypass', 'disabled']),
      reason: r.pick(reasons),
      warnings: r.list(2, () => ({ code: 'cache_malformed', message: r.text(5), ...(r.bool() ? { path: r.pick(['', '/a/b']) } : {}) })),
    }
    if (r.bool()) cache.paths = { meta: r.text(3), files: r.text(3), analysis: r.text(3), projectDir: r.text(3) }
    if (r.bool()) cache.delta = { added: many(r), changed: many(r), deleted: many(r), unchanged: many(r) }
    if (r.bool()) {
      cache.analysisRebuild = {
        strategy: r.pick(['full', 'partial', 'reuse']),
        reason: r.pick(rebuildReasons),
        ...(r.bool() ? { thresholdPercent: r.pick([10, 12.5, 40]) } : {}),
        ...(r.bool() ? { srcAffected: r.int(9), trackedSrcCount: r.int(9) } : {}),
        ...(r.bool() ? { srcDelta: { added: many(r), changed: many(r), deleted: many(r) } } : {}),
      }
    }
    if (r.bool()) cache.filesIndexStatus = status(r)
    const label = r.text(5)
    same('cacheDispatchMessageLines', [label, cache])
    same('cacheMemoryHitMessageLines', [label])
    same('analysisCacheInvalidationMessageLines', [
      { action: r.pick(['delete', 'skip']), reason: r.pick(['cache_disabled', 'no_locale_writes', 'config_rebuild_full', 'target_locale_writes_only', 'locale_writes_dispatch_handles']) },
    ])
    const events = [[], []]
    const runId = r.maybe(() => 'r')
    const input = (i) => ({ emit: (e) => events[i].push({ ...e, at: typeof e.at }), op: 'validate', runId, label, cache })
    browser.emitCacheDispatchMessages(input(0))
    native.emitCacheDispatchMessages(input(1))
    assert.deepEqual(events[0], events[1])
  })
})

test('resolveCacheState in a browser build equals the native one for absolute POSIX roots', () => {
  roundsOf('resolveCacheState', (r) => {
    const seg = () => r.pick(['a', 'B', '.', '..', 'x y', 'é'])
    const input = {
      projectRoot: `/${r.list(4, seg).join('/')}${r.pick(['', '/'])}`,
      cacheRootDir: `/${r.list(3, seg).join('/')}`,
      noCache: r.maybe(r.bool),
      disabledReason: r.maybe(() => r.pick(['config_disabled', 'cli_no_cache'])),
      cacheReadOnly: r.maybe(r.bool),
      runtime: r.maybe(() => ({ hashText: r.pick(['sha256', 'fnv1a64']) })),
    }
    same('resolveCacheState', [input])
  })
})

test('the browser entries export the Node entries\' names; IO there is NATIVE_UNAVAILABLE', async () => {
  const names = (m) => Object.keys(m).filter((k) => k !== 'default').sort()
  assert.deepEqual(names(browser), Object.keys(native).sort())
  assert.deepEqual(Object.keys(browser.default).sort(), Object.keys(native).sort(), 'the default export is the whole module')
  assert.deepEqual(Object.keys(browserDropIn).sort(), Object.keys(nodeDropIn).sort())
  for (const name of ['getOrBuildCachedProjectData', 'prepareCacheForRun', 'loadProjectFilesState', 'trackProjectFiles', 'fingerprintSync']) {
    assert.equal(outcome(() => browser[name]({})).threw, 'NATIVE_UNAVAILABLE', name)
  }
  await assert.rejects(browser.fingerprint({ root: '.' }), { code: 'NATIVE_UNAVAILABLE' })
  assert.throws(() => new browser.TranslationCache(), { code: 'NATIVE_UNAVAILABLE' })
  assert.equal(browser.version(), JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url))).version)
  // The drop-in's pure functions and its host-port helpers work there.
  assert.equal(browserDropIn.computeCacheProjectId('/p'), nodeDropIn.computeCacheProjectId('/p'))
  const state = { enabled: true, readOnly: false, reason: 'default', projectRoot: '/p', projectId: 'x', analysisPath: '/c/a.json', filesPath: '/c/f.json' }
  assert.deepEqual(browserDropIn.loadProjectRunState({ ...state, enabled: false }, {}), { warnings: [] })
  assert.throws(() => browserDropIn.getOrBuildCachedProjectData({ state, runtime: {} }), { code: 'NATIVE_UNAVAILABLE' })
})

test('package.json routes browser and worker builds to the browser entries', () => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url)))
  for (const [sub, file] of [['.', './js/browser.mjs'], ['./i18nprune', './js/i18nprune.browser.mjs']]) {
    const entry = pkg.exports[sub]
    for (const condition of ['browser', 'worker']) {
      assert.equal(entry[condition].default, file, `${sub} ${condition}`)
      assert.ok(fs.existsSync(new URL(`.${entry[condition].types.slice(1)}`, new URL('../', import.meta.url))), 'typed')
    }
    const order = Object.keys(entry)
    assert.ok(order.indexOf('browser') < order.indexOf('import') && order.indexOf('worker') < order.indexOf('import'), sub)
  }
  const sources = ['browser.mjs', 'i18nprune.browser.mjs', 'browser/policy.mjs', 'browser/store.mjs', 'i18nprune/layer.cjs']
    .map((f) => fs.readFileSync(new URL(`../js/${f}`, import.meta.url), 'utf8'))
    .join('\n')
  assert.doesNotMatch(sources, /require\(|from '\.\.?\/index|node:/, 'a browser build never loads the addon or Node modules')
})
