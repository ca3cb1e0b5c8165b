// A live watch() keeps the index in memory, so a getOrBuildCachedProjectData in the same
// process answers from it without walking (`fromWatcher`): a memory hit when nothing tracked
// changed, a decision from the watcher's records after a tracked edit, and what it persists is
// exactly what a fresh process (no watcher, walking) finds.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, settle } from './helpers.mjs'
import { project, dispatchInput, runChild, edit } from './dispatch-project.mjs'

const { watch, getOrBuildCachedProjectData } = cachecore
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitFor(events, pred, ms = 5000) {
  const t0 = Date.now()
  while (Date.now() - t0 < ms) {
    const hit = events.find(pred)
    if (hit) return hit
    await sleep(10)
  }
  assert.fail(`no matching event within ${ms} ms; got ${JSON.stringify(events)}`)
}

// The barrier needs inotify's single ordered queue; elsewhere dispatches always walk.
const linuxOnly = { skip: process.platform !== 'linux' && 'the watcher barrier needs inotify' }

const names = (e) => [...e.delta.added, ...e.delta.changed, ...e.delta.deleted]

test('same-process dispatches answer from a live watcher, and equal a fresh walk', linuxOnly, async (t) => {
  const p = project(t)
  await settle()
  const events = []
  let onReady
  const ready = new Promise((r) => (onReady = r))
  const w = watch({ root: p.root, exclude: { dirs: ['node_modules'] }, debounceMs: 50 }, (e) => {
    events.push(e)
    if (e.kind === 'ready') onReady(e)
  })
  t.after(() => w.close())
  await ready

  let calls = 0
  const input = () =>
    dispatchInput(p, {
      producer: (ctx) => {
        calls += 1
        return { n: calls, strategy: ctx.analysisRebuild.strategy }
      },
    })

  const a = getOrBuildCachedProjectData(input())
  assert.equal(a.fromWatcher, true, 'the watcher index serves the first dispatch')
  assert.equal(a.memoryHit, false)
  assert.equal(calls, 1)

  const b = getOrBuildCachedProjectData(input())
  assert.equal(b.memoryHit, true)
  assert.equal(b.fromWatcher, true)
  assert.equal(b.cache.status, 'hit')
  assert.deepEqual(b.data, a.data)
  assert.equal(calls, 1)

  // An event that changes nothing tracked: still a memory hit, without a walk.
  fs.writeFileSync(path.join(p.root, 'src', 'notes.md'), 'untracked')
  await waitFor(events, (e) => names(e).includes('src/notes.md'))
  const c = getOrBuildCachedProjectData(input())
  assert.equal(c.memoryHit, true)
  assert.equal(c.fromWatcher, true)
  assert.equal(calls, 1)

  // A tracked edit: decided from the watcher's records.
  edit(path.join(p.root, 'src', 'main.js'), 'export const changed = 1\n')
  await waitFor(events, (e) => names(e).includes('src/main.js'))
  const d = getOrBuildCachedProjectData(input())
  assert.equal(d.fromWatcher, true)
  assert.equal(d.memoryHit, false)
  assert.equal(d.cache.reason, 'files_changed')
  assert.equal(d.cache.analysisRebuild.reason, 'src_partial')
  assert.deepEqual(d.cache.analysisRebuild.srcDelta.changed, ['main.js'])
  assert.equal(calls, 2)
  assert.deepEqual(d.data, { n: 2, strategy: 'partial' })

  // A fresh process without a watcher walks, and finds exactly what was persisted: a hit on
  // the same data (a different files.json would be files_changed and call its producer).
  const fresh = runChild(p)
  assert.deepEqual([fresh.result.cache.status, fresh.result.cache.reason], ['hit', 'cache_hit'])
  assert.equal(fresh.result.fromWatcher, false)
  assert.equal(fresh.calls, 0)
  assert.deepEqual(fresh.result.data, d.data)

  // Closed: the dispatch walks again (nothing changed: a memory hit).
  w.close()
  const e = getOrBuildCachedProjectData(input())
  assert.equal(e.fromWatcher, false)
  assert.equal(e.memoryHit, true)
  assert.equal(calls, 2)
})

test('an edit not yet handled by the watcher is never missed; useWatcher: false walks', linuxOnly, async (t) => {
  const p = project(t)
  await settle()
  let onReady
  const ready = new Promise((r) => (onReady = r))
  // A long debounce: the edit's batch is still pending when the dispatch starts.
  const w = watch({ root: p.root, debounceMs: 5000, maxBatchMs: 5000 }, (e) => {
    if (e.kind === 'ready') onReady(e)
  })
  t.after(() => w.close())
  await ready
  let calls = 0
  const input = (extra = {}) => dispatchInput(p, { producer: () => ({ n: ++calls }), ...extra })
  assert.equal(getOrBuildCachedProjectData(input()).fromWatcher, true)
  edit(path.join(p.root, 'src', 'lib', 'i18n.ts'), 'export const t = (k: string) => k + "!"\n')
  const r = getOrBuildCachedProjectData(input())
  assert.equal(r.memoryHit, false)
  assert.equal(r.fromWatcher, true)
  assert.deepEqual(r.cache.analysisRebuild.srcDelta.changed, ['lib/i18n.ts'])
  const off = getOrBuildCachedProjectData(input({ useWatcher: false }))
  assert.equal(off.fromWatcher, false)
  assert.equal(off.memoryHit, true)
})
