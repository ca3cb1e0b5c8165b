// Names and paths (shared/spec/reliability-checklist.md D14 and E6) through the addon's generic
// `fingerprint`, on real files: odd names stay lossless and distinct, names that only a
// case- or normalization-insensitive file system would merge are two entries plus a portability
// warning, and paths over PATH_MAX or 10,000 directories deep are an explicit `path_too_long`,
// never a panic or a stack overflow.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cachecore, tempDir, settle } from './helpers.mjs'

const { fingerprintSync } = cachecore
const sha256 = (b) => createHash('sha256').update(b).digest('hex')

/** A temp dir removed with `rm -rf` (Node's rmSync gives up on paths over PATH_MAX). */
function deepTempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-names-'))
  t.after(() => spawnSync('rm', ['-rf', dir]))
  return dir
}

/** Creates `levels` nested directories named `name` below `dir` by chdir steps (every syscall
 *  sees a short relative path), runs `atEach(level)` inside each, and returns to the start. */
function nest(dir, name, levels, atEach = () => {}) {
  const start = process.cwd()
  try {
    process.chdir(dir)
    for (let i = 1; i <= levels; i++) {
      fs.mkdirSync(name)
      process.chdir(name)
      atEach(i)
    }
  } finally {
    process.chdir(start)
  }
}

test('E6: newline, backslash, drive-like, leading dash and 255-byte names are lossless keys that survive a reload', async (t) => {
  const root = tempDir(t)
  const cache = tempDir(t)
  const names = [
    'new\nline.txt',
    'back\\slash.txt',
    'a\\b',
    'C:x',
    'c:\\windows',
    '-rf',
    '--help',
    ' lead space',
    'trail.',
    'x'.repeat(255),
    '\u00e9'.repeat(127) + 'x', // 255 bytes of UTF-8
    'tab\there',
    'bad\ufffd', // the lossy rendering of the non-UTF-8 names below, as a real UTF-8 name
  ]
  for (const n of names) fs.writeFileSync(path.join(root, n), `content of ${JSON.stringify(n)}`)
  fs.mkdirSync(path.join(root, 'a'))
  fs.writeFileSync(path.join(root, 'a', 'b'), 'a/b is not a\\b')
  // Non-UTF-8 byte names: reported, never merged with each other or with `bad\ufffd`.
  for (const last of [0xff, 0xfe]) {
    fs.writeFileSync(Buffer.concat([Buffer.from(root + '/bad'), Buffer.from([last])]), `raw ${last}`)
  }
  await settle()
  const expected = [...names, 'a/b'].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))

  const manifest = path.join(cache, 'fp.json')
  const run = (extra = {}) => fingerprintSync({ root, previous: manifest, writeTo: manifest, ...extra })
  const first = run()
  assert.deepEqual(first.records.map((r) => r.path), expected)
  for (const r of first.records) {
    const want = r.path === 'a/b' ? 'a/b is not a\\b' : `content of ${JSON.stringify(r.path)}`
    assert.equal(r.hash, sha256(want), `${JSON.stringify(r.path)} hashed its own bytes`)
  }
  const nonUtf8 = first.warnings.filter((w) => w.code === 'non_utf8_name')
  assert.equal(nonUtf8.length, 2, JSON.stringify(first.warnings))
  assert.deepEqual(first.warnings.filter((w) => !['non_utf8_name', 'previous_missing'].includes(w.code)), [])

  // The written index reloads: every name unchanged, nothing re-read, no previous_malformed.
  const second = run()
  assert.deepEqual(second.warnings.map((w) => w.code), ['non_utf8_name', 'non_utf8_name'])
  assert.equal(second.delta.unchanged.length, expected.length)
  assert.equal(second.counts.hashed, 0)
  // The records work as a `previous` object too.
  const again = fingerprintSync({ root, previous: first.records })
  assert.equal(again.delta.unchanged.length, expected.length)
})

