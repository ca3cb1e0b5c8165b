// §5 dispatch through the built addon, on a copy of examples/i18n-app per test: every status
// and reason by real edits (each "run" is a fresh node process, as a CLI run is), the
// same-process memory hit, the two-phase form with an async producer, readOnly, producer
// failures and the INTERNAL failpoint.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, settle } from './helpers.mjs'
import { project, stateOf, dispatchInput, runChild, snapshot, edit } from './dispatch-project.mjs'

const {
  getOrBuildCachedProjectData,
  beginCachedProjectData,
  commitCachedProjectData,
  cacheDispatchMessageLines,
  cacheMemoryHitMessageLines,
} = cachecore

const rebuild = (r) => r.result.cache.analysisRebuild && [r.result.cache.analysisRebuild.strategy, r.result.cache.analysisRebuild.reason]
const statusOf = (r) => [r.result.cache.status, r.result.cache.reason]
const bytes = (p) => fs.readFileSync(p)
const mtime = (p) => fs.statSync(p).mtimeMs

async function cold(t, cfg = {}) {
  const p = { ...project(t), ...cfg }
  await settle()
  const first = runChild(p)
  // Every file is new against the missing index: files_changed (as the core's own tests).
  assert.deepEqual(statusOf(first), ['miss', 'files_changed'])
  return { p, first, state: stateOf(p) }
}

test('cold run: miss files_changed, full rebuild, producer called once with a context, files persisted', async (t) => {
  const { p, first, state } = await cold(t)
  assert.equal(first.calls, 1)
  assert.deepEqual(first.argCounts, [1])
  assert.deepEqual(rebuild(first), ['full', 'files_index_missing'])
  assert.equal(first.ctx.trackedSrcCount, 6)
  assert.equal(first.ctx.analysisRebuild.strategy, 'full')
  assert.equal(first.ctx.previous, undefined)
  assert.deepEqual(first.result.data, { run: 'child', previous: null })
  assert.equal(first.result.memoryHit, false)
  assert.ok(fs.existsSync(state.filesPath) && fs.existsSync(state.analysisPath))
  assert.deepEqual(first.result.cache.paths, {
    meta: state.metaPath,
    files: state.filesPath,
    analysis: state.analysisPath,
    projectDir: state.projectDir,
  })
  assert.equal(fs.existsSync(p.cacheRoot), true)
})

test('no change: hit cache_hit, producer not called, files.json and analysis.json untouched', async (t) => {
  const { p, state } = await cold(t)
  const before = [bytes(state.filesPath), mtime(state.filesPath), bytes(state.analysisPath), mtime(state.analysisPath)]
  await settle()
  const r = runChild(p)
  assert.deepEqual(statusOf(r), ['hit', 'cache_hit'])
  assert.equal(r.calls, 0)
  assert.deepEqual(r.result.data, { run: 'child', previous: null })
  assert.deepEqual(r.result.cache.warnings, [])
  const after = [bytes(state.filesPath), mtime(state.filesPath), bytes(state.analysisPath), mtime(state.analysisPath)]
  assert.deepEqual(after, before)
  // The §7 lines render it.
  const lines = cacheDispatchMessageLines('project analysis', r.result.cache)
  assert.equal(lines[0].message, 'project analysis cache hit (cache_hit)')
})

test('a target-locale edit reuses the analysis without calling the producer, and persists', async (t) => {
  const { p, state } = await cold(t)
  const analysisBefore = JSON.parse(fs.readFileSync(state.analysisPath, 'utf8'))
  edit(path.join(p.root, 'locales/fr.json'), '{"app":{"title":"Boutique!"}}\n')
  const r = runChild({ ...p, tag: 'second' })
  assert.deepEqual(statusOf(r), ['miss', 'files_changed'])
  assert.deepEqual(rebuild(r), ['reuse', 'target_locale_only'])
  assert.equal(r.calls, 0, 'the producer was not called')
  assert.deepEqual(r.result.data, { run: 'child', previous: null }, 'the previous data is returned')
  const analysisAfter = JSON.parse(fs.readFileSync(state.analysisPath, 'utf8'))
  assert.deepEqual(analysisAfter.data, analysisBefore.data)
  assert.notEqual(analysisAfter.inputFilesEpoch, analysisBefore.inputFilesEpoch, 'rebound to the new files')
  const files = JSON.parse(fs.readFileSync(state.filesPath, 'utf8'))
  assert.equal(files.localeSegments['fr.json'].size, Buffer.byteLength('{"app":{"title":"Boutique!"}}\n'))
  // And the next run is a plain hit.
  assert.deepEqual(statusOf(runChild(p)), ['hit', 'cache_hit'])
})

