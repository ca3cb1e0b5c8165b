// Git's ignore rules in the generic engine (`gitignore`, default true): what fingerprint and
// watch track in a git work tree is what git itself lists, held to `git ls-files --others
// --exclude-standard --cached` on a hand-made repository (nested rules, negations,
// .git/info/exclude, a global excludes file) and on randomized trees.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore, tempDir, writeTree } from './helpers.mjs'

const { fingerprintSync, watch } = cachecore
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Points git's (and so cachecore's) global configuration at files under `dir` for the rest of
 * the test: a global config that names `excludesFile`, no system config. Both read the same
 * variables; the previous values come back when the test ends.
 */
function isolateGitConfig(t, dir, { excludesFile, xdg } = {}) {
  const saved = {}
  const set = (k, v) => {
    if (!(k in saved)) saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  const config = path.join(dir, 'gitconfig-global')
  fs.writeFileSync(config, excludesFile ? `[core]\n\texcludesFile = ${excludesFile}\n` : '')
  set('GIT_CONFIG_GLOBAL', config)
  set('GIT_CONFIG_SYSTEM', '/dev/null')
  set('GIT_CONFIG_NOSYSTEM', '1')
  set('XDG_CONFIG_HOME', xdg ?? path.join(dir, 'no-xdg'))
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })
}

function git(cwd, ...args) {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
  })
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** What git lists: tracked files and untracked files that no ignore rule excludes. */
function gitListed(root) {
  const out = git(root, 'ls-files', '-z', '--others', '--exclude-standard', '--cached')
  return [...new Set(out.split('\0').filter(Boolean))].sort()
}

const paths = (r) => r.records.map((x) => x.path)
const hasGit = spawnSync('git', ['--version']).status === 0
const needsGit = { skip: !hasGit && 'git is not installed' }

test('files under ignored types/, .turbo/ and .svelte-kit/output/ are not tracked', needsGit, (t) => {
  const root = tempDir(t)
  isolateGitConfig(t, tempDir(t))
  git(root, 'init', '-q')
  writeTree(root, {
    '.gitignore': 'types/\n.turbo\n.svelte-kit/output/\n',
    'src/a.ts': 'a',
    'types/gen.d.ts': 'generated',
    'packages/web/.turbo/turbo-build.log': 'log',
    '.svelte-kit/output/server/index.js': 'built',
    '.svelte-kit/ambient.d.ts': 'kept: only output/ is ignored',
  })
  const on = fingerprintSync({ root })
  assert.deepEqual(paths(on), ['.gitignore', '.svelte-kit/ambient.d.ts', 'src/a.ts'])
  assert.deepEqual(paths(on), gitListed(root))
  assert.equal(on.counts.ignored, 4, 'types/, .turbo/, .svelte-kit/output/ and .git/')
  // Opt-out: every file again (.git excluded by name here, as before).
  const off = fingerprintSync({ root, gitignore: false, exclude: { dirs: ['.git'] } })
  assert.deepEqual(paths(off), [
    '.gitignore',
    '.svelte-kit/ambient.d.ts',
    '.svelte-kit/output/server/index.js',
    'packages/web/.turbo/turbo-build.log',
    'src/a.ts',
    'types/gen.d.ts',
  ])
  assert.equal(off.counts.ignored, 0)
})

test('outside a git work tree .gitignore does not apply and .ignore does (as ripgrep)', (t) => {
  const root = tempDir(t)
  writeTree(root, { '.gitignore': '*.log\n', '.ignore': '*.tmp\n', 'a.log': 'l', 'b.tmp': 't', 'c.ts': 'c' })
  const inRepo = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root }).status === 0
  if (inRepo) return t.skip('the temp dir is inside a git work tree on this machine')
  assert.deepEqual(paths(fingerprintSync({ root })), ['.gitignore', '.ignore', 'a.log', 'c.ts'])
})

