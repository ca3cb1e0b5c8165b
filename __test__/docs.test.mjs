// The docs stay true to the code: docs/api-reference.md is what tools/gen-api-docs.mjs makes of
// the committed index.d.ts, every export has its JSDoc, every relative link in README.md and
// docs/*.md points at a file (and heading) that exists, README links every page, the
// runnable snippets of the pages print what the pages show, and docs/decision-rules.md holds
// what tools/decision-examples.mjs prints today.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import { DTS_PATH, OUT_PATH, generate, parseDts, undocumented, slugger } from '../tools/gen-api-docs.mjs'

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

// ---- links ----

/** Markdown text without fenced code blocks and inline code (links there are examples). */
function prose(md) {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``')
}

/** The anchors GitHub gives the headings of a markdown file (read from the raw text: inline
 * code in a heading keeps its words in the anchor). */
function headingAnchors(md) {
  const next = slugger()
  const out = new Set()
  let fence = null
  for (const line of md.split('\n')) {
    const f = line.match(/^(```|~~~)/)
    if (f) {
      fence = fence === null ? f[1] : fence === f[1] ? null : fence
      continue
    }
    if (fence) continue
    const m = line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/)
    if (m) out.add(next(m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')))
  }
  return out
}

function linksOf(md) {
  const text = prose(md)
  const out = []
  for (const m of text.matchAll(/!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1])
  for (const m of text.matchAll(/^\s*\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) out.push(m[1])
  return out
}

const docFiles = [
  path.join(repo, 'README.md'),
  ...fs
    .readdirSync(path.join(repo, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join(repo, 'docs', f)),
]

test('every relative link in README.md and docs/*.md resolves (files and headings)', () => {
  const broken = []
  const anchorCache = new Map()
  const anchors = (file) => {
    if (!anchorCache.has(file)) anchorCache.set(file, headingAnchors(fs.readFileSync(file, 'utf8')))
    return anchorCache.get(file)
  }
  for (const file of docFiles) {
    const rel = path.relative(repo, file)
    for (const link of linksOf(fs.readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue // http:, https:, mailto:
      const [target, hash] = link.split('#')
      const resolved = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target))
      if (!fs.existsSync(resolved)) {
        broken.push(`${rel}: ${link} (no such file)`)
        continue
      }
      if (hash && resolved.endsWith('.md') && !anchors(resolved).has(decodeURIComponent(hash).toLowerCase())) {
        broken.push(`${rel}: ${link} (no such heading)`)
      }
    }
  }
  assert.deepEqual(broken, [])
})

test('README links every page under docs/', () => {
  const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8')
  const linked = new Set(linksOf(readme).map((l) => l.split('#')[0]))
  const pages = docFiles.filter((f) => path.dirname(f) === path.join(repo, 'docs')).map((f) => `docs/${path.basename(f)}`)
  assert.deepEqual(
    pages.filter((p) => !linked.has(p)),
    [],
    'add these pages to the Documentation section of README.md',
  )
})

// ---- runnable snippets ----

/**
 * `<!-- doctest -->` before a ```js block in docs/*.md: the block is run as an ES module from the
 * repository root (so `import ... from 'cachecore'` is this package), and its output must equal
 * the next ```text block, project ids (16 hex after `projects/`) aside.
 */
function doctests(md) {
  const out = []
  const re = /<!-- doctest -->\s*\n```js\n([\s\S]*?)\n```[\s\S]*?```text\n([\s\S]*?)\n```/g
  for (const m of md.matchAll(re)) out.push({ code: m[1], expected: m[2] })
  return out
}

const normalize = (s) => s.trimEnd().replace(/projects\/[0-9a-f]{16}/g, 'projects/<id>')

for (const file of docFiles) {
  const snippets = doctests(fs.readFileSync(file, 'utf8'))
  snippets.forEach(({ code, expected }, i) => {
    test(`${path.relative(repo, file)}: snippet ${i + 1} prints what the page shows`, (t) => {
      try {
        createRequire(import.meta.url)('../index.js')
      } catch {
        t.skip('the addon is not built')
        return
      }
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repo, encoding: 'utf8' })
      assert.equal(r.status, 0, r.stderr)
      assert.equal(normalize(r.stdout), normalize(expected))
    })
  })
}

test('docs/decision-rules.md holds what tools/decision-examples.mjs prints now (npm run docs:decisions)', { timeout: 300_000 }, (t) => {
  try {
    createRequire(import.meta.url)('../index.js')
  } catch {
    t.skip('the addon is not built')
    return
  }
  const r = spawnSync(process.execPath, [path.join(repo, 'tools', 'decision-examples.mjs')], { cwd: repo, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const page = fs.readFileSync(path.join(repo, 'docs', 'decision-rules.md'), 'utf8')
  const begin = '<!-- BEGIN generated by tools/decision-examples.mjs -->'
  const block = page.slice(page.indexOf(begin) + begin.length, page.indexOf('<!-- END generated by tools/decision-examples.mjs -->'))
  assert.ok(block.trim() === r.stdout.trim(), 'docs/decision-rules.md is stale: run `npm run docs:decisions` and commit the result')
})