test('a source-locale edit: partial source_locale_partial, the producer gets the previous data', async (t) => {
  const { p } = await cold(t)
  const en = path.join(p.root, 'locales/en.json')
  edit(en, fs.readFileSync(en, 'utf8').replace('"Shop"', '"Shop!"'))
  const r = runChild({ ...p, tag: 'second' })
  assert.deepEqual(statusOf(r), ['miss', 'files_changed'])
  assert.deepEqual(rebuild(r), ['partial', 'source_locale_partial'])
  assert.equal(r.calls, 1)
  assert.deepEqual(r.ctx.previous, { run: 'child', previous: null })
  assert.deepEqual(r.ctx.classified.sourceLocale, ['en.json'])
  assert.deepEqual(r.ctx.delta.changed, ['en.json'])
})

test('one src edit: partial src_partial with srcAffected 1', async (t) => {
  const { p } = await cold(t)
  const f = path.join(p.root, 'src/main.js')
  edit(f, fs.readFileSync(f, 'utf8') + '\n// edited\n')
  const r = runChild({ ...p, tag: 'second' })
  assert.deepEqual(statusOf(r), ['miss', 'files_changed'])
  assert.deepEqual(rebuild(r), ['partial', 'src_partial'])
  assert.equal(r.result.cache.analysisRebuild.srcAffected, 1)
  assert.equal(r.result.cache.analysisRebuild.trackedSrcCount, 6)
  assert.deepEqual(r.ctx.classified.src.changed, ['main.js'])
  assert.equal(r.calls, 1)
})

test('a layout change: full layout_changed', async (t) => {
  const p0 = project(t)
  fs.mkdirSync(path.join(p0.root, 'locales/nested'))
  fs.writeFileSync(path.join(p0.root, 'locales/nested/extra.json'), '{}')
  const { p } = await cold(t, p0)
  const r = runChild({ ...p, structure: 'feature_bundle' })
  assert.deepEqual(statusOf(r), ['miss', 'files_changed'])
  assert.deepEqual(rebuild(r), ['full', 'layout_changed'])
  assert.deepEqual(r.result.cache.delta.added, ['nested/extra.json'])
  assert.equal(r.calls, 1)
})

test('files.json deleted: hit files_index_recovered, files.json rewritten, no producer', async (t) => {
  const { p, state } = await cold(t)
  const analysis = bytes(state.analysisPath)
  fs.rmSync(state.filesPath)
  const r = runChild(p)
  assert.deepEqual(statusOf(r), ['hit', 'files_index_recovered'])
  assert.deepEqual(rebuild(r), ['reuse', 'files_index_recovered'])
  assert.deepEqual(r.result.cache.filesIndexStatus, { kind: 'missing' })
  assert.equal(r.calls, 0)
  assert.ok(fs.existsSync(state.filesPath))
  assert.deepEqual(bytes(state.analysisPath), analysis)
})

test('an edited epoch: run_binding_stale with inputFilesEpochDebug', async (t) => {
  const { p, state } = await cold(t)
  const env = JSON.parse(fs.readFileSync(state.analysisPath, 'utf8'))
  const current = env.inputFilesEpoch
  env.inputFilesEpoch = 'bogus'
  fs.writeFileSync(state.analysisPath, JSON.stringify(env))
  const r = runChild(p)
  assert.deepEqual(statusOf(r), ['miss', 'run_binding_stale'])
  assert.deepEqual(r.result.cache.inputFilesEpochDebug, { cached: 'bogus', current })
  assert.equal(r.calls, 1)
})

