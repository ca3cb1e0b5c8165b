// §6 cache files through the built addon: golden TypeScript-written files read as a hit without
// churn, cachecore-written files in the v1 shape, loaders that never throw, per-run maintenance
// and heal, invalidation, the translation cache (L2) and locale-code injection (F1).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, settle, tempDir } from './helpers.mjs'
import { project, stateOf, runChild, snapshot, dispatchInput } from './dispatch-project.mjs'

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex')
const T0 = '2026-01-01T00:00:00.000Z'
const SRC_RE = /\.(tsx?|jsx?|mjs|cjs|vue|svelte)$/i

function records(dir, keep, depth) {
  const out = {}
  const walk = (d, rel, level) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) {
        if (level < depth) walk(path.join(d, e.name), r, level + 1)
      } else if (keep(e.name)) {
        const text = fs.readFileSync(path.join(d, e.name), 'utf8')
        out[r] = { hash: sha256(text), size: Buffer.byteLength(text), mtimeMs: 0, updatedAt: T0 }
      }
    }
  }
  walk(dir, '', 0)
  return out
}

/** The three files exactly as the TypeScript core writes them for the example app. */
function writeGolden(p, state) {
  const files = records(path.join(p.root, 'src'), (n) => SRC_RE.test(n), 48)
  const localeSegments = records(path.join(p.root, 'locales'), (n) => n.endsWith('.json'), 0)
  const merged = { ...files, ...localeSegments }
  const epoch = sha256(
    Object.keys(merged)
      .sort()
      .map((k) => `${k}\t${merged[k].hash}\t${merged[k].size}\n`)
      .join(''),
  )
  const projectId = sha256(state.projectRoot.normalize('NFC').toLowerCase()).slice(0, 16)
  assert.equal(state.projectId, projectId, 'the project id is the TypeScript one')
  const layout = { mode: 'flat_file', structure: 'locale_file', directory: 'locales', source: 'en' }
  const filesJson = JSON.stringify({ version: 1, updatedAt: T0, files, localeSegments, localesLayout: layout }, null, 2)
  const analysisJson = JSON.stringify(
    { version: 1, updatedAt: T0, projectId, data: { golden: true, keys: ['app.title'] }, inputFilesEpoch: epoch },
    null,
    2,
  )
  const metaJson = JSON.stringify(
    { version: 1, updatedAt: T0, projects: { [`${state.projectRoot}/`]: projectId }, maintenance: { runCount: 3, healEveryRuns: 20 } },
    null,
    2,
  )
  fs.mkdirSync(state.projectDir, { recursive: true })
  fs.writeFileSync(state.filesPath, filesJson)
  fs.writeFileSync(state.analysisPath, analysisJson)
  fs.writeFileSync(state.metaPath, metaJson)
  return { files, localeSegments, epoch, filesJson, analysisJson }
}

