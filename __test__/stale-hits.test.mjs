// Never a stale hit (issue 13, items 1-4): what a dispatch serves always equals what the host's
// own full build finds, through the addon as a host calls it, on real files and processes.
// - hard links written through another name while a live watcher serves the dispatch;
// - settings that shape the analysis changed with no file changed (source locale, src root,
//   exclude rules), in the same process and in a fresh one;
// - a default record hash that is cryptographic (an FNV-1a collision is not served);
// - exclude RegExps matched exactly as JavaScript matches them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { cachecore, settle, fnv1a64 } from './helpers.mjs'
import { project } from './dispatch-project.mjs'
import { dispatchInput as hostInput, fullAnalysis } from '../examples/host/analysis.mjs'

const { watch, getOrBuildCachedProjectData, initializeCacheState } = cachecore
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const linuxOnly = { skip: process.platform !== 'linux' && 'the watcher barrier needs inotify' }

/** The example host's project description for a copy `p` (source locale and dirs adjustable). */
function hostProject(p, { source = 'en', src = 'src', exclude } = {}) {
  const localesDir = path.join(p.root, 'locales')
  return {
    root: p.root,
    srcRoot: path.join(p.root, src),
    localesDir,
    sourceLocalePath: path.join(localesDir, `${source}.json`),
    locales: { source, directory: 'locales', mode: 'flat_file', structure: 'locale_file' },
    exclude,
  }
}

/** One dispatch of the example host; `runtime` defaults to sha256 as the host passes it. */
function dispatch(p, proj, { runtime = { hashText: 'sha256' }, extra = {} } = {}) {
  const { state } = initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, runtime })
  const stats = {}
  const input = { ...hostInput(cachecore, proj, { state, runtime, stats }), ...extra }
  const r = getOrBuildCachedProjectData(input)
  return { ...r, stats }
}

const HOST_CHILD = `
import { createRequire } from 'node:module'
const [addon, hostModule, cfg] = process.argv.slice(1)
const cachecore = createRequire(import.meta.url)(addon)
const { dispatchInput } = await import(hostModule)
const { p, proj, runtime } = JSON.parse(cfg, (k, v) => (v && v.__re ? new RegExp(...v.__re) : v))
const { state } = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, runtime })
const stats = {}
const input = dispatchInput(cachecore, proj, { state, runtime, stats })
const r = cachecore.getOrBuildCachedProjectData(input)
console.log(JSON.stringify({ data: r.data, cache: r.cache, stats }))
`

