// Helpers of the CLI, host and demo tests: temp copies of examples/i18n-app, a temp home, and
// the tools spawned as real processes.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './helpers.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const repo = path.join(here, '..')
export const CLI = path.join(repo, 'cli', 'cachecore.mjs')
export const HOST = path.join(repo, 'examples', 'host', 'i18n-host.mjs')
export const DEMO = path.join(repo, 'scripts', 'demo.mjs')
const EXAMPLE = path.join(repo, 'examples', 'i18n-app')

/** A temp dir with a copy of the example app (`app`) and an empty home (`home`). */
export function sandbox(t) {
  const dir = tempDir(t, 'cachecore-cli-')
  const app = path.join(dir, 'app')
  fs.cpSync(EXAMPLE, app, { recursive: true })
  const home = path.join(dir, 'home')
  fs.mkdirSync(home)
  return { dir, app, home }
}

/** Env without the homes of the machine, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = { ...process.env }
  delete env.CACHECORE_HOME
  delete env.I18NPRUNE_HOME
  delete env.NO_COLOR
  delete env.FORCE_COLOR
  return { ...env, ...extra }
}

function spawn(script, args, { env, cwd } = {}) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: env ?? cleanEnv(), cwd })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) }
}

/** Runs the cachecore CLI. */
export const cli = (args, opts) => spawn(CLI, args, opts)
/** Runs the example host. */
export const host = (args, opts) => spawn(HOST, args, opts)
/** Runs the demo. */
export const demo = (opts) => spawn(DEMO, [], opts)

/** Edits a file of the sandboxed app, then waits out the racy window. */
export function edit(app, rel, f) {
  const p = path.join(app, rel)
  fs.writeFileSync(p, f(fs.readFileSync(p, 'utf8')))
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150)
}

/** Lists every file under `dir` (relative, sorted). */
export function listTree(dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true }).map(String).sort()
}
