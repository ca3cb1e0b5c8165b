// Helpers of the remote cache tests: the real Turborepo Remote Cache server
// (`turborepo-remote-cache`, a dev dependency) on 127.0.0.1 with local storage, real TCP
// proxies in front of it that stall or cut what passes through, and "machines" (a copy of the
// example app at their own path, with their own cache home) run as child processes.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
export const repo = path.join(here, '..')
const SERVER = require.resolve('turborepo-remote-cache/package.json').replace(/package\.json$/, 'dist/cli.js')
const CHILD = path.join(here, 'remote-child.mjs')

/** A free TCP port on 127.0.0.1 (closed again; the caller binds it next). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/**
 * Starts the real server with local storage under `storage`; resolves `{ api, storage, stop }`
 * once `/v8/artifacts/status` answers. `signatureKey` makes it keep `x-artifact-tag`s.
 */
export async function startServer({ storage, token, signatureKey }) {
  fs.mkdirSync(storage, { recursive: true })
  const port = await freePort()
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    STORAGE_PROVIDER: 'local',
    STORAGE_PATH: storage,
    STORAGE_PATH_USE_TMP_FOLDER: 'false',
    TURBO_TOKEN: token,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...(signatureKey ? { TURBO_REMOTE_CACHE_SIGNATURE_KEY: signatureKey } : {}),
  }
  const child = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const api = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the remote cache server exited: ${stderr}`)
    try {
      const r = await fetch(`${api}/v8/artifacts/status`)
      if (r.ok) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`the remote cache server did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', resolve)
      child.kill('SIGKILL')
    })
  return { api, port, storage, stop }
}

/** Every file under `dir`, as paths relative to it (sorted). */
export function listFiles(dir) {
  const out = []
  const walk = (d, rel) => {
    let entries
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) walk(path.join(d, e.name), r)
      else out.push(r)
    }
  }
  walk(dir, '')
  return out.sort()
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` (a port). `stallMethods`: once a request with
 * one of these methods passes from the client, nothing more is forwarded either way (the
 * connection stays open: a slow server). `cutResponseAfter`: a response is cut (both sockets
 * destroyed) that many bytes after its head (a truncated body).
 */
export async function startProxy(target, { stallMethods = [], cutResponseAfter } = {}) {
  const sockets = new Set()
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1')
    sockets.add(client).add(upstream)
    let stalled = false
    let sinceHead = -1
    client.on('data', (chunk) => {
      if (stalled) return
      const text = chunk.toString('latin1')
      if (stallMethods.some((m) => text.startsWith(`${m} `) || text.includes(`\r\n${m} `))) {
        stalled = true
        return
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (stalled) return
      if (cutResponseAfter === undefined) return client.write(chunk)
      let body = chunk
      if (sinceHead < 0) {
        const end = chunk.indexOf('\r\n\r\n')
        if (end < 0) return client.write(chunk)
        client.write(chunk.subarray(0, end + 4))
        body = chunk.subarray(end + 4)
        sinceHead = 0
      }
      const room = cutResponseAfter - sinceHead
      client.write(body.subarray(0, Math.max(0, room)))
      sinceHead += body.length
      if (sinceHead >= cutResponseAfter) {
        client.destroy()
        upstream.destroy()
      }
    })
    const close = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close)
    upstream.on('error', close)
    client.on('close', () => !stalled && upstream.end())
    upstream.on('close', () => !stalled && client.end())
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const api = `http://127.0.0.1:${server.address().port}`
  const stop = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return { api, stop }
}

/** A server that accepts connections and never answers. */
export async function startStall() {
  const sockets = new Set()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return {
    api: `http://127.0.0.1:${server.address().port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
}

/** Runs git in `dir`; its trimmed stdout. */
export function git(dir, ...args) {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

/** A copy of the example app at `root`, committed in a new git repository. */
export function makeRepo(root) {
  fs.cpSync(path.join(repo, 'examples/i18n-app'), root, { recursive: true })
  git(root, 'init', '-q', '-b', 'main')
  git(root, 'add', '.')
  git(root, 'commit', '-q', '-m', 'app')
  return git(root, 'rev-parse', 'HEAD')
}

/** A clone of the repository at `from`, at `root` (another machine's checkout). */
export function cloneRepo(from, root) {
  fs.mkdirSync(path.dirname(root), { recursive: true })
  git(path.dirname(root), 'clone', '-q', from, root)
}

/** The environment of a machine: no TURBO_* of the test's own process, plus `env`. */
function machineEnv(env) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TURBO_') && !k.startsWith('CACHECORE_REMOTE')),
  )
  return { ...base, ...GIT_ENV, ...env }
}

/**
 * Runs one host dispatch as its own process (a machine): `{ out, stdout, stderr, ms }` where
 * `out` is what the child printed (status, reason, analysisRebuild, remote, warnings, producer,
 * data, lines, uploads?) and `ms` the whole process's wall time.
 */
export function runMachine({ root, home, env = {}, remote, flush, exit }) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const arg = JSON.stringify({ root, home, remote, flush, exit })
    const child = spawn(process.execPath, [CHILD, arg], { env: machineEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`machine exited ${code}: ${stderr}`))
      resolve({ out: JSON.parse(stdout.trim().split('\n').at(-1)), stdout, stderr, ms })
    })
  })
}