/** The same dispatch in a fresh process (no memory, no watcher). */
function freshDispatch(p, proj, runtime = { hashText: 'sha256' }) {
  const here = path.dirname(new URL(import.meta.url).pathname)
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', HOST_CHILD, path.join(here, '..', 'index.js'), path.join(here, '..', 'examples', 'host', 'analysis.mjs'), JSON.stringify({ p, proj, runtime }, (k, v) => (v instanceof RegExp ? { __re: [v.source, v.flags] } : v))],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

async function readyWatcher(t, root) {
  const events = []
  let onReady
  const ready = new Promise((r) => (onReady = r))
  const w = watch({ root, exclude: { dirs: ['node_modules'] }, debounceMs: 30 }, (e) => {
    events.push(e)
    if (e.kind === 'ready') onReady(e)
  })
  t.after(() => w.close())
  await ready
  return { w, events }
}

async function waitFor(events, pred, ms = 5000) {
  const t0 = Date.now()
  while (Date.now() - t0 < ms) {
    if (events.some(pred)) return
    await sleep(10)
  }
  assert.fail('no matching watch event')
}

const names = (e) => [...e.delta.added, ...e.delta.changed, ...e.delta.deleted]

test('item 1: a write through another hard link is never served from a live watcher', linuxOnly, async (t) => {
  const p = project(t)
  const proj = hostProject(p)
  // main.js has a second name outside the watched tree; lib/i18n.ts a second name inside src/.
  fs.linkSync(path.join(proj.srcRoot, 'main.js'), path.join(p.dir, 'main-elsewhere.js'))
  fs.linkSync(path.join(proj.srcRoot, 'lib', 'i18n.ts'), path.join(proj.srcRoot, 'lib', 'i18n-alias.ts'))
  await settle()
  const { events } = await readyWatcher(t, p.root)

  const first = dispatch(p, proj)
  assert.equal(first.fromWatcher, true)
  const second = dispatch(p, proj)
  assert.equal(second.memoryHit, true, 'nothing changed: a memory hit')

  // Outside the tree: no inotify event names src/main.js.
  fs.appendFileSync(path.join(p.dir, 'main-elsewhere.js'), "\nexport const bye = () => t('home.bye')\n")
  await sleep(150)
  const third = dispatch(p, proj)
  assert.equal(third.fromWatcher, true)
  assert.equal(third.memoryHit, false, 'never a memory hit after a write through another link')
  assert.notEqual(third.cache.status, 'hit')
  assert.deepEqual(third.cache.delta.changed, ['main.js'])
  assert.deepEqual(third.data, fullAnalysis(proj), 'served equals a fresh full build')

  // Inside src/, same size, through the second name: events name only i18n-alias.ts.
  const alias = path.join(proj.srcRoot, 'lib', 'i18n-alias.ts')
  const text = fs.readFileSync(alias, 'utf8')
  fs.writeFileSync(alias, text.replace('k', 'K'))
  await waitFor(events, (e) => names(e).includes('src/lib/i18n-alias.ts'))
  const fourth = dispatch(p, proj)
  assert.equal(fourth.fromWatcher, true)
  assert.equal(fourth.memoryHit, false)
  assert.deepEqual(fourth.cache.delta.changed.sort(), ['lib/i18n-alias.ts', 'lib/i18n.ts'])
  assert.deepEqual(fourth.data, fullAnalysis(proj))

  // What was persisted is what a fresh process without a watcher finds: a hit on the same data.
  const fresh = freshDispatch(p, proj)
  assert.deepEqual([fresh.cache.status, fresh.cache.reason], ['hit', 'cache_hit'])
  assert.deepEqual(fresh.data, fourth.data)
})

test('item 2: a source locale switch with no file changed is rebuilt, in process and in a fresh one', (t) => {
  const p = project(t)
  const en = hostProject(p, { source: 'en' })
  const de = hostProject(p, { source: 'de' })
  // de.json lacks keys that en.json has: the analyses differ.
  const deJson = JSON.parse(fs.readFileSync(de.sourceLocalePath, 'utf8'))
  delete deJson.app
  fs.writeFileSync(de.sourceLocalePath, JSON.stringify(deJson))
  assert.notDeepEqual(fullAnalysis(en).missingKeys, fullAnalysis(de).missingKeys)

  assert.equal(dispatch(p, en).cache.status, 'miss')
  assert.equal(dispatch(p, en).memoryHit, true)
  const switched = dispatch(p, de)
  assert.equal(switched.memoryHit, false)
  assert.equal(switched.cache.status, 'miss')
  assert.equal(switched.cache.reason, 'run_binding_stale')
  assert.deepEqual(
    [switched.cache.analysisRebuild.strategy, switched.cache.analysisRebuild.reason],
    ['full', 'layout_changed'],
  )
  assert.ok(switched.cache.warnings.some((w) => w.code === 'cache_inputs_changed'))
  assert.deepEqual(switched.data, fullAnalysis(de))
  // Back to en in a fresh process: the stored analysis is de's, so it is rebuilt, not served.
  const back = freshDispatch(p, en)
  assert.equal(back.cache.status, 'miss')
  assert.deepEqual(back.data, fullAnalysis(en))
  assert.deepEqual(freshDispatch(p, en).cache.status, 'hit')
})

test('item 2: another src root with the same files, and other exclude rules, are rebuilt', (t) => {
  const p = project(t)
  fs.cpSync(path.join(p.root, 'src'), path.join(p.root, 'src2'), { recursive: true })
  // Same relative paths and contents, but the host's analysis records where it read them.
  const a = hostProject(p, { src: 'src' })
  const b = hostProject(p, { src: 'src2' })
  fs.appendFileSync(path.join(b.srcRoot, 'pages', 'index.ts'), '')
  assert.equal(freshDispatch(p, a).cache.status, 'miss')
  assert.equal(freshDispatch(p, a).cache.status, 'hit')
  const other = freshDispatch(p, b)
  assert.equal(other.cache.status, 'miss', 'another src root is never served the first one')
  assert.equal(other.cache.analysisRebuild.reason, 'layout_changed')

  // Exclude rules change what the host reads even when no file changes.
  const ex = hostProject(p, { exclude: { dirs: ['pages'] } })
  const excluded = freshDispatch(p, ex)
  assert.equal(excluded.cache.status, 'miss')
  assert.deepEqual(excluded.data, fullAnalysis(ex))
  assert.ok(!Object.keys(excluded.data.files).some((f) => f.startsWith('pages/')))
  assert.equal(freshDispatch(p, ex).cache.status, 'hit')
})

test('item 2: an analysis whose settings are not recorded (TypeScript core, older cachecore) is judged by its v1 files, as that core does', async (t) => {
  const p = project(t)
  const proj = hostProject(p)
  const first = freshDispatch(p, proj)
  const inputs = `${first.cache.paths.analysis}.inputs`
  assert.ok(fs.existsSync(inputs), 'the inputs record sits beside analysis.json')
  // analysis.json keeps the TypeScript core's v1 shape: no extra key.
  const stored = JSON.parse(fs.readFileSync(first.cache.paths.analysis, 'utf8'))
  assert.deepEqual(Object.keys(stored).sort(), ['data', 'inputFilesEpoch', 'projectId', 'updatedAt', 'version'])
  fs.rmSync(inputs)
  // Without the record, files.json vouches for the files and the locales layout: a hit, as
  // with a cache the TypeScript core wrote (each core reads the other's cache without a rebuild).
  const again = freshDispatch(p, proj)
  assert.deepEqual([again.cache.status, again.cache.reason], ['hit', 'cache_hit'])
  assert.deepEqual(again.cache.warnings, [])
  assert.ok(!fs.existsSync(inputs), 'a hit writes nothing')
  // A source locale switch with no file changed is still seen: the layout files.json records differs.
  const de = hostProject(p, { source: 'de' })
  const switched = freshDispatch(p, de)
  assert.deepEqual([switched.cache.status, switched.cache.reason], ['miss', 'run_binding_stale'])
  assert.equal(switched.cache.analysisRebuild.reason, 'layout_changed')
  assert.deepEqual(switched.data, fullAnalysis(de))
  assert.equal(freshDispatch(p, proj).cache.status, 'miss', 'back to en: the record says de')
  assert.equal(freshDispatch(p, proj).cache.status, 'hit')
  // A bit flip inside the data that keeps it valid JSON (a key renamed by one letter) is caught
  // by the checksum the record holds: never served, never patched.
  const bytes = fs.readFileSync(first.cache.paths.analysis)
  const at = bytes.indexOf('"usedKeys":["') + 13
  bytes[at] ^= 0x08
  fs.writeFileSync(first.cache.paths.analysis, bytes)
  JSON.parse(bytes.toString())
  const flipped = freshDispatch(p, proj)
  assert.equal(flipped.cache.status, 'miss')
  assert.ok(flipped.cache.warnings.some((w) => w.code === 'cache_malformed' && /checksum/.test(w.message)), JSON.stringify(flipped.cache.warnings))
  assert.deepEqual(flipped.data, fullAnalysis(proj))
  assert.equal(freshDispatch(p, proj).cache.status, 'hit')
  // Another writer saves an analysis (saveProjectRunState, the TypeScript core): a new updatedAt,
  // which the record does not describe; the v1 files vouch for it as above.
  const { state } = initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, runtime: { hashText: 'sha256' } })
  const run = JSON.parse(fs.readFileSync(first.cache.paths.analysis, 'utf8'))
  await sleep(5)
  cachecore.saveProjectRunState(state, { data: run.data, inputFilesEpoch: run.inputFilesEpoch })
  assert.equal(freshDispatch(p, proj).cache.status, 'hit')
  assert.equal(freshDispatch(p, de).cache.status, 'miss', 'and it is never served for another layout')
})

