// The docs stay true to the code: docs/api-reference.md is what tools/gen-api-docs.mjs makes of
// the committed index.d.ts, and every export has its JSDoc.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { DTS_PATH, OUT_PATH, generate, parseDts, undocumented } from '../tools/gen-api-docs.mjs'

const repo = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const dts = fs.readFileSync(DTS_PATH, 'utf8')

// Exports (or `Type.member`s) of index.d.ts that had no JSDoc when this test was written. The
// doc comments belong in src/ (napi copies them into index.d.ts); remove a name from here once
// it has one. A name not in this set and without JSDoc fails the test.
const KNOWN_UNDOCUMENTED = new Set([])

test('docs/api-reference.md is up to date with index.d.ts (npm run docs:api)', () => {
  const current = fs.readFileSync(OUT_PATH, 'utf8')
  assert.ok(current === generate(dts), 'docs/api-reference.md is stale: run `npm run docs:api` and commit the result')
})

test('the generator reads every export of index.d.ts and the page lists each once', () => {
  const exportLines = dts.split('\n').filter((l) => l.startsWith('export ')).length
  const decls = parseDts(dts)
  assert.equal(decls.length, exportLines)
  const page = generate(dts)
  for (const d of decls) {
    const headings = page.split('\n').filter((l) => l === `### \`${d.name}\``)
    assert.equal(headings.length, 1, `${d.name} should have exactly one heading`)
  }
  assert.ok(!page.includes('## Other exports'), 'an export is in no group: add it to GROUPS in tools/gen-api-docs.mjs')
})

test('every export in index.d.ts has JSDoc (besides the known list)', () => {
  const missing = undocumented(parseDts(dts))
  const fresh = missing.filter((n) => !KNOWN_UNDOCUMENTED.has(n))
  assert.deepEqual(fresh, [], `exports without JSDoc (add a doc comment in src/): ${fresh.join(', ')}`)
  const fixed = [...KNOWN_UNDOCUMENTED].filter((n) => !missing.includes(n))
  assert.deepEqual(fixed, [], `now documented, remove from KNOWN_UNDOCUMENTED: ${fixed.join(', ')}`)
})

test('every value export of index.d.ts is exported by the built addon', (t) => {
  let addon
  try {
    addon = createRequire(import.meta.url)('../index.js')
  } catch {
    t.skip('the addon is not built')
    return
  }
  const values = parseDts(dts).filter((d) => d.kind === 'function' || d.kind === 'class' || d.kind === 'const' || d.kind === 'enum')
  const absent = values.map((d) => d.name).filter((n) => !(n in addon))
  assert.deepEqual(absent, [], 'declared in index.d.ts but not exported')
})
