// Reliability rows of the engine through the addon, on real files and processes
// (shared/spec/reliability-checklist.md: D5, D6, E8, E10, E11, E12).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cachecore, tempDir, writeTree, settle } from './helpers.mjs'

const { fingerprint, fingerprintSync } = cachecore
const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'index.js')

test('E8: a 16 GiB sparse file is streamed with bounded memory', { timeout: 120_000 }, (t) => {
  const root = tempDir(t)
  const big = path.join(root, 'sparse.bin')
  const r = spawnSync('truncate', ['-s', '16G', big])
  if (r.status !== 0) return t.skip('truncate -s 16G not possible here')
  fs.writeFileSync(path.join(root, 'small.txt'), 'x')
  // A fresh process, so its peak RSS is this run's alone.
  const out = spawnSync(process.execPath, ['-e', `
    const c = require(${JSON.stringify(addon)})
    const before = process.memoryUsage().rss
    const r = c.fingerprintSync({ root: ${JSON.stringify(root)}, hash: 'blake3' })
    console.log(JSON.stringify({ before, peak: process.resourceUsage().maxRSS * 1024, bytes: r.counts.bytesHashed, unstable: r.counts.unstable }))
  `], { encoding: 'utf8' })
  assert.equal(out.status, 0, out.stderr)
  const m = JSON.parse(out.stdout)
  assert.equal(m.bytes, 16 * 2 ** 30 + 1)
  assert.equal(m.unstable, 0)
  assert.ok(m.peak - m.before < 64 * 2 ** 20, `peak grew by ${((m.peak - m.before) / 2 ** 20).toFixed(1)} MiB`)
})

test('E10: an always-growing file is hashed up to its size at open and marked unstable', async (t) => {
  const root = tempDir(t)
  const f = path.join(root, 'growing.log')
  fs.writeFileSync(f, 'start\n')
  const yes = spawn('sh', ['-c', `exec yes growing >> '${f}'`], { stdio: 'ignore' })
  t.after(() => yes.kill('SIGKILL'))
  // Large enough that appends land while it is read; a scheduler pause can still hide one
  // read, so a few attempts are allowed (the writer never stops).
  while (fs.statSync(f).size < 32_000_000) await new Promise((r) => setTimeout(r, 10))
  let r
  for (let attempt = 0; attempt < 10; attempt++) {
    r = fingerprintSync({ root, strategy: 'hash-always' })
    if (r.counts.unstable === 1) break
    await new Promise((res) => setTimeout(res, 20))
  }
  assert.equal(r.counts.unstable, 1)
  assert.deepEqual(r.delta.reasons, [{ path: 'growing.log', change: 'added', reason: 'unstable' }])
  assert.ok(r.records[0].size <= fs.statSync(f).size)
  assert.ok(r.warnings.some((w) => w.code === 'unstable_file' && w.path === 'growing.log'))
})

test('E12: the walk completes under ulimit -n 64', (t) => {
  const root = tempDir(t)
  const files = {}
  for (let i = 0; i < 1500; i++) files[`d${i % 50}/e${i % 7}/f${i}.txt`] = `file ${i}`
  writeTree(root, files)
  const r = spawnSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" -e 'const r = require(${JSON.stringify(addon)}).fingerprintSync({ root: ${JSON.stringify(root)} }); console.log(r.counts.files, r.warnings.length)'`], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.equal(r.stdout.trim(), '1500 0')
})

test('E11: a root symlink, an empty tree, zero-length files and hard links', (t) => {
  const base = tempDir(t)
  const real = path.join(base, 'real')
  writeTree(real, { 'empty.txt': '', 'a.txt': 'same' })
  fs.linkSync(path.join(real, 'a.txt'), path.join(real, 'hard.txt'))
  fs.symlinkSync(real, path.join(base, 'link'))
  const viaLink = fingerprintSync({ root: path.join(base, 'link') })
  const direct = fingerprintSync({ root: real })
  assert.deepEqual(viaLink.records, direct.records, 'a symlinked root is followed')
  const byPath = Object.fromEntries(direct.records.map((r) => [r.path, r]))
  assert.equal(byPath['empty.txt'].size, 0)
  assert.equal(byPath['empty.txt'].hash, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  assert.equal(byPath['hard.txt'].hash, byPath['a.txt'].hash, 'hard links are two entries with one content')
  fs.mkdirSync(path.join(base, 'nothing'))
  const empty = fingerprintSync({ root: path.join(base, 'nothing') })
  assert.deepEqual([empty.records, empty.warnings], [[], []])
})

test('D5 and D6: older content with the same size and an older mtime, and mtimes in the future', async (t) => {
  const root = tempDir(t)
  const cache = tempDir(t)
  const manifest = path.join(cache, 'fp.json')
  const f = path.join(root, 'a.txt')
  fs.writeFileSync(f, 'new!')
  await settle()
  const run = () => fingerprintSync({ root, previous: manifest, writeTo: manifest })
  run()
  // git checkout of an older version: same size, older mtime.
  fs.writeFileSync(f, 'old!')
  fs.utimesSync(f, new Date('2020-01-01'), new Date('2020-01-01'))
  await settle()
  assert.deepEqual(run().delta.changed, ['a.txt'])
  // A future mtime is reported and never makes the file fresh forever.
  const future = new Date(Date.now() + 3600_000)
  fs.utimesSync(f, future, future)
  const r1 = run()
  assert.ok(r1.warnings.some((w) => w.code === 'future_mtime' && w.path === 'a.txt'))
  fs.writeFileSync(f, 'edit')
  fs.utimesSync(f, future, future)
  assert.deepEqual(run().delta.changed, ['a.txt'], 'an edit under the same future mtime is seen')
  const r3 = run()
  assert.equal(r3.counts.hashed, 1, 'a future-dated file is re-read every run')
  assert.equal(r3.delta.changed.length, 0)
})

test('D2: a same-size rewrite within the same second on a real 1-second file system is seen', { timeout: 60_000 }, async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a loop image')
  const base = tempDir(t)
  const img = path.join(base, 'ext4.img')
  const mnt = path.join(base, 'mnt')
  fs.mkdirSync(mnt)
  // 128-byte inodes: ext4 without the extra timestamp fields, so times have 1-second granularity.
  const steps = [
    ['truncate', ['-s', '32M', img]],
    ['mkfs.ext4', ['-q', '-F', '-I', '128', img]],
    ['mount', ['-o', 'loop', img, mnt]],
  ]
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' })
    if (r.status !== 0) return t.skip(`${cmd} failed here: ${r.stderr.trim()}`)
  }
  try {
    await rewriteWithinASecond(mnt)
  } finally {
    spawnSync('umount', [mnt])
  }
})

