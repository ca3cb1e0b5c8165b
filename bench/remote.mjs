#!/usr/bin/env node
// Issue 16's benchmark: a cold CI runner with one source file changed against the base commit,
// served by the shared cache (the real `turborepo-remote-cache` server on 127.0.0.1, local
// storage). Corpus: `i18n` (20,000 source files + 31 locales) with the issue 9 analysis
// (250,000 observations, 58 MB compact). Every case is a fresh process on a fresh checkout and
// cache home; times are whole-process wall times. Not a test.
//   node bench/remote.mjs [--files 20000] [--observations 250000] [--runs 3] [--keep]
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeI18n } from './corpus.mjs'
import { syntheticAnalysis } from './payload.mjs'
import { git, listFiles, startServer } from '../__test__/remote-helpers.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const addon = path.join(here, '..', 'index.js')
const hostCli = path.join(here, '..', 'examples', 'host', 'i18n-host.mjs')
const args = process.argv.slice(2)
const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d)
const FILES = Number(opt('files', 20_000))
const OBS = Number(opt('observations', 250_000))
const RUNS = Number(opt('runs', 3))

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-bench-remote-'))
const origin = path.join(base, 'origin', 'app')
const payloadPath = path.join(base, 'payload.json')
const TOKEN = 'bench-token'
const TEAM = 'bench'

// One dispatch in a fresh process. The producer returns the payload on a full build and patches
// `ctx.previous` on a partial one (the changed file re-analysed), as a host does. Prints
// `{ toResultMs, status, remote, uploads? }`: `toResultMs` is the process's age when the
// result is in hand (Node's start-up included).
const CHILD = `
  const c = require(${JSON.stringify(addon)})
  const fs = require('fs'), path = require('path')
  const [root, home, mode] = process.argv.slice(1)
  const runtime = { hashText: 'sha256' }
  const { state } = c.initializeCacheState({ projectRoot: root, cacheRootDir: path.join(home, 'cache'), runtime })
  const producer = (ctx) => {
    if (!ctx || !ctx.previous || ctx.analysisRebuild.strategy !== 'partial') return JSON.parse(fs.readFileSync(${JSON.stringify(payloadPath)}, 'utf8'))
    const files = ctx.previous.files
    for (const rel of ctx.classified.src.changed) {
      const k = 'src/' + rel
      if (files[k]) files[k] = { ...files[k], keys: files[k].keys.slice(1) }
    }
    return ctx.previous
  }
  const input = { state, runtime, sourceLocalePath: path.join(root, 'locales/en.json'), srcRoot: path.join(root, 'src'), localesDir: path.join(root, 'locales'), locales: { source: 'en', directory: 'locales' }, producer }
  if (mode === 'local') input.remote = false
  const r = c.getOrBuildCachedProjectData(input)
  const toResultMs = process.uptime() * 1000
  const out = { toResultMs, timings: r.timings, status: r.cache.status + '/' + r.cache.reason + (r.cache.analysisRebuild ? '/' + r.cache.analysisRebuild.reason : ''), remote: r.cache.remote, warnings: r.cache.warnings }
  if (mode === 'flush') c.flushRemoteUploads(60000).then((u) => { out.uploads = u; console.log(JSON.stringify(out)) })
  else console.log(JSON.stringify(out))
`

function machineEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TURBO_') && !k.startsWith('CACHECORE_REMOTE')))
  return { ...env, ...extra }
}

/** Runs the child; `{ ...its output, exitMs }` (spawn to exit, the background upload included). */
function child(root, home, mode, env) {
  const started = performance.now()
  const r = spawnSync(process.execPath, ['-e', CHILD, root, home, mode], { encoding: 'utf8', env: machineEnv(env), maxBuffer: 1 << 26 })
  const exitMs = performance.now() - started
  if (r.status !== 0) throw new Error(r.stderr)
  return { ...JSON.parse(r.stdout.trim().split('\n').at(-1)), exitMs }
}

function timed(cmd, argv, env) {
  const started = performance.now()
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: machineEnv(env), maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr}`)
  return performance.now() - started
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`

