#!/usr/bin/env node
// Type-checks every JavaScript and TypeScript snippet of README.md and docs/*.md against the
// package's types, as a consumer compiles them: each fenced ```js / ```ts block becomes a file
// of a scratch project that depends on this package (node_modules/cachecore links to the
// repository, so `import ... from 'cachecore'` resolves through package.json `exports` to
// js/index.d.mts and `require('cachecore')` to index.d.ts), plus the files of
// __test__/types/ (exhaustive switches, generics, what must not compile). tsc runs with
// `strict`, `exactOptionalPropertyTypes` and `checkJs`, module `nodenext`.
//
// Snippets are often fragments: names they use without defining (`projectRoot`, `analyse`)
// are not errors here (TS2304, TS2552, TS18004), nor are a JavaScript snippet's unannotated
// parameters (implicit `any`); everything else is. docs/api-reference.md is skipped:
// it is index.d.ts itself, rendered.
//
//   node tools/check-doc-types.mjs     print every error, exit 1 when there is one
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.join(here, '..')
const TYPE_TESTS = path.join(REPO, '__test__', 'types')
const SKIPPED_PAGES = new Set(['api-reference.md'])
// "Cannot find name 'x'" (its "did you mean", and as a shorthand property): a fragment's free
// identifiers.
const FRAGMENT_CODES = new Set([2304, 2552, 18004])
// Implicit `any` (a parameter, a variable, a destructured binding): JavaScript has no annotations.
const JS_IMPLICIT_ANY = new Set([7005, 7006, 7031, 7034])

/** The markdown pages whose snippets are checked. */
export function pages() {
  const docs = fs
    .readdirSync(path.join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md') && !SKIPPED_PAGES.has(f))
    .sort()
    .map((f) => path.join('docs', f))
  return ['README.md', ...docs]
}

/** `[{ page, line, lang, code }]`: the fenced js/ts blocks of a markdown text. */
export function snippets(md, page) {
  const out = []
  const lines = md.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(```|~~~)\s*(js|javascript|mjs|cjs|ts|typescript|mts|cts)\s*$/)
    if (!open) continue
    const start = i + 1
    let j = start
    while (j < lines.length && !lines[j].startsWith(open[1])) j++
    out.push({ page, line: start + 1, lang: open[2], code: lines.slice(start, j).join('\n') })
    i = j
  }
  return out
}

/** The file name a snippet is compiled as: CommonJS when it calls `require`, else ESM. */
function fileName(s, n) {
  const ts = ['ts', 'typescript', 'mts', 'cts'].includes(s.lang)
  const cjs = s.lang === 'cjs' || s.lang === 'cts' || (/\brequire\(/.test(s.code) && !/^\s*import\s/m.test(s.code))
  const ext = ts ? (cjs ? 'cts' : 'mts') : cjs ? 'cjs' : 'mjs'
  return `${s.page.replace(/[^A-Za-z0-9]+/g, '_')}_L${s.line}_${n}.${ext}`
}

/**
 * A snippet as a compilable module. CommonJS has no top-level await, so a CommonJS fragment is
 * wrapped in an async function; every file ends with `export {}` so its names stay its own.
 */
function moduleText(s, name) {
  const header = `// ${s.page}:${s.line}\n`
  if (name.endsWith('.cjs') || name.endsWith('.cts')) {
    return `${header}async function __snippet() {\n${s.code}\n}\nvoid __snippet\nexport {}\n`
  }
  return `${header}${s.code}\nexport {}\n`
}

/**
 * Compiles the snippets (and __test__/types/) and returns the diagnostics that count, as
 * `{ file, where, code, message }` with `where` pointing at the page line.
 */
export function checkSnippets({ extra = [] } = {}) {
  const ts = createRequire(import.meta.url)('typescript')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-doc-types-'))
  try {
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'doc-snippets', private: true, type: 'module' }))
    fs.mkdirSync(path.join(work, 'node_modules', '@types'), { recursive: true })
    fs.symlinkSync(REPO, path.join(work, 'node_modules', 'cachecore'), 'junction')
    fs.symlinkSync(path.join(REPO, 'node_modules', '@types', 'node'), path.join(work, 'node_modules', '@types', 'node'), 'junction')
    const origin = new Map()
    const files = []
    const all = [...pages().flatMap((p) => snippets(fs.readFileSync(path.join(REPO, p), 'utf8'), p)), ...extra]
    all.forEach((s, n) => {
      const name = fileName(s, n)
      fs.writeFileSync(path.join(work, name), moduleText(s, name))
      origin.set(name, s)
      files.push(path.join(work, name))
    })
    for (const f of fs.readdirSync(TYPE_TESTS)) {
      fs.copyFileSync(path.join(TYPE_TESTS, f), path.join(work, f))
      files.push(path.join(work, f))
    }
    const options = {
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      skipLibCheck: false,
      noUnusedLocals: false,
    }
    const program = ts.createProgram(files, options)
    const out = []
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const file = d.file ? path.basename(d.file.fileName) : '(global)'
      const s = origin.get(file)
      if (s && FRAGMENT_CODES.has(d.code)) continue
      if (s && /\.[cm]js$/.test(file) && JS_IMPLICIT_ANY.has(d.code)) continue
      let where = d.file ? d.file.fileName : file
      if (d.file && d.start !== undefined) {
        const { line } = d.file.getLineAndCharacterOfPosition(d.start)
        // Page line: the header line, and for CommonJS the wrapper line, come first.
        const shift = s && /\.c[jt]s$/.test(file) ? 2 : 1
        where = s ? `${s.page}:${s.line + line - shift}` : `${path.relative(REPO, path.join(TYPE_TESTS, file))}:${line + 1}`
      }
      out.push({ file, where, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') })
    }
    return { checked: all.length, typeTests: fs.readdirSync(TYPE_TESTS).length, errors: out }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { checked, typeTests, errors } = checkSnippets()
  for (const e of errors) console.error(`${e.where}: TS${e.code}: ${e.message}`)
  console.log(`${checked} snippets and ${typeTests} type tests compiled, ${errors.length} errors`)
  if (errors.length) process.exit(1)
}
