#!/usr/bin/env node
// How long a dispatch holds the event loop (a benchmark, not a test): the longest stall seen by
// perf_hooks.monitorEventLoopDelay (1 ms resolution) while one dispatch runs, sync
// (getOrBuildCachedProjectData) against async (getOrBuildCachedProjectDataAsync), on the i18n
// corpus, each case in a fresh process from the same starting state. Medians of --runs.
//
//   node bench/eventloop.mjs [--files 20000] [--runs 5] [--dir DIR] [--keep]
//
// The floor is the longest stall of an idle loop over the same time in the same kind of process.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeI18n } from './corpus.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const addon = path.join(here, '..', 'index.js')
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const RUNS = Number(opt('runs', 5))
const base = opt('dir', null) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-eventloop-'))
const root = path.join(base, 'i18n')
const home = path.join(base, 'home')

/** A child that runs one dispatch (or idles for `idleMs`) under monitorEventLoopDelay. */
function child(mode, idleMs = 0) {
  const code = `
const { monitorEventLoopDelay } = require('node:perf_hooks')
const c = require(${JSON.stringify(addon)})
const rt = { hashText: 'sha256' }
const { state } = c.initializeCacheState({ projectRoot: ${JSON.stringify(root)}, cacheRootDir: ${JSON.stringify(path.join(home, 'cache'))}, runtime: rt })
const input = { state, runtime: rt, sourceLocalePath: ${JSON.stringify(path.join(root, 'locales', 'en.json'))}, srcRoot: ${JSON.stringify(path.join(root, 'src'))}, localesDir: ${JSON.stringify(path.join(root, 'locales'))}, locales: { source: 'en', directory: 'locales' }, producer: () => ({ keys: 42 }) }
const h = monitorEventLoopDelay({ resolution: 1 })
h.enable()
// The monitor records a stall from its second tick on: let it tick before the work starts
// (h.reset() would drop the next stall, so the idle ticks before stay in; they are short).
setTimeout(async () => {
  const t0 = performance.now()
  let r
  if (${JSON.stringify(mode)} === 'sync') r = c.getOrBuildCachedProjectData(input)
  else if (${JSON.stringify(mode)} === 'async') r = await c.getOrBuildCachedProjectDataAsync(input)
  else await new Promise((res) => setTimeout(res, ${idleMs}))
  const ms = performance.now() - t0
  // A few more ticks so a stall at the very end is recorded.
  await new Promise((res) => setTimeout(res, 20))
  h.disable()
  console.log(JSON.stringify({ ms, maxStallMs: h.max / 1e6, status: r?.cache.status, reason: r?.cache.reason, rebuild: r?.cache.analysisRebuild?.reason }))
}, 20)`
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return JSON.parse(r.stdout.trim().split('\n').at(-1))
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** RUNS runs of `mode` after a warm-up, each from the state `before` makes. */
function measure(mode, before) {
  before()
  child(mode)
  const rs = []
  for (let i = 0; i < RUNS; i++) {
    before()
    rs.push(child(mode))
  }
  return { ms: median(rs.map((r) => r.ms)), stall: median(rs.map((r) => r.maxStallMs)), last: rs.at(-1) }
}

try {
  const t0 = performance.now()
  const info = makeI18n(root, { srcFiles: Number(opt('files', 20_000)) })
  console.log(`cachecore event-loop bench: ${os.cpus().length} cores, node ${process.version}, median of ${RUNS}; corpus ${JSON.stringify(info)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const prime = () => child('sync')
  const victim = path.join(root, 'src', fs.readdirSync(path.join(root, 'src'), { recursive: true }).find((p) => p.endsWith('.ts')))
  const original = fs.readFileSync(victim)
  let n = 0
  const cases = [
    ['cold (miss, full)', () => fs.rmSync(home, { recursive: true, force: true })],
    ['repeat (hit, nothing changed)', () => {}],
    ['one source file edited (partial)', () => {
      fs.writeFileSync(victim, original)
      prime()
      fs.writeFileSync(victim, `${original}\n// edit ${n++}\n`)
    }],
  ]
  prime()
  spawnSync('sleep', ['0.3'])
  prime()
  console.log('\n| case | sync: call ms | sync: longest stall ms | async: call ms | async: longest stall ms | async stall vs sync stall | idle floor ms |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const [label, before] of cases) {
    const s = measure('sync', before)
    const a = measure('async', before)
    const idle = median(Array.from({ length: RUNS }, () => child('idle', Math.round(a.ms)).maxStallMs))
    console.log(`| ${label} | ${s.ms.toFixed(1)} | ${s.stall.toFixed(1)} | ${a.ms.toFixed(1)} | ${a.stall.toFixed(1)} | ${(a.stall / s.stall).toFixed(2)}x | ${idle.toFixed(1)} |`)
    if (s.last.reason !== a.last.reason) throw new Error(`sync and async disagree: ${JSON.stringify(s.last)} vs ${JSON.stringify(a.last)}`)
    console.error(`  ${label}: ${a.last.status} (${a.last.reason}${a.last.rebuild ? `, ${a.last.rebuild}` : ''})`)
  }
  fs.writeFileSync(victim, original)
} finally {
  if (!args.includes('--keep') && !opt('dir', null)) fs.rmSync(base, { recursive: true, force: true })
}
