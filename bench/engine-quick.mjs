#!/usr/bin/env node
// First engine figures (issue 2): walk+stat files/s and full-hash MB/s, each against a floor
// measured in the same run on the same corpus. Whole-process timings, median of N runs after a
// warm-up, page cache warm. Not a test: run it by hand, `node bench/engine-quick.mjs [files]`.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const addon = path.join(here, '..', 'index.js')
const FILES = Number(process.argv[2] ?? 20000)
const RUNS = Number(process.env.RUNS ?? 5)

// A seeded generator: same seed, same tree.
let seed = 0x9e3779b9
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32)

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-bench-'))
const cache = path.join(root, '.cache', 'fp.json')
const tree = path.join(root, 'tree')
let bytes = 0
for (let i = 0; i < FILES; i++) {
  const depth = 2 + Math.floor(rand() * 5)
  const dirs = []
  for (let d = 0; d < depth; d++) dirs.push(`d${Math.floor(rand() * 6)}`)
  const size = rand() < 0.002 ? 1_000_000 + Math.floor(rand() * 2_000_000) : 1000 + Math.floor(rand() * 19000)
  const p = path.join(tree, ...dirs, `f${i}.ts`)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  fs.writeFileSync(p, Buffer.alloc(size, `export const v${i} = ${i};\n`))
  bytes += size
}
const old = new Date(Date.now() - 3600_000)
fs.utimesSync(tree, old, old)

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts })
  if (r.status !== 0) throw new Error(`${cmd} failed`)
  return Number(process.hrtime.bigint() - t0) / 1e6
}
function median(cmd, args, opts) {
  time(cmd, args, opts)
  const xs = Array.from({ length: RUNS }, () => time(cmd, args, opts)).sort((a, b) => a - b)
  return xs[Math.floor(xs.length / 2)]
}
const node = (code) => [process.execPath, ['-e', code]]

// Prime the index so the no-change check has something to compare with, then let it age.
spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).fingerprintSync({root:${JSON.stringify(tree)},writeTo:${JSON.stringify(cache)}})`])
await new Promise((r) => setTimeout(r, 200))
spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).fingerprintSync({root:${JSON.stringify(tree)},previous:${JSON.stringify(cache)},writeTo:${JSON.stringify(cache)}})`])

const floorFind = median('find', [tree, '-type', 'f', '-printf', '%s %T@\n'])
const nodeStart = median(...node('0'))
const noChange = median(...node(`require(${JSON.stringify(addon)}).fingerprintSync({root:${JSON.stringify(tree)},previous:${JSON.stringify(cache)},writeTo:${JSON.stringify(cache)}})`))
const readFloor = median('sh', ['-c', `find ${tree} -type f -print0 | xargs -0 -P 2 -n 500 cat > /dev/null`])
const fullSha = median(...node(`require(${JSON.stringify(addon)}).fingerprintSync({root:${JSON.stringify(tree)},hash:'sha256'})`))
const fullB3 = median(...node(`require(${JSON.stringify(addon)}).fingerprintSync({root:${JSON.stringify(tree)},hash:'blake3'})`))

const mb = bytes / 1e6
const fmt = (ms) => `${ms.toFixed(1)} ms`
console.log(`corpus: ${FILES} files, ${mb.toFixed(1)} MB, ${os.cpus().length} cores, median of ${RUNS}`)
console.log(`floor  find -printf (walk+stat):       ${fmt(floorFind)}  (${Math.round(FILES / (floorFind / 1000))} files/s)`)
console.log(`floor  node start-up:                   ${fmt(nodeStart)}`)
console.log(`floor  parallel read (xargs -P2 cat):  ${fmt(readFloor)}  (${Math.round(mb / (readFloor / 1000))} MB/s)`)
console.log(`cachecore no-change check:             ${fmt(noChange)}  ${(noChange / floorFind).toFixed(2)}x find  (${Math.round(FILES / (noChange / 1000))} files/s, process incl. Node start-up)`)
console.log(`cachecore full hash sha256:            ${fmt(fullSha)}  ${(fullSha / readFloor).toFixed(2)}x read floor  (${Math.round(mb / (fullSha / 1000))} MB/s)`)
console.log(`cachecore full hash blake3:            ${fmt(fullB3)}  ${(fullB3 / readFloor).toFixed(2)}x read floor  (${Math.round(mb / (fullB3 / 1000))} MB/s)`)
fs.rmSync(root, { recursive: true, force: true })
