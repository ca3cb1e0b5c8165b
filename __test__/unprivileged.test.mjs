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

test('item 13: unknown is not deleted: an unreadable src directory keeps its records, forces a miss, and nothing is lost', { skip: !canDrop && 'needs root and setpriv' }, (t) => {
  const base = tempDir(t)
  fs.chmodSync(base, 0o755)
  const app = path.join(base, 'app')
  const repo = path.dirname(addon)
  fs.cpSync(path.join(repo, 'examples', 'i18n-app'), app, { recursive: true })
  for (const p of fs.readdirSync(app, { recursive: true })) fs.chmodSync(path.join(app, p), fs.statSync(path.join(app, p)).isDirectory() ? 0o755 : 0o644)
  fs.chmodSync(app, 0o755)
  const home = path.join(base, 'home')
  fs.mkdirSync(home)
  fs.chownSync(home, 65534, 65534)
  const cacheRoot = path.join(home, 'cache')
  const host = path.join(repo, 'examples', 'host', 'analysis.mjs')
  const dispatch = `
    const c = require(${JSON.stringify(addon)})
    import(${JSON.stringify(host)}).then(({ dispatchInput, fullAnalysis }) => {
      const runtime = { hashText: 'sha256' }
      const project = { root: ${JSON.stringify(app)}, srcRoot: ${JSON.stringify(path.join(app, 'src'))}, localesDir: ${JSON.stringify(path.join(app, 'locales'))}, sourceLocalePath: ${JSON.stringify(path.join(app, 'locales/en.json'))}, locales: { source: 'en', directory: 'locales', mode: 'flat_file', structure: 'locale_file' } }
      const { state } = c.initializeCacheState({ projectRoot: project.root, cacheRootDir: ${JSON.stringify(cacheRoot)}, runtime })
      const stats = {}
      const r = c.getOrBuildCachedProjectData(dispatchInput(c, project, { state, runtime, stats }))
      console.log(JSON.stringify({ cache: r.cache, data: r.data, fresh: fullAnalysis(project), produced: Boolean(stats.mode) }))
    })`
  const cli = (...args) => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(repo, 'cli', 'cachecore.mjs'), ...args, app, '--home', home, '--json'], { encoding: 'utf8' })
    return JSON.parse(r.stdout)
  }
  const first = asNobody(dispatch)
  assert.equal(first.cache.status, 'miss')
  const filesPath = first.cache.paths.files
  const before = fs.readFileSync(filesPath, 'utf8')
  assert.ok(JSON.parse(before).files['components/Header.tsx'])

  const locked = path.join(app, 'src', 'components')
  fs.chmodSync(locked, 0o000)
  try {
    const second = asNobody(dispatch)
    assert.equal(second.cache.status, 'miss', 'unknown forces a miss')
    assert.deepEqual(second.cache.delta.deleted, [], 'unknown is never counted deleted')
    assert.ok(second.cache.delta.changed.includes('components/Header.tsx'))
    assert.ok(second.cache.warnings.some((w) => w.code === 'cache_unknown_files'), JSON.stringify(second.cache.warnings))
    assert.ok(second.produced, 'the producer ran')
    assert.equal(fs.readFileSync(filesPath, 'utf8'), before, 'nothing built without the unknown files is stored')
    const status = cli('status')
    assert.deepEqual(status.cache.delta.deleted, [])
    assert.notEqual(status.status, 'hit')
    const explain = cli('explain')
    assert.deepEqual(explain.classified?.src.deleted ?? [], [])
    assert.ok(explain.files.every((f) => f.change !== 'deleted'), JSON.stringify(explain.files))
    cli('scan')
    assert.ok(JSON.parse(fs.readFileSync(filesPath, 'utf8')).files['components/Header.tsx'], 'scan keeps the record')
  } finally {
    fs.chmodSync(locked, 0o755)
  }
  const third = asNobody(dispatch)
  assert.deepEqual(third.cache.delta.added, [], 'nothing was lost: no file comes back as added')
  assert.equal(third.cache.status, 'hit')
  assert.deepEqual(third.data, third.fresh)
})
