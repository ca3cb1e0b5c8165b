// Cache locks across processes, on every OS the CI runs (std's File::lock: flock on Unix,
// LockFileEx on Windows): while another process holds a project's lock in the middle of its
// write, a dispatch waits its lockTimeoutMs out, serves data computed from the tree as it is,
// reports cache_lock_timeout and persists nothing; once the holder is done, the next dispatch
// persists. (Before File::lock, the lock always succeeded on Windows.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cachecore } from './helpers.mjs'
import { dispatchInput, project } from './dispatch-project.mjs'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dispatch-child.mjs')
const TEMP_SUFFIX = '.cachecore-tmp'

function dispatch(cfg, extra = {}) {
  return cachecore.getOrBuildCachedProjectData(
    dispatchInput(cfg, {
      producer: () => ({ run: 'parent', src: fs.readFileSync(path.join(cfg.root, 'src', 'main.js'), 'utf8') }),
      parseCachedData: (d) => ({ ok: true, data: d }),
      ...extra,
    }),
  )
}

test('a dispatch in another process holding the project lock makes this one time out and persist nothing', { timeout: 60_000 }, async (t) => {
  const cfg = project(t)
  const first = dispatch(cfg)
  assert.deepEqual(first.cache.warnings ?? [], [])
  const { projectDir, files: filesJson } = first.cache.paths

  // The holder: a fresh process whose dispatch writes under the project lock, each write held
  // open for 1 s (the test write-delay hook), so its lock is held for seconds.
  fs.appendFileSync(path.join(cfg.root, 'src', 'main.js'), '\n// holder edit\n')
  const holder = spawn(process.execPath, [CHILD, JSON.stringify({ ...cfg, tag: 'holder' })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CACHECORE_TEST_WRITE_DELAY_MS: '1000' },
  })
  let stderr = ''
  holder.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => holder.on('exit', (code) => resolve(code)))
  t.after(() => holder.kill())

  // Its temp file in the project dir means it is inside a locked write.
  const deadline = Date.now() + 30_000
  while (!fs.readdirSync(projectDir).some((f) => f.endsWith(TEMP_SUFFIX))) {
    assert.ok(Date.now() < deadline, `the holder never started writing: ${stderr}`)
    await new Promise((r) => setTimeout(r, 10))
  }
  const before = fs.readFileSync(filesJson)
  fs.appendFileSync(path.join(cfg.root, 'src', 'main.js'), '// parent edit\n')
  const started = Date.now()
  const blocked = dispatch(cfg, { lockTimeoutMs: 300 })
  const waited = Date.now() - started
  assert.ok(waited >= 300, `waited ${waited} ms for the lock`)
  assert.ok(blocked.cache.warnings.some((w) => w.code === 'cache_lock_timeout'), JSON.stringify(blocked.cache.warnings))
  assert.equal(blocked.data.run, 'parent', 'computed without the lock')
  assert.match(blocked.data.src, /parent edit/, 'from the tree as it is')
  assert.deepEqual(fs.readFileSync(filesJson), before, 'nothing persisted while the other process holds the lock')

  assert.equal(await exited, 0, stderr)
  const after = dispatch(cfg)
  assert.ok(!(after.cache.warnings ?? []).some((w) => w.code === 'cache_lock_timeout'))
  assert.equal(after.data.run, 'parent')
  assert.match(after.data.src, /parent edit/)
  const stored = JSON.parse(fs.readFileSync(path.join(projectDir, 'analysis.json'), 'utf8'))
  assert.equal(stored.data.run, 'parent', 'persisted once the lock is free')
})