test('item 3: without hashText the records are SHA-256, and an FNV-1a collision is not served', async (t) => {
  // Two same-length texts with the same 64-bit FNV-1a (found by a Pollard rho search).
  const [a, b] = ['407c6a7a096a8b4d', 'af49975dca88c50f']
  assert.equal(fnv1a64(a), fnv1a64(b))
  assert.notEqual(a, b)
  const p = project(t)
  const proj = hostProject(p)
  const file = path.join(proj.srcRoot, 'collide.ts')
  fs.writeFileSync(file, a)
  const before = fs.statSync(file)
  await settle()
  const runtime = {}
  const first = freshDispatch(p, proj, runtime)
  const stored = JSON.parse(fs.readFileSync(first.cache.paths.files, 'utf8'))
  assert.match(stored.files['collide.ts'].hash, /^[0-9a-f]{64}$/, 'sha256 by default')
  assert.equal(freshDispatch(p, proj, runtime).cache.status, 'hit')
  fs.writeFileSync(file, b)
  fs.utimesSync(file, before.atime, before.mtime)
  const after = freshDispatch(p, proj, runtime)
  assert.equal(after.cache.status, 'miss')
  assert.deepEqual(after.cache.delta.changed, ['collide.ts'])
  // Named, FNV-1a is still there (the contract's fallback for hosts that ask for it).
  const fnv = freshDispatch(p, proj, { hashText: 'fnv1a64' })
  const fnvStored = JSON.parse(fs.readFileSync(fnv.cache.paths.files, 'utf8'))
  assert.match(fnvStored.files['collide.ts'].hash, /^[0-9a-f]{16}$/)
})

