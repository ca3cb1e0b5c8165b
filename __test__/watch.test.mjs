// Watch mode through the compiled addon, on real temp dirs: events carry the right delta, the
// index always converges to a fresh fingerprintSync, close() is final, and a live watcher never
// keeps a process alive.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cachecore, tempDir, writeTree } from './helpers.mjs'

const { watch, fingerprintSync } = cachecore
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const INDEX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'index.js')

/** Starts a watcher and resolves once it is ready; `events` collects every event. */
async function start(t, options) {
  const events = []
  let onReady
  const ready = new Promise((r) => (onReady = r))
  const w = watch({ debounceMs: 50, ...options }, (e) => {
    events.push(e)
    if (e.kind === 'ready') onReady(e)
  })
  t.after(() => w.close())
  const first = await ready
  return { w, events, first }
}

/** Waits until an event matching `pred` arrives (events after index `from`). */
async function waitFor(events, from, pred, ms = 5000) {
  const t0 = Date.now()
  while (Date.now() - t0 < ms) {
    const hit = events.slice(from).find(pred)
    if (hit) return hit
    await sleep(10)
  }
  assert.fail(`no matching event within ${ms} ms; got ${JSON.stringify(events.slice(from))}`)
}

/** Lets the kernel deliver, handles the pending batch, and compares with a fresh scan. */
async function assertEqualToFresh(w, options, what) {
  await sleep(250)
  w.flush()
  const fresh = fingerprintSync(options).records
  assert.deepEqual(w.records(), fresh, what)
}

const reasonOf = (e, p) => e.delta.reasons.find((r) => r.path === p)

test('events carry the delta of each edit, with reasons', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.ts': 'a', 'src/b.ts': 'b', 'node_modules/x.js': 'x' })
  const opts = { root, exclude: { dirs: ['node_modules'] } }
  const { w, events, first } = await start(t, opts)
  assert.equal(first.kind, 'ready')
  assert.equal(first.mode, 'native')
  assert.equal(first.seq, 0)
  assert.deepEqual(first.delta.added, ['a.ts', 'src/b.ts'])
  assert.equal(first.counts.files, 2)
  assert.equal(w.ready, true)
  assert.equal(w.mode, 'native')

  let n = events.length
  writeTree(root, { 'src/c.ts': 'c' })
  let e = await waitFor(events, n, (e) => e.delta.added.includes('src/c.ts'))
  assert.equal(e.kind, 'change')
  assert.deepEqual(reasonOf(e, 'src/c.ts'), { path: 'src/c.ts', change: 'added', reason: 'added' })
  assert.equal(e.counts.files, 3)
  assert.ok(e.counts.events >= 1 && e.counts.checked >= 1 && e.counts.hashed >= 1)
  assert.equal(e.rescan, undefined)

  n = events.length
  fs.writeFileSync(path.join(root, 'a.ts'), 'A')
  e = await waitFor(events, n, (e) => e.delta.changed.includes('a.ts'))
  assert.equal(reasonOf(e, 'a.ts').reason, 'content_changed')

  n = events.length
  fs.rmSync(path.join(root, 'src/b.ts'))
  e = await waitFor(events, n, (e) => e.delta.deleted.includes('src/b.ts'))
  assert.equal(reasonOf(e, 'src/b.ts').reason, 'removed')

  // Editor-style save: temp file, then rename over the original: one change, no temp file.
  n = events.length
  fs.writeFileSync(path.join(root, 'src/.c.ts.tmp'), 'c, saved')
  fs.renameSync(path.join(root, 'src/.c.ts.tmp'), path.join(root, 'src/c.ts'))
  e = await waitFor(events, n, (e) => e.delta.changed.includes('src/c.ts'))
  assert.equal(reasonOf(e, 'src/c.ts').reason, 'size_changed')
  await assertEqualToFresh(w, opts, 'after editor save')
  assert.ok(!events.slice(n).some((e) => e.delta.added.includes('src/.c.ts.tmp')))

  // Excluded directories never show up.
  n = events.length
  writeTree(root, { 'node_modules/y.js': 'y' })
  await sleep(300)
  w.flush()
  await sleep(50)
  assert.ok(!events.slice(n).some((e) => JSON.stringify(e.delta).includes('node_modules')))

  // A requested rescan is reported as such.
  n = events.length
  w.rescan()
  e = await waitFor(events, n, (e) => e.kind === 'rescan')
  assert.deepEqual(e.rescan, { reason: 'requested' })
  assert.deepEqual(e.delta.added, [])
  const seqs = events.map((e) => e.seq)
  assert.deepEqual(seqs, seqs.map((_, i) => i))
})

