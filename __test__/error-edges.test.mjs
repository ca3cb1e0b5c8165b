// Error edges (issue 13, item 17): every bad input is a coded error that names the option, a
// host callback's exception comes back as the very value it threw, and a missing src dir is
// what the host's own walk makes of it (an empty tree), said in a warning.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, tempDir, writeTree } from './helpers.mjs'
import { project, dispatchInput as baseInput } from './dispatch-project.mjs'

/** A dispatch input with a producer (getOrBuildCachedProjectData needs one). */
const dispatchInput = (p, extra = {}) => baseInput(p, { producer: () => ({}), ...extra })

const { getOrBuildCachedProjectData, beginCachedProjectData, fingerprint, fingerprintSync, watch } = cachecore

function throwsCoded(f, code, option) {
  let error
  try {
    f()
  } catch (e) {
    error = e
  }
  assert.ok(error, 'expected a throw')
  assert.equal(error.code, code, String(error?.message))
  if (option) assert.match(error.message, new RegExp(`\`${option.replace(/[.[\]]/g, '\\$&')}\``), error.message)
  return error
}

test('a producer or parseCachedData that throws a non-Error rethrows that very value', (t) => {
  const p = project(t)
  for (const thrown of ['boom', 42, { reason: 'x' }, undefined, null, Symbol.for('s')]) {
    let caught = 'nothing'
    try {
      getOrBuildCachedProjectData(dispatchInput(p, { producer: () => { throw thrown } }))
    } catch (e) {
      caught = e
    }
    assert.equal(caught, thrown, `producer threw ${String(thrown)}`)
  }
  // A stored analysis, then a validator that throws.
  getOrBuildCachedProjectData(dispatchInput(p, { producer: () => ({ ok: 1 }) }))
  const object = { why: 'bad' }
  for (const thrown of ['nope', 7, object]) {
    let caught
    try {
      getOrBuildCachedProjectData(
        dispatchInput(p, { useWatcher: false, producer: () => ({}), parseCachedData: () => { throw thrown } }),
      )
    } catch (e) {
      caught = e
    }
    assert.equal(caught, thrown)
  }
  // Two-phase: the same through begin.
  let caught
  try {
    beginCachedProjectData(dispatchInput(p, { parseCachedData: () => { throw 'in begin' } }))
  } catch (e) {
    caught = e
  }
  assert.equal(caught, 'in begin')
})

test('handle.commit called on something else is a coded TypeError', (t) => {
  const p = project(t)
  const h = beginCachedProjectData(dispatchInput(p))
  const e = throwsCoded(() => h.commit.call({}, { x: 1 }), 'INVALID_OPTION', 'this')
  assert.ok(e instanceof TypeError)
  throwsCoded(() => h.commit.call(undefined, { x: 1 }), 'INVALID_OPTION', 'this')
  // The handle itself still works.
  assert.equal(h.commit({ x: 1 }).cache.status, 'miss')
  throwsCoded(() => h.commit({ x: 1 }), 'ALREADY_COMMITTED')
})

test('fingerprint({ signal: {} }) and other shapes of a wrong signal are INVALID_OPTION', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.txt': 'a' })
  for (const signal of [{}, 'abort', { aborted: false }]) {
    throwsCoded(() => fingerprint({ root, signal }), 'INVALID_OPTION', 'signal')
  }
  const ok = await fingerprint({ root, signal: new AbortController().signal })
  assert.equal(ok.records.length, 1)
})