test('cached data failing parseCachedData: run_invalid, the producer runs', async (t) => {
  const { p } = await cold(t)
  const r = runChild({ ...p, validate: 'fail' })
  assert.deepEqual(statusOf(r), ['miss', 'run_invalid'])
  assert.equal(r.calls, 1)
  // parseCachedData's data is what a hit serves.
  const w = runChild({ ...p, validate: 'wrap' })
  assert.deepEqual(statusOf(w), ['hit', 'cache_hit'])
  assert.deepEqual(w.result.data, { wrapped: { run: 'child', previous: null } })
})

test('noCache: bypass no_cache, producer() with no argument, nothing written', async (t) => {
  const p = project(t)
  const r = runChild({ ...p, noCache: true })
  assert.deepEqual(statusOf(r), ['bypass', 'no_cache'])
  assert.deepEqual(r.argCounts, [0])
  assert.ok(r.result.cache.paths, 'paths still reported')
  assert.equal(fs.existsSync(p.home), false, 'no cache file or dir created')
  const d = runChild({ ...p, noCache: true, disabledReason: 'config_disabled' })
  assert.deepEqual(statusOf(d), ['disabled', 'no_cache'])
  assert.deepEqual(d.argCounts, [0])
  assert.equal(fs.existsSync(p.home), false)
})

test('same process: a second dispatch after a successful one is a memory hit', async (t) => {
  const p = project(t)
  let calls = 0
  const input = () => dispatchInput(p, { producer: () => ({ n: ++calls }) })
  const a = getOrBuildCachedProjectData(input())
  assert.equal(a.cache.status, 'miss')
  assert.equal(a.memoryHit, false)
  const b = getOrBuildCachedProjectData(input())
  assert.equal(calls, 1)
  assert.equal(b.cache.status, 'hit')
  assert.equal(b.memoryHit, true)
  assert.deepEqual(b.data, { n: 1 })
  assert.deepEqual(cacheMemoryHitMessageLines('project analysis').map((l) => l.message), [
    'project analysis cache memory hit (same_run)',
  ])
  // A real edit is still seen in the same process.
  edit(path.join(p.root, 'src/main.js'), 'export const changed = 1\n')
  const c = getOrBuildCachedProjectData(input())
  assert.equal(c.memoryHit, false)
  assert.equal(c.cache.reason, 'files_changed')
  assert.equal(calls, 2)
})

test('two-phase: an async producer between begin and commit; a second commit is ALREADY_COMMITTED', async (t) => {
  const p = project(t)
  const state = stateOf(p)
  const handle = beginCachedProjectData(dispatchInput(p))
  assert.equal(handle.needsProducer, true)
  assert.equal(handle.committed, false)
  assert.equal(handle.cache.status, 'miss')
  assert.equal(handle.context.analysisRebuild.strategy, 'full')
  assert.equal(handle.previousData, undefined)
  assert.equal(fs.existsSync(state.analysisPath), false, 'nothing persisted before commit')
  const data = await (async () => {
    await new Promise((r) => setTimeout(r, 20))
    return { async: true, tracked: handle.context.trackedSrcCount }
  })()
  const out = handle.commit(data)
  assert.equal(out.data, data, 'the very object comes back')
  assert.equal(out.cache.status, 'miss')
  assert.equal(JSON.parse(fs.readFileSync(state.analysisPath, 'utf8')).data.tracked, 6)
  assert.equal(handle.committed, true)
  assert.throws(() => handle.commit(data), { code: 'ALREADY_COMMITTED' })
  assert.throws(() => commitCachedProjectData(handle, data), { code: 'ALREADY_COMMITTED' })
  assert.throws(() => commitCachedProjectData({}, data), { code: 'INVALID_OPTION' })

  // An edit to a target locale: reuse, no producer needed, commit persists without data.
  edit(path.join(p.root, 'locales/de.json'), '{}\n')
  const h2 = beginCachedProjectData(dispatchInput(p))
  assert.equal(h2.needsProducer, false)
  assert.deepEqual(h2.previousData, data)
  const r2 = commitCachedProjectData(h2)
  assert.deepEqual(r2.data, data)
  assert.deepEqual([r2.cache.analysisRebuild.strategy, r2.cache.analysisRebuild.reason], ['reuse', 'target_locale_only'])
  // Missing data when it is needed: INVALID_DATA, and the handle can still be committed.
  edit(path.join(p.root, 'src/main.js'), 'export const x = 2\n')
  const h3 = beginCachedProjectData(dispatchInput(p))
  assert.equal(h3.needsProducer, true)
  assert.throws(() => h3.commit(), { code: 'INVALID_DATA' })
  assert.throws(() => h3.commit({ big: 1n }), { code: 'INVALID_DATA' })
  assert.equal(h3.committed, false)
  assert.deepEqual(h3.commit({ ok: 3 }).data, { ok: 3 })
})

