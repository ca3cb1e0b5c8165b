// The stable codes stay stated: every warning code the Rust sources can emit is a member of a
// union of index.d.ts (so hosts' exhaustive switches see it), every member of CacheWarningCode
// is documented in docs/api.md's Warnings table, and the Errors table of docs/api.md lists
// exactly the codes the package throws.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dts = fs.readFileSync(path.join(repo, 'index.d.ts'), 'utf8')
const api = fs.readFileSync(path.join(repo, 'docs', 'api.md'), 'utf8')
const rustFiles = fs
  .readdirSync(path.join(repo, 'src'), { recursive: true })
  .filter((f) => f.endsWith('.rs'))
  .map((f) => [path.join('src', f), fs.readFileSync(path.join(repo, 'src', f), 'utf8')])

/** The members of `export type <name> = 'a' | 'b'` in index.d.ts. */
function union(name) {
  const m = dts.match(new RegExp(`^export type ${name} =([^\\n]*(?:\\n\\s+\\|[^\\n]*)*)`, 'm'))
  assert.ok(m, `index.d.ts declares ${name}`)
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1])
}

/** The first column of the markdown table under `## <heading>` in docs/api.md. */
function tableCodes(heading) {
  const start = api.indexOf(`\n## ${heading}\n`)
  assert.ok(start >= 0, `docs/api.md has a ${heading} section`)
  const next = api.indexOf('\n## ', start + 1)
  const section = api.slice(start, next < 0 ? undefined : next)
  return [...section.matchAll(/^\| `([A-Za-z0-9_]+)` \|/gm)].map((m) => m[1])
}

// Snake-case literals of the Rust sources that are not codes a host sees: names of things.
const NOT_CODES = new Set([
  'node_modules', // a directory name
  'snake_case', // a napi attribute argument
  'schema_version', // a JSON field
  'present_raw', // a serde helper
  'serialize_js_number', // serde helpers
  'serialize_opt_js_number',
])

test('every snake-case literal of the Rust sources is a code of an index.d.ts union (or a known name)', () => {
  const known = new Set([...dts.matchAll(/'([a-z0-9_.-]+)'/g)].map((m) => m[1]))
  const stray = []
  for (const [file, text] of rustFiles) {
    for (const m of text.matchAll(/"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"/g)) {
      if (!known.has(m[1]) && !NOT_CODES.has(m[1])) stray.push(`${file}: "${m[1]}"`)
    }
  }
  assert.deepEqual(
    stray,
    [],
    'a code hosts can see must be in its union in index.d.ts (a new warning code: add a variant to CacheWarningCode in src/binding/fingerprint.rs and a row to docs/api.md#warnings); a plain name goes in NOT_CODES',
  )
})

test('CacheWarningCode lists every warning code, and docs/api.md documents each once', () => {
  const codes = union('CacheWarningCode')
  assert.equal(new Set(codes).size, codes.length)
  assert.deepEqual([...tableCodes('Warnings')].sort(), [...codes].sort())
  // Each code is emitted somewhere (a literal of the sources), none is left over.
  const all = rustFiles.map(([, t]) => t).join('\n')
  const unused = codes.filter((c) => !new RegExp(`"${c}"`).test(all.replace(/#\[napi\(value = "[^"]*"\)\]/g, '')))
  assert.deepEqual(unused, [], 'codes in the union that nothing emits')
  assert.match(dts, /code: CacheWarningCode/)
})

test('docs/api.md#errors lists exactly the codes the package throws', () => {
  const thrown = new Set()
  const error = fs.readFileSync(path.join(repo, 'src/core/error.rs'), 'utf8')
  const codeFn = error.slice(error.indexOf('pub fn code(&self)'), error.indexOf('pub fn invalid_option'))
  for (const m of codeFn.matchAll(/=> "([A-Z_]+)"/g)) thrown.add(m[1])
  for (const [, text] of rustFiles) for (const m of text.matchAll(/\bcoded\(\s*env,\s*"([A-Z_]+)"/g)) thrown.add(m[1])
  for (const f of fs.readdirSync(path.join(repo, 'js'), { recursive: true })) {
    const file = path.join(repo, 'js', f)
    if (!fs.statSync(file).isFile()) continue
    const text = fs.readFileSync(file, 'utf8')
    for (const m of text.matchAll(/\.code = '([A-Z_]+)'|codedError\(\s*'([A-Z_]+)'/g)) thrown.add(m[1] ?? m[2])
  }
  assert.ok(thrown.has('BINARY_NOT_FOUND') && thrown.has('ALREADY_COMMITTED') && thrown.has('ROOT_NOT_FOUND'), [...thrown].join(' '))
  assert.deepEqual([...tableCodes('Errors')].sort(), [...thrown].sort())
})