test('golden: files written by the TypeScript core are a hit with no rewrite; a layout they do not match is rebuilt', async (t) => {
  const p = project(t)
  const state = stateOf(p)
  const golden = writeGolden(p, state)
  await settle()
  const before = [fs.statSync(state.filesPath).mtimeMs, fs.statSync(state.analysisPath).mtimeMs]
  // The TypeScript core records no settings of cachecore's beside its analysis; what its v1
  // files record (the tracked files and the locales layout) vouches for it, as in that core.
  const r = runChild(p)
  assert.deepEqual([r.result.cache.status, r.result.cache.reason], ['hit', 'cache_hit'])
  assert.equal(r.calls, 0)
  assert.deepEqual(r.result.data, { golden: true, keys: ['app.title'] })
  assert.deepEqual(r.result.cache.warnings, [])
  assert.equal(fs.readFileSync(state.filesPath, 'utf8'), golden.filesJson, 'files.json not rewritten')
  assert.equal(fs.readFileSync(state.analysisPath, 'utf8'), golden.analysisJson, 'analysis.json not rewritten')
  assert.deepEqual([fs.statSync(state.filesPath).mtimeMs, fs.statSync(state.analysisPath).mtimeMs], before)
  assert.ok(!fs.existsSync(`${state.analysisPath}.inputs`), 'a hit writes nothing, not even the record')
  // The loaders read them too.
  const f = cachecore.loadProjectFilesState(state)
  assert.deepEqual(f.status, { kind: 'ok' })
  assert.deepEqual(f.value.files, golden.files)
  assert.deepEqual(f.value.localeSegments, golden.localeSegments)
  const a = cachecore.loadProjectRunState(state)
  assert.equal(a.value.inputFilesEpoch, golden.epoch)
  assert.deepEqual(a.value.data, { golden: true, keys: ['app.title'] })
  // And the epoch helper of the other bindings agrees with the test's own.
  assert.equal(cachecore.computeInputFilesEpoch({ ...golden.files, ...golden.localeSegments }, 'sha256'), golden.epoch)

  // Another source locale with no file changed: the layout files.json records differs, so the
  // TypeScript core's analysis is never served for it (that core would have served it).
  let calls = 0
  const de = cachecore.getOrBuildCachedProjectData(
    dispatchInput(p, {
      locales: { source: 'de', directory: 'locales', mode: 'flat_file', structure: 'locale_file' },
      sourceLocalePath: path.join(p.root, 'locales', 'de.json'),
      producer: () => {
        calls++
        return { built: 'de' }
      },
      parseCachedData: (d) => ({ ok: true, data: d }),
    }),
  )
  assert.deepEqual([de.cache.status, de.cache.reason], ['miss', 'run_binding_stale'])
  assert.deepEqual([de.cache.analysisRebuild.strategy, de.cache.analysisRebuild.reason], ['full', 'layout_changed'])
  assert.equal(calls, 1)
  assert.deepEqual(de.data, { built: 'de' })
  assert.ok(de.cache.warnings.some((w) => w.code === 'cache_inputs_changed'))
})

test('what cachecore writes parses into the v1 shapes the TypeScript core reads', async (t) => {
  const p = project(t)
  const r = runChild(p)
  assert.equal(r.result.cache.status, 'miss')
  const state = stateOf(p)
  const filesText = fs.readFileSync(state.filesPath, 'utf8')
  const files = JSON.parse(filesText)
  assert.equal(JSON.stringify(files, null, 2), filesText, 'files.json is 2-space indented')
  assert.deepEqual(Object.keys(files).sort(), ['files', 'localeSegments', 'localesLayout', 'updatedAt', 'version'])
  assert.equal(files.version, 1)
  assert.ok(!Number.isNaN(Date.parse(files.updatedAt)))
  assert.deepEqual(files.localesLayout, { mode: 'flat_file', structure: 'locale_file', directory: 'locales', source: 'en' })
  assert.deepEqual(Object.keys(files.localeSegments).sort(), ['de.json', 'en.json', 'es.json', 'fr.json'])
  assert.equal(Object.keys(files.files).length, 6)
  for (const [dirName, map] of [['src', files.files], ['locales', files.localeSegments]]) {
    for (const [k, rec] of Object.entries(map)) {
      const text = fs.readFileSync(path.join(p.root, dirName, k), 'utf8')
      assert.deepEqual(Object.keys(rec).sort(), ['hash', 'mtimeMs', 'size', 'updatedAt'], k)
      assert.equal(rec.hash, sha256(text), k)
      assert.equal(rec.size, Buffer.byteLength(text), k)
      assert.equal(rec.mtimeMs, 0, k)
      assert.equal(typeof rec.updatedAt, 'string', k)
    }
  }
  const analysis = JSON.parse(fs.readFileSync(state.analysisPath, 'utf8'))
  assert.deepEqual(Object.keys(analysis).sort(), ['data', 'inputFilesEpoch', 'projectId', 'updatedAt', 'version'])
  assert.equal(analysis.version, 1)
  assert.equal(analysis.projectId, state.projectId)
  assert.match(analysis.inputFilesEpoch, /^[0-9a-f]{64}$/)
  assert.deepEqual(analysis.data, { run: 'child', previous: null })
  const meta = JSON.parse(fs.readFileSync(state.metaPath, 'utf8'))
  assert.deepEqual(Object.keys(meta).sort(), ['maintenance', 'projects', 'updatedAt', 'version'])
  assert.deepEqual(meta.projects, { [`${state.projectRoot}/`]: state.projectId })
  assert.equal(meta.maintenance.runCount, 1)
  assert.equal(meta.maintenance.healEveryRuns, 20)
})