test('a producer that throws: the same exception, nothing persisted', async (t) => {
  const p = project(t)
  const state = stateOf(p)
  const boom = new Error('boom')
  assert.throws(
    () => getOrBuildCachedProjectData(dispatchInput(p, { producer: () => { throw boom } })),
    (e) => e === boom,
  )
  assert.equal(fs.existsSync(state.filesPath), false)
  assert.equal(fs.existsSync(state.analysisPath), false)
  for (const bad of [undefined, 10n, () => 1]) {
    assert.throws(() => getOrBuildCachedProjectData(dispatchInput(p, { producer: () => bad })), { code: 'INVALID_DATA' })
  }
  const cyclic = {}
  cyclic.self = cyclic
  assert.throws(() => getOrBuildCachedProjectData(dispatchInput(p, { producer: () => cyclic })), { code: 'INVALID_DATA' })
  assert.equal(fs.existsSync(state.filesPath), false)
  assert.equal(fs.existsSync(state.analysisPath), false)
  assert.throws(() => getOrBuildCachedProjectData(dispatchInput(p)), { code: 'INVALID_OPTION' }, 'producer required')
  // A producer throwing in a fresh process: nothing persisted either.
  const r = runChild({ ...p, producerThrows: true })
  assert.equal(r.error.message, 'producer failed')
  assert.equal(fs.existsSync(state.analysisPath), false)
})

test('readOnly writes and deletes nothing, even with a corrupt file planted', async (t) => {
  const p = project(t)
  // Cold and read-only: nothing created at all.
  const r0 = runChild({ ...p, readOnly: true })
  assert.deepEqual(statusOf(r0), ['miss', 'files_changed'])
  assert.equal(fs.existsSync(p.home), false)
  assert.ok(r0.result.cache.warnings.some((w) => w.code === 'cache_read_only'))
  // A real cache, then a corrupt analysis.json and an edit, read-only.
  runChild(p)
  const state = stateOf(p)
  fs.writeFileSync(state.analysisPath, '{"version":1,"data":')
  fs.writeFileSync(path.join(state.projectDir, 'junk.json'), 'not json')
  edit(path.join(p.root, 'src/main.js'), 'export const ro = 1\n')
  await settle()
  const before = snapshot(p.cacheRoot)
  const r = runChild({ ...p, readOnly: true })
  assert.equal(r.calls, 1)
  assert.deepEqual(snapshot(p.cacheRoot), before, 'the cache tree is byte-for-byte unchanged')
  const codes = r.result.cache.warnings.map((w) => w.code)
  assert.ok(codes.includes('cache_malformed'), codes.join())
  assert.ok(codes.includes('cache_read_only'), codes.join())
  // The read-only store exports too.
  const ro = stateOf({ ...p, readOnly: true })
  assert.equal(ro.readOnly, true)
  assert.equal(cachecore.invalidateProjectAnalysisCache(ro).deleted, false)
  assert.equal(cachecore.prepareCacheForRun(ro).warnings.some((w) => w.code === 'cache_read_only'), true)
  assert.equal(cachecore.saveProjectRunState(ro, { data: { x: 1 } }).written, false)
  assert.deepEqual(snapshot(p.cacheRoot), before)
})

