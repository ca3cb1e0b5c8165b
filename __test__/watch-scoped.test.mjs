// watch({ paths }): only the named directories are watched and indexed (the src and locales
// trees of a project), as a walk of the root sees them; a directory that is missing at the start,
// or removed and made again, is picked up and watched again.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, tempDir, writeTree } from './helpers.mjs'

const { watch, fingerprintSync } = cachecore
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function start(t, options) {
  const events = []
  let onReady
  const ready = new Promise((r) => (onReady = r))
  const w = watch({ debounceMs: 30, gitignore: false, ...options }, (e) => {
    events.push(e)
    if (e.kind === 'ready') onReady(e)
  })
  t.after(() => w.close())
  return { w, events, first: await ready }
}

/** What a fresh scan of the whole root holds under the scopes. */
function freshUnder(root, scopes) {
  return fingerprintSync({ root, gitignore: false }).records.filter((r) => scopes.some((s) => r.path.startsWith(`${s}/`)))
}

async function settled(w) {
  await sleep(250)
  w.flush()
}

test('only the named directories are indexed; events elsewhere are not looked at', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'src/a.ts': 'a', 'src/deep/b.ts': 'b', 'locales/en.json': '{}', 'README.md': 'r', 'other/x.ts': 'x' })
  const { w, events, first } = await start(t, { root, paths: ['src', './locales/'] })
  assert.deepEqual(first.delta.added, ['locales/en.json', 'src/a.ts', 'src/deep/b.ts'])
  fs.writeFileSync(path.join(root, 'README.md'), 'changed')
  fs.writeFileSync(path.join(root, 'other', 'y.ts'), 'y')
  fs.writeFileSync(path.join(root, 'top.ts'), 'top')
  await settled(w)
  assert.equal(events.length, 1, `no event for files outside the paths: ${JSON.stringify(events.slice(1))}`)
  fs.writeFileSync(path.join(root, 'src', 'deep', 'b.ts'), 'b2')
  await settled(w)
  assert.deepEqual(events.at(-1).delta.changed, ['src/deep/b.ts'])
  assert.deepEqual(w.records(), freshUnder(root, ['src', 'locales']))
})

test('a directory removed and made again, or missing at the start, is watched once it exists', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'src/a.ts': 'a', 'README.md': 'r' })
  const { w } = await start(t, { root, paths: ['src', 'i18n/locales'] })
  // The second path does not exist yet: made later, with a parent that did not exist either.
  writeTree(root, { 'i18n/locales/en.json': '{"a":1}' })
  await settled(w)
  assert.deepEqual(w.records().map((r) => r.path), ['i18n/locales/en.json', 'src/a.ts'])
  fs.writeFileSync(path.join(root, 'i18n', 'locales', 'de.json'), '{}')
  await settled(w)
  assert.ok(w.records().some((r) => r.path === 'i18n/locales/de.json'), 'an edit inside the new directory is seen')
  // Replaced: moved away and made again; edits inside the new one are seen.
  fs.renameSync(path.join(root, 'src'), path.join(root, 'src-old'))
  await settled(w)
  assert.ok(!w.records().some((r) => r.path.startsWith('src/')))
  writeTree(root, { 'src/b.ts': 'b' })
  await settled(w)
  fs.writeFileSync(path.join(root, 'src', 'c.ts'), 'c')
  fs.writeFileSync(path.join(root, 'src-old', 'ignored.ts'), 'not in the paths')
  await settled(w)
  assert.deepEqual(w.records(), freshUnder(root, ['src', 'i18n/locales']))
  assert.deepEqual(w.records().map((r) => r.path), ['i18n/locales/de.json', 'i18n/locales/en.json', 'src/b.ts', 'src/c.ts'])
})

test('paths that leave the root are refused; the root itself means everything', async (t) => {
  const root = tempDir(t)
  writeTree(root, { 'a.ts': 'a', 'src/b.ts': 'b' })
  for (const paths of [['../x'], ['/etc'], ['src/../../x']]) {
    assert.throws(() => watch({ root, paths }, () => {}), (e) => e.code === 'INVALID_OPTION', JSON.stringify(paths))
  }
  const { first } = await start(t, { root, paths: ['src', '.'] })
  assert.deepEqual(first.delta.added, ['a.ts', 'src/b.ts'])
})
