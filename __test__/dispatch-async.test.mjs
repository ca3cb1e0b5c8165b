// The async twins of the dispatch (getOrBuildCachedProjectDataAsync, beginCachedProjectDataAsync,
// handle.commitAsync): the same decisions and files as the sync forms, producers that return
// promises, AbortSignal (an AbortError, nothing persisted), progress, and bad input that
// rejects rather than throws.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, settle } from './helpers.mjs'
import { project, dispatchInput, snapshot, edit } from './dispatch-project.mjs'

const { getOrBuildCachedProjectData, getOrBuildCachedProjectDataAsync, beginCachedProjectDataAsync } = cachecore

const analysis = (ctx) => ({ strategy: ctx?.analysisRebuild?.strategy ?? 'off', files: ctx?.trackedSrcCount ?? 0 })
const projectDirOf = (p) => dispatchInput(p).state.projectDir
const later = (value, ms = 20) => new Promise((r) => setTimeout(() => r(value), ms))

/** The cache files of a project with their content but not their times. */
function cacheFiles(p) {
  const snap = snapshot(projectDirOf(p))
  const out = {}
  for (const [k, v] of Object.entries(snap)) {
    if (!k.endsWith('.json') || v === 'dir') continue
    const json = JSON.parse(Buffer.from(v.bytes, 'base64').toString('utf8'))
    delete json.updatedAt
    delete json.projectId
    for (const m of [json.files, json.localeSegments]) for (const r of Object.values(m ?? {})) delete r.updatedAt
    out[k] = json
  }
  return out
}

test('async dispatch decides and persists exactly as the sync one, cold, hit and after an edit', async (t) => {
  const a = project(t)
  const b = project(t)
  const runs = []
  for (const step of ['cold', 'hit', 'edit']) {
    if (step === 'edit') {
      for (const p of [a, b]) edit(path.join(p.root, 'src', 'main.js'), `${fs.readFileSync(path.join(p.root, 'src', 'main.js'), 'utf8')}\n// edit\n`)
      await settle()
    }
    const sync = getOrBuildCachedProjectData(dispatchInput(a, { producer: analysis }))
    const asyncResult = await getOrBuildCachedProjectDataAsync(dispatchInput(b, { producer: analysis }))
    runs.push([sync, asyncResult])
    assert.equal(asyncResult.cache.status, sync.cache.status, step)
    assert.equal(asyncResult.cache.reason, sync.cache.reason, step)
    assert.deepEqual(asyncResult.cache.analysisRebuild, sync.cache.analysisRebuild, step)
    assert.deepEqual(asyncResult.data, sync.data, step)
    assert.equal(asyncResult.memoryHit, sync.memoryHit, step)
    assert.deepEqual(cacheFiles(b), cacheFiles(a), `${step}: the same files on disk`)
    await settle()
  }
  assert.equal(runs[0][1].cache.status, 'miss')
  assert.equal(runs[1][1].cache.status, 'hit')
  assert.equal(runs[2][1].cache.analysisRebuild.reason, 'src_partial')
  assert.ok(runs[2][1].timings.scanMs >= 0 && runs[2][1].timings.commitMs >= 0)
})

test('a producer that returns a promise is awaited; one that rejects persists nothing', async (t) => {
  const p = project(t)
  const ok = await getOrBuildCachedProjectDataAsync(dispatchInput(p, { producer: (ctx) => later(analysis(ctx)) }))
  assert.deepEqual(ok.data, { strategy: 'full', files: 6 })
  assert.ok(fs.existsSync(path.join(projectDirOf(p), 'analysis.json')))

  const q = project(t)
  const boom = new Error('producer failed')
  await assert.rejects(
    getOrBuildCachedProjectDataAsync(dispatchInput(q, { producer: () => new Promise((_, reject) => setTimeout(() => reject(boom), 20)) })),
    (e) => e === boom,
  )
  await assert.rejects(
    getOrBuildCachedProjectDataAsync(dispatchInput(q, { producer: () => { throw boom } })),
    (e) => e === boom,
  )
  await assert.rejects(
    getOrBuildCachedProjectDataAsync(dispatchInput(q, { producer: () => later(undefined) })),
    (e) => e.code === 'INVALID_DATA' && /resolved to undefined/.test(e.message),
  )
  assert.ok(!fs.existsSync(path.join(projectDirOf(q), 'analysis.json')), 'nothing persisted')
  assert.ok(!fs.existsSync(path.join(projectDirOf(q), 'files.json')), 'nothing persisted')
})

