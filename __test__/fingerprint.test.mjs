// The engine through the compiled addon, as a host calls it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, tempDir, writeTree, settle, fnv1a64 } from './helpers.mjs'

const { fingerprint, fingerprintSync } = cachecore

const TEXT_CASES = {
  'ascii.ts': Buffer.from('export const a = 1\n'),
  'multibyte.ts': Buffer.from('const s = "héllo wörld — 日本語 😀"\n'),
  'bom.ts': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1\r\n')]),
  'invalid.ts': Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x63]),
  'truncated-end.ts': Buffer.from([0x61, 0xf0, 0x9f, 0x98]),
  'empty.ts': Buffer.alloc(0),
}

test('sha256 equals crypto sha256 of the UTF-8 text, size its UTF-8 length', (t) => {
  const root = tempDir(t)
  writeTree(root, TEXT_CASES)
  const r = fingerprintSync({ root, hash: 'sha256' })
  assert.equal(r.records.length, Object.keys(TEXT_CASES).length)
  for (const rec of r.records) {
    const text = fs.readFileSync(path.join(root, rec.path), 'utf8')
    assert.equal(rec.hash, crypto.createHash('sha256').update(text).digest('hex'), rec.path)
    assert.equal(rec.size, Buffer.byteLength(text), rec.path)
  }
})

test('fnv1a64 equals FNV-1a over UTF-16 code units; blake3 is over raw bytes', (t) => {
  const root = tempDir(t)
  writeTree(root, TEXT_CASES)
  const fnv = fingerprintSync({ root, hash: 'fnv1a64' })
  for (const rec of fnv.records) {
    const text = fs.readFileSync(path.join(root, rec.path), 'utf8')
    assert.equal(rec.hash, fnv1a64(text), rec.path)
  }
  const b3 = fingerprintSync({ root, hash: 'blake3' })
  for (const rec of b3.records) {
    assert.equal(rec.size, fs.statSync(path.join(root, rec.path)).size)
    assert.match(rec.hash, /^[0-9a-f]{64}$/)
  }
  assert.equal(b3.algorithm, 'blake3')
})

test('sync and async agree', async (t) => {
  const root = tempDir(t)
  const files = {}
  for (let i = 0; i < 300; i++) files[`d${i % 7}/s${i % 3}/f${i}.ts`] = `export const v${i} = ${i}\n`
  files['node_modules/x.js'] = 'ignored'
  writeTree(root, files)
  const opts = { root, include: { pattern: '\\.ts$' }, exclude: { dirs: ['node_modules'] } }
  const a = fingerprintSync(opts)
  const b = await fingerprint(opts)
  assert.equal(a.records.length, 300)
  assert.deepEqual(a.records, b.records)
  assert.deepEqual(a.delta, b.delta)
  const paths = a.records.map((r) => r.path)
  assert.deepEqual(paths, [...paths].sort(), 'records sorted by path')
})

test('a no-change re-check reads no file content, and writes nothing', async (t) => {
  const root = tempDir(t)
  const cache = tempDir(t)
  const manifest = path.join(cache, 'fingerprints.json')
  const files = {}
  for (let i = 0; i < 200; i++) files[`src/f${i}.ts`] = `line ${i}\n`.repeat(i + 1)
  writeTree(root, files)
  await settle()
  const first = fingerprintSync({ root, previous: manifest, writeTo: manifest })
  assert.equal(first.counts.hashed, 200)
  assert.equal(first.written, true)
  assert.ok(first.warnings.some((w) => w.code === 'previous_missing'))
  const mtimeBefore = fs.statSync(manifest).mtimeMs
  const second = fingerprintSync({ root, previous: manifest, writeTo: manifest })
  assert.equal(second.counts.hashed, 0, 'no file was opened for hashing')
  assert.equal(second.counts.bytesHashed, 0)
  assert.equal(second.counts.reused, 200)
  assert.equal(second.written, false)
  assert.equal(fs.statSync(manifest).mtimeMs, mtimeBefore)
  assert.deepEqual(second.records, first.records)
  assert.equal(second.delta.unchanged.length, 200)

  // One edit: exactly one file read, reported with its reason.
  fs.writeFileSync(path.join(root, 'src/f3.ts'), 'changed!')
  const third = fingerprintSync({ root, previous: manifest, writeTo: manifest })
  assert.equal(third.counts.hashed, 1)
  assert.deepEqual(third.delta.changed, ['src/f3.ts'])
  assert.deepEqual(third.delta.reasons, [{ path: 'src/f3.ts', change: 'changed', reason: 'size_changed' }])
})

