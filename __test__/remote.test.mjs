// The shared cache across machines (issue 16) against the real Turborepo Remote Cache server
// (`turborepo-remote-cache`, local storage, 127.0.0.1). Two "machines" are two copies of the
// example app at different absolute paths with different cache homes, each run as its own
// process with TURBO_API / TURBO_TOKEN / TURBO_TEAM in its environment.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fullAnalysis } from '../examples/host/analysis.mjs'
import {
  cloneRepo,
  freePort,
  listFiles,
  makeRepo,
  repo,
  runMachine,
  startProxy,
  startServer,
  startStall,
} from './remote-helpers.mjs'

const TOKEN = `tok-${process.pid}-${Math.random().toString(36).slice(2)}`
const SIGNATURE_KEY = `sig-${Math.random().toString(36).slice(2)}`
let tmp
let plain // a server that keeps no signatures
let signing // a server that keeps x-artifact-tag (TURBO_REMOTE_CACHE_SIGNATURE_KEY set)
let origin // the first machine's repository
let originHead
const outputs = [] // every child's stdout and stderr, for the token check
const homes = []

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-remote-'))
  ;[plain, signing] = await Promise.all([
    startServer({ storage: path.join(tmp, 'storage-plain'), token: TOKEN }),
    startServer({ storage: path.join(tmp, 'storage-signing'), token: TOKEN, signatureKey: 'server keeps tags' }),
  ])
  origin = path.join(tmp, 'ann', 'projects', 'app')
  originHead = makeRepo(origin)
})

after(async () => {
  await Promise.all([plain?.stop(), signing?.stop()])
  fs.rmSync(tmp, { recursive: true, force: true })
})

/** The TURBO_* environment of a machine talking to `server` as `team`. */
const turbo = (server, team, extra = {}) => ({
  TURBO_API: server.api,
  TURBO_TOKEN: TOKEN,
  TURBO_TEAM: team,
  ...extra,
})

/** A machine: a clone of the origin at `<tmp>/<name>/work/app`, its home beside it. */
function machine(name, { edit } = {}) {
  const root = path.join(tmp, name, 'work', 'app')
  cloneRepo(origin, root)
  if (edit) fs.writeFileSync(path.join(root, edit.file), edit.text)
  const home = path.join(tmp, name, 'home')
  homes.push(home)
  return { root, home }
}

async function run(m, opts) {
  const r = await runMachine({ ...m, ...opts })
  outputs.push(r.stdout, r.stderr, ...r.out.lines)
  return r
}

/** The analysis a full build of `root` gives. */
function expected(root) {
  return fullAnalysis({
    srcRoot: path.join(root, 'src'),
    sourceLocalePath: path.join(root, 'locales', 'en.json'),
  })
}

const codes = (out) => out.warnings.map((w) => w.code)
const artifacts = (server, team) => listFiles(path.join(server.storage, team)).filter((f) => !f.endsWith('.tag'))