/** A seeded generator (mulberry32), so a failure can be replayed. */
function rng(seed) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function listFiles(root, dir = '') {
  const out = []
  for (const d of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${d.name}` : d.name
    if (d.isDirectory()) out.push(...listFiles(root, rel))
    else out.push(rel)
  }
  return out
}

function randomEdits(root, rand, count) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  for (let i = 0; i < count; i++) {
    const files = listFiles(root)
    const op = Math.floor(rand() * 6)
    const p = (rel) => path.join(root, rel)
    try {
      if (op <= 1 || files.length === 0) {
        const rel = `${pick(['', 'src/', 'src/deep/', 'lib/'])}f${Math.floor(rand() * 20)}.ts`
        fs.mkdirSync(path.dirname(p(rel)), { recursive: true })
        fs.writeFileSync(p(rel), `v ${rand()}`)
      } else if (op === 2) {
        fs.writeFileSync(p(pick(files)), `edit ${rand()}`)
      } else if (op === 3) {
        fs.rmSync(p(pick(files)))
      } else if (op === 4) {
        const to = `${pick(['', 'src/', 'lib/'])}r${Math.floor(rand() * 5)}.ts`
        fs.mkdirSync(path.dirname(p(to)), { recursive: true })
        fs.renameSync(p(pick(files)), p(to))
      } else {
        const dirs = ['src', 'lib', 'src/deep', 'moved'].filter((d) => fs.existsSync(p(d)))
        if (dirs.length === 0) continue
        const d = pick(dirs)
        if (rand() < 0.3) fs.rmSync(p(d), { recursive: true })
        else if (!fs.existsSync(p('moved')) && !d.startsWith('moved')) fs.renameSync(p(d), p('moved'))
        else if (d === 'moved' && !fs.existsSync(p('lib'))) fs.renameSync(p(d), p('lib'))
      }
    } catch {
      // A racing op on a path another op just moved: the tree is what it is.
    }
  }
}

test('after random edit sequences, records() equals a fresh fingerprintSync', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.ts': 'a', 'src/b.ts': 'b', 'src/deep/c.ts': 'c' })
  const opts = { root, hash: 'blake3' }
  const { w } = await start(t, opts)
  await assertEqualToFresh(w, opts, 'initial')
  const rand = rng(0xc0ffee)
  for (let round = 0; round < 8; round++) {
    randomEdits(root, rand, 4 + Math.floor(rand() * 10))
    await assertEqualToFresh(w, opts, `round ${round}`)
  }
})

test('poll mode sees edits and stays equal to a fresh scan', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.ts': 'a', 'src/b.ts': 'b' })
  const opts = { root }
  const { w, events, first } = await start(t, { ...opts, poll: true, pollIntervalMs: 50 })
  assert.equal(first.mode, 'poll')
  assert.equal(w.mode, 'poll')
  const n = events.length
  fs.writeFileSync(path.join(root, 'a.ts'), 'b') // same size, same second
  const e = await waitFor(events, n, (e) => e.delta.changed.includes('a.ts'))
  assert.equal(e.mode, 'poll')
  const rand = rng(7)
  for (let round = 0; round < 3; round++) {
    randomEdits(root, rand, 6)
    await assertEqualToFresh(w, opts, `poll round ${round}`)
  }
})

test('no event is delivered after close(), not even a queued one; close() twice is fine', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.ts': 'a' })
  // A long debounce keeps the batch pending until flush().
  const { w, events } = await start(t, { root, debounceMs: 5000, maxBatchMs: 10000 })
  fs.writeFileSync(path.join(root, 'b.ts'), 'b')
  await sleep(200)
  const n = events.length
  w.flush() // the batch ran and its event is queued for the JS thread...
  assert.deepEqual(w.records().map((r) => r.path), ['a.ts', 'b.ts'])
  w.close() // ...but close() comes first
  assert.equal(w.closed, true)
  fs.writeFileSync(path.join(root, 'c.ts'), 'c')
  await sleep(400)
  assert.equal(events.length, n, JSON.stringify(events.slice(n)))
  w.close()
  w.flush()
  w.rescan()
})

test('bad arguments throw with codes', (t) => {
  const root = tempDir(t)
  assert.throws(() => watch({ root: path.join(root, 'nope') }, () => {}), { code: 'ROOT_NOT_FOUND' })
  assert.throws(() => watch({ root, debounceMs: 0 }, () => {}), { code: 'INVALID_OPTION' })
  assert.throws(() => watch({ root, include: { pattern: '(' } }, () => {}), { code: 'INVALID_OPTION' })
  assert.throws(() => watch({ root }, 42), { code: 'INVALID_OPTION' })
})

function runChild(code, ms = 8000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`child still running after ${ms} ms: ${out}`))
    }, ms)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, out })
    })
  })
}

test('a live watcher holds the process until close(); persistent: false never holds it; exit is clean', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.ts': 'a' })
  const req = `const fs = require('fs'), path = require('path')
    const { watch } = require(${JSON.stringify(INDEX)})
    const root = ${JSON.stringify(root)}`
  // Default (like fs.watch): open means alive; close() from a callback lets the process exit.
  let t0 = Date.now()
  let r = await runChild(`${req}
    let seen = 0
    const w = watch({ root, debounceMs: 20 }, (e) => {
      seen++
      if (e.kind === 'ready') fs.writeFileSync(path.join(root, 'b.ts'), 'b')
      if (e.kind === 'change') { w.close(); w.close(); console.log('closed after', seen) }
    })`)
  assert.deepEqual([r.code, r.signal], [0, null], r.out)
  assert.match(r.out, /closed after 2/)
  assert.ok(Date.now() - t0 < 5000)
  // Without close() it stays up (it is killed by the harness after the timeout).
  await assert.rejects(
    runChild(`${req}
    watch({ root }, () => {})`, 1500),
    /still running/,
  )
  // persistent: false, created and forgotten: the process exits by itself at once.
  t0 = Date.now()
  r = await runChild(`${req}
    watch({ root, persistent: false }, () => {})`)
  assert.deepEqual([r.code, r.signal], [0, null], r.out)
  assert.ok(Date.now() - t0 < 5000)
  // process.exit() with a live watcher in the middle of a stream of edits: a clean exit.
  r = await runChild(`${req}
    let i = 0
    watch({ root, debounceMs: 5 }, () => {})
    const iv = setInterval(() => fs.writeFileSync(path.join(root, 'f' + (i++ % 20) + '.ts'), String(i)), 2)
    setTimeout(() => process.exit(0), 600)`)
  assert.deepEqual([r.code, r.signal], [0, null], r.out)
  assert.equal(r.out, '')
})

test('with a layout, events carry the contract classification and decision', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'src/a.ts': 'a', 'src/b.ts': 'b', 'locales/en.json': '{}', 'locales/de.json': '{}' })
  const layout = { srcDir: './src', localesDir: 'locales', sourceLocaleSegmentKeys: ['en.json'] }
  const { events, first } = await start(t, { root, layout })
  assert.deepEqual(first.classified.src.added, ['a.ts', 'b.ts'])
  assert.deepEqual([first.decision.strategy, first.decision.reason], ['full', 'no_previous_cache'])
  let n = events.length
  fs.writeFileSync(path.join(root, 'locales/en.json'), '{"k":"v"}')
  let e = await waitFor(events, n, (e) => e.kind === 'change')
  assert.deepEqual(e.classified.sourceLocale, ['en.json'])
  assert.deepEqual([e.decision.strategy, e.decision.reason], ['partial', 'source_locale_partial'])
  n = events.length
  fs.writeFileSync(path.join(root, 'src/a.ts'), 'a2')
  e = await waitFor(events, n, (e) => e.kind === 'change')
  assert.deepEqual(e.classified.src.changed, ['a.ts'])
  assert.equal(e.decision.strategy, 'full') // 1 of 2 src files reaches the threshold
  assert.deepEqual(e.decision.srcDelta, { added: [], changed: ['a.ts'], deleted: [] })
})