test('the written manifest is canonical JSON and accepted back as an object or records', (t) => {
  const root = tempDir(t)
  const cache = tempDir(t)
  const manifest = path.join(cache, 'out', 'fingerprints.json')
  writeTree(root, { 'b.txt': 'b', 'a.txt': 'a', 'c/d.txt': 'd' })
  const r = fingerprintSync({ root, hash: 'blake3', writeTo: manifest })
  const text = fs.readFileSync(manifest, 'utf8')
  const parsed = JSON.parse(text)
  assert.equal(parsed.version, 1)
  assert.equal(parsed.algorithm, 'blake3')
  assert.deepEqual(Object.keys(parsed), ['algorithm', 'files', 'version'])
  assert.deepEqual(Object.keys(parsed.files), ['a.txt', 'b.txt', 'c/d.txt'])
  assert.ok(!/\.\d/.test(text.replace(/"[^"]*"/g, '')), 'no floats')
  assert.deepEqual(fs.readdirSync(path.dirname(manifest)).sort(), ['.cachecore-clock', 'fingerprints.json', 'fingerprints.json.hints'])

  fs.writeFileSync(path.join(root, 'a.txt'), 'A!')
  const viaObject = fingerprintSync({ root, hash: 'blake3', previous: parsed })
  assert.deepEqual(viaObject.delta.changed, ['a.txt'])
  assert.deepEqual(viaObject.delta.unchanged, ['b.txt', 'c/d.txt'])
  const viaRecords = fingerprintSync({ root, hash: 'blake3', previous: r.records })
  assert.deepEqual(viaRecords.delta, viaObject.delta)
})

test('a missing or corrupt previous manifest is a warning, never a throw', (t) => {
  const root = tempDir(t)
  const cache = tempDir(t)
  writeTree(root, { 'a.txt': 'a' })
  const manifest = path.join(cache, 'fp.json')
  for (const [content, code] of [
    ['', 'previous_malformed'],
    ['{"version":1,"algorithm":"sha256","files":{"../x":{"hash":"00","size":1,"mtimeMs":0}}}', 'previous_malformed'],
    ['{"version":99}', 'previous_newer_version'],
    ['garbage', 'previous_malformed'],
  ]) {
    fs.writeFileSync(manifest, content)
    const r = fingerprintSync({ root, previous: manifest, writeTo: manifest })
    assert.ok(r.warnings.some((w) => w.code === code), `${JSON.stringify(content)} -> ${code}`)
    assert.deepEqual(r.delta.added, ['a.txt'])
  }
})

test('errors carry stable codes', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'f.txt': 'x' })
  const cases = [
    [{ root: path.join(root, 'missing') }, 'ROOT_NOT_FOUND'],
    [{ root: path.join(root, 'f.txt') }, 'ROOT_NOT_DIRECTORY'],
    [{ root, include: { pattern: '(' } }, 'INVALID_OPTION'],
    [{ root, exclude: { globs: ['a['] } }, 'INVALID_OPTION'],
    [{ root, maxDepth: 0 }, 'INVALID_OPTION'],
    [{ root: '' }, 'INVALID_OPTION'],
    [{ root, previous: [{ path: '../escape', hash: 'x', size: 1, mtimeMs: 0 }] }, 'INVALID_OPTION'],
  ]
  for (const [opts, code] of cases) {
    assert.throws(() => fingerprintSync(opts), (e) => e instanceof Error && e.code === code, code)
    await assert.rejects(fingerprint(opts), (e) => e instanceof Error && e.code === code, code)
  }
})

function bigTree(t) {
  const root = tempDir(t)
  const chunk = crypto.randomBytes(1 << 20)
  for (let i = 0; i < 64; i++) fs.writeFileSync(path.join(root, `big${i}.bin`), Buffer.concat([chunk, chunk]))
  return root
}

