// `cachecore/i18nprune`: i18nprune 0.1.4's cache surface over cachecore. Its signatures and
// result shapes, the host's IO ports honoured (a virtual file system is never the real disk), and
// the native path kept for runtimes without ports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import * as esm from '../js/i18nprune.mjs'
import { tempDir, writeTree, settle, cachecore } from './helpers.mjs'
import { memoryRuntime } from './memory-runtime.mjs'
import { DROP_IN_DTS_PATH, generateDropIn, valueExports } from '../tools/gen-entries.mjs'

const require = createRequire(import.meta.url)
const dropIn = require('../js/i18nprune.cjs')

/** Every path under `dir` with its kind, size, mtime and content: equal snapshots, nothing changed. */
function snapshot(dir) {
  const out = []
  const walk = (d) => {
    for (const name of fs.readdirSync(d).sort()) {
      const f = path.join(d, name)
      const st = fs.lstatSync(f)
      out.push(`${f} ${st.isDirectory() ? 'd' : 'f'} ${st.size} ${st.mtimeMs}`)
      if (st.isDirectory()) walk(f)
      else out.push(fs.readFileSync(f, 'base64'))
    }
  }
  walk(dir)
  return out.join('\n')
}

/** A virtual root that does not exist on this machine (and must not after the test). */
function virtualRoot() {
  const root = `/cachecore-virtual-${crypto.randomBytes(6).toString('hex')}`
  assert.equal(fs.existsSync(root), false)
  return root
}