test('state: resolve without IO, initialize disables on a missing root, readOnly creates nothing', (t) => {
  const p = project(t)
  const resolved = cachecore.resolveCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot })
  assert.equal(fs.existsSync(p.home), false, 'resolveCacheState does no IO')
  assert.equal(resolved.enabled, true)
  assert.equal(resolved.reason, 'default')
  assert.equal(resolved.projectId, cachecore.computeCacheProjectId(p.root), 'FNV-1a by default')
  assert.equal(resolved.projectDir, path.join(p.cacheRoot, 'projects', resolved.projectId))
  assert.equal(resolved.filesPath, path.join(resolved.projectDir, 'files.json'))
  assert.equal(resolved.analysisPath, path.join(resolved.projectDir, 'analysis.json'))
  assert.equal(resolved.metaPath, path.join(p.cacheRoot, 'meta.json'))
  const viaFn = cachecore.resolveCacheState({
    projectRoot: p.root,
    cacheRootDir: p.cacheRoot,
    runtime: { hashText: (s) => sha256(s) },
  })
  assert.equal(viaFn.projectId, sha256(p.root.toLowerCase()).slice(0, 16), 'a sha256 hashText function is recognised')
  assert.throws(
    () => cachecore.resolveCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, runtime: { hashText: (s) => `x${s}` } }),
    { code: 'INVALID_OPTION' },
  )
  const ro = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, cacheReadOnly: true })
  assert.equal(ro.state.readOnly, true)
  assert.equal(fs.existsSync(p.home), false)
  const ok = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot })
  assert.deepEqual(ok.warnings, [])
  assert.ok(fs.statSync(ok.state.projectDir).isDirectory())
  const missing = cachecore.initializeCacheState({ projectRoot: path.join(p.root, 'nope'), cacheRootDir: p.cacheRoot })
  assert.equal(missing.state.enabled, false)
  assert.equal(missing.state.reason, 'project_root_missing')
  assert.equal(missing.warnings[0].code, 'project_root_missing')
  const off = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, noCache: true })
  assert.deepEqual([off.state.enabled, off.state.reason], [false, 'cli_no_cache'])
  const blocked = path.join(p.dir, 'file-not-dir')
  fs.writeFileSync(blocked, 'x')
  const unavailable = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: blocked })
  assert.deepEqual([unavailable.state.enabled, unavailable.state.reason], [false, 'cache_dir_unavailable'])
  assert.equal(unavailable.warnings[0].code, 'cache_dir_unavailable')
})

test('loaders never throw: missing, malformed, oversize and foreign files are warnings', (t) => {
  const p = project(t)
  const state = stateOf(p)
  assert.deepEqual(cachecore.loadProjectFilesState(state), { status: { kind: 'missing' }, warnings: [] })
  assert.deepEqual(cachecore.loadProjectRunState(state), { warnings: [] })
  fs.writeFileSync(state.filesPath, '{"version":1,"files":')
  const f = cachecore.loadProjectFilesState(state)
  assert.equal(f.value, undefined)
  assert.deepEqual(f.status, { kind: 'malformed' })
  assert.equal(f.warnings[0].code, 'cache_malformed')
  assert.equal(f.warnings[0].path, state.filesPath)
  fs.writeFileSync(state.analysisPath, JSON.stringify({ version: 1, projectId: 'someoneelse00000', data: 1 }))
  assert.equal(cachecore.loadProjectRunState(state).warnings[0].code, 'cache_malformed')
  fs.writeFileSync(state.analysisPath, JSON.stringify({ version: 1, projectId: state.projectId, data: { big: 'x'.repeat(100) } }))
  const o = cachecore.loadProjectRunState(state, { caps: { analysis: 50 } })
  assert.equal(o.value, undefined)
  assert.equal(o.warnings[0].code, 'cache_oversize')
  assert.deepEqual(cachecore.loadProjectRunState(state).value.data, { big: 'x'.repeat(100) })
  // cachecore's layout (envelope first): a valid envelope whose data is not JSON is malformed,
  // found when the data is parsed; and prepareCacheForRun drops it.
  fs.writeFileSync(state.analysisPath, `{"version":1,"projectId":"${state.projectId}","inputFilesEpoch":"e","data":{"a":[1,}}`)
  const bad = cachecore.loadProjectRunState(state)
  assert.equal(bad.value, undefined)
  assert.equal(bad.warnings[0].code, 'cache_malformed')
  assert.match(bad.warnings[0].message, /invalid JSON/)
  assert.ok(cachecore.prepareCacheForRun(state).warnings.some((w) => w.code === 'cache_malformed'))
  assert.equal(fs.existsSync(state.analysisPath), false)
  fs.writeFileSync(state.metaPath, 'garbage')
  const m = cachecore.loadProjectsIndex(state)
  assert.equal(m.warnings[0].code, 'cache_malformed')
  assert.equal(m.value.maintenance.runCount, 0, 'a fresh index')
  assert.equal(cachecore.DEFAULT_ANALYSIS_CAP_BYTES, 256 * 1024 * 1024)
  assert.equal(cachecore.DEFAULT_FILES_CAP_BYTES, 256 * 1024 * 1024)
  assert.deepEqual(cachecore.defaultCacheCaps(), {
    meta: cachecore.MAX_META_BYTES,
    files: cachecore.DEFAULT_FILES_CAP_BYTES,
    analysis: cachecore.DEFAULT_ANALYSIS_CAP_BYTES,
    translations: cachecore.MAX_TRANSLATIONS_BYTES,
  })
  assert.throws(() => cachecore.loadProjectRunState(state, { caps: { analysis: -1 } }), { code: 'INVALID_OPTION' })
})