test('corrupt and oversize files: warnings with the contract codes, then a correct rebuild', async (t) => {
  const { p, state } = await cold(t)
  fs.writeFileSync(state.filesPath, '{ not json')
  const r = runChild(p)
  assert.ok(r.result.cache.warnings.some((w) => w.code === 'cache_malformed' && w.path === state.filesPath))
  assert.deepEqual(r.result.cache.filesIndexStatus, { kind: 'malformed' })
  assert.equal(JSON.parse(fs.readFileSync(state.filesPath, 'utf8')).version, 1, 'rewritten valid')
  // analysis.json over a small effective cap: oversize, the producer rebuilds.
  const o = runChild({ ...p, caps: { analysis: 10 } })
  assert.ok(o.result.cache.warnings.some((w) => w.code === 'cache_oversize' && w.path === state.analysisPath))
  assert.equal(o.calls, 1)
  // Nothing is written over the cap its readers use: the rebuilt analysis was not persisted
  // (cache_oversize, "not written"), so the next run with the default cap rebuilds once, then hits.
  assert.ok(o.result.cache.warnings.some((w) => w.code === 'cache_oversize' && /not written/.test(w.message)))
  assert.equal(fs.existsSync(state.analysisPath), false)
  assert.deepEqual(statusOf(runChild(p)), ['miss', 'run_missing'])
  assert.deepEqual(statusOf(runChild(p)), ['hit', 'cache_hit'])
})

test('a panic failpoint in an export becomes INTERNAL and node survives', async (t) => {
  const p = project(t)
  const r = runChild(p, { CACHECORE_FAILPOINT: 'panic:getOrBuildCachedProjectData' })
  assert.equal(r.error.code, 'INTERNAL')
  assert.match(r.error.message, /failpoint/)
  const state = stateOf({ ...p, noCache: true })
  const input = dispatchInput(p)
  process.env.CACHECORE_FAILPOINT = [
    'beginCachedProjectData',
    'initializeCacheState',
    'loadTranslationCache',
    'prepareCacheForRun',
    'loadProjectFilesState',
  ].map((n) => `panic:${n}`).join(',')
  try {
    assert.throws(() => beginCachedProjectData(input), { code: 'INTERNAL' })
    assert.throws(() => cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot }), { code: 'INTERNAL' })
    assert.throws(() => cachecore.loadTranslationCache(state, { targetLang: 'fr', translateConfigEpoch: 'a', inputFilesEpoch: 'b' }), { code: 'INTERNAL' })
    assert.throws(() => cachecore.prepareCacheForRun(state), { code: 'INTERNAL' })
    assert.throws(() => cachecore.loadProjectFilesState(state), { code: 'INTERNAL' })
  } finally {
    delete process.env.CACHECORE_FAILPOINT
  }
})

test('a host baseline from before the run: the repeat in the same process is still a memory hit', async (t) => {
  const p = project(t)
  runChild(p)
  const state = stateOf(p)
  const loaded = cachecore.loadProjectFilesState(state).value
  const baselineFiles = { ...loaded.files, ...loaded.localeSegments }
  edit(path.join(p.root, 'src/main.js'), 'export const baseline = 1\n')
  let calls = 0
  const input = () => dispatchInput(p, { baselineFiles, producer: () => ({ n: ++calls }) })
  const a = getOrBuildCachedProjectData(input())
  assert.deepEqual([a.cache.analysisRebuild.strategy, a.cache.analysisRebuild.reason], ['partial', 'src_partial'])
  assert.deepEqual(a.cache.delta.changed, ['main.js'])
  const b = getOrBuildCachedProjectData(input())
  assert.equal(b.memoryHit, true, 'the pre-run baseline is not re-applied')
  assert.equal(calls, 1)
  assert.throws(() => getOrBuildCachedProjectData(dispatchInput(p, { baselineFiles: { 'a.ts': { hash: 'x' } }, producer: () => 1 })), {
    code: 'INVALID_OPTION',
  })
})