function virtualProject(extra = {}) {
  const root = virtualRoot()
  const mem = memoryRuntime({
    [`${root}/project/src/app.ts`]: 't("app.title")',
    [`${root}/project/locales/en.json`]: '{"app":{"title":"Title"}}',
    [`${root}/project/locales/fr.json`]: '{"app":{"title":"Titre"}}',
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${root}${k}`, v])),
  })
  const { state } = dropIn.initializeCacheState({
    projectRoot: `${root}/project`,
    cacheRootDir: `${root}/cache`,
    runtime: mem.runtime,
  })
  let builds = 0
  const input = {
    state,
    runtime: mem.runtime,
    sourceLocalePath: `${root}/project/locales/en.json`,
    srcRoot: `${root}/project/src`,
    localesDir: `${root}/project/locales`,
    locales: { source: 'en', directory: 'locales' },
    producer: () => ({ builds: (builds += 1) }),
    parseCachedData: (d) => (typeof d?.builds === 'number' ? { ok: true, data: d } : { ok: false }),
  }
  return { root, mem, state, input, builds: () => builds }
}

test('the ESM and CommonJS entries export the same names, i18nprune 0.1.4 surface included', () => {
  const dts = fs.readFileSync(DROP_IN_DTS_PATH, 'utf8')
  assert.deepEqual(valueExports(dts).sort(), Object.keys(dropIn).sort(), 'js/i18nprune.d.ts declares exactly the layer\'s values')
  for (const [file, text] of Object.entries(generateDropIn(dts))) {
    assert.ok(fs.readFileSync(file, 'utf8') === text, `${path.basename(file)} is stale: run node tools/gen-entries.mjs`)
  }
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(dropIn).sort())
  for (const name of [
    'getOrBuildCachedProjectData', 'initializeCacheState', 'resolveCacheState', 'prepareCacheForRun',
    'loadProjectFilesState', 'saveProjectFilesState', 'loadProjectRunState', 'saveProjectRunState',
    'loadProjectsIndex', 'saveProjectsIndex', 'touchProjectIndex', 'maybeHealCacheIndex', 'defaultProjectsIndex',
    'defaultProjectFilesState', 'resolveFilesIndexStatus', 'readJsonFileWithLimit', 'writeJsonAtomic',
    'tryDeleteCacheFile', 'resolveCachedLocalesLayout', 'buildSrcFileRecords', 'buildLocaleSegmentRecords',
    'buildTrackedProjectFilesCurrent', 'TranslateCacheL1Memo', 'TranslateCacheL2Store', 'openTranslateCacheL2ForTarget',
    'resolveShareInputFilesEpoch', 'EMPTY_INPUT_FILES_EPOCH', 'ANALYSIS_BASENAME', 'MAX_PROJECT_FILES_BYTES',
  ]) {
    assert.ok(name in dropIn, name)
  }
  assert.equal(dropIn.EMPTY_INPUT_FILES_EPOCH, crypto.createHash('sha256').update('').digest('hex'))
})

test('a virtual file system: miss, hit, edit; every byte through the host, nothing on the real disk', () => {
  const p = virtualProject()
  const first = dropIn.getOrBuildCachedProjectData(p.input)
  assert.deepEqual(Object.keys(first).sort(), ['cache', 'data'])
  assert.equal(first.cache.status, 'miss')
  assert.equal('classified' in first.cache, false)
  assert.ok(p.mem.read(p.state.filesPath), 'files.json is in the virtual file system')
  assert.ok(p.mem.read(p.state.metaPath))
  // Records are hashed by the host's hasher.
  const index = JSON.parse(p.mem.read(p.state.filesPath))
  assert.equal(index.files['app.ts'].hash, p.mem.runtime.hashText('t("app.title")'))

  const hit = dropIn.getOrBuildCachedProjectData(p.input)
  assert.equal(hit.cache.status, 'hit')
  assert.deepEqual(hit.data, { builds: 1 })

  p.mem.runtime.fs.writeText(`${p.root}/project/src/app.ts`, 't("app.changed")')
  const edited = dropIn.getOrBuildCachedProjectData(p.input)
  assert.equal(edited.cache.reason, 'files_changed')
  assert.deepEqual(edited.data, { builds: 2 })
  assert.equal(fs.existsSync(p.root), false, 'the real disk was never touched')
})

test('ports: a deleted files.json is recovered, a stripped binding is stale, a target edit reuses', () => {
  const p = virtualProject()
  dropIn.getOrBuildCachedProjectData(p.input)
  p.mem.runtime.fs.deleteFile(p.state.filesPath)
  const recovered = dropIn.getOrBuildCachedProjectData(p.input)
  assert.equal(recovered.cache.status, 'hit')
  assert.equal(recovered.cache.reason, 'files_index_recovered')
  assert.ok(p.mem.read(p.state.filesPath), 'files.json rewritten')

  const envelope = JSON.parse(p.mem.read(p.state.analysisPath))
  delete envelope.inputFilesEpoch
  p.mem.runtime.fs.writeText(p.state.analysisPath, JSON.stringify(envelope))
  const stale = dropIn.getOrBuildCachedProjectData(p.input)
  assert.equal(stale.cache.reason, 'run_binding_stale')
  assert.equal(typeof stale.cache.inputFilesEpochDebug.current, 'string')
  assert.equal(p.builds(), 2)

  p.mem.runtime.fs.writeText(`${p.root}/project/locales/fr.json`, '{"app":{"title":"Titre !"}}')
  const target = dropIn.getOrBuildCachedProjectData(p.input)
  assert.deepEqual(
    [target.cache.analysisRebuild.strategy, target.cache.analysisRebuild.reason],
    ['reuse', 'target_locale_only'],
  )
  assert.equal(p.builds(), 2)
  assert.equal(fs.existsSync(p.root), false)
})

test('ports: a layout change re-lists the locales and keeps the src hashes; sizes come from byteLength', () => {
  const root = virtualRoot()
  const mem = memoryRuntime(
    {
      [`${root}/p/src/a.ts`]: 'x',
      [`${root}/p/locales/en.json`]: '{}',
      [`${root}/p/messages/en/common.json`]: '{"a":1}',
      [`${root}/p/src/node_modules/dep/i.ts`]: 'skipped',
      [`${root}/p/src/types.d.ts`]: 'excluded',
    },
    { byteLength: (t) => t.length * 10 },
  )
  const { state } = dropIn.initializeCacheState({ projectRoot: `${root}/p`, cacheRootDir: `${root}/c`, runtime: mem.runtime })
  const base = { state, runtime: mem.runtime, srcRoot: `${root}/p/src`, producer: () => ({ v: 1 }), exclude: { extensions: ['d.ts'] } }
  dropIn.getOrBuildCachedProjectData({
    ...base,
    sourceLocalePath: `${root}/p/locales/en.json`,
    localesDir: `${root}/p/locales`,
    locales: { source: 'en', directory: 'locales' },
  })
  const before = JSON.parse(mem.read(state.filesPath))
  assert.deepEqual(Object.keys(before.files), ['a.ts'])
  assert.equal(before.files['a.ts'].size, 10)
  const r = dropIn.getOrBuildCachedProjectData({
    ...base,
    sourceLocalePath: `${root}/p/messages/en/common.json`,
    localesDir: `${root}/p/messages`,
    locales: { source: 'en', directory: 'messages', mode: 'locale_directory', structure: 'locale_per_dir' },
  })
  assert.equal(r.cache.analysisRebuild.reason, 'layout_changed')
  const after = JSON.parse(mem.read(state.filesPath))
  assert.deepEqual(Object.keys(after.localeSegments), ['en/common.json'])
  assert.equal(after.localesLayout.mode, 'locale_directory')
  assert.equal(after.files['a.ts'].hash, before.files['a.ts'].hash)
})

test('ports: a port that throws or returns a Promise is an IO warning; a throwing hasher throws and writes nothing', () => {
  const p = virtualProject()
  const readText = p.mem.runtime.fs.readText
  p.mem.runtime.fs.readText = (f) => (f === p.state.filesPath ? Promise.resolve('{}') : readText(f))
  dropIn.getOrBuildCachedProjectData(p.input)
  const r = dropIn.getOrBuildCachedProjectData(p.input)
  assert.ok(r.cache.warnings.some((w) => w.code === 'cache_io_error' && /Promise/.test(w.message)), JSON.stringify(r.cache.warnings))

  const q = virtualProject()
  const boom = new Error('hasher down')
  q.input.runtime = { ...q.mem.runtime, hashText: () => { throw boom } }
  assert.throws(() => dropIn.getOrBuildCachedProjectData(q.input), (e) => e === boom)
  assert.equal(q.mem.read(q.state.filesPath), undefined, 'nothing persisted')
  assert.equal(q.mem.read(q.state.analysisPath), undefined)
})

test('the producer gets previous as the host parser returned it, and a generic T back', () => {
  const p = virtualProject({ '/project/src/b.ts': 'b()', '/project/src/c.ts': 'c()' })
  const seen = []
  p.input.producer = (ctx) => {
    seen.push(ctx?.previous)
    return { version: 1, counts: { files: 3 } }
  }
  p.input.parseCachedData = (d) => (d?.version === 1 ? { ok: true, data: { ...d, normalised: true } } : { ok: false })
  p.input.rebuildConfig = { rebuild: 'partial', fullRescanThresholdPercent: 90 }
  dropIn.getOrBuildCachedProjectData(p.input)
  p.mem.runtime.fs.writeText(`${p.root}/project/src/b.ts`, 'b(1)')
  const r = dropIn.getOrBuildCachedProjectData(p.input)
  assert.equal(r.cache.analysisRebuild.strategy, 'partial')
  assert.deepEqual(seen, [undefined, { version: 1, counts: { files: 3 }, normalised: true }])
})

test('classifyCacheFileDelta takes Sets; the decision and invalidation keep their shapes', () => {
  const layout = { mode: 'flat_file', structure: 'locale_file', directory: 'locales', source: 'en' }
  const c = dropIn.classifyCacheFileDelta({
    delta: { added: ['n.ts'], changed: ['fr.json'], deleted: ['gone.ts'], unchanged: [] },
    currentSrcFileKeys: new Set(['n.ts']),
    baselineSrcFileKeys: new Set(['gone.ts']),
    currentLocaleSegmentKeys: new Set(['en.json', 'fr.json']),
    baselineLocaleSegmentKeys: new Set(['en.json', 'fr.json']),
    sourceLocaleSegmentKey: 'en.json',
    previousLayout: layout,
    currentLayout: layout,
    filesIndexStatus: { kind: 'ok' },
  })
  assert.deepEqual(c.src, { added: ['n.ts'], changed: [], deleted: ['gone.ts'] })
  assert.deepEqual(c.targetLocale, ['fr.json'])
  assert.equal(dropIn.srcDeltaIsEmpty(c.src), false)
  assert.equal(dropIn.countSrcDeltaAffected(c.src), 2)

  const p = virtualProject()
  dropIn.getOrBuildCachedProjectData(p.input)
  const input = { enabled: true, rebuildConfig: { rebuild: 'full', fullRescanThresholdPercent: 10 }, sourceLocaleSegmentKey: 'en.json', mutatedLocaleSegmentKeys: ['fr.json'] }
  assert.deepEqual(dropIn.invalidateProjectAnalysisCacheAfterLocaleWrites(p.state, p.mem.runtime, input), {
    action: 'delete',
    reason: 'config_rebuild_full',
  })
  assert.equal(p.mem.read(p.state.analysisPath), undefined, 'deleted through the host')
})

test('emitters: a missing emit is a no-op, events carry at as a number', () => {
  const cache = { status: 'hit', reason: 'cache_hit', warnings: [] }
  assert.doesNotThrow(() => dropIn.emitCacheDispatchMessages({ op: 'validate', label: 'x', cache }))
  const events = []
  const before = Date.now()
  dropIn.emitCacheDispatchMessages({ emit: (e) => events.push(e), op: 'validate', runId: 'r1', label: 'project analysis', cache })
  dropIn.emitCacheMemoryHitMessage({ emit: (e) => events.push(e), op: 'validate', label: 'project analysis' })
  dropIn.emitAnalysisCacheInvalidationMessage({
    emit: () => {
      throw new Error('a host handler that throws never breaks the run')
    },
    op: 'sync',
    decision: { action: 'delete', reason: 'config_rebuild_full' },
  })
  assert.deepEqual(
    events.map(({ at, ...e }) => (assert.ok(typeof at === 'number' && at >= before), e)),
    [
      { type: 'run.message', op: 'validate', runId: 'r1', level: 'info', channel: 'cache', message: 'project analysis cache hit (cache_hit)' },
      { type: 'run.message', op: 'validate', runId: undefined, level: 'info', channel: 'cache', message: 'project analysis cache memory hit (same_run)' },
    ],
  )
})

test('computeCacheProjectId honours the path port; helpers of the TypeScript core', () => {
  const resolve = (r) => path.posix.resolve(r)
  assert.equal(dropIn.computeCacheProjectId('/tmp/proj/', { path: { resolve } }), dropIn.computeCacheProjectId('/tmp/proj'))
  assert.notEqual(dropIn.computeCacheProjectId('/tmp/proj/'), dropIn.computeCacheProjectId('/tmp/proj'))
  const runtime = { system: { now: () => Date.UTC(2030, 0, 1) } }
  assert.equal(dropIn.nowIso(runtime), '2030-01-01T00:00:00.000Z')
  assert.deepEqual(dropIn.defaultProjectFilesState(runtime), { version: 1, updatedAt: '2030-01-01T00:00:00.000Z', files: {} })
  assert.deepEqual(dropIn.omitSyntheticSourceKey({ __source_locale__: 1, a: 2 }), { a: 2 })
  assert.deepEqual(dropIn.resolveCachedLocalesLayout({ source: 'en', directory: 'l' }), {
    mode: 'flat_file', structure: 'locale_file', directory: 'l', source: 'en',
  })
  assert.deepEqual(dropIn.validateProjectFilesPayload({ files: [] }, 'f'), { ok: false, message: 'missing or invalid field: files' })
  assert.deepEqual(dropIn.validateProjectRunEnvelope({ inputFilesEpoch: 1, data: 0 }, 'f'), { ok: false, message: 'invalid field type: inputFilesEpoch' })
})

test('the meta index through ports: load, touch, save, heal (orphans deleted with deleteDir)', () => {
  const p = virtualProject()
  const { runtime } = p.mem
  assert.deepEqual(dropIn.loadProjectsIndex(p.state, runtime).index.projects, {})
  const touched = dropIn.touchProjectIndex(p.state, dropIn.defaultProjectsIndex(runtime), runtime)
  assert.equal(touched.projects[dropIn.normalizeProjectRootKey(p.state.projectRoot)], p.state.projectId)
  assert.equal(dropIn.saveProjectsIndex(p.state, touched, runtime), undefined)
  assert.equal(dropIn.loadProjectsIndex(p.state, runtime).index.maintenance.runCount, 1)

  runtime.fs.mkdirp(`${p.state.rootDir}/projects/orphan`)
  runtime.deleteDir(p.state.projectDir)
  const healed = dropIn.maybeHealCacheIndex(p.state, { ...touched, maintenance: { runCount: 1, healEveryRuns: 1 } }, runtime)
  assert.equal(healed.healed, true)
  assert.deepEqual(healed.index.projects, {}, 'an entry whose dir is gone is dropped')
  assert.equal(runtime.fs.exists(`${p.state.rootDir}/projects/orphan`), false)
  const notDue = dropIn.maybeHealCacheIndex(p.state, { ...touched, maintenance: { runCount: 3, healEveryRuns: 2 } }, runtime)
  assert.equal(notDue.healed, false)
  assert.equal(fs.existsSync(p.root), false)
})

test('JSON helpers and the files index through ports', () => {
  const p = virtualProject()
  const { runtime } = p.mem
  const file = `${p.root}/share/share.json`
  assert.equal(dropIn.writeJsonAtomic(file, { a: 1 }, runtime), undefined)
  assert.equal(p.mem.read(file), '{\n  "a": 1\n}')
  assert.deepEqual(dropIn.readJsonFileWithLimit(file, 100, runtime), { data: { a: 1 } })
  assert.equal(dropIn.readJsonFileWithLimit(file, 3, runtime).warning.code, 'cache_oversize')
  runtime.fs.writeText(file, '{oops')
  assert.equal(dropIn.readJsonFileWithLimit(file, 100, runtime).warning.code, 'cache_malformed')
  dropIn.tryDeleteCacheFile(runtime, file)
  assert.deepEqual(dropIn.readJsonFileWithLimit(file, 100, runtime), {})

  const missing = dropIn.loadProjectFilesState(p.state, runtime)
  assert.deepEqual(dropIn.resolveFilesIndexStatus({ prev: missing.files, warnings: missing.warnings, filesPath: p.state.filesPath, runtime }), { kind: 'missing' })
  dropIn.getOrBuildCachedProjectData(p.input)
  const loaded = dropIn.loadProjectFilesState(p.state, runtime)
  assert.deepEqual(Object.keys(loaded.files.files), ['app.ts'])
  assert.deepEqual(dropIn.resolveFilesIndexStatus({ prev: loaded.files, warnings: loaded.warnings, filesPath: p.state.filesPath, runtime }), { kind: 'ok' })
  runtime.fs.writeText(p.state.filesPath, 'not json')
  const bad = dropIn.loadProjectFilesState(p.state, runtime)
  assert.equal(bad.warnings[0].code, 'cache_malformed')
  assert.equal(dropIn.resolveFilesIndexStatus({ prev: bad.files, warnings: bad.warnings, filesPath: p.state.filesPath, runtime }).kind, 'malformed')
  const run = dropIn.loadProjectRunState(p.state, runtime)
  assert.deepEqual(run.run.data, { builds: 1 })
  assert.equal(fs.existsSync(p.root), false)
})

test('tracked-file helpers walk and hash through the host with the dispatch rules', () => {
  const root = virtualRoot()
  const { runtime } = memoryRuntime({
    [`${root}/src/a.ts`]: 'a',
    [`${root}/src/dist/b.ts`]: 'skipped by default',
    [`${root}/src/c.md`]: 'not source',
    [`${root}/locales/en.json`]: '{}',
  })
  const files = dropIn.buildSrcFileRecords({ runtime, srcRoot: `${root}/src` })
  assert.deepEqual(Object.keys(files), ['a.ts'])
  assert.equal(files['a.ts'].hash, runtime.hashText('a'))
  assert.equal(files['a.ts'].mtimeMs, 0)
  const current = dropIn.buildTrackedProjectFilesCurrent({
    runtime,
    srcRoot: `${root}/src`,
    localesDir: `${root}/locales`,
    locales: { source: 'en', directory: 'locales' },
    scanSrc: false,
    reuseSrcFiles: { 'kept.ts': files['a.ts'], __source_locale__: files['a.ts'] },
  })
  assert.deepEqual(Object.keys(current.merged).sort(), ['en.json', 'kept.ts'])
})

test('the translation cache through ports: L2 store, file names, epochs, heal', () => {
  const p = virtualProject()
  const { runtime } = p.mem
  const tce = dropIn.computeTranslateConfigEpoch({ primary: 'google', providers: [{ id: 'google', apiKey: 'x' }] })
  assert.equal(tce, dropIn.computeTranslateConfigEpoch({ primary: 'google', providers: [{ id: 'google', apiKey: 'y' }] }))
  assert.equal(dropIn.computeTranslateConfigEpoch(undefined), 'none')
  const open = (targetLang, inputFilesEpoch = 'e1') =>
    dropIn.TranslateCacheL2Store.open({ state: p.state, runtime, targetLang, inputFilesEpoch, translateConfigEpoch: tce }).store
  const l2 = open('pt/BR')
  assert.equal(l2.localeFilePath, `${p.state.projectDir}/translations/pt_BR.json`)
  const key = l2.buildKey({ sourceText: 'Hello {{name}}', sourceLang: 'en', providerId: 'google' })
  const leafMeta = { status: 'translated', confidence: null, needsReview: false, needsTranslationAgain: false, source: 'generated' }
  l2.set(key, { text: 'Olá {{name}}', leafMeta, runtime: { attempts: 1, retries: 0 } }, 'google')
  assert.equal(l2.flush(), undefined)
  const stored = JSON.parse(p.mem.read(l2.localeFilePath))
  assert.equal(stored.targetLang, 'pt/BR')
  assert.equal(stored.entries[key].providerId, 'google')
  assert.deepEqual(open('pt/BR').get(key), { text: 'Olá {{name}}', leafMeta })
  assert.equal(open('pt/BR', 'e2').get(key), undefined, 'another input files epoch')
  assert.throws(() => new dropIn.TranslateCacheL2Store({}), TypeError)

  const l1 = new dropIn.TranslateCacheL1Memo({ translateConfigEpoch: tce })
  const k1 = l1.buildKey({ sourceText: 'Hi', sourceLang: 'en', targetLang: 'fr', providerId: 'google' })
  assert.notEqual(k1, l1.buildKey({ sourceText: 'Hi', sourceLang: 'en', targetLang: 'de', providerId: 'google' }))
  l1.set(k1, { text: 'Salut', leafMeta })
  assert.equal(l1.size(), 1)

  runtime.fs.writeText(`${p.state.projectDir}/translations/de.json`, '[]')
  const warnings = dropIn.prepareTranslationCacheLayout(p.state, runtime)
  assert.deepEqual(warnings.map((w) => [w.code, w.path]), [['cache_malformed', `${p.state.projectDir}/translations/de.json`]])
  assert.equal(p.mem.read(`${p.state.projectDir}/translations/de.json`), undefined)
  assert.ok(p.mem.read(l2.localeFilePath), 'a valid file is kept')
  assert.equal(fs.existsSync(p.root), false)
})

test('the host context: share epoch, L1/L2 switches, L2 opened at the files epoch', () => {
  const p = virtualProject()
  const ctx = { config: { translate: { primary: 'google', providers: [{ id: 'google' }] } }, cache: { state: p.state, runtime: p.mem.runtime } }
  assert.equal(dropIn.resolveShareInputFilesEpoch(ctx), undefined, 'no files.json yet')
  dropIn.getOrBuildCachedProjectData(p.input)
  const loaded = dropIn.loadProjectFilesState(p.state, p.mem.runtime).files
  const merged = dropIn.mergeTrackedFileMaps(loaded.files, loaded.localeSegments)
  const epoch = dropIn.computeInputFilesEpoch(merged, p.mem.runtime.hashText)
  assert.equal(dropIn.resolveShareInputFilesEpoch(ctx), epoch)
  assert.equal(dropIn.openTranslateCacheL2ForTarget(ctx, 'fr').l2.inputFilesEpoch, epoch)
  assert.equal(dropIn.openTranslateCacheL2ForTarget(ctx, 'fr', { bypassL2: true }).l2, undefined)
  assert.ok(dropIn.createGenerateTranslateCache(ctx).cache.l1 instanceof dropIn.TranslateCacheL1Memo)
  const noCache = { ...ctx, cache: { ...ctx.cache, state: { ...p.state, enabled: false, reason: 'cli_no_cache' } } }
  assert.equal(dropIn.createGenerateTranslateCache(noCache).cache.l1, undefined)
  assert.equal(dropIn.translateCacheL2Enabled(noCache), false)
})

test('without ports (or with the defaults marked native) everything stays native', async (t) => {
  const dir = tempDir(t)
  writeTree(dir, { 'p/src/a.ts': 't("a")', 'p/locales/en.json': '{}' })
  await settle()
  const runtime = { hashText: (s) => crypto.createHash('sha256').update(s).digest('hex') }
  const { state } = dropIn.initializeCacheState({ projectRoot: path.join(dir, 'p'), cacheRootDir: path.join(dir, 'c'), runtime })
  const input = {
    state,
    runtime,
    sourceLocalePath: path.join(dir, 'p/locales/en.json'),
    srcRoot: path.join(dir, 'p/src'),
    localesDir: path.join(dir, 'p/locales'),
    locales: { source: 'en', directory: 'locales' },
    producer: () => ({ n: 1 }),
  }
  dropIn.getOrBuildCachedProjectData(input)
  assert.ok(fs.existsSync(`${state.filesPath}.hints`), 'native: stat hints beside files.json')
  // Node ports marked as plain Node stay native too; unmarked, they go through the host.
  const nodePorts = {
    exists: (f) => fs.existsSync(f),
    readText: (f) => fs.readFileSync(f, 'utf8'),
    statKind: (f) => (fs.existsSync(f) ? (fs.statSync(f).isDirectory() ? 'directory' : 'file') : 'missing'),
    listDir: (d) => fs.readdirSync(d, { withFileTypes: true }).map((e) => ({ name: e.name, kind: e.isDirectory() ? 'directory' : 'file' })),
    writeText: (f, s) => fs.writeFileSync(f, s),
    deleteFile: (f) => fs.unlinkSync(f),
    mkdirp: (d) => fs.mkdirSync(d, { recursive: true }),
  }
  let reads = 0
  const counted = { ...nodePorts, readText: (f) => ((reads += 1), nodePorts.readText(f)) }
  const marked = dropIn.nativeCacheRuntime({ ...runtime, fs: counted, path: path, system: { cwd: process.cwd, now: Date.now } })
  assert.equal(dropIn.getOrBuildCachedProjectData({ ...input, runtime: marked }).cache.status, 'hit')
  assert.equal(reads, 0, 'marked native: the ports are not called')
  const hosted = { ...marked, fs: counted }
  assert.equal(dropIn.getOrBuildCachedProjectData({ ...input, runtime: hosted }).cache.status, 'hit')
  assert.ok(reads >= 2, 'unmarked: every tracked file read through the host')
})

test('prepareCacheForRun drops corrupt translations/*.json with a cache_malformed naming it; readOnly deletes nothing', (t) => {
  const dir = tempDir(t)
  fs.mkdirSync(path.join(dir, 'p'))
  const make = (readOnly) =>
    cachecore.initializeCacheState({ projectRoot: path.join(dir, 'p'), cacheRootDir: path.join(dir, 'c'), cacheReadOnly: readOnly }).state
  const state = make(false)
  const translations = path.join(state.projectDir, 'translations')
  writeTree(translations, { 'fr.json': '{not json', 'de.json': '[]', 'it.json': JSON.stringify({ targetLang: 'it', translateConfigEpoch: 'a', inputFilesEpoch: 'b', entries: {} }), 'notes.txt': 'x' })
  const before = snapshot(state.rootDir)
  const ro = cachecore.prepareCacheForRun(make(true))
  assert.deepEqual(
    ro.warnings.filter((w) => w.code === 'cache_malformed').map((w) => w.path).sort(),
    [path.join(translations, 'de.json'), path.join(translations, 'fr.json')],
  )
  assert.equal(snapshot(state.rootDir), before, 'readOnly: nothing written or deleted')
  const rw = dropIn.prepareCacheForRun(state, { hashText: 'fnv1a64' })
  assert.equal(rw.warnings.filter((w) => w.code === 'cache_malformed').length, 2)
  assert.deepEqual(fs.readdirSync(translations).sort(), ['it.json', 'notes.txt'])
})

test('the translation heal never deletes through a linked projects/<id>, natively or through the drop-in', (t) => {
  const dir = tempDir(t)
  fs.mkdirSync(path.join(dir, 'p'))
  const state = cachecore.initializeCacheState({ projectRoot: path.join(dir, 'p'), cacheRootDir: path.join(dir, 'c') }).state
  // The project dir is a link to a victim directory shaped like a project dir.
  const victim = path.join(dir, 'victim')
  writeTree(victim, { 'translations/fr.json': '{not json', 'files.json': '{not json' })
  fs.rmSync(state.projectDir, { recursive: true, force: true })
  fs.symlinkSync(victim, state.projectDir)
  const before = snapshot(victim)
  cachecore.healTranslationCacheFiles(state)
  cachecore.prepareCacheForRun(state)
  dropIn.prepareCacheForRun(state, { hashText: 'fnv1a64' })
  assert.equal(snapshot(victim), before, 'nothing in the victim was deleted or written')
  assert.ok(fs.lstatSync(state.projectDir).isSymbolicLink())
})
