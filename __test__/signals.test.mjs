// A JS host interrupted while it persists (shared/spec/reliability-checklist.md B2 and G3):
// SIGTERM and SIGINT sent to a node process in the middle of its dispatch and fingerprint
// writes, and `process.exit()` called while async persists are in flight. After every
// interruption, every cache file on disk is complete (old or new), the next run loads them
// without a malformed warning, serves correct results, and leaves no temp file behind.
//
// CACHECORE_SIGNAL_ITERATIONS sets the interruptions per case (default 30 for the synchronous
// loop and process.exit, 16 for the handler case), e.g. CACHECORE_SIGNAL_ITERATIONS=300 for a
// long run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { project } from './dispatch-project.mjs'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'persist-child.mjs')
const N = Number(process.env.CACHECORE_SIGNAL_ITERATIONS) || 0
const TEMP_SUFFIX = '.cachecore-tmp'

/** A tiny seeded PRNG, so a failing iteration can be replayed. */
function lcg(seed) {
  let s = BigInt(seed)
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn
    return Number(s >> 33n) / 2 ** 31
  }
}

function setup(t) {
  const cfg = project(t)
  cfg.manifest = path.join(cfg.dir, 'fp', 'index.json')
  return cfg
}

function files(dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true }).map((p) => path.join(dir, p)).filter((p) => fs.statSync(p).isFile())
}

/** Every cache file (contract and generic) is complete JSON; returns how many were checked. */
function assertComplete(cfg, ctx) {
  let n = 0
  for (const p of [...files(cfg.home), ...files(path.dirname(cfg.manifest))]) {
    if (p.endsWith(TEMP_SUFFIX) || p.endsWith('.hints') || path.basename(p).startsWith('.')) continue
    const text = fs.readFileSync(p, 'utf8')
    assert.doesNotThrow(() => JSON.parse(text), `${ctx}: ${p} is torn (${text.length} bytes)`)
    n++
  }
  return n
}

/** The next run, in a fresh process: loads, dispatches, reports. */
function nextRun(cfg, ctx) {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify({ ...cfg, mode: 'check' })], { encoding: 'utf8' })
  assert.equal(r.status, 0, `${ctx}: ${r.stderr}`)
  const out = JSON.parse(r.stdout)
  const bad = (ws) => ws.filter((w) => /malformed|unreadable|io_error/.test(w.code))
  assert.deepEqual(bad(out.fpWarnings), [], `${ctx}: generic manifest`)
  assert.deepEqual(bad(out.dispatch.warnings), [], `${ctx}: contract files`)
  assert.deepEqual(out.fpRecords, out.freshRecords, `${ctx}: fingerprint equals a fresh scan`)
  assert.ok(out.dataOk, `${ctx}: dispatch data is the analysis of the tree as it is`)
  const temps = [...files(cfg.home), ...files(path.dirname(cfg.manifest))].filter((p) => p.endsWith(TEMP_SUFFIX))
  assert.deepEqual(temps, [], `${ctx}: temp files left after the next run`)
  return out
}

/** Spawns a persisting child and resolves once it printed `started`. */
function startChild(cfg, mode, env = {}) {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...cfg, mode })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr: () => stderr })))
  const started = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('started') && resolve())
    exited.then((e) => reject(new Error(`child exited before starting: ${JSON.stringify(e)} ${stderr}`)))
  })
  return { child, started, exited }
}