test('A builds and uploads; B, cold, is served A\'s analysis without the producer and keeps it locally', async () => {
  const a = { root: origin, home: path.join(tmp, 'ann', 'home') }
  homes.push(a.home)
  const first = await run(a, { env: turbo(plain, 'share') })
  assert.equal(first.out.producer.mode, 'full')
  assert.equal(first.out.remote.source, 'none')
  assert.equal(first.out.remote.upload, 'scheduled')
  assert.ok(first.out.lines.includes('  remote upload: scheduled (in the background)'), first.out.lines.join('\n'))
  // The process exit waited for the upload: an exact artifact and a base artifact (the tree is
  // clean at a commit) are on the server.
  assert.equal(artifacts(plain, 'share').length, 2, listFiles(plain.storage).join(', '))

  const b = machine('bob')
  const served = await run(b, { env: turbo(plain, 'share') })
  assert.equal(served.out.status, 'hit')
  assert.equal(served.out.reason, 'cache_hit')
  assert.equal(served.out.producer.mode, undefined, 'the producer was not called')
  assert.equal(served.out.remote.source, 'remote_exact')
  assert.deepEqual(served.out.data, expected(b.root))
  assert.match(served.out.lines[1], /^ {2}source: remote exact \(http:\/\/127\.0\.0\.1:\d+ \(team share\), artifact [0-9a-f]{12}, /)
  // Stored locally in the v1 shapes.
  const projects = path.join(b.home, 'cache', 'projects')
  const [id] = fs.readdirSync(projects)
  const analysis = JSON.parse(fs.readFileSync(path.join(projects, id, 'analysis.json'), 'utf8'))
  assert.deepEqual(Object.keys(analysis).sort(), ['data', 'inputFilesEpoch', 'projectId', 'updatedAt', 'version'])
  assert.equal(analysis.version, 1)
  assert.equal(analysis.projectId, id)
  assert.deepEqual(analysis.data, served.out.data)
  const files = JSON.parse(fs.readFileSync(path.join(projects, id, 'files.json'), 'utf8'))
  assert.equal(files.version, 1)
  assert.equal(Object.keys(files.files).length, 6)

  const again = await run(b, { env: turbo(plain, 'share') })
  assert.equal(again.out.status, 'hit')
  assert.equal(again.out.remote.source, 'local')
  assert.equal(again.out.lines[1], '  source: local')
})

test('C, cold, with one source file changed gets src_partial over the base commit\'s artifact, equal to a full build', async () => {
  const c = machine('carl', { edit: { file: 'src/pages/index.ts', text: "export const x = () => t('home.changed')\n" } })
  const r = await run(c, { env: turbo(plain, 'share') })
  assert.equal(r.out.status, 'miss')
  assert.deepEqual(
    { strategy: r.out.analysisRebuild.strategy, reason: r.out.analysisRebuild.reason },
    { strategy: 'partial', reason: 'src_partial' },
  )
  assert.equal(r.out.remote.source, 'remote_base')
  assert.equal(r.out.remote.commit, originHead)
  assert.deepEqual(r.out.producer, { mode: 'src_partial', filesRead: 1 })
  assert.deepEqual(r.out.data, expected(c.root))
  assert.ok(r.out.data.usedKeys.includes('home.changed'))
  assert.ok(
    r.out.lines.some((l) => l.startsWith(`  source: remote base ${originHead.slice(0, 12)} (`)),
    r.out.lines.join('\n'),
  )
  assert.ok(r.out.lines.includes('  analysis rebuild: partial (1 changed, 0 added, 0 deleted)'))
})

test('a tampered or unsigned artifact is refused when a signature key is set; the local result is right', async () => {
  const env = turbo(signing, 'signed', { TURBO_REMOTE_CACHE_SIGNATURE_KEY: SIGNATURE_KEY })
  const a = machine('sig-a')
  await run(a, { env })
  const stored = artifacts(signing, 'signed')
  assert.equal(stored.length, 2)
  assert.equal(listFiles(path.join(signing.storage, 'signed')).filter((f) => f.endsWith('.tag')).length, 2)
  // A good signature is served.
  const b = machine('sig-b')
  assert.equal((await run(b, { env })).out.remote.source, 'remote_exact')
  // Tampered: one byte of each stored artifact flipped.
  for (const f of stored) {
    const p = path.join(signing.storage, 'signed', f)
    const bytes = fs.readFileSync(p)
    bytes[bytes.length >> 1] ^= 0x01
    fs.writeFileSync(p, bytes)
  }
  const c = machine('sig-c')
  const tampered = await run(c, { env })
  assert.ok(codes(tampered.out).includes('remote_signature'), JSON.stringify(tampered.out.warnings))
  assert.equal(tampered.out.producer.mode, 'full')
  assert.deepEqual(tampered.out.data, expected(c.root))
  // Unsigned: the plain server keeps no tags, so with a key set its artifacts are refused.
  const d = machine('sig-d')
  const unsigned = await run(d, { env: turbo(plain, 'share', { TURBO_REMOTE_CACHE_SIGNATURE_KEY: SIGNATURE_KEY }), remote: { readOnly: true } })
  assert.ok(
    unsigned.out.warnings.some((w) => w.code === 'remote_signature' && /unsigned/.test(w.message)),
    JSON.stringify(unsigned.out.warnings),
  )
  assert.equal(unsigned.out.producer.mode, 'full')
  assert.deepEqual(unsigned.out.data, expected(d.root))
})

/** The bound on a failing remote's cost, generous: this is not a timing test. */
const BOUND_MS = 8000

test('wrong token, server down, a slow server, a truncated body, a body over the limit: a warning, the right result, bounded time', async (t) => {
  // Wrong token: 401.
  const wrong = machine('wrong-token')
  const w = await run(wrong, { env: { ...turbo(plain, 'share'), TURBO_TOKEN: 'not-the-token' } })
  assert.ok(codes(w.out).includes('remote_auth'), JSON.stringify(w.out.warnings))
  assert.equal(w.out.producer.mode, 'full')
  assert.deepEqual(w.out.data, expected(wrong.root))
  assert.ok(w.ms < BOUND_MS, `${w.ms} ms`)

  // Server down: nothing listens.
  const down = machine('down')
  const port = await freePort()
  const d = await run(down, { env: { ...turbo(plain, 'share'), TURBO_API: `http://127.0.0.1:${port}` } })
  assert.ok(codes(d.out).includes('remote_unreachable'), JSON.stringify(d.out.warnings))
  assert.deepEqual(d.out.data, expected(down.root))
  assert.ok(d.ms < BOUND_MS, `${d.ms} ms`)

  // A slow server: accepts and never answers. One timeout, then the remote is skipped (the
  // upload too), so the whole process stays within about one timeout.
  const stall = await startStall()
  t.after(() => stall.stop())
  const slow = machine('slow')
  const s = await run(slow, { env: { ...turbo(plain, 'share'), TURBO_API: stall.api }, remote: { timeoutMs: 700 } })
  assert.ok(codes(s.out).includes('remote_timeout'), JSON.stringify(s.out.warnings))
  assert.deepEqual(s.out.data, expected(slow.root))
  assert.ok(s.ms < BOUND_MS, `${s.ms} ms`)

  // A truncated body: a proxy in front of the real server cuts responses 100 bytes after
  // their head (the artifacts of the first test are there under team 'share').
  const cut = await startProxy(plain.port, { cutResponseAfter: 100 })
  t.after(() => cut.stop())
  const trunc = machine('truncated')
  const tr = await run(trunc, { env: { ...turbo(plain, 'share'), TURBO_API: cut.api } })
  assert.ok(codes(tr.out).includes('remote_truncated'), JSON.stringify(tr.out.warnings))
  assert.equal(tr.out.producer.mode, 'full')
  assert.deepEqual(tr.out.data, expected(trunc.root))
  assert.ok(tr.ms < BOUND_MS, `${tr.ms} ms`)

  // Over the limit, both ways: the download is refused, the upload is not sent.
  const big = machine('oversize')
  const o = await run(big, { env: turbo(plain, 'share'), remote: { maxArtifactBytes: 200 }, flush: 5000 })
  assert.ok(codes(o.out).includes('remote_oversize'), JSON.stringify(o.out.warnings))
  assert.deepEqual(o.out.data, expected(big.root))
  assert.ok(o.out.uploads.done.length > 0)
})

test('read-only never uploads; a process exit waits for an upload at most its bound, also on process.exit()', async (t) => {
  const ro = machine('read-only')
  const r = await run(ro, { env: turbo(plain, 'readonly-team', { TURBO_REMOTE_CACHE_READ_ONLY: '1' }), flush: 2000 })
  assert.equal(r.out.remote.upload, 'read_only')
  assert.ok(r.out.lines.includes('  remote upload: skipped (read-only)'))
  assert.deepEqual(r.out.uploads, { pending: 0, done: [] })
  assert.deepEqual(listFiles(path.join(plain.storage, 'readonly-team')), [])

  // process.exit() right after the dispatch: the exit hook still publishes the artifact.
  const quick = machine('process-exit', { edit: { file: 'src/main.js', text: "t('quick.exit')\n" } })
  await run(quick, { env: turbo(plain, 'exit-team'), exit: 'process.exit' })
  assert.ok(artifacts(plain, 'exit-team').length >= 1, 'uploaded before the process ended')

  // A server that stalls uploads (HEAD and PUT never answered): the exit waits exitWaitMs, not
  // the 30 s request timeout.
  const proxy = await startProxy(plain.port, { stallMethods: ['HEAD', 'PUT'] })
  t.after(() => proxy.stop())
  const stuck = machine('stuck-upload', { edit: { file: 'src/main.js', text: "t('stuck.upload')\n" } })
  const s = await run(stuck, {
    env: { ...turbo(plain, 'stuck-team'), TURBO_API: proxy.api },
    remote: { timeoutMs: 30_000, exitWaitMs: 1000 },
  })
  assert.equal(s.out.remote.upload, 'scheduled')
  assert.ok(s.out.ms < 5000, `the result did not wait for the upload (${s.out.ms} ms)`)
  assert.ok(s.ms < BOUND_MS, `the exit waited ${s.ms} ms`)
  assert.deepEqual(artifacts(plain, 'stuck-team'), [])
})

test('a shared directory backend: the same keys and verification', async () => {
  const shared = path.join(tmp, 'shared-dir')
  fs.mkdirSync(shared)
  const env = { CACHECORE_REMOTE_DIR: shared, TURBO_REMOTE_CACHE_SIGNATURE_KEY: SIGNATURE_KEY }
  const a = machine('dir-a')
  const built = await run(a, { env })
  assert.equal(built.out.remote.backend, 'dir')
  assert.equal(listFiles(shared).length, 4, 'two artifacts and their tags')
  const b = machine('dir-b')
  const served = await run(b, { env })
  assert.equal(served.out.remote.source, 'remote_exact')
  assert.equal(served.out.producer.mode, undefined)
  assert.deepEqual(served.out.data, expected(b.root))
  const other = machine('dir-c')
  const refused = await run(other, { env: { ...env, TURBO_REMOTE_CACHE_SIGNATURE_KEY: 'another key' } })
  assert.ok(codes(refused.out).includes('remote_signature'))
  assert.deepEqual(refused.out.data, expected(other.root))
})

test('cachecore remote status: reachability, auth and the signature setup', () => {
  const cli = (env, ...args) => {
    const r = spawnSync(process.execPath, [path.join(repo, 'cli', 'cachecore.mjs'), 'remote', 'status', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: tmp, NO_COLOR: '1', ...env },
    })
    outputs.push(r.stdout, r.stderr)
    return r
  }
  const ok = cli(turbo(signing, 'status', { TURBO_REMOTE_CACHE_SIGNATURE_KEY: SIGNATURE_KEY }), '--json')
  assert.equal(ok.status, 0, ok.stdout + ok.stderr)
  const report = JSON.parse(ok.stdout)
  assert.deepEqual(
    report.checks.map((c) => [c.name, c.ok]),
    [['reachable', true], ['auth', true], ['write', true], ['signature', true]],
  )
  const text = cli(turbo(signing, 'status', { TURBO_REMOTE_CACHE_SIGNATURE_KEY: SIGNATURE_KEY }))
  assert.equal(text.status, 0)
  assert.match(text.stdout, /signature: ok: .*verified/)
  // The plain server drops tags: signing through it cannot work, and status says so.
  const noTags = cli(turbo(plain, 'status', { TURBO_REMOTE_CACHE_SIGNATURE_KEY: SIGNATURE_KEY }), '--json')
  assert.equal(noTags.status, 1)
  assert.match(JSON.stringify(JSON.parse(noTags.stdout).checks), /x-artifact-tag/)
  const badToken = cli({ ...turbo(plain, 'status'), TURBO_TOKEN: 'wrong' }, '--json')
  assert.equal(badToken.status, 1)
  const auth = JSON.parse(badToken.stdout).checks.find((c) => c.name === 'auth')
  assert.equal(auth.ok, false)
  const none = cli({}, '--json')
  assert.equal(none.status, 1)
  assert.equal(JSON.parse(none.stdout).configured, false)
})

test('the token is never printed, logged, or written to a cache file', () => {
  assert.ok(outputs.length > 20, 'the other tests ran first')
  for (const text of outputs) assert.ok(!String(text).includes(TOKEN), `token in output: ${text}`)
  for (const home of homes) {
    for (const f of listFiles(home)) {
      const bytes = fs.readFileSync(path.join(home, f))
      assert.ok(!bytes.includes(TOKEN), `token in ${home}/${f}`)
      assert.ok(!bytes.includes(SIGNATURE_KEY), `signature key in ${home}/${f}`)
    }
  }
})