test('git status equivalence: nested rules, negations, info/exclude, a global excludes file', needsGit, (t) => {
  const root = tempDir(t)
  const home = tempDir(t)
  const globalFile = path.join(home, 'global-ignore')
  fs.writeFileSync(globalFile, '*.swp\n.DS_Store\n')
  isolateGitConfig(t, home, { excludesFile: globalFile })
  git(root, 'init', '-q')
  writeTree(root, {
    '.gitignore': ['# build output', 'dist/', '*.log', '!important.log', '/top-only.txt', 'tmp/', '**/cache/*', '!**/cache/keep.me'].join('\n'),
    'app/.gitignore': '!debug.log\nlocal.*\n/anchored.ts\n',
    'app/deep/.gitignore': '*.ts\n!main.ts\n',
    'app/src/x.ts': 'x',
    'app/anchored.ts': 'ignored here',
    'app/src/anchored.ts': 'kept: anchored to app/',
    'app/debug.log': 're-included below',
    'app/other.log': 'still ignored',
    'app/local.env': 'ignored',
    'app/deep/a.ts': 'ignored',
    'app/deep/main.ts': 're-included',
    'app/deep/b.js': 'kept',
    'important.log': 'kept',
    'server.log': 'ignored',
    'top-only.txt': 'ignored at the top',
    'nested/top-only.txt': 'kept below',
    'dist/bundle.js': 'ignored',
    'nested/dist/x.js': 'ignored at any depth',
    'tmp/a/b.txt': 'ignored',
    'lib/cache/blob': 'ignored',
    'lib/cache/keep.me': 're-included',
    'edit.swp': 'global excludes',
    'app/.DS_Store': 'global excludes',
    'excluded-locally.txt': 'info/exclude',
    'README.md': 'kept',
  })
  fs.appendFileSync(path.join(root, '.git', 'info', 'exclude'), 'excluded-locally.txt\n')
  // Some files committed, so --cached matters, the rest untracked.
  git(root, 'add', 'README.md', 'app/src/x.ts', '.gitignore')
  git(root, 'commit', '-q', '-m', 'init')
  const listed = gitListed(root)
  assert.ok(listed.includes('app/deep/main.ts') && !listed.includes('edit.swp'), 'the fixture means what it says')
  const r = fingerprintSync({ root })
  assert.deepEqual(paths(r), listed)
  // A subdirectory as the root: the rules above it (and info/exclude, the global file) apply.
  const sub = fingerprintSync({ root: path.join(root, 'app') })
  const fromGit = git(path.join(root, 'app'), 'ls-files', '-z', '--others', '--exclude-standard', '--cached')
  assert.deepEqual(paths(sub), [...new Set(fromGit.split('\0').filter(Boolean))].sort())
})

test('the global excludes file at its XDG default is honoured too', needsGit, (t) => {
  const root = tempDir(t)
  const xdg = tempDir(t)
  fs.mkdirSync(path.join(xdg, 'git'))
  fs.writeFileSync(path.join(xdg, 'git', 'ignore'), '*.bak\n')
  isolateGitConfig(t, tempDir(t), { xdg })
  git(root, 'init', '-q')
  writeTree(root, { 'a.ts': 'a', 'a.ts.bak': 'b' })
  assert.deepEqual(paths(fingerprintSync({ root })), ['a.ts'])
  assert.deepEqual(paths(fingerprintSync({ root })), gitListed(root))
})

