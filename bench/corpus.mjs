// Seeded corpus generators for the benchmarks. Same seed, same bytes and mtimes.
//   mono: project files in nested folders (depth 3 to 8), mostly 1-20 KB with a few of 1-5 MB,
//         plus an ignored node_modules/ and dist/.
//   i18n: an app of .ts/.tsx/.js files calling t('...'), locales/en.json with nested keys and
//         target locales.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** A small seeded PRNG (LCG): deterministic across runs and machines. */
export function prng(seed) {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

const BASE_MTIME = Date.UTC(2026, 0, 1) / 1000

function writeFile(p, buf, i) {
  fs.writeFileSync(p, buf)
  const t = BASE_MTIME + i
  fs.utimesSync(p, t, t)
}

const LINES = Array.from({ length: 64 }, (_, i) => `export const value${i} = compute(${i}, "${'x'.repeat(i % 40)}");\n`).join('')
const LINE_BUF = Buffer.from(LINES)

function content(rand, size, tag) {
  const head = Buffer.from(`// ${tag}\n`)
  const buf = Buffer.allocUnsafe(size)
  head.copy(buf, 0)
  let at = head.length
  const offset = Math.floor(rand() * LINE_BUF.length)
  while (at < size) at += LINE_BUF.copy(buf, at, offset % LINE_BUF.length, LINE_BUF.length) || 1
  return buf
}

/** A directory 2 to 7 levels below `root` (files at depth 3 to 8), made once. */
function nestedDir(rand, root, made) {
  const depth = 3 + Math.floor(rand() * 6)
  const parts = []
  for (let d = 0; d < depth - 1; d++) parts.push(`p${Math.floor(rand() * (d < 2 ? 12 : 4))}`)
  const dir = path.join(root, ...parts)
  if (!made.has(dir)) {
    fs.mkdirSync(dir, { recursive: true })
    made.add(dir)
  }
  return dir
}

/** Writes the mono corpus; returns { root, files, bytes } (files: project files, not ignored ones). */
export function makeMono(root, { files = 100_000, seed = 1 } = {}) {
  const rand = prng(seed)
  let bytes = 0
  const made = new Set()
  for (let i = 0; i < files; i++) {
    const dir = nestedDir(rand, root, made)
    const big = rand() < 0.0015
    const size = big ? 1_000_000 + Math.floor(rand() * 4_000_000) : 1000 + Math.floor(rand() * 19_000)
    writeFile(path.join(dir, `f${i}.${['ts', 'tsx', 'js', 'json', 'css'][i % 5]}`), content(rand, size, `mono ${i}`), i)
    bytes += size
  }
  for (const ignored of ['node_modules', 'dist']) {
    for (let i = 0; i < Math.max(10, files / 50); i++) {
      const dir = path.join(root, ignored, `pkg${i % 40}`)
      fs.mkdirSync(dir, { recursive: true })
      writeFile(path.join(dir, `m${i}.js`), content(rand, 2000, `${ignored} ${i}`), i)
    }
  }
  return { root, files, bytes }
}

/**
 * Writes the tiny corpus (the scale case, meant for a tmpfs): `files` files of 16 to 256 bytes in
 * the mono corpus's nesting (depth 3 to 8). Returns { root, files, bytes }.
 */
export function makeTiny(root, { files = 1_000_000, seed = 4 } = {}) {
  const rand = prng(seed)
  let bytes = 0
  const made = new Set()
  for (let i = 0; i < files; i++) {
    const dir = nestedDir(rand, root, made)
    const size = 16 + Math.floor(rand() * 240)
    writeFile(path.join(dir, `t${i}.ts`), content(rand, size, `t${i}`), i)
    bytes += size
  }
  return { root, files, bytes }
}

/** Writes the i18n corpus; returns { root, srcFiles, keys, locales }. */
export function makeI18n(root, { srcFiles = 20_000, keys = 5_000, targets = 30, seed = 2 } = {}) {
  const rand = prng(seed)
  const keyList = Array.from({ length: keys }, (_, i) => `section${i % 50}.group${Math.floor(i / 50) % 20}.key${i}`)
  const made = new Set()
  for (let i = 0; i < srcFiles; i++) {
    const parts = ['src', `feature${i % 40}`, `part${Math.floor(rand() * 8)}`]
    const dir = path.join(root, ...parts)
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true })
      made.add(dir)
    }
    const ext = ['ts', 'tsx', 'js'][i % 3]
    const calls = []
    const n = 5 + Math.floor(rand() * 20)
    for (let c = 0; c < n; c++) {
      const k = keyList[Math.floor(rand() * keyList.length)]
      calls.push(ext === 'tsx' ? `  <span>{t('${k}')}</span>` : `  out.push(t('${k}'))`)
    }
    if (i % 7 === 0) calls.push('  out.push(t(`section${n}.dynamic`))')
    const body = ext === 'tsx'
      ? `import { t } from '../../i18n'\nexport function C${i}() {\n  return (<div>\n${calls.join('\n')}\n  </div>)\n}\n`
      : `import { t } from '../../i18n'\nexport function f${i}(out) {\n${calls.join('\n')}\n  return out\n}\n`
    writeFile(path.join(dir, `m${i}.${ext}`), Buffer.from(body + LINES.slice(0, 1000 + Math.floor(rand() * 3000))), i)
  }
  const nest = (prefix) => {
    const out = {}
    for (const k of keyList) {
      const [a, b, c] = k.split('.')
      ;((out[a] ??= {})[b] ??= {})[c] = `${prefix} ${k}`
    }
    return out
  }
  fs.mkdirSync(path.join(root, 'locales'), { recursive: true })
  const codes = ['en', ...Array.from({ length: targets }, (_, i) => `l${String(i).padStart(2, '0')}`)]
  codes.forEach((code, i) => writeFile(path.join(root, 'locales', `${code}.json`), Buffer.from(JSON.stringify(nest(code), null, 2)), srcFiles + i))
  fs.mkdirSync(path.join(root, 'node_modules', 'dep'), { recursive: true })
  writeFile(path.join(root, 'node_modules', 'dep', 'index.js'), Buffer.from('module.exports = 1\n'), 0)
  return { root, srcFiles, keys, locales: codes.length }
}

/**
 * Makes `root` a git repository of its own tree, committed, with a `.gitignore` of `ignored`
 * (directory names), and its index refreshed, so `git status --porcelain` in it is the floor
 * a user compares a "what changed?" answer with. Returns git's version.
 */
export function makeGitRepo(root, ignored) {
  fs.writeFileSync(path.join(root, '.gitignore'), ignored.map((d) => `${d}/\n`).join(''))
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.invalid',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
  }
  const git = (...args) => {
    const r = spawnSync('git', ['-C', root, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 28 })
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  if (!fs.existsSync(path.join(root, '.git'))) {
    git('init', '-q')
    // No background gc between the measurements (git would start one after the commit).
    git('config', 'gc.auto', '0')
    git('add', '-A')
    git('commit', '-q', '-m', 'corpus')
  }
  // Refresh the index so no entry is racily clean: the floor is git's fast path.
  git('update-index', '--refresh')
  git('status', '--porcelain')
  return git('--version').trim()
}
