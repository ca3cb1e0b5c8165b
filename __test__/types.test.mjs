// Type-level tests: every JavaScript and TypeScript snippet of README.md and docs/*.md, and the
// files of __test__/types/, compile against the package's types with tsc under `strict` and
// `exactOptionalPropertyTypes` (tools/check-doc-types.mjs), as a consumer's project would:
// `import` through js/index.d.mts, `require` through index.d.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkSnippets } from '../tools/check-doc-types.mjs'

test('every snippet of the docs and every type test compiles under strict + exactOptionalPropertyTypes', { timeout: 180_000 }, (t) => {
  // Two deliberately wrong snippets show the check is live: a value outside a union, and a
  // producer whose data does not match the declared type. A fragment's free names are fine.
  const extra = [
    { page: 'probe.md', line: 1, lang: 'ts', code: "import { fingerprintSync } from 'cachecore'\nfingerprintSync({ root, hash: 'md5' })" },
    {
      page: 'probe.md',
      line: 10,
      lang: 'js',
      code: "const { getOrBuildCachedProjectData } = require('cachecore')\n/** @type {import('cachecore').CachedProjectInput<{ n: number }>} */\nconst input = { state, srcRoot, localesDir, sourceLocalePath, locales, producer: () => ({ n: 'one' }) }\ngetOrBuildCachedProjectData(input)",
    },
  ]
  const { checked, typeTests, errors } = checkSnippets({ extra })
  const probes = errors.filter((e) => e.where.startsWith('probe.md')).sort((a, b) => a.where.localeCompare(b.where, 'en', { numeric: true }))
  const rest = errors.filter((e) => !e.where.startsWith('probe.md'))
  assert.deepEqual(rest.map((e) => `${e.where}: TS${e.code}: ${e.message}`), [])
  assert.deepEqual(probes.map((e) => e.where), ['probe.md:2', 'probe.md:12'], JSON.stringify(probes, null, 1))
  assert.match(probes[0].message, /"md5"/)
  assert.match(probes[1].message, /string.*number|number.*string/s)
  assert.ok(checked >= 8 && typeTests >= 3, `${checked} snippets, ${typeTests} type tests`)
  t.diagnostic(`${checked - extra.length} doc snippets and ${typeTests} type-test files compiled`)
})