test('abort: an AbortError with the signal reason as cause (code ABORTED), before and during the work, nothing persisted', async (t) => {
  const p = project(t)
  const pre = new AbortController()
  const why = new Error('user left')
  pre.abort(why)
  let called = false
  const input = dispatchInput(p, { producer: () => (called = true), signal: pre.signal })
  const before = snapshot(p.home)
  await assert.rejects(
    getOrBuildCachedProjectDataAsync(input),
    (e) => e.name === 'AbortError' && e.code === 'ABORTED' && e.cause === why && e instanceof Error,
  )
  assert.equal(called, false)
  assert.deepEqual(snapshot(p.home), before, 'an abort before the work touches nothing, not even meta.json')

  // Aborted while an async producer is running: its data is never committed.
  const ac = new AbortController()
  const pending = getOrBuildCachedProjectDataAsync(
    dispatchInput(p, {
      signal: ac.signal,
      producer: (ctx) => {
        ac.abort()
        return later(analysis(ctx))
      },
    }),
  )
  await assert.rejects(pending, (e) => e.name === 'AbortError' && e.cause instanceof DOMException && e.cause.name === 'AbortError')
  assert.ok(!fs.existsSync(path.join(projectDirOf(p), 'analysis.json')))
  assert.ok(!fs.existsSync(path.join(projectDirOf(p), 'files.json')))
  // The handle form too.
  await assert.rejects(beginCachedProjectDataAsync(dispatchInput(p, { signal: pre.signal })), (e) => e.name === 'AbortError')
  // And nothing is left behind: a later dispatch is a plain cold miss.
  const after = await getOrBuildCachedProjectDataAsync(dispatchInput(p, { producer: analysis }))
  assert.equal(after.cache.status, 'miss')
})

test('fingerprint rejects with the same AbortError shape', async (t) => {
  const p = project(t)
  const ac = new AbortController()
  ac.abort('stop')
  await assert.rejects(
    cachecore.fingerprint({ root: p.root, signal: ac.signal }),
    (e) => e.name === 'AbortError' && e.code === 'ABORTED' && e.cause === 'stop' && e.message === 'The operation was aborted',
  )
})

test('progress is reported, ending with done', async (t) => {
  const p = project(t)
  const seen = []
  await getOrBuildCachedProjectDataAsync(dispatchInput(p, { producer: analysis, onProgress: (e) => seen.push(e) }))
  await new Promise((r) => setImmediate(r))
  assert.ok(seen.length >= 1)
  const last = seen.at(-1)
  assert.equal(last.phase, 'done')
  assert.ok(last.filesSeen >= 10, JSON.stringify(last))
  assert.equal(last.filesHashed, last.filesToHash, 'a cold dispatch reads every tracked file')
})

test('beginCachedProjectDataAsync and commitAsync: the two-phase form without blocking', async (t) => {
  const p = project(t)
  const h = await beginCachedProjectDataAsync(dispatchInput(p))
  assert.equal(h.needsProducer, true)
  assert.equal(h.cache.reason, 'files_changed')
  const data = await later(analysis(h.context))
  const r = await h.commitAsync(data)
  assert.deepEqual(r.data, data)
  assert.equal(h.committed, true)
  await assert.rejects(h.commitAsync(data), (e) => e.code === 'ALREADY_COMMITTED')
  await settle()
  const again = await beginCachedProjectDataAsync(dispatchInput(p))
  assert.equal(again.needsProducer, false)
  assert.equal(again.cache.status, 'hit')
  assert.deepEqual(again.previousData, data)
  const served = await cachecore.commitCachedProjectDataAsync(again)
  assert.deepEqual(served.data, data)
  // A producer-needing handle without data rejects and stays uncommitted.
  edit(path.join(p.root, 'src', 'main.js'), 'changed')
  await settle()
  const h3 = await beginCachedProjectDataAsync(dispatchInput(p))
  await assert.rejects(h3.commitAsync(), (e) => e.code === 'INVALID_DATA')
  assert.equal(h3.committed, false)
  assert.equal((await h3.commitAsync({ ok: 1 })).cache.status, 'miss')
})