let server
try {
  const t0 = performance.now()
  makeI18n(origin, { srcFiles: FILES })
  fs.writeFileSync(path.join(origin, '.gitignore'), 'node_modules/\n')
  git(origin, 'init', '-q', '-b', 'main')
  git(origin, 'add', '.')
  git(origin, 'commit', '-q', '-m', 'corpus')
  const head = git(origin, 'rev-parse', 'HEAD')
  fs.writeFileSync(payloadPath, JSON.stringify(syntheticAnalysis({ files: FILES, observations: OBS })))
  console.log(`corpus: ${FILES} src files + 31 locales, committed; payload ${mb(fs.statSync(payloadPath).size)} compact; ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  server = await startServer({ storage: path.join(base, 'storage'), token: TOKEN })
  const env = { TURBO_API: server.api, TURBO_TOKEN: TOKEN, TURBO_TEAM: TEAM }

  let n = 0
  /** A fresh checkout of the base commit (another machine), optionally with one file edited. */
  const checkout = (edit) => {
    const root = path.join(base, `runner${++n}`, 'app')
    fs.mkdirSync(path.dirname(root), { recursive: true })
    git(path.dirname(root), 'clone', '-q', '--no-hardlinks', origin, root)
    if (edit !== undefined) {
      const f = path.join(root, 'src', 'feature3', 'part0')
      const file = path.join(f, fs.readdirSync(f).sort()[0])
      fs.appendFileSync(file, `\n// edit ${edit}\n`)
    }
    return { root, home: path.join(base, `runner${n}`, 'home') }
  }

  // The base: a main-branch build uploads its artifact (exact key and base key of HEAD).
  const mainBuild = checkout()
  const published = child(mainBuild.root, mainBuild.home, 'flush', env)
  const uploaded = published.uploads.done.filter((u) => u.result === 'uploaded')
  console.log(`main build: ${published.status}, uploaded ${uploaded.map((u) => `${u.kind} ${mb(u.bytes)}`).join(', ')}; base commit ${head.slice(0, 12)}`)
  const stored = listFiles(server.storage).map((f) => fs.statSync(path.join(server.storage, f)).size)
  console.log(`server storage: ${stored.length} artifacts, ${stored.map(mb).join(', ')}`)

  const rows = []
  const measure = (label, run) => {
    const rs = []
    for (let i = 0; i < RUNS; i++) rs.push(run(i))
    const m = rs.slice().sort((a, b) => a.toResultMs - b.toResultMs)[Math.floor(rs.length / 2)]
    rows.push({ label, ...m, toResultMs: median(rs.map((r) => r.toResultMs)), exitMs: median(rs.map((r) => r.exitMs)) })
    return m
  }
  // Floors, in the same run.
  const nodeMs = median(Array.from({ length: RUNS }, () => timed(process.execPath, ['-e', '0'])))
  const hostFull = median(
    Array.from({ length: RUNS }, (_, i) => {
      const m = checkout(`host-${i}`)
      return timed(process.execPath, [hostCli, m.root, '--no-cache', '--home', m.home])
    }),
  )
  measure('cold runner, no remote: full build (the payload) + local persist', (i) => {
    const m = checkout(`local-${i}`)
    return child(m.root, m.home, 'local', env)
  })
  measure('cold runner, remote exact (nothing changed)', () => {
    const m = checkout()
    return child(m.root, m.home, 'remote', { ...env, TURBO_REMOTE_CACHE_READ_ONLY: '1' })
  })
  const partial = measure('cold runner, one src file changed: remote base + partial + upload', (i) => {
    const m = checkout(`base-${i}`)
    return child(m.root, m.home, 'remote', env)
  })

  console.log(`\nFloors: Node start-up ${nodeMs.toFixed(0)} ms; the example host's full analysis of the corpus (no cache) ${hostFull.toFixed(0)} ms.\n`)
  console.log('| case (fresh checkout, cold cache home) | to result ms | vs host full analysis | process exit ms | downloaded | status |')
  console.log('|---|---:|---:|---:|---:|---|')
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.toResultMs.toFixed(0)} | ${(r.toResultMs / hostFull).toFixed(2)}x | ${r.exitMs.toFixed(0)} | ${r.remote?.bytes ? mb(r.remote.bytes) : '-'} | ${r.status}${r.remote ? ` (${r.remote.source})` : ''} |`)
  }
  console.log('\nWhere the time to the result goes (the median run\'s `timings` and `cache.remote.fetchMs`, ms; "remote" is the download, decompression and verification):\n')
  console.log('| case | Node, addon load, producer | scan (walk, hash) | remote | data (JSON.parse) | decide | commit (stringify) |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    const t = r.timings
    const fetch = r.remote?.fetchMs ?? 0
    const inCall = t.scanMs + t.envelopeMs + fetch + t.dataMs + t.decideMs + t.commitMs
    console.log(`| ${r.label} | ${(r.toResultMs - inCall).toFixed(0)} | ${t.scanMs.toFixed(0)} | ${fetch.toFixed(0)} | ${t.dataMs.toFixed(0)} | ${t.decideMs.toFixed(0)} | ${t.commitMs.toFixed(0)} (${t.stringifyMs.toFixed(0)}) |`)
  }
  console.log(`\nremote base case: fetch ${partial.remote?.fetchMs?.toFixed(0)} ms for ${mb(partial.remote?.bytes ?? 0)}; its upload runs after the result (exit ${partial.exitMs.toFixed(0)} ms)`)
} finally {
  await server?.stop()
  if (!args.includes('--keep')) fs.rmSync(base, { recursive: true, force: true })
}