async function rewriteWithinASecond(mnt) {
  const root = path.join(mnt, 'proj')
  const manifest = path.join(mnt, 'cache', 'fp.json')
  fs.mkdirSync(root)
  const f = path.join(root, 'a.txt')
  const run = () => fingerprintSync({ root, previous: manifest, writeTo: manifest })
  fs.writeFileSync(f, 'aaaa')
  assert.equal(fs.statSync(f, { bigint: true }).mtimeNs % 1_000_000_000n, 0n, 'whole-second timestamps')
  run()
  const before = fs.statSync(f, { bigint: true })
  fs.writeFileSync(f, 'bbbb')
  const after = fs.statSync(f, { bigint: true })
  const second = run()
  if (before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs) {
    // The stat tuple could not tell: only the racy rule can catch it.
    assert.deepEqual(second.delta.reasons, [{ path: 'a.txt', change: 'changed', reason: 'racy' }])
  } else {
    assert.deepEqual(second.delta.changed, ['a.txt'])
  }
  // Once the 2-second window has passed (3.2 s: the snapshot itself is truncated to the
  // second), the file is trusted again and not re-read.
  await new Promise((r) => setTimeout(r, 3200))
  assert.equal(run().counts.hashed, 1, 'the last racy record is re-read once')
  assert.equal(run().counts.hashed, 0)
}

test('D7: touching every file with its content unchanged costs one re-read, then nothing', async (t) => {
  const root = tempDir(t)
  const cache = tempDir(t)
  const manifest = path.join(cache, 'fp.json')
  const files = {}
  for (let i = 0; i < 100; i++) files[`f${i}.txt`] = `content ${i}`
  writeTree(root, files)
  await settle()
  const run = () => fingerprintSync({ root, previous: manifest, writeTo: manifest })
  run()
  const now = new Date()
  for (const f of Object.keys(files)) fs.utimesSync(path.join(root, f), now, now)
  await settle()
  const touched = run()
  assert.equal(touched.counts.hashed, 100, 'a fresh checkout: every file re-read once')
  assert.equal(touched.delta.changed.length, 0, 'no false miss')
  assert.equal(touched.written, true, 'stat hints refreshed')
  const next = run()
  assert.equal(next.counts.hashed, 0, 'back on the fast path')
})

test('A10: a full disk or a read-only cache dir is a warning; results stay correct and nothing is left behind', { timeout: 60_000 }, async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a tmpfs')
  const base = tempDir(t)
  const small = path.join(base, 'small')
  fs.mkdirSync(small)
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { encoding: 'utf8' })
  if (m.status !== 0) return t.skip(`cannot mount tmpfs: ${m.stderr.trim()}`)
  try {
    const root = path.join(base, 'proj')
    const files = {}
    for (let i = 0; i < 400; i++) files[`src/a-rather-long-directory-name/${'n'.repeat(60)}-${i}.ts`] = `export const v = ${i}\n`
    writeTree(root, files)
    const manifest = path.join(small, 'fp.json')
    const expected = fingerprintSync({ root }).records
    const full = fingerprintSync({ root, writeTo: manifest })
    assert.deepEqual(full.records, expected, 'results correct on a full disk')
    assert.ok(full.warnings.some((w) => w.code === 'write_failed'), JSON.stringify(full.warnings))
    assert.equal(full.written, false)
    assert.deepEqual(fs.readdirSync(small).filter((n) => n.endsWith('.cachecore-tmp')), [], 'no temp file left')
    // An old, valid index stays intact when the new one cannot be written.
    const tiny = path.join(base, 'tiny-root')
    writeTree(tiny, { 'a.txt': 'a' })
    const keep = path.join(small, 'keep.json')
    fingerprintSync({ root: tiny, writeTo: keep })
    const before = fs.readFileSync(keep)
    writeTree(tiny, files)
    const r = fingerprintSync({ root: tiny, previous: keep, writeTo: keep })
    assert.ok(r.warnings.some((w) => w.code === 'write_failed'))
    assert.deepEqual(fs.readFileSync(keep), before, 'old index intact')
  } finally {
    spawnSync('umount', [small])
  }
})