test('progress is reported, sync and async, ending with done', async (t) => {
  const root = bigTree(t)
  const seenSync = []
  const r = fingerprintSync({ root, strategy: 'hash-always', onProgress: (p) => seenSync.push(p) })
  assert.ok(seenSync.length >= 1)
  const last = seenSync.at(-1)
  assert.equal(last.phase, 'done')
  assert.equal(last.filesHashed, 64)
  assert.equal(last.bytesHashed, r.counts.bytesHashed)
  const seenAsync = []
  await fingerprint({ root, onProgress: (p) => seenAsync.push(p) })
  await new Promise((res) => setImmediate(res))
  assert.ok(seenAsync.length >= 1)
  assert.equal(seenAsync.at(-1).phase, 'done')
})

test('abort rejects with an AbortError (code ABORTED, cause: the reason), before and during the work', async (t) => {
  const root = bigTree(t)
  const pre = new AbortController()
  pre.abort()
  await assert.rejects(
    fingerprint({ root, signal: pre.signal }),
    (e) => e.name === 'AbortError' && e.code === 'ABORTED' && e.cause === pre.signal.reason,
  )

  const ac = new AbortController()
  let events = 0
  const p = fingerprint({
    root,
    hash: 'sha256',
    strategy: 'hash-always',
    signal: ac.signal,
    onProgress: () => {
      events++
      ac.abort()
    },
  })
  // Abort on the first progress event, or after 20 ms if none came yet.
  setTimeout(() => ac.abort(), 20)
  await assert.rejects(p, (e) => e.name === 'AbortError' && e.code === 'ABORTED' && e.cause === ac.signal.reason)
  // The addon stays usable afterwards.
  assert.equal(fingerprintSync({ root }).records.length, 64)
})

test('a panic inside an export becomes an INTERNAL error and Node keeps running', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.txt': 'a' })
  process.env.CACHECORE_FAILPOINT = 'panic:fingerprintSync,panic:fingerprint'
  try {
    assert.throws(() => fingerprintSync({ root }), (e) => e.code === 'INTERNAL' && /panic/.test(e.message))
    await assert.rejects(fingerprint({ root }), (e) => e.code === 'INTERNAL')
  } finally {
    delete process.env.CACHECORE_FAILPOINT
  }
  assert.equal(fingerprintSync({ root }).records.length, 1)
})

test('the package loads through require and import', async () => {
  const esm = await import('cachecore')
  assert.equal(typeof esm.fingerprint, 'function')
  assert.equal(typeof esm.fingerprintSync, 'function')
  assert.equal(esm.version(), JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url))).version)
})

test('arguments of the wrong type are TypeErrors with code INVALID_OPTION, sync and async', () => {
  const bad = [undefined, null, 5, 'root', { root: 5 }, { root: '.', include: 'x' }, { root: '.', exclude: 3 }, { root: '.', onProgress: 3 }, { root: '.', signal: 'abort' }, { root: '.', maxDepth: 'deep' }, { root: '.', hash: 'md5' }, { root: '.', strategy: 'sometimes' }, { root: '.', previous: 42 }]
  for (const options of bad) {
    for (const call of [fingerprintSync, fingerprint]) {
      assert.throws(() => call(options), (e) => e instanceof TypeError && e.code === 'INVALID_OPTION', `${call.name}(${JSON.stringify(options)})`)
    }
  }
})

test('C5: many concurrent async scans publishing one manifest never leave a torn or mismatched index', async (t) => {
  const cache = tempDir(t)
  const manifest = path.join(cache, 'fp.json')
  const roots = Array.from({ length: 6 }, (_, k) => {
    const root = tempDir(t)
    const files = {}
    for (let i = 0; i < 200; i++) files[`d${i % 5}/f${i}.txt`] = `tree ${k} file ${i}`
    writeTree(root, files)
    return root
  })
  const expected = roots.map((root) => fingerprintSync({ root }).records)
  const results = await Promise.all(
    Array.from({ length: 24 }, (_, i) => fingerprint({ root: roots[i % roots.length], writeTo: manifest })),
  )
  results.forEach((r, i) => assert.deepEqual(r.records, expected[i % roots.length], `call ${i}: result correct`))
  // The published manifest is one complete index of one of the trees, and its hints are either
  // that index's or ignored (another generation), never applied to the wrong records.
  const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8'))
  const which = expected.findIndex((recs) => recs.length === Object.keys(parsed.files).length && recs.every((r) => parsed.files[r.path]?.hash === r.hash))
  assert.ok(which >= 0, 'the manifest is one tree, whole')
  const again = fingerprintSync({ root: roots[which], previous: manifest })
  assert.deepEqual(again.records, expected[which])
  assert.equal(again.delta.changed.length + again.delta.added.length + again.delta.deleted.length, 0)
  if (again.warnings.some((w) => w.code === 'hints_stale' || w.code === 'hints_malformed')) {
    assert.equal(again.counts.hashed, 200, 'hints of another generation are ignored: every file re-read')
  }
  assert.deepEqual(fs.readdirSync(cache).filter((n) => n.endsWith('.cachecore-tmp')), [])
})