test('src excludes (ScanExcludeConfig): dir names, RegExps, extensions, path patterns', async (t) => {
  const p = project(t)
  const seen = []
  const run = (exclude) =>
    getOrBuildCachedProjectData(
      dispatchInput({ ...p, cacheRoot: path.join(p.dir, `c${seen.length}`) }, {
        exclude,
        producer: (ctx) => {
          seen.push(ctx.trackedSrcCount)
          return 1
        },
      }),
    )
  run(undefined)
  run({ dirs: ['components'] })
  run({ dirs: [/^pag/] })
  run({ extensions: ['tsx'] })
  run({ patterns: ['^lib/'] })
  run({ files: ['main.js'] })
  run({ dirs: [/AGE/i], files: [/^head/i] })
  run({ useDefaultSkip: false, preset: 'production' })
  assert.deepEqual(seen, [6, 4, 4, 3, 5, 5, 3, 6])
  assert.throws(() => run({ patterns: ['('] }), { code: 'INVALID_OPTION' })
  assert.throws(() => run({ preset: 'nope' }), { code: 'INVALID_OPTION' })
})

test('two-phase with the cache off: needsProducer, no context, nothing written', (t) => {
  const p = project(t)
  const h = beginCachedProjectData(dispatchInput({ ...p, noCache: true }))
  assert.equal(h.needsProducer, true)
  assert.equal(h.context, undefined)
  assert.equal(h.cache.status, 'bypass')
  const out = h.commit({ off: true })
  assert.deepEqual([out.data, out.cache.status, out.cache.reason], [{ off: true }, 'bypass', 'no_cache'])
  assert.equal(fs.existsSync(p.home), false)
})