async function interruptLoop(t, { mode, signals, iterations, seed, writeDelayMs = 0 }) {
  const cfg = setup(t)
  const rand = lcg(seed)
  const seen = { kills: 0, tempsBetween: 0, killsInsideAWrite: 0, filesChecked: 0 }
  for (let i = 0; i < iterations; i++) {
    const signal = signals[i % signals.length]
    const ctx = `${mode} ${signal} #${i}`
    const { child, started, exited } = startChild(cfg, mode, { CACHECORE_TEST_WRITE_DELAY_MS: String(writeDelayMs) })
    await started
    // A random point within the next few loop iterations (each a few writes long).
    await new Promise((r) => setTimeout(r, rand() * (60 + 10 * writeDelayMs)))
    child.kill(signal)
    const e = await exited
    if (mode === 'loop') {
      assert.equal(e.signal, signal, `${ctx}: killed by the signal (${e.code}) ${e.stderr()}`)
    } else {
      assert.equal(e.code, signal === 'SIGINT' ? 130 : 143, `${ctx}: the handler's exit (${e.signal}) ${e.stderr()}`)
    }
    seen.kills++
    const temps = [...files(cfg.home), ...files(path.dirname(cfg.manifest))].filter((p) => p.endsWith(TEMP_SUFFIX)).length
    seen.tempsBetween = Math.max(seen.tempsBetween, temps)
    if (temps > 0) seen.killsInsideAWrite++
    seen.filesChecked += assertComplete(cfg, ctx)
    nextRun(cfg, ctx)
  }
  return seen
}

test('B2: SIGTERM and SIGINT in the middle of synchronous persists never tear a file', { timeout: 300_000 }, async (t) => {
  const seen = await interruptLoop(t, { mode: 'loop', signals: ['SIGTERM', 'SIGINT'], iterations: N || 30, seed: 0xb2, writeDelayMs: 8 })
  t.diagnostic(`sync loop: ${seen.kills} kills, ${seen.killsInsideAWrite} inside a write (a temp file left), at most ${seen.tempsBetween} temp files between runs, ${seen.filesChecked} files checked complete`)
  assert.ok(seen.killsInsideAWrite >= seen.kills / 3, 'too few kills landed inside a write')
})

test('B2: SIGTERM and SIGINT handled by process.exit() while async persists run never tear a file', { timeout: 300_000 }, async (t) => {
  const seen = await interruptLoop(t, { mode: 'async-loop', signals: ['SIGTERM', 'SIGINT'], iterations: N || 16, seed: 0xb22 })
  t.diagnostic(`async loop: ${seen.kills} exits from a handler, at most ${seen.tempsBetween} temp files between runs, ${seen.filesChecked} files checked complete`)
})

test('G3: process.exit() while async persists are in flight leaves old or new files, and Node exits cleanly', { timeout: 300_000 }, async (t) => {
  const cfg = setup(t)
  const rand = lcg(0x63)
  const iterations = N || 30
  let inFlight = 0
  let published = 0
  for (let i = 0; i < iterations; i++) {
    const ctx = `exit #${i}`
    // Four persists take a few ms in all; exit anywhere from at once to after them.
    const exitAfterMs = rand() ** 2 * 8
    const before = fs.existsSync(cfg.manifest) ? fs.readFileSync(cfg.manifest, 'utf8') : null
    const r = spawnSync(process.execPath, [CHILD, JSON.stringify({ ...cfg, mode: 'exit', exitAfterMs })], { encoding: 'utf8' })
    assert.equal(r.signal, null, `${ctx}: Node died by ${r.signal}: ${r.stderr}`)
    assert.equal(r.status, 7, `${ctx}: process.exit(7) is the exit status: ${r.stderr}`)
    assert.equal(r.stderr, '', `${ctx}: nothing on stderr`)
    const { settled } = JSON.parse(r.stdout.trim().split('\n')[0])
    if (settled < 4) inFlight++
    const after = fs.existsSync(cfg.manifest) ? fs.readFileSync(cfg.manifest, 'utf8') : null
    if (after !== before) published++
    assertComplete(cfg, ctx)
    nextRun(cfg, ctx)
  }
  t.diagnostic(`process.exit: ${iterations} exits, ${inFlight} with persists still in flight, ${published} runs whose new manifest reached the disk`)
  // The exits must land while persists are running, or the test proves little.
  assert.ok(inFlight >= iterations / 3, `only ${inFlight} of ${iterations} exits had persists in flight`)
})
