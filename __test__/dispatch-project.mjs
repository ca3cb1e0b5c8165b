// A copy of examples/i18n-app in a temp dir and the dispatch input for it.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { cachecore, tempDir } from './helpers.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const EXAMPLE = path.join(HERE, '..', 'examples', 'i18n-app')

/** A fresh copy of the example app and a cache home: `{ root, home, cacheRoot }`. */
export function project(t) {
  const dir = tempDir(t, 'cachecore-dispatch-')
  const root = path.join(dir, 'app')
  fs.cpSync(EXAMPLE, root, { recursive: true })
  const home = path.join(dir, 'home')
  return { dir, root, home, cacheRoot: path.join(home, 'cache') }
}

/** The cache state of a project (`initializeCacheState`, sha256 as the i18nprune CLI). */
export function stateOf(cfg) {
  const { state } = cachecore.initializeCacheState({
    projectRoot: cfg.root,
    cacheRootDir: cfg.cacheRoot,
    noCache: cfg.noCache,
    disabledReason: cfg.disabledReason,
    cacheReadOnly: cfg.readOnly,
    runtime: { hashText: 'sha256', fs: {}, path: {} },
  })
  return state
}

/** The dispatch input of a project. */
export function dispatchInput(cfg, extra = {}) {
  return {
    state: stateOf(cfg),
    runtime: { hashText: 'sha256' },
    sourceLocalePath: path.join(cfg.root, 'locales', 'en.json'),
    srcRoot: path.join(cfg.root, 'src'),
    localesDir: path.join(cfg.root, 'locales'),
    locales: { source: 'en', directory: 'locales', mode: 'flat_file', structure: cfg.structure ?? 'locale_file' },
    caps: cfg.caps,
    ...extra,
  }
}

const CHILD = path.join(HERE, 'dispatch-child.mjs')

/** One dispatch in a fresh process; `env` adds environment variables. */
export function runChild(cfg, env = {}) {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify(cfg)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  })
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/** Every file under `dir` with its bytes and mtime (absent dir: empty). */
export function snapshot(dir) {
  const out = {}
  if (!fs.existsSync(dir)) return out
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath ?? e.path, e.name)
    const rel = path.relative(dir, p)
    if (e.isDirectory()) out[rel + '/'] = 'dir'
    else {
      const st = fs.statSync(p)
      out[rel] = { mtimeMs: st.mtimeMs, bytes: fs.readFileSync(p).toString('base64') }
    }
  }
  return out
}

/** Rewrites a file with new content and a later mtime. */
export function edit(file, text) {
  fs.writeFileSync(file, text)
}