test('unknown option keys are rejected, naming the key, in every options object', (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.txt': 'a' })
  const p = project(t)
  throwsCoded(() => fingerprintSync({ root, exlude: { dirs: ['x'] } }), 'INVALID_OPTION', 'exlude')
  throwsCoded(() => fingerprintSync({ root, exclude: { dir: ['x'] } }), 'INVALID_OPTION', 'exclude.dir')
  throwsCoded(() => fingerprintSync({ root, include: { patern: 'x' } }), 'INVALID_OPTION', 'include.patern')
  throwsCoded(() => watch({ root, debounce: 5 }, () => {}), 'INVALID_OPTION', 'debounce')
  throwsCoded(() => watch({ root, layout: { srcDir: '', localesDir: '', sourceLocaleSegmentKeys: [], src: 1 } }, () => {}), 'INVALID_OPTION', 'layout.src')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { exlude: { dirs: ['x'] } })), 'INVALID_OPTION', 'exlude')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { exclude: { dir: ['x'] } })), 'INVALID_OPTION', 'exclude.dir')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { caps: { file: 1 } })), 'INVALID_OPTION', 'caps.file')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { rebuildConfig: { rebuilt: 'full' } })), 'INVALID_OPTION', 'rebuildConfig.rebuilt')
  const input = dispatchInput(p)
  throwsCoded(() => getOrBuildCachedProjectData({ ...input, locales: { ...input.locales, strucutre: 'x' } }), 'INVALID_OPTION', 'locales.strucutre')
  throwsCoded(() => cachecore.resolveCacheConfig({ profil: 'safe' }), 'INVALID_OPTION', 'profil')
  throwsCoded(() => cachecore.initializeCacheState({ projectRoot: root, cacheRootDir: root, nocache: true }), 'INVALID_OPTION', 'nocache')
  throwsCoded(() => cachecore.loadProjectFilesState(input.state, { cap: {} }), 'INVALID_OPTION', 'cap')
  // Structural objects keep accepting a host's own shapes: i18nprune's CacheRuntime carries its
  // ports, and a state may carry more than cachecore's fields.
  const hostRuntime = { hashText: 'sha256', fs: {}, path: {}, system: { now: () => 0 }, byteLength: () => 0 }
  const r = getOrBuildCachedProjectData({ ...input, runtime: hostRuntime, state: { ...input.state, extra: true }, producer: () => ({}) })
  assert.equal(r.cache.status, 'miss')
})

test('maxDepth, debounceMs and the other numbers must be positive integers', (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.txt': 'a' })
  for (const maxDepth of [-1, 1.5, 0, NaN, Infinity]) throwsCoded(() => fingerprintSync({ root, maxDepth }), 'INVALID_OPTION', 'maxDepth')
  for (const [k, v] of [['debounceMs', -5], ['debounceMs', 0.5], ['maxBatchMs', -1], ['pollIntervalMs', 0], ['maxDepth', -1]]) {
    throwsCoded(() => watch({ root, [k]: v, persistent: false }, () => {}), 'INVALID_OPTION', k)
  }
  assert.equal(fingerprintSync({ root, maxDepth: 3 }).records.length, 1)
})

test('srcRoot: NUL is INVALID_OPTION, a file is ROOT_NOT_DIRECTORY, a missing dir is an empty tree with a warning', (t) => {
  const p = project(t)
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { srcRoot: path.join(p.root, 'sr\0c') })), 'INVALID_OPTION', 'srcRoot')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { localesDir: `${p.root}\0` })), 'INVALID_OPTION', 'localesDir')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { sourceLocalePath: `${p.root}\0` })), 'INVALID_OPTION', 'sourceLocalePath')
  throwsCoded(() => getOrBuildCachedProjectData(dispatchInput(p, { srcRoot: path.join(p.root, 'package.json') })), 'ROOT_NOT_DIRECTORY')
  throwsCoded(() => fingerprintSync({ root: `${p.root}\0` }), 'INVALID_OPTION', 'root')
  // The host's own walk lists nothing under a missing root, and so does the dispatch (contract
  // compatibility), but not silently.
  const missing = path.join(p.root, 'no-such-src')
  const r = getOrBuildCachedProjectData(dispatchInput(p, { srcRoot: missing, producer: () => ({ n: 1 }) }))
  assert.deepEqual(r.cache.delta.added, ['de.json', 'en.json', 'es.json', 'fr.json'])
  const w = r.cache.warnings.find((x) => x.code === 'src_root_missing')
  assert.ok(w, JSON.stringify(r.cache.warnings))
  assert.equal(w.path, missing)
  assert.ok(!fs.existsSync(missing))
})