test('savers: round trip in the v1 shapes; bad shapes and data are coded errors', (t) => {
  const p = project(t)
  const state = stateOf(p)
  const files = {
    version: 1,
    updatedAt: T0,
    files: { 'a.ts': { hash: 'ab', size: 2, mtimeMs: 0, updatedAt: T0 } },
    localeSegments: {},
    localesLayout: { mode: 'flat_file', structure: 'locale_file', directory: 'locales', source: 'en' },
  }
  assert.deepEqual(cachecore.saveProjectFilesState(state, files), { written: true, warnings: [] })
  const back = cachecore.loadProjectFilesState(state).value
  assert.deepEqual(back.files, files.files)
  assert.equal(fs.readFileSync(state.filesPath, 'utf8'), JSON.stringify({ ...files, updatedAt: back.updatedAt }, null, 2))
  assert.throws(() => cachecore.saveProjectFilesState(state, { version: 1 }), { code: 'INVALID_OPTION' })
  assert.deepEqual(cachecore.saveProjectRunState(state, { data: { k: [1, 2] }, inputFilesEpoch: 'e' }), { written: true, warnings: [] })
  const run = cachecore.loadProjectRunState(state).value
  assert.deepEqual([run.data, run.inputFilesEpoch, run.projectId, run.version], [{ k: [1, 2] }, 'e', state.projectId, 1])
  assert.throws(() => cachecore.saveProjectRunState(state, { data: 1n }), { code: 'INVALID_DATA' })
  const index = cachecore.loadProjectsIndex(state).value
  index.projects['/elsewhere/'] = '0123456789abcdef'
  assert.equal(cachecore.saveProjectsIndex(state, index).written, true)
  assert.equal(JSON.parse(fs.readFileSync(state.metaPath, 'utf8')).projects['/elsewhere/'], '0123456789abcdef')
})