test("report: 'changes' lists only what changed; counts still count everything", async (t) => {
  const dir = tempDir(t, 'cachecore-report-')
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, `${n}.txt`), n)
  const index = path.join(tempDir(t, 'cachecore-report-idx-'), 'index.json')
  const first = fingerprintSync({ root: dir, writeTo: index })
  assert.equal(first.records.length, 3)
  await new Promise((r) => setTimeout(r, 50))
  fs.writeFileSync(path.join(dir, 'b.txt'), 'bb')
  fs.writeFileSync(path.join(dir, 'd.txt'), 'd')
  const full = fingerprintSync({ root: dir, previous: index })
  const lean = fingerprintSync({ root: dir, previous: index, report: 'changes' })
  assert.deepEqual(lean.records.map((r) => r.path), ['b.txt', 'd.txt'])
  assert.deepEqual(lean.records, full.records.filter((r) => ['b.txt', 'd.txt'].includes(r.path)))
  assert.deepEqual(lean.delta.unchanged, [])
  assert.ok(full.delta.unchanged.includes('a.txt'))
  assert.deepEqual([lean.delta.added, lean.delta.changed], [['d.txt'], ['b.txt']])
  assert.equal(lean.counts.files, 4)
  assert.deepEqual(lean.counts, full.counts)
  const viaAsync = await fingerprint({ root: dir, previous: index, report: 'changes' })
  assert.deepEqual(viaAsync.records, lean.records)
  assert.throws(() => fingerprintSync({ root: dir, report: 'some' }), { name: 'TypeError', code: 'INVALID_OPTION' })
})

test("report: 'all' builds records and unchanged paths only when they are read, then as plain data", async (t) => {
  const dir = tempDir(t, 'cachecore-lazy-')
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, `${n}.txt`), n)
  const index = path.join(tempDir(t, 'cachecore-lazy-idx-'), 'index.json')
  fingerprintSync({ root: dir, writeTo: index })
  await settle()
  fs.writeFileSync(path.join(dir, 'b.txt'), 'bb')
  fs.writeFileSync(path.join(dir, 'd.txt'), 'd')
  for (const r of [fingerprintSync({ root: dir, previous: index }), await fingerprint({ root: dir, previous: index })]) {
    // Not built yet: accessors over the core's table.
    assert.equal(typeof Object.getOwnPropertyDescriptor(r, 'records').get, 'function')
    assert.equal(typeof Object.getOwnPropertyDescriptor(r.delta, 'unchanged').get, 'function')
    assert.deepEqual(Object.keys(r), ['algorithm', 'records', 'delta', 'counts', 'timings', 'warnings', 'written'])
    const records = r.records
    assert.deepEqual(records.map((x) => x.path), ['a.txt', 'b.txt', 'c.txt', 'd.txt'])
    const sha = (s) => crypto.createHash('sha256').update(s).digest('hex')
    assert.deepEqual(records[1], { path: 'b.txt', hash: sha('bb'), size: 2, mtimeMs: Math.floor(fs.statSync(path.join(dir, 'b.txt')).mtimeMs) })
    // Once read, a plain data property: the same array every time, assignable, serialisable.
    assert.equal(r.records, records)
    assert.equal(Object.getOwnPropertyDescriptor(r, 'records').value, records)
    assert.deepEqual(r.delta.unchanged, ['a.txt', 'c.txt'])
    assert.equal(JSON.parse(JSON.stringify(r)).delta.unchanged.length, 2)
    r.records = []
    assert.deepEqual(r.records, [])
  }
  // Serialising before any read builds both lists.
  const fresh = fingerprintSync({ root: dir, previous: index })
  const copy = JSON.parse(JSON.stringify(fresh))
  assert.equal(copy.records.length, 4)
  assert.deepEqual(copy.delta.unchanged, ['a.txt', 'c.txt'])
  assert.deepEqual({ ...fresh }.records, copy.records)
})