test('bad input rejects the promise (never a synchronous throw)', async (t) => {
  const p = project(t)
  const cases = [
    [dispatchInput(p, { producer: analysis, exclude: { preset: 'nightly' } }), 'INVALID_OPTION'],
    [dispatchInput(p, { producer: 42 }), 'INVALID_OPTION'],
    [dispatchInput(p, { producer: analysis, parseCachedData: 'yes' }), 'INVALID_OPTION'],
    [dispatchInput(p, { producer: analysis, exlude: {} }), 'INVALID_OPTION'],
    [dispatchInput(p, { producer: analysis, locales: { source: 'en', directory: 'locales', strucutre: 'x' } }), 'INVALID_OPTION'],
  ]
  for (const [input, code] of cases) {
    let promise
    assert.doesNotThrow(() => (promise = getOrBuildCachedProjectDataAsync(input)))
    await assert.rejects(promise, (e) => e.code === code, JSON.stringify(Object.keys(input)))
  }
  // A value of the wrong type is a TypeError at once, as for fingerprint.
  for (const extra of [{ onProgress: 7 }, { signal: 'abort' }]) {
    assert.throws(
      () => getOrBuildCachedProjectDataAsync(dispatchInput(p, { producer: analysis, ...extra })),
      (e) => e instanceof TypeError && e.code === 'INVALID_OPTION',
      JSON.stringify(extra),
    )
  }
})

test('the JavaScript thread stays free while the trees are walked and read', async (t) => {
  const p = project(t)
  // Enough files that the walk and the hashing take a while.
  for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(p.root, 'src', `gen${i}.ts`), `export const x${i} = t('k${i}')\n`.repeat(50))
  let ticks = 0
  const timer = setInterval(() => ticks++, 0)
  const r = await getOrBuildCachedProjectDataAsync(dispatchInput(p, { producer: analysis }))
  clearInterval(timer)
  assert.equal(r.data.files, 406)
  assert.ok(ticks >= 1, 'timers ran while the dispatch was in flight')
})

test('a signal is released on every path: no leaked reference when the producer throws or rejects', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const p = project(t)
  const input = dispatchInput(p)
  const code = `
    const c = require(${JSON.stringify(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'index.js'))})
    const input = ${JSON.stringify(input)}
    const run = async (producer) => {
      const ac = new AbortController()
      await c.getOrBuildCachedProjectDataAsync({ ...input, signal: ac.signal, producer }).catch((e) => e)
    }
    ;(async () => {
      await run(() => { throw new Error('sync throw') })
      await run(() => Promise.reject(new Error('async reject')))
      await run(() => 42)
      console.log('done')
    })()`
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), 'done')
  assert.doesNotMatch(r.stderr, /not unref|leak/i)
})

test('data that is a primitive (a number, a string) is kept by both handles and served back', async (t) => {
  for (const value of [42, 'plain text', null, false]) {
    const p = project(t)
    const made = await getOrBuildCachedProjectDataAsync(dispatchInput(p, { producer: () => value }))
    assert.deepEqual(made.data, value)
    await settle()
    const sync = cachecore.beginCachedProjectData(dispatchInput(p))
    assert.equal(sync.cache.status, 'hit')
    assert.deepEqual(sync.previousData, value)
    assert.deepEqual(sync.commit().data, value)
    const h = await beginCachedProjectDataAsync(dispatchInput(p))
    assert.deepEqual(h.previousData, value)
    assert.deepEqual((await h.commitAsync()).data, value)
  }
})

test('G1: a panic on this thread or on the pool is INTERNAL (thrown or rejected), and node survives', async (t) => {
  const p = project(t)
  const input = dispatchInput(p, { producer: analysis })
  const armed = (names, f) => {
    process.env.CACHECORE_FAILPOINT = names.map((n) => `panic:${n}`).join(',')
    try {
      return f()
    } finally {
      delete process.env.CACHECORE_FAILPOINT
    }
  }
  armed(['getOrBuildCachedProjectDataAsync', 'beginCachedProjectDataAsync'], () => {
    assert.throws(() => getOrBuildCachedProjectDataAsync(input), { code: 'INTERNAL' })
    assert.throws(() => beginCachedProjectDataAsync(input), { code: 'INTERNAL' })
  })
  for (const name of ['getOrBuildCachedProjectDataAsync.begin', 'commitAsync.commit']) {
    process.env.CACHECORE_FAILPOINT = `panic:${name}`
    try {
      await assert.rejects(getOrBuildCachedProjectDataAsync(input), (e) => e.code === 'INTERNAL' && /failpoint/.test(e.message), name)
    } finally {
      delete process.env.CACHECORE_FAILPOINT
    }
  }
  // Still usable afterwards.
  assert.equal((await getOrBuildCachedProjectDataAsync(input)).cache.status, 'miss')
})