test('prepareCacheForRun: counts runs, heals every 20th, drops corrupt project files', (t) => {
  const p = project(t)
  const state = stateOf(p)
  const first = cachecore.prepareCacheForRun(state)
  assert.deepEqual(first.warnings, [])
  assert.equal(first.index.maintenance.runCount, 1)
  assert.deepEqual(first.index.projects, { [`${state.projectRoot}/`]: state.projectId })
  // An orphan project dir and a stale entry: kept until the 20th run, then healed.
  const orphan = path.join(p.cacheRoot, 'projects', 'ffffffffffffffff')
  fs.mkdirSync(orphan, { recursive: true })
  const meta = JSON.parse(fs.readFileSync(state.metaPath, 'utf8'))
  meta.projects['/gone/'] = 'eeeeeeeeeeeeeeee'
  meta.maintenance.runCount = 18
  fs.writeFileSync(state.metaPath, JSON.stringify(meta, null, 2))
  const r19 = cachecore.prepareCacheForRun(state)
  assert.equal(r19.index.maintenance.runCount, 19)
  assert.ok(fs.existsSync(orphan))
  const r20 = cachecore.prepareCacheForRun(state)
  assert.equal(r20.index.maintenance.runCount, 20)
  assert.equal(typeof r20.index.maintenance.lastHealAt, 'string')
  assert.equal(fs.existsSync(orphan), false, 'orphan project dir removed')
  assert.deepEqual(Object.keys(r20.index.projects), [`${state.projectRoot}/`])
  // Corrupt files are reported and dropped so the run repopulates them.
  fs.writeFileSync(state.filesPath, 'nope')
  fs.writeFileSync(state.analysisPath, '{"data":')
  const c = cachecore.prepareCacheForRun(state)
  assert.deepEqual(c.warnings.map((w) => [w.code, w.path]), [
    ['cache_malformed', state.filesPath],
    ['cache_malformed', state.analysisPath],
  ])
  assert.equal(fs.existsSync(state.filesPath), false)
  assert.equal(fs.existsSync(state.analysisPath), false)
  // Disabled: nothing at all.
  const off = cachecore.resolveCacheState({ projectRoot: p.root, cacheRootDir: path.join(p.dir, 'other'), noCache: true })
  assert.deepEqual(cachecore.prepareCacheForRun(off).warnings, [])
  assert.equal(fs.existsSync(path.join(p.dir, 'other')), false)
})

test('invalidation: unconditional delete, and the locale-write policy', (t) => {
  const p = project(t)
  runChild(p)
  const state = stateOf(p)
  const rebuildConfig = { rebuild: 'partial', fullRescanThresholdPercent: 40 }
  const base = { enabled: true, rebuildConfig, sourceLocaleSegmentKey: 'en.json' }
  const skip = cachecore.invalidateProjectAnalysisCacheAfterLocaleWrites(state, undefined, {
    ...base,
    mutatedLocaleSegmentKeys: ['fr.json'],
  })
  assert.deepEqual(skip, { action: 'skip', reason: 'target_locale_writes_only', deleted: false, warnings: [] })
  assert.ok(fs.existsSync(state.analysisPath))
  const src = cachecore.invalidateProjectAnalysisCacheAfterLocaleWrites(state, undefined, {
    ...base,
    mutatedLocaleSegmentKeys: ['en.json'],
  })
  assert.deepEqual([src.action, src.reason, src.deleted], ['skip', 'locale_writes_dispatch_handles', false])
  assert.ok(fs.existsSync(state.analysisPath))
  const full = cachecore.invalidateProjectAnalysisCacheAfterLocaleWrites(state, undefined, {
    ...base,
    rebuildConfig: { rebuild: 'full', fullRescanThresholdPercent: 10 },
    mutatedLocaleSegmentKeys: ['fr.json'],
  })
  assert.deepEqual([full.action, full.reason, full.deleted], ['delete', 'config_rebuild_full', true])
  assert.equal(fs.existsSync(state.analysisPath), false)
  runChild(p)
  assert.deepEqual(cachecore.invalidateProjectAnalysisCache(state), { deleted: true, warnings: [] })
  assert.equal(fs.existsSync(state.analysisPath), false)
  assert.deepEqual(cachecore.invalidateProjectAnalysisCache(state), { deleted: false, warnings: [] })
  // Next run: files unchanged but no analysis: miss run_missing, the producer rebuilds.
  const r = runChild(p)
  assert.deepEqual([r.result.cache.status, r.result.cache.reason], ['miss', 'run_missing'])
  assert.equal(r.calls, 1)
})

test('an invalidation in the same process is not undone by the memory of an earlier dispatch', (t) => {
  const p = project(t)
  const state = stateOf(p)
  let calls = 0
  const input = () => ({
    state,
    runtime: { hashText: 'sha256' },
    sourceLocalePath: path.join(p.root, 'locales/en.json'),
    srcRoot: path.join(p.root, 'src'),
    localesDir: path.join(p.root, 'locales'),
    locales: { source: 'en', directory: 'locales' },
    producer: () => ({ n: ++calls }),
  })
  cachecore.getOrBuildCachedProjectData(input())
  assert.equal(cachecore.getOrBuildCachedProjectData(input()).memoryHit, true)
  cachecore.invalidateProjectAnalysisCache(state)
  const after = cachecore.getOrBuildCachedProjectData(input())
  assert.equal(after.memoryHit, false)
  assert.equal(calls, 2)
})

