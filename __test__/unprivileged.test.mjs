// Permission faults need a user that modes apply to: root ignores them, so these tests run the
// addon in a child process as `nobody` (setpriv --reuid=65534), on a real tree.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir, writeTree } from './helpers.mjs'

const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'index.js')
const canDrop = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0

function asNobody(code) {
  const r = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', code],
    { encoding: 'utf8' },
  )
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

test('an unreadable directory makes its subtree unknown, never unchanged or deleted', { skip: !canDrop && 'needs root and setpriv' }, (t) => {
  const base = tempDir(t)
  fs.chmodSync(base, 0o755)
  const root = path.join(base, 'tree')
  const cache = path.join(base, 'cache')
  writeTree(root, { 'ok/a.txt': 'a', 'locked/b.txt': 'b', 'locked/deeper/c.txt': 'c', 'secret.txt': 's' })
  fs.mkdirSync(cache)
  for (const p of [base, root, path.join(root, 'ok'), path.join(root, 'locked'), path.join(root, 'locked/deeper')]) fs.chmodSync(p, 0o755)
  fs.chmodSync(cache, 0o777)
  const manifest = path.join(cache, 'fp.json')
  const run = `const r = require(${JSON.stringify(addon)}).fingerprintSync({ root: ${JSON.stringify(root)}, previous: ${JSON.stringify(manifest)}, writeTo: ${JSON.stringify(manifest)} }); console.log(JSON.stringify(r))`
  const first = asNobody(run)
  assert.deepEqual(first.delta.added, ['locked/b.txt', 'locked/deeper/c.txt', 'ok/a.txt', 'secret.txt'])

  fs.chmodSync(path.join(root, 'locked'), 0o000)
  fs.chmodSync(path.join(root, 'secret.txt'), 0o000)
  fs.writeFileSync(path.join(root, 'secret.txt'), 'S') // changed, but cannot be read
  const second = asNobody(run)
  assert.deepEqual(second.delta.unknown, ['locked/b.txt', 'locked/deeper/c.txt', 'secret.txt'])
  assert.deepEqual(second.delta.deleted, [])
  assert.deepEqual(second.delta.unchanged, ['ok/a.txt'])
  const codes = second.warnings.map((w) => `${w.code}:${w.path}`)
  assert.ok(codes.includes('unreadable_dir:locked'), codes.join(', '))
  assert.ok(codes.includes('unreadable_file:secret.txt'), codes.join(', '))
  assert.ok(second.delta.reasons.every((r) => r.reason === 'unreadable'))
  fs.chmodSync(path.join(root, 'locked'), 0o755)
})

test('A11: an unreadable cache directory runs uncached, with correct results and no crash', { skip: !canDrop && 'needs root and setpriv' }, (t) => {
  const base = tempDir(t)
  fs.chmodSync(base, 0o755)
  const app = path.join(base, 'app')
  fs.cpSync(path.join(path.dirname(addon), 'examples', 'i18n-app'), app, { recursive: true })
  for (const p of fs.readdirSync(app, { recursive: true })) fs.chmodSync(path.join(app, p), fs.statSync(path.join(app, p)).isDirectory() ? 0o755 : 0o644)
  fs.chmodSync(app, 0o755)
  const cacheRoot = path.join(base, 'home', 'cache')
  fs.mkdirSync(cacheRoot, { recursive: true })
  fs.chmodSync(path.join(base, 'home'), 0o755)
  fs.chmodSync(cacheRoot, 0o000) // owned by root: the unprivileged host can neither read nor write it
  const run = `
    const c = require(${JSON.stringify(addon)})
    const rt = { hashText: 'sha256' }
    const { state, warnings } = c.initializeCacheState({ projectRoot: ${JSON.stringify(app)}, cacheRootDir: ${JSON.stringify(cacheRoot)}, runtime: rt })
    let calls = 0
    const r = c.getOrBuildCachedProjectData({ state, runtime: rt, sourceLocalePath: ${JSON.stringify(path.join(app, 'locales/en.json'))}, srcRoot: ${JSON.stringify(path.join(app, 'src'))}, localesDir: ${JSON.stringify(path.join(app, 'locales'))}, locales: { source: 'en', directory: 'locales' }, producer: () => ({ calls: ++calls }) })
    console.log(JSON.stringify({ enabled: state.enabled, reason: state.reason, warnings: warnings.map((w) => w.code), status: r.cache.status, data: r.data, cacheWarnings: r.cache.warnings.map((w) => w.code) }))
  `
  const first = asNobody(run)
  const second = asNobody(run)
  for (const r of [first, second]) {
    assert.deepEqual(r.data, { calls: 1 }, 'the producer ran: results are computed, never served from a cache we cannot read')
    assert.ok(r.status === 'disabled' || r.status === 'miss', JSON.stringify(r))
    assert.ok(r.warnings.length + r.cacheWarnings.length > 0, 'the host is told why')
  }
  fs.chmodSync(cacheRoot, 0o755)
  assert.deepEqual(fs.readdirSync(cacheRoot), [], 'nothing was written')
})
