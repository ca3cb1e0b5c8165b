#!/usr/bin/env node
// Issue 9's benchmark: a large project whose analysis.json is ~96 MB when written pretty (as the
// TypeScript core writes it). Each case runs in a fresh Node process (so a hit comes from disk,
// not from the per-process memory) and reports the dispatch call's time inside the process;
// median of N. Not a test.
//   node bench/analysis.mjs [--files 20000] [--observations 250000] [--runs 5] [--keep]
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeI18n } from './corpus.mjs'
import { syntheticAnalysis } from './payload.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const addon = path.join(here, '..', 'index.js')
const args = process.argv.slice(2)
const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d)
const FILES = Number(opt('files', 20_000))
const OBS = Number(opt('observations', 250_000))
const RUNS = Number(opt('runs', 5))

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-bench-analysis-'))
const root = path.join(base, 'app')
const home = path.join(base, 'home')
const payloadPath = path.join(base, 'payload.json')

// The synthetic analysis: key observations with their sites, dynamic sites, missing keys.
const payload = () => syntheticAnalysis({ files: FILES, observations: OBS })

const t0 = performance.now()
makeI18n(root, { srcFiles: FILES })
const data = payload()
fs.writeFileSync(payloadPath, JSON.stringify(data))
const pretty = Buffer.byteLength(JSON.stringify(data, null, 2))
const compact = fs.statSync(payloadPath).size
console.log(`corpus: ${FILES} src files + 31 locales; payload ${OBS} observations, ${(pretty / 1e6).toFixed(1)} MB pretty, ${(compact / 1e6).toFixed(1)} MB compact; generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

// One dispatch in a fresh process. `mode`: 'cold' (the producer returns the payload, read from
// disk outside the timed call) | 'hit' | 'decision' | 'produce' (the producer patches the
// previous data it is handed).
function child(mode) {
  const code = `
    const c = require(${JSON.stringify(addon)})
    const fs = require('fs')
    const payload = ${JSON.stringify(mode)} === 'cold' ? JSON.parse(fs.readFileSync(${JSON.stringify(payloadPath)}, 'utf8')) : null
    const { state } = c.initializeCacheState({ projectRoot: ${JSON.stringify(root)}, cacheRootDir: ${JSON.stringify(path.join(home, 'cache'))}, runtime: { hashText: 'sha256' } })
    // The producer of a partial rebuild patches the previous data it is handed (one source file
    // re-analysed), as a host does; a full rebuild returns the whole payload.
    const producer = (ctx) => {
      if (!ctx?.previous) return payload
      const files = ctx.previous.files
      const first = Object.keys(files)[0]
      files[first] = { ...files[first], keys: files[first].keys.slice(1) }
      return ctx.previous
    }
    const input = { state, runtime: { hashText: 'sha256' }, sourceLocalePath: ${JSON.stringify(path.join(root, 'locales/en.json'))}, srcRoot: ${JSON.stringify(path.join(root, 'src'))}, localesDir: ${JSON.stringify(path.join(root, 'locales'))}, locales: { source: 'en', directory: 'locales' }, producer }
    const t0 = performance.now()
    let status, n, timings
    if (${JSON.stringify(mode)} === 'decision') {
      const h = c.beginCachedProjectData(input)
      status = h.cache.status + '/' + h.cache.reason
      timings = h.timings
    } else {
      const r = c.getOrBuildCachedProjectData(input)
      status = r.cache.status + '/' + r.cache.reason + (r.cache.analysisRebuild ? '/' + r.cache.analysisRebuild.reason : '')
      n = Object.keys(r.data.files).length
      timings = r.timings
    }
    const ms = performance.now() - t0
    console.log(JSON.stringify({ ms, status, n, timings, rssMb: process.resourceUsage().maxRSS / 1024 }))
  `
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(r.stderr)
  return JSON.parse(r.stdout.trim().split('\n').at(-1))
}

function median(label, mode, before) {
  const rs = []
  for (let i = 0; i < RUNS; i++) {
    before?.(i)
    rs.push(child(mode))
  }
  rs.sort((a, b) => a.ms - b.ms)
  const m = rs[Math.floor(rs.length / 2)]
  const t = m.timings
  const decision = t.envelopeMs + t.decideMs
  console.log(`| ${label} | ${m.ms.toFixed(0)} | ${t.scanMs.toFixed(0)} | ${decision.toFixed(1)} | ${t.dataMs.toFixed(0)} | ${t.commitMs.toFixed(0)} (${t.stringifyMs.toFixed(0)}) | ${m.status} | ${m.rssMb.toFixed(0)} |`)
  return m
}

try {
  const cold = child('cold')
  console.log(`cold run (full producer + persist): ${cold.ms.toFixed(0)} ms, ${cold.status}; analysis.json ${(fs.statSync(findAnalysis()).size / 1e6).toFixed(1)} MB`)
  spawnSync('sleep', ['0.3'])
  child('hit')
  console.log('\nTimes in ms inside the process; the phases come from the result\'s `timings`: scan (maintenance, files.json,\nwalk, stat, hash), decision (the envelope read and checked, and the decision), data (the stored data\nread and JSON.parse\'d once), commit (JSON.stringify of new data, in brackets, and the writes).\n')
  console.log('| case (fresh process each run) | call | scan | decision | data | commit | status | peak RSS MB |\n|---|---:|---:|---:|---:|---:|---|---:|')
  const hit = median('hit: decision + data handed to JS as objects', 'hit')
  median('begin only (the two-phase handle, before commit)', 'decision')
  const localeFile = path.join(root, 'locales', 'l05.json')
  const original = fs.readFileSync(localeFile, 'utf8')
  const reuse = median('target-only reuse (one target locale edited)', 'produce', (i) => fs.writeFileSync(localeFile, original.replace('"l05 ', `"l05-${i} `)))
  const src = path.join(root, 'src', 'feature3', fs.readdirSync(path.join(root, 'src', 'feature3'))[0])
  const srcDir = fs.readdirSync(src)[0]
  const srcFile = path.join(src, srcDir)
  const srcText = fs.readFileSync(srcFile, 'utf8')
  const partial = median('one-file partial (one src file edited)', 'produce', (i) => fs.writeFileSync(srcFile, srcText + `\n// edit ${i}\n`))
  console.log(`\nbeyond the hit: target-only reuse +${(reuse.ms - hit.ms).toFixed(0)} ms, one-file partial +${(partial.ms - hit.ms).toFixed(0)} ms`)
} finally {
  if (!args.includes('--keep')) fs.rmSync(base, { recursive: true, force: true })
}

function findAnalysis() {
  const projects = path.join(home, 'cache', 'projects')
  return path.join(projects, fs.readdirSync(projects)[0], 'analysis.json')
}