/** A seeded PRNG (LCG), so a failing seed can be replayed. */
function prng(seed) {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

const NAMES = ['a', 'b', 'build', 'cache', 'src', 'tmp', 'x.log', 'y.ts', 'z.gen.ts', 'keep.log', 'out', 'node_modules']
const RULES = ['*.log', '!keep.log', 'build/', '/tmp', 'tmp/', '**/cache', '*.gen.*', '!z.gen.ts', 'out', '/a/b', 'src/**/*.ts', '!src/y.ts', 'node_modules/', 'a/*/y.ts', '*.ts', '!*.ts', '# comment', '', 'b/']

test('randomized trees: the tracked set equals git ls-files --others --exclude-standard --cached', needsGit, (t) => {
  const seeds = Number(process.env.CACHECORE_GITIGNORE_SEEDS ?? 12)
  isolateGitConfig(t, tempDir(t))
  let ignored = 0
  let committed = 0
  for (let seed = 1; seed <= seeds; seed++) {
    const rand = prng(seed * 7919)
    const pick = (xs) => xs[Math.floor(rand() * xs.length)]
    const root = tempDir(t)
    git(root, 'init', '-q')
    const files = {}
    for (let i = 0; i < 40; i++) {
      const depth = 1 + Math.floor(rand() * 4)
      const parts = Array.from({ length: depth }, () => pick(NAMES))
      files[parts.join('/')] = `f${i}`
    }
    // Drop paths that would need a file and a directory of the same name.
    const all = Object.keys(files)
    for (const p of all) if (all.some((q) => q.startsWith(`${p}/`))) delete files[p]
    const dirs = [...new Set(Object.keys(files).map((p) => path.posix.dirname(p)))]
    for (const d of ['.', ...dirs.slice(0, 4)]) {
      const n = 1 + Math.floor(rand() * 4)
      files[d === '.' ? '.gitignore' : `${d}/.gitignore`] = Array.from({ length: n }, () => pick(RULES)).join('\n')
    }
    writeTree(root, files)
    if (rand() < 0.5) fs.appendFileSync(path.join(root, '.git', 'info', 'exclude'), `${pick(RULES)}\n`)
    // Commit what git lists now (never a force-add), so --cached and --others both take part.
    const before = gitListed(root)
    const some = before.filter(() => rand() < 0.4)
    if (some.length) {
      git(root, 'add', '--', ...some)
      git(root, 'commit', '-q', '-m', `seed ${seed}`)
      committed += some.length
    }
    const r = fingerprintSync({ root })
    ignored += r.counts.ignored - 1 // .git itself
    assert.deepEqual(paths(r), gitListed(root), `seed ${seed}`)
  }
  assert.ok(ignored > seeds && committed > seeds, `the trees exercise the rules (${ignored} ignored, ${committed} committed)`)
})

test('watch: an edit of .gitignore is a rescan, and the index equals a fresh scan after it', needsGit, async (t) => {
  const root = tempDir(t)
  isolateGitConfig(t, tempDir(t))
  git(root, 'init', '-q')
  writeTree(root, { '.gitignore': 'gen/\n', 'src/a.ts': 'a', 'gen/b.ts': 'b', 'gen/c.ts': 'c' })
  const events = []
  let onReady
  const ready = new Promise((r) => (onReady = r))
  const w = watch({ root, debounceMs: 50 }, (e) => {
    events.push(e)
    if (e.kind === 'ready') onReady(e)
  })
  t.after(() => w.close())
  const first = await ready
  assert.deepEqual(first.delta.added, ['.gitignore', 'src/a.ts'])
  // A new file in an ignored directory: no tracked change.
  fs.writeFileSync(path.join(root, 'gen', 'd.ts'), 'd')
  await sleep(300)
  w.flush()
  assert.deepEqual(w.records().map((r) => r.path), ['.gitignore', 'src/a.ts'])
  fs.writeFileSync(path.join(root, '.gitignore'), '*.log\n')
  const t0 = Date.now()
  let rescan
  while (!rescan && Date.now() - t0 < 5000) {
    rescan = events.find((e) => e.kind === 'rescan')
    await sleep(20)
  }
  assert.ok(rescan, `a rescan event; got ${JSON.stringify(events.map((e) => e.kind))}`)
  assert.equal(rescan.rescan.reason, 'ignore_rules')
  assert.deepEqual(rescan.delta.added, ['gen/b.ts', 'gen/c.ts', 'gen/d.ts'])
  await sleep(200)
  w.flush()
  assert.deepEqual(w.records(), fingerprintSync({ root }).records)
})