test('item 4: exclude RegExps match exactly as JavaScript does (\\d, \\w, \\b, \\s, case folding)', (t) => {
  const p = project(t)
  const names = [
    'gen_3.ts', 'gen_\u0663.ts', 'gen_x.ts', 'word_\u00e9.ts', 'a b.ts', 'a\u00a0b.ts', 'a\u2003b.ts',
    'Kelvin_\u212a.ts', 'long_\u017f.ts', 'CAPS.TS', 'caps.ts', 'x.j\u017f', 'y.t\u017fx', 'emoji_\u{1F600}.ts',
    'spec.test.mjs', 'a.Test.TS', 'b.d.ts',
  ]
  const dir = path.join(p.root, 'src', 'gen')
  fs.mkdirSync(dir, { recursive: true })
  for (const n of names) fs.writeFileSync(path.join(dir, n), `export const n = ${JSON.stringify(n)}\n`)
  const rules = [
    /gen_\d\.ts$/, /_\w\.ts$/, /\bb\.ts$/, /a\sb/, /kelvin_k/i, /long_s/i, /long_s/iu, /^caps/i, /\u{1F600}/u, /^emoji_.\.ts$/,
  ]
  for (const re of rules) {
    const proj = hostProject(p, { exclude: { files: [re], extensions: ['TEST.ts', /^d\.ts$/] } })
    const served = freshDispatch(p, proj)
    assert.deepEqual(Object.keys(served.data.files).sort(), Object.keys(fullAnalysis(proj).files).sort(), String(re))
    // And tracked equals what the host reads: an edit to any file the host reads is seen.
    const stored = JSON.parse(fs.readFileSync(served.cache.paths.files, 'utf8'))
    assert.deepEqual(Object.keys(stored.files).sort(), Object.keys(fullAnalysis(proj).files).sort(), String(re))
  }
})
