// A same-process memory hit first checks (a stat each) that the cache files it relies on are
// still the ones it remembers: files.json deleted or analysis.json rewritten mid-process is seen.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, tempDir, writeTree, settle } from './helpers.mjs'

async function project(t) {
  const dir = tempDir(t)
  writeTree(dir, { 'p/src/a.ts': 't("a")', 'p/locales/en.json': '{"a":"A"}', 'p/locales/fr.json': '{"a":"B"}' })
  await settle()
  const { state } = cachecore.initializeCacheState({ projectRoot: path.join(dir, 'p'), cacheRootDir: path.join(dir, 'c'), runtime: { hashText: 'sha256' } })
  let builds = 0
  const dispatch = () =>
    cachecore.getOrBuildCachedProjectData({
      state,
      runtime: { hashText: 'sha256' },
      sourceLocalePath: path.join(dir, 'p/locales/en.json'),
      srcRoot: path.join(dir, 'p/src'),
      localesDir: path.join(dir, 'p/locales'),
      locales: { source: 'en', directory: 'locales' },
      producer: () => ({ builds: (builds += 1) }),
    })
  return { state, dispatch, builds: () => builds }
}

test('files.json deleted mid-process: no memory hit, the index is recovered and rewritten', async (t) => {
  const p = await project(t)
  assert.equal(p.dispatch().cache.status, 'miss')
  assert.equal(p.dispatch().memoryHit, true)
  fs.rmSync(p.state.filesPath)
  const after = p.dispatch()
  assert.equal(after.memoryHit, false)
  assert.deepEqual([after.cache.status, after.cache.reason], ['hit', 'files_index_recovered'])
  assert.ok(fs.existsSync(p.state.filesPath), 'files.json rewritten in the same process')
  assert.equal(p.builds(), 1)
  assert.equal(p.dispatch().memoryHit, true, 'remembered again once the disk holds it')
})

test('inputFilesEpoch stripped mid-process: no memory hit, the binding is stale', async (t) => {
  const p = await project(t)
  p.dispatch()
  assert.equal(p.dispatch().memoryHit, true)
  const envelope = JSON.parse(fs.readFileSync(p.state.analysisPath, 'utf8'))
  delete envelope.inputFilesEpoch
  fs.writeFileSync(p.state.analysisPath, JSON.stringify(envelope))
  const after = p.dispatch()
  assert.equal(after.memoryHit, false)
  assert.equal(after.cache.reason, 'run_binding_stale')
  assert.equal(p.builds(), 2)
})

test('analysis.json deleted mid-process: the next dispatch rebuilds it', async (t) => {
  const p = await project(t)
  p.dispatch()
  fs.rmSync(p.state.analysisPath)
  const after = p.dispatch()
  assert.equal(after.memoryHit, false)
  assert.equal(after.cache.status, 'miss')
  assert.ok(fs.existsSync(p.state.analysisPath))
})