// Issue 9: cachecore writes analysis.json envelope first and reads only the envelope to decide;
// the data is read and parsed (JSON.parse is its validation) only when the decision uses it.
test('analysis.json is written envelope first, compact; the TypeScript core layout is read and rebuilt', async (t) => {
  const { p, state } = await cold(t)
  const text = fs.readFileSync(state.analysisPath, 'utf8')
  assert.match(text, /^\{"version":1,"updatedAt":"[^"]+","projectId":"[0-9a-f]+","inputFilesEpoch":"[0-9a-f]+","data":\{/)
  const stored = JSON.parse(text)
  // Rewritten as the TypeScript core writes it: pretty, data before inputFilesEpoch. Read as
  // such, but its data's bytes are not those cachecore recorded: rebuilt, never served.
  const { version, updatedAt, projectId, data, inputFilesEpoch } = stored
  fs.writeFileSync(state.analysisPath, JSON.stringify({ version, updatedAt, projectId, data, inputFilesEpoch }, null, 2))
  await settle()
  const rebuilt = runChild(p)
  assert.equal(rebuilt.result.cache.status, 'miss')
  assert.equal(rebuilt.calls, 1)
  const r = runChild(p)
  assert.deepEqual(statusOf(r), ['hit', 'cache_hit'])
  assert.deepEqual(r.result.data, rebuilt.result.data)
  const { scanMs, envelopeMs, dataMs, decideMs, commitMs, stringifyMs } = r.result.timings
  for (const v of [scanMs, envelopeMs, dataMs, decideMs, commitMs]) assert.ok(Number.isFinite(v) && v >= 0, String(v))
  assert.equal(stringifyMs, 0, 'a hit serialises nothing')
})

test('stored data that is not JSON behind a valid envelope: a malformed miss, rebuilt, never served', async (t) => {
  const { p, state } = await cold(t)
  const corrupt = () => {
    const text = fs.readFileSync(state.analysisPath, 'utf8')
    const at = text.indexOf(',"data":')
    assert.ok(at > 0)
    // The envelope stays valid and the file still ends with a brace: only parsing the data shows it.
    fs.writeFileSync(state.analysisPath, text.slice(0, at) + ',"data":{"run":"stale","x":[1,}' + '}')
  }
  corrupt()
  await settle()
  const r = runChild(p)
  assert.equal(r.error, undefined, JSON.stringify(r.error))
  assert.equal(r.result.cache.status, 'miss')
  assert.ok(
    r.result.cache.warnings.some((w) => w.code === 'cache_malformed' && w.path === state.analysisPath && /invalid JSON|checksum/.test(w.message)),
    JSON.stringify(r.result.cache.warnings),
  )
  assert.equal(r.calls, 1, 'the producer rebuilt it')
  assert.equal(r.ctx.previous, undefined, 'the bad data is never a base')
  assert.deepEqual(r.result.data, { run: 'child', previous: null })
  assert.deepEqual(JSON.parse(fs.readFileSync(state.analysisPath, 'utf8')).data, { run: 'child', previous: null })
  // The same through the two-phase handle, in this process.
  corrupt()
  const h = beginCachedProjectData(dispatchInput(p))
  assert.equal(h.needsProducer, true)
  assert.equal(h.context.previous, undefined)
  assert.equal(h.previousData, undefined)
  assert.ok(h.cache.warnings.some((w) => w.code === 'cache_malformed'))
  assert.equal(h.timings.commitMs, 0)
  const out = h.commit({ rebuilt: true })
  assert.deepEqual(out.data, { rebuilt: true })
  assert.deepEqual(JSON.parse(fs.readFileSync(state.analysisPath, 'utf8')).data, { rebuilt: true })
})

test('a partial rebuild hands the producer the stored data parsed once, as plain objects', async (t) => {
  const { p, state } = await cold(t)
  edit(path.join(p.root, 'src/main.js'), 'export const x = 3\n')
  const h = beginCachedProjectData(dispatchInput(p))
  assert.equal(h.needsProducer, true)
  assert.equal(h.context.analysisRebuild.strategy, 'partial')
  assert.deepEqual(h.context.previous, { run: 'child', previous: null })
  assert.equal(Object.getPrototypeOf(h.context.previous), Object.prototype)
  assert.equal(h.previousData, h.context.previous, 'one parse, the same object')
  const out = h.commit({ patched: h.context.previous.run })
  assert.deepEqual(out.data, { patched: 'child' })
  assert.ok(out.timings.stringifyMs > 0 && out.timings.stringifyMs <= out.timings.commitMs, JSON.stringify(out.timings))
  assert.deepEqual(JSON.parse(fs.readFileSync(state.analysisPath, 'utf8')).data, { patched: 'child' })
})

test("a dispatch's unchanged keys are listed when they are read, then as plain data", async (t) => {
  const p = project(t)
  const input = () => dispatchInput(p, { producer: () => ({ n: 1 }) })
  getOrBuildCachedProjectData(input())
  const stored = JSON.parse(fs.readFileSync(stateOf(p).filesPath, 'utf8'))
  const tracked = [...Object.keys(stored.files), ...Object.keys(stored.localeSegments)]
  const hit = getOrBuildCachedProjectData(input())
  assert.equal(hit.cache.status, 'hit')
  for (const cache of [hit.cache, beginCachedProjectData(input()).cache]) {
    // Not built yet: an accessor over the core's list.
    assert.equal(typeof Object.getOwnPropertyDescriptor(cache.delta, 'unchanged').get, 'function')
    assert.deepEqual(Object.keys(cache.delta), ['added', 'changed', 'deleted', 'unchanged'])
    const keys = cache.delta.unchanged
    assert.deepEqual([...keys].sort(), [...tracked].sort())
    assert.equal(cache.delta.unchanged, keys, 'the same array on every read')
    assert.deepEqual(JSON.parse(JSON.stringify(cache)).delta.unchanged, keys)
    assert.equal(cacheDispatchMessageLines('project analysis', cache)[0].message, 'project analysis cache hit (cache_hit)')
  }
})