test('translation cache: rows used only when targetLang and both epochs match; flush merges', (t) => {
  const p = project(t)
  const state = stateOf(p)
  const id = { targetLang: 'fr', translateConfigEpoch: 'tce1', inputFilesEpoch: 'ife1' }
  const c = cachecore.loadTranslationCache(state, id)
  assert.equal(c.size, 0)
  assert.deepEqual(c.warnings, [])
  assert.equal(c.get('k1'), undefined)
  c.put('k1', { text: 'Bonjour', providerId: 'google' })
  assert.equal(c.has('k1'), true)
  assert.deepEqual(c.flush(), [])
  assert.equal(c.path, path.join(state.projectDir, 'translations', 'fr.json'))
  const file = JSON.parse(fs.readFileSync(c.path, 'utf8'))
  assert.deepEqual(
    [file.version, file.targetLang, file.translateConfigEpoch, file.inputFilesEpoch, file.entries],
    [1, 'fr', 'tce1', 'ife1', { k1: { text: 'Bonjour', providerId: 'google' } }],
  )
  // A second writer with the same epochs: rows merged.
  const d = cachecore.loadTranslationCache(state, id)
  assert.deepEqual(d.get('k1'), { text: 'Bonjour', providerId: 'google' })
  d.put('k2', { text: 'Salut' })
  d.flush()
  assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(c.path, 'utf8')).entries).sort(), ['k1', 'k2'])
  for (const other of [{ translateConfigEpoch: 'tce2' }, { inputFilesEpoch: 'ife2' }]) {
    assert.equal(cachecore.loadTranslationCache(state, { ...id, ...other }).size, 0, JSON.stringify(other))
  }
  assert.throws(() => d.put('k3', 'not an object'), { code: 'INVALID_OPTION' })
  // A corrupt file: a warning, no rows.
  fs.writeFileSync(c.path, '{"entries":')
  assert.equal(cachecore.loadTranslationCache(state, id).warnings[0].code, 'cache_malformed')
  // Read-only: flush writes nothing.
  const ro = { ...state, readOnly: true }
  const r = cachecore.loadTranslationCache(ro, { ...id, targetLang: 'de' })
  r.put('k', { text: 'Hallo' })
  assert.equal(r.flush()[0].code, 'cache_read_only')
  assert.equal(fs.existsSync(path.join(state.projectDir, 'translations', 'de.json')), false)
})

test('F1: unsafe locale codes throw INVALID_KEY and create no file anywhere', (t) => {
  const p = project(t)
  const outside = tempDir(t, 'cachecore-f1-outside-')
  const state = stateOf(p)
  const before = snapshot(p.dir)
  const beforeOutside = snapshot(outside)
  const rel = path.relative(path.join(state.projectDir, 'translations'), outside)
  const bad = [
    '../x',
    '../../etc',
    '..',
    '.',
    '',
    'en/../../x',
    'en\\..\\..\\x',
    '/etc/passwd',
    'C:\\x',
    'a\0b',
    'CON',
    'nul',
    'x'.repeat(10 * 1024),
    'ｅn',
    'e\u0301n',
    path.join(outside, 'evil'),
    path.join(rel, 'evil'),
  ]
  for (const code of bad) {
    assert.throws(
      () => cachecore.loadTranslationCache(state, { targetLang: code, translateConfigEpoch: 'a', inputFilesEpoch: 'b' }),
      { code: 'INVALID_KEY' },
      JSON.stringify(code.slice(0, 40)),
    )
    assert.throws(() => cachecore.validateTranslationLocaleCode(code), { code: 'INVALID_KEY' })
  }
  assert.deepEqual(snapshot(p.dir), before, 'nothing created in the project or cache')
  assert.deepEqual(snapshot(outside), beforeOutside, 'nothing created outside')
  for (const ok of ['en', 'pt-BR', 'zh_Hant']) cachecore.validateTranslationLocaleCode(ok)
})