test('E6: paths over 4096 bytes are an explicit path_too_long, and the rest of the tree is kept', (t) => {
  const root = deepTempDir(t)
  fs.writeFileSync(path.join(root, 'top.txt'), 'top')
  const seg = 'd'.repeat(200)
  // 30 levels of 200-byte names: past 4096 bytes around level 20.
  nest(root, seg, 30, (level) => fs.writeFileSync(`f${level}.txt`, `level ${level}`))
  const r = fingerprintSync({ root, maxDepth: 100 })
  const tooLong = r.warnings.filter((w) => w.code === 'path_too_long')
  assert.ok(tooLong.length >= 1, JSON.stringify(r.warnings.map((w) => w.code)))
  assert.deepEqual(r.warnings.filter((w) => w.code !== 'path_too_long'), [])
  // Every file whose absolute path fits is recorded with its own content; none is merged.
  const kept = r.records.map((x) => x.path)
  assert.ok(kept.includes('top.txt'))
  for (const x of r.records) {
    if (x.path === 'top.txt') continue
    const level = x.path.split('/').length - 1
    assert.equal(x.path, `${Array(level).fill(seg).join('/')}/f${level}.txt`)
    assert.equal(x.hash, sha256(`level ${level}`))
    assert.ok(path.join(root, x.path).length < 4096)
  }
  assert.ok(kept.length >= 15, `kept ${kept.length}`)
  assert.ok(kept.length < 31, 'files past the limit are not silently recorded')
  // What could not be read is unknown (if it was known before), never deleted.
  const known = fingerprintSync({ root, maxDepth: 100, previous: [{ path: `${Array(29).fill(seg).join('/')}/f29.txt`, hash: 'x', size: 8, mtimeMs: 0 }] })
  assert.deepEqual(known.delta.deleted, [])
  assert.deepEqual(known.delta.unknown, [`${Array(29).fill(seg).join('/')}/f29.txt`])
})

test('E6: a 10,000-deep directory chain neither overflows the stack nor loses the shallow files', { timeout: 120_000 }, (t) => {
  const root = deepTempDir(t)
  nest(root, 'd', 10_000, (level) => {
    if (level % 1000 === 0 || level === 100) fs.writeFileSync('f.txt', `level ${level}`)
  })
  // The default depth cap stops at 48 with a warning.
  const capped = fingerprintSync({ root })
  assert.deepEqual(capped.records, [])
  assert.deepEqual(capped.warnings.map((w) => w.code), ['depth_limit'])
  // Without the cap, the walk goes down to PATH_MAX and says where it stopped.
  const r = fingerprintSync({ root, maxDepth: 1_000_000 })
  const fits = (level) => Buffer.byteLength(path.join(root, `${Array(level).fill('d').join('/')}/f.txt`)) < 4096
  const levels = [100, ...Array.from({ length: 10 }, (_, i) => (i + 1) * 1000)]
  const expected = levels.filter(fits).map((l) => `${Array(l).fill('d').join('/')}/f.txt`).sort()
  assert.ok(expected.length >= 2 && expected.length < levels.length)
  const got = r.records.map((x) => x.path)
  assert.equal(got.length, expected.length, `depths ${got.map((p) => p.split('/').length - 1)}`)
  assert.ok(got.every((p, i) => p === expected[i]), 'the files within PATH_MAX, at their own depths')
  assert.deepEqual(r.warnings.map((w) => w.code), ['path_too_long'])
  // And the async export, on the libuv pool's threads, does the same.
  return cachecore.fingerprint({ root, maxDepth: 1_000_000 }).then((a) => {
    assert.deepEqual(a.records, r.records)
    assert.deepEqual(a.warnings.map((w) => w.code), ['path_too_long'])
  })
})

test('D14: names equal but for case or Unicode normalization are two entries and a portability warning', (t) => {
  const root = tempDir(t)
  const nfc = 'caf\u00e9.ts'
  const nfd = 'cafe\u0301.ts'
  const files = {
    'README.md': 'upper',
    'readme.md': 'lower',
    [nfc]: 'composed',
    [nfd]: 'decomposed',
    'Src/a.ts': 'A',
    'src/a.ts': 'a',
    'src/b.ts': 'b',
    'ok.ts': 'ok',
  }
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), text)
  }
  const r = fingerprintSync({ root })
  assert.equal(r.records.length, Object.keys(files).length, 'every name is its own entry')
  for (const x of r.records) assert.equal(x.hash, sha256(files[x.path]))
  const port = r.warnings.filter((w) => w.code.startsWith('portability_'))
  assert.deepEqual(port.map((w) => [w.code, w.path]).sort(), [
    ['portability_case_collision', 'readme.md'],
    ['portability_case_collision', 'src'],
    ['portability_normalization_collision', nfc],
  ].sort())
  const readme = port.find((w) => w.path === 'readme.md')
  assert.match(readme.message, /"README\.md" and "readme\.md"/)
  assert.equal(r.warnings.length, port.length)
})
