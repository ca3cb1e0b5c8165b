#!/usr/bin/env node
// A no-change `cachecore status` on the `i18n` corpus, whole process, against the find floor and
// Node's start-up measured in the same run (issue 15): on the index a `cachecore scan` leaves (no
// analysis yet: a miss), then on the cache a host run leaves (a hit). Run it without
// NODE_EXTRA_CA_CERTS (`env -u NODE_EXTRA_CA_CERTS`), as bench/run.mjs starts its children.
//
//   node bench/status.mjs [--files 20000] [--runs 5] [--dir DIR] [--keep]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { makeI18n } from './corpus.mjs'
import { dispatchScript } from './dispatch-script.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const CLI = path.join(here, '..', 'cli', 'cachecore.mjs')
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const RUNS = Number(opt('runs', 5))
const base = opt('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-status-'))
const root = path.join(base, 'i18n')
const home = path.join(base, 'home')

function time(cmd, cmdArgs) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 1 << 28 })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status}):\n${r.stderr}`)
  return { ms, stdout: r.stdout }
}

/** One warm-up, then the median of RUNS. */
function bench(cmd, cmdArgs) {
  time(cmd, cmdArgs)
  const xs = Array.from({ length: RUNS }, () => time(cmd, cmdArgs).ms).sort((a, b) => a - b)
  return xs[Math.floor(xs.length / 2)]
}

try {
  if (!fs.existsSync(path.join(root, 'src'))) makeI18n(root, { srcFiles: Number(opt('files', 20_000)) })
  const cli = (...a) => [process.execPath, [CLI, ...a, root, '--home', home]]
  // The index and its stat hints, as a host run leaves them: a status reads no content.
  time(...cli('scan'))
  const find = bench('find', [root, '-type', 'f', '-printf', '%s %T@\n'])
  const node = bench(process.execPath, ['-e', '0'])
  const load = bench(process.execPath, ['-e', `require(${JSON.stringify(path.join(here, '..'))})`])
  const status = bench(...cli('status'))
  const json = JSON.parse(time(...cli('status', '--json')).stdout)
  const ratio = (ms) => `${ms.toFixed(1)} ms (${(ms / find).toFixed(2)}x find)`
  console.log(`find floor: ${find.toFixed(1)} ms`)
  console.log(`node start-up: ${ratio(node)}`)
  console.log(`node + require('cachecore'): ${ratio(load)}`)
  console.log(`cachecore status (no change): ${ratio(status)}  -> ${json.cache?.status ?? json.status} (${json.cache?.reason ?? json.reason})`)
  if (json.timings) console.log(`  dispatch timings: ${JSON.stringify(json.timings)}`)
  // The cache a host run leaves (an analysis stored): the status is a hit, the case a user checks.
  const host = dispatchScript(path.join(here, '..'), root, home)
  time(process.execPath, ['-e', host])
  spawnSync('sleep', ['0.3'])
  time(process.execPath, ['-e', host])
  const hitStatus = bench(...cli('status'))
  const hitJson = JSON.parse(time(...cli('status', '--json')).stdout)
  console.log(`cachecore status after a host run (no change): ${ratio(hitStatus)}  -> ${hitJson.cache?.status} (${hitJson.cache?.reason})`)
} finally {
  if (!args.includes('--keep') && !opt('dir')) fs.rmSync(base, { recursive: true, force: true })
}
