// The cachecore CLI end to end: spawned as a process on temp copies of examples/i18n-app with
// a temp --home. Every subcommand, every flag, the errors and the exit codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { CLI, cleanEnv, cli, edit, host, listTree, sandbox } from './cli-helpers.mjs'
import { cachecore } from './helpers.mjs'

const ONE_ERROR_LINE = /^cachecore: error [A-Z_]+: [^\n]+\n$/
const hostRun = (s, ...extra) => {
  const r = host([s.app, '--home', s.home, ...extra])
  assert.equal(r.code, 0, r.stderr)
}
const projectDir = (s, app = s.app) =>
  cachecore.resolveCacheState({ projectRoot: app, cacheRootDir: path.join(s.home, 'cache'), runtime: { hashText: 'sha256' } })
    .projectDir

test('cli: --help, <command> --help, no command, --version', () => {
  const top = cli(['--help'])
  assert.equal(top.code, 0)
  for (const cmd of ['status', 'explain', 'scan', 'verify', 'clean', 'info', 'watch']) {
    assert.match(top.stdout, new RegExp(`\\n  ${cmd} `))
    const r = cli([cmd, '--help'])
    assert.equal(r.code, 0, cmd)
    assert.match(r.stdout, new RegExp(`^Usage: cachecore ${cmd}`), cmd)
  }
  const none = cli([])
  assert.equal(none.code, 2)
  assert.match(none.stderr, /^cachecore — ask the cache why/)
  assert.equal(cli(['--version']).stdout.trim(), cachecore.version())
})

test('cli: usage errors exit 2 with one line and a code', (t) => {
  const s = sandbox(t)
  const cases = [
    [['frobnicate'], 'UNKNOWN_COMMAND'],
    [['status', s.app, '--frob'], 'UNKNOWN_FLAG'],
    [['status', s.app, '-z'], 'UNKNOWN_FLAG'],
    [['status', s.app, '--home'], 'MISSING_FLAG_VALUE'],
    [['status', s.app, '--no-cache=yes'], 'BAD_FLAG_VALUE'],
    [['status', s.app, 'other-root'], 'BAD_ARGUMENTS'],
    [['status', s.app, '--layout', 'nested'], 'BAD_LAYOUT'],
    [['info', 'extra'], 'BAD_ARGUMENTS'],
    [['clean', s.app, '--all'], 'BAD_ARGUMENTS'],
    [['info', '--no-cache'], 'UNKNOWN_FLAG'],
  ]
  for (const [args, code] of cases) {
    const r = cli([...args, '--home', s.home])
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, ONE_ERROR_LINE, args.join(' '))
    assert.ok(r.stderr.includes(` ${code}: `), `${args.join(' ')}: ${r.stderr}`)
  }
  const bad = cli(['status', s.app, '--home', s.home, '--cache-profile', 'turbo'])
  assert.equal(bad.code, 2)
  assert.equal(
    bad.stderr,
    "cachecore: error BAD_CACHE_PROFILE: --cache-profile must be one of safe, balanced, fast (got 'turbo')\n",
  )
  fs.writeFileSync(path.join(s.app, 'cachecore.config.json'), JSON.stringify({ cache: { profile: 'warp' } }))
  const badConfig = cli(['status', s.app, '--home', s.home])
  assert.equal(badConfig.code, 2)
  assert.match(badConfig.stderr, /BAD_CACHE_PROFILE: cache\.profile in .*cachecore\.config\.json must be one of safe, balanced, fast/)
})

test('cli: runtime errors exit 3 with one line; --verbose adds the stack', (t) => {
  const s = sandbox(t)
  const missing = path.join(s.dir, 'nope')
  const r = cli(['status', missing, '--home', s.home])
  assert.equal(r.code, 3)
  assert.equal(r.stderr, `cachecore: error ROOT_NOT_FOUND: project root not found: ${missing}\n`)
  const v = cli(['status', missing, '--home', s.home, '--verbose'])
  assert.equal(v.code, 3)
  assert.match(v.stderr, /^cachecore: error ROOT_NOT_FOUND: [^\n]+\n.*\n\s+at /s)
  fs.writeFileSync(path.join(s.app, 'cachecore.config.json'), '{ not json')
  const c = cli(['status', s.app, '--home', s.home])
  assert.equal(c.code, 3)
  assert.match(c.stderr, /^cachecore: error CONFIG_INVALID: [^\n]+\n$/)
  const j = cli(['status', missing, '--home', s.home, '--json'])
  assert.equal(j.json().error.code, 'ROOT_NOT_FOUND')
})

test('cli status: read-only dispatch check; --json, --debug-cache, --exit-code, --quiet, --no-cache', (t) => {
  const s = sandbox(t)
  const cold = cli(['status', s.app, '--home', s.home, '--json'])
  assert.equal(cold.code, 0, cold.stderr)
  const j = cold.json()
  assert.equal(j.status, 'miss')
  assert.deepEqual([j.analysisRebuild.strategy, j.analysisRebuild.reason], ['full', 'files_index_missing'])
  assert.equal(j.cache.delta.added.length, 10)
  assert.deepEqual(listTree(s.home), [], 'status writes nothing')
  assert.equal(cli(['status', s.app, '--home', s.home, '--exit-code']).code, 1)

  hostRun(s)
  const hit = cli(['status', s.app, '--home', s.home])
  assert.equal(hit.code, 0)
  assert.match(hit.stdout, /status: hit \(cache_hit\)/)
  assert.doesNotMatch(hit.stdout, /\x1b\[/, 'no colour when stdout is not a terminal')
  assert.equal(cli(['status', s.app, '--home', s.home, '--exit-code']).code, 0)
  const before = fs.readFileSync(path.join(s.home, 'cache', 'meta.json'), 'utf8')

  const dbg = cli(['status', s.app, '--home', s.home, '--debug-cache'])
  const lines = dbg.stderr.trimEnd().split('\n')
  assert.equal(lines[0], '[cachecore] [cache] project analysis cache hit (cache_hit)')
  assert.ok(lines.every((l) => l.startsWith('[cachecore] [cache] ')))
  assert.deepEqual(
    lines.map((l) => l.slice('[cachecore] [cache] '.length)),
    cachecore.cacheDispatchMessageLines('project analysis', cli(['status', s.app, '--home', s.home, '--json']).json().cache).map((l) => l.message),
    'the contract lines, as the core returns them for this dispatch',
  )
  assert.equal(fs.readFileSync(path.join(s.home, 'cache', 'meta.json'), 'utf8'), before, 'status never counts a run')

  edit(s.app, 'src/main.js', (x) => `${x}\n// edit\n`)
  const quiet = cli(['status', s.app, '--home', s.home, '--quiet', '--exit-code'])
  assert.equal(quiet.code, 1)
  assert.equal(quiet.stdout, '')
  const off = cli(['status', s.app, '--home', s.home, '--no-cache', '--json']).json()
  assert.deepEqual([off.status, off.reason], ['bypass', 'no_cache'])
})

test('cli status: --cache-profile and the config file decide the rebuild; --no-color and NO_COLOR', (t) => {
  const s = sandbox(t)
  hostRun(s)
  edit(s.app, 'src/main.js', (x) => `${x}\n// edit\n`)
  const balanced = cli(['status', s.app, '--home', s.home, '--json']).json()
  assert.equal(balanced.analysisRebuild.reason, 'src_partial')
  const safe = cli(['status', s.app, '--home', s.home, '--json', '--cache-profile', 'safe']).json()
  assert.equal(safe.analysisRebuild.reason, 'config_rebuild_full')
  fs.writeFileSync(path.join(s.app, 'cachecore.config.json'), JSON.stringify({ cache: { rebuild: 'full' } }))
  assert.equal(cli(['status', s.app, '--home', s.home, '--json']).json().analysisRebuild.reason, 'config_rebuild_full')
  for (const env of [cleanEnv({ NO_COLOR: '1' }), cleanEnv()]) {
    const r = cli(['status', s.app, '--home', s.home, '--no-color'], { env })
    assert.equal(r.code, 0)
    assert.doesNotMatch(r.stdout + r.stderr, /\x1b\[/)
  }
})

test('cli: project layout from flags, cachecore.config.json and i18nprune.config.json', (t) => {
  const s = sandbox(t)
  fs.renameSync(path.join(s.app, 'src'), path.join(s.app, 'app'))
  fs.renameSync(path.join(s.app, 'locales'), path.join(s.app, 'i18n'))
  fs.renameSync(path.join(s.app, 'i18n', 'en.json'), path.join(s.app, 'i18n', 'en-GB.json'))
  const flags = ['--src', 'app', '--locales', 'i18n', '--source-locale', 'en-GB', '--layout', 'flat_file']
  const byFlags = cli(['status', s.app, '--home', s.home, '--json', ...flags]).json()
  assert.equal(byFlags.cache.delta.added.length, 10)
  assert.ok(byFlags.cache.delta.added.includes('en-GB.json'))
  // The defaults (src, locales) find nothing here.
  assert.equal(cli(['status', s.app, '--home', s.home, '--json']).json().cache.delta.added.length, 0)

  fs.writeFileSync(path.join(s.app, 'i18nprune.config.json'), JSON.stringify({ src: 'app', locales: 'i18n', sourceLocale: 'en-GB' }))
  const viaI18nprune = cli(['explain', s.app, '--home', s.home, '--json']).json()
  assert.equal(viaI18nprune.files.length, 10)
  assert.equal(viaI18nprune.files.find((f) => f.path === 'en-GB.json').role, 'source locale')
  assert.equal(viaI18nprune.files.find((f) => f.path === 'de.json').role, 'target locale')

  fs.writeFileSync(path.join(s.app, 'cachecore.config.json'), JSON.stringify({ src: 'app/pages', locales: 'i18n' }))
  const viaOwn = cli(['status', s.app, '--home', s.home, '--json', '--source-locale', 'en-GB']).json()
  assert.equal(viaOwn.cache.delta.added.length, 6, 'cachecore.config.json wins over i18nprune.config.json; flags over both')
})

test('cli: home from --home, CACHECORE_HOME, --i18nprune (I18NPRUNE_HOME); --cache-dir', (t) => {
  const s = sandbox(t)
  const other = path.join(s.dir, 'other-home')
  const prune = path.join(s.dir, 'prune-home')
  for (const [args, env, expect] of [
    [['--home', s.home], cleanEnv({ CACHECORE_HOME: other }), s.home],
    [[], cleanEnv({ CACHECORE_HOME: other }), other],
    [['--i18nprune'], cleanEnv({ CACHECORE_HOME: other, I18NPRUNE_HOME: prune }), prune],
    [['--i18nprune', '--home', s.home], cleanEnv({ I18NPRUNE_HOME: prune }), s.home],
  ]) {
    const info = cli(['info', '--json', ...args], { env }).json()
    assert.equal(info.home, expect, args.join(' '))
    assert.equal(info.cacheRoot, path.join(expect, 'cache'))
  }
  const st = cli(['status', s.app, '--i18nprune', '--json'], { env: cleanEnv({ I18NPRUNE_HOME: prune }) }).json()
  assert.ok(st.cache.paths.meta.startsWith(path.join(prune, 'cache')), st.cache.paths.meta)
  const scan = cli(['scan', s.app, '--home', s.home, '--cache-dir', '.cache', '--json'])
  assert.equal(scan.code, 0, scan.stderr)
  assert.ok(scan.json().path.startsWith(path.join(s.app, '.cache', 'projects')), 'cache dir resolved against the project root')
  assert.deepEqual(listTree(s.home), [])
})

test('cli explain: per-file reasons, classification and the decision in plain words', (t) => {
  const s = sandbox(t)
  hostRun(s)
  edit(s.app, 'src/pages/index.ts', (x) => `${x}\nexport const bye = () => t('home.bye')\n`)
  edit(s.app, 'src/main.js', (x) => x.replace("t('app.ready')", "t('app.readY')"))
  let r = cli(['explain', s.app, '--home', s.home])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /changed src: pages\/index\.ts — size changed/)
  assert.match(r.stdout, /changed src: main\.js — content changed \(same size\)/)
  assert.match(r.stdout, /classified: src 2 changed, 0 added, 0 deleted/)
  assert.match(r.stdout, /decision: the analysis would be patched \(partial rebuild\): 2 of 6 src files changed.*\(partial\/src_partial\)/)
  const j = cli(['explain', s.app, '--home', s.home, '--json']).json()
  assert.deepEqual(
    j.files.map((f) => [f.path, f.change, f.reason]).sort(),
    [
      ['main.js', 'changed', 'content_changed'],
      ['pages/index.ts', 'changed', 'size_changed'],
    ],
  )
  assert.equal(j.analysisRebuild.reason, 'src_partial')

  fs.rmSync(path.join(s.app, 'src/lib/i18n.ts'))
  fs.writeFileSync(path.join(s.app, 'src/lib/new.ts'), 'export {}\n')
  edit(s.app, 'locales/de.json', (x) => x.replace('"Laden"', '"Geschäft"'))
  r = cli(['explain', s.app, '--home', s.home, '--json']).json()
  const by = Object.fromEntries(r.files.map((f) => [f.path, f]))
  assert.equal(by['lib/i18n.ts'].reason, 'removed')
  assert.equal(by['lib/new.ts'].reason, 'added')
  assert.equal(by['de.json'].role, 'target locale')
  assert.deepEqual([r.analysisRebuild.strategy, r.analysisRebuild.reason], ['full', 'src_threshold'])
  assert.match(cli(['explain', s.app, '--home', s.home]).stdout, /4 of 6 src files changed, at or above the 40% threshold/)
  const fast = cli(['explain', s.app, '--home', s.home, '--json', '--cache-profile', 'fast']).json()
  assert.deepEqual([fast.analysisRebuild.strategy, fast.analysisRebuild.reason], ['partial', 'src_partial'])

  const fresh = sandbox(t)
  const cold = cli(['explain', fresh.app, '--home', fresh.home])
  assert.match(cold.stdout, /files index: missing/)
  assert.match(cold.stdout, /decision: the analysis would be rebuilt in full: files\.json is missing/)
})

test('cli scan: writes files.json through the core; no progress when stderr is not a TTY; --quiet', (t) => {
  const s = sandbox(t)
  const r = cli(['scan', s.app, '--home', s.home])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stderr, '', 'no progress bar on a pipe')
  assert.match(r.stdout, /^scanned 6 src files and 4 locale segments/)
  const files = JSON.parse(fs.readFileSync(path.join(projectDir(s), 'files.json'), 'utf8'))
  assert.deepEqual(Object.keys(files.files).sort(), [
    'components/CartSummary.tsx',
    'components/Header.tsx',
    'lib/i18n.ts',
    'main.js',
    'pages/index.ts',
    'pages/settings.tsx',
  ])
  assert.deepEqual(files.localesLayout, { source: 'en', directory: 'locales', mode: 'flat_file', structure: 'locale_file' })
  const meta = JSON.parse(fs.readFileSync(path.join(s.home, 'cache', 'meta.json'), 'utf8'))
  assert.equal(Object.values(meta.projects)[0], path.basename(projectDir(s)))
  // The core accepts the index: nothing changed since the scan.
  const st = cli(['status', s.app, '--home', s.home, '--json']).json()
  const d = st.cache.delta
  assert.equal(d.added.length + d.changed.length + d.deleted.length, 0)
  const q = cli(['scan', s.app, '--home', s.home, '--quiet'])
  assert.deepEqual([q.code, q.stdout, q.stderr], [0, '', ''])
  // Nothing changed since: the index is up to date, nothing written, no content read.
  const j = cli(['scan', s.app, '--home', s.home, '--json']).json()
  assert.deepEqual([j.written, j.unchanged, j.srcFiles, j.localeSegments], [false, true, 6, 4])
  const off = cli(['scan', s.app, '--home', s.home, '--no-cache', '--json']).json()
  assert.equal(off.written, false)
})

test('cli verify: ok after a run; names planted differences in files.json; exits 1', (t) => {
  const s = sandbox(t)
  assert.equal(cli(['verify', s.app, '--home', s.home, '--quiet']).code, 1, 'no index is a difference')
  hostRun(s)
  const ok = cli(['verify', s.app, '--home', s.home])
  assert.equal(ok.code, 0, ok.stdout)
  assert.match(ok.stdout, /^ok: 10 files match .*; the core's decision agrees \(hit, cache_hit\)/)

  const filesPath = path.join(projectDir(s), 'files.json')
  const index = JSON.parse(fs.readFileSync(filesPath, 'utf8'))
  index.files['pages/index.ts'].hash = '0'.repeat(64)
  delete index.files['main.js']
  index.localeSegments['ghost.json'] = { ...index.localeSegments['de.json'] }
  fs.writeFileSync(filesPath, JSON.stringify(index, null, 2))
  const bad = cli(['verify', s.app, '--home', s.home])
  assert.equal(bad.code, 1)
  assert.match(bad.stdout, /src pages\/index\.ts: hash differs from the index/)
  assert.match(bad.stdout, /src main\.js: on disk but not in the index/)
  assert.match(bad.stdout, /locale ghost\.json: in the index but not on disk/)
  assert.doesNotMatch(bad.stdout, /disagreement/, 'the core sees the same difference')
  const j = cli(['verify', s.app, '--home', s.home, '--json'])
  assert.equal(j.code, 1)
  const out = j.json()
  assert.equal(out.ok, false)
  assert.deepEqual(out.files.map((f) => f.path).sort(), ['ghost.json', 'main.js', 'pages/index.ts'])

  // A size-only plant is caught too.
  hostRun(s)
  const again = JSON.parse(fs.readFileSync(filesPath, 'utf8'))
  again.localeSegments['en.json'].size += 1
  fs.writeFileSync(filesPath, JSON.stringify(again))
  const size = cli(['verify', s.app, '--home', s.home, '--json']).json()
  assert.deepEqual(size.files, [{ kind: 'locale', path: 'en.json', problem: 'size differs from the index' }])
})

test('cli clean: a project dir only, or the whole cache root with --all, nothing else', (t) => {
  const s = sandbox(t)
  const second = path.join(s.dir, 'app2')
  fs.cpSync(s.app, second, { recursive: true })
  hostRun(s)
  const r2 = host([second, '--home', s.home])
  assert.equal(r2.code, 0)
  fs.writeFileSync(path.join(s.home, 'keep.txt'), 'not the cache\n')
  const one = cli(['clean', s.app, '--home', s.home, '--json'])
  assert.equal(one.code, 0, one.stderr)
  assert.equal(one.json().removed, true)
  assert.equal(fs.existsSync(projectDir(s)), false)
  assert.equal(fs.existsSync(projectDir(s, second)), true, 'the other project stays')
  assert.ok(fs.existsSync(path.join(s.home, 'cache', 'meta.json')))
  assert.match(cli(['clean', s.app, '--home', s.home]).stdout, /nothing to clean/)

  const all = cli(['clean', '--all', '--home', s.home])
  assert.equal(all.code, 0)
  assert.equal(fs.existsSync(path.join(s.home, 'cache')), false)
  assert.deepEqual(listTree(s.home), ['keep.txt'])
  assert.match(cli(['clean', '--all', '--home', s.home]).stdout, /nothing to clean/)

  const notCache = path.join(s.dir, 'precious')
  fs.mkdirSync(notCache)
  fs.writeFileSync(path.join(notCache, 'a.txt'), 'x')
  const refused = cli(['clean', '--all', '--cache-dir', notCache, '--home', s.home])
  assert.equal(refused.code, 3)
  assert.match(refused.stderr, /^cachecore: error NOT_A_CACHE_ROOT: /)
  assert.ok(fs.existsSync(path.join(notCache, 'a.txt')))
})

test('cli info: version, binary target, home, projects with sizes', (t) => {
  const s = sandbox(t)
  const empty = cli(['info', '--home', s.home, '--json']).json()
  assert.deepEqual([empty.meta, empty.projects.length], ['missing', 0])
  hostRun(s)
  const r = cli(['info', '--home', s.home, '--json'])
  assert.equal(r.code, 0)
  const info = r.json()
  assert.equal(info.version, cachecore.version())
  assert.equal(info.binaryTarget, cachecore.binaryTarget())
  assert.equal(info.projects.length, 1)
  assert.equal(info.projects[0].root, cachecore.normalizeProjectRootKey(s.app))
  assert.equal(info.projects[0].dir, projectDir(s))
  const size = fs.statSync(path.join(projectDir(s), 'files.json')).size + fs.statSync(path.join(projectDir(s), 'analysis.json')).size
  assert.ok(info.projects[0].bytes >= size, `${info.projects[0].bytes} >= ${size}`)
  const text = cli(['info', '--home', s.home])
  assert.match(text.stdout, new RegExp(`^cachecore ${cachecore.version().replace(/\./g, '\\.')} \\(${cachecore.binaryTarget()}\\)`))
  assert.match(text.stdout, /projects: 1, /)
})

test('cli: --layout locale_directory classifies every segment under the source dir as source', (t) => {
  const s = sandbox(t)
  for (const code of ['en', 'de']) {
    fs.mkdirSync(path.join(s.app, 'locales', code))
    fs.renameSync(path.join(s.app, 'locales', `${code}.json`), path.join(s.app, 'locales', code, 'common.json'))
    fs.writeFileSync(path.join(s.app, 'locales', code, 'auth.json'), '{"x":"y"}\n')
  }
  const j = cli(['explain', s.app, '--home', s.home, '--json', '--layout', 'locale_directory']).json()
  const role = Object.fromEntries(j.files.map((f) => [f.path, f.role]))
  assert.equal(role['en/common.json'], 'source locale')
  assert.equal(role['en/auth.json'], 'source locale')
  assert.equal(role['de/auth.json'], 'target locale')
  assert.equal(role['es.json'], 'target locale')
  // flat_file (the default) tracks only top-level segments.
  const flat = cli(['explain', s.app, '--home', s.home, '--json']).json()
  assert.deepEqual(flat.files.filter((f) => f.role !== 'src').map((f) => f.path).sort(), ['es.json', 'fr.json'])
  const scan = cli(['scan', s.app, '--home', s.home, '--json', '--layout', 'locale_directory']).json()
  assert.equal(scan.localeSegments, 6)
  assert.equal(cli(['verify', s.app, '--home', s.home, '--layout', 'locale_directory']).code, 0)
})

test('cli scan on a terminal: the summary, no progress bar (the scan is a dispatch\'s scan)', { skip: (process.platform !== 'linux' || !fs.existsSync('/usr/bin/script')) && "needs util-linux's script(1)" }, (t) => {
  const s = sandbox(t)
  const cmd = [process.execPath, CLI, 'scan', s.app, '--home', s.home].map((a) => `'${a}'`).join(' ')
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: cleanEnv() })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /scanned 6 src files/)
  assert.doesNotMatch(r.stdout, /\r\x1b\[K/)
})

test('watch: one JSON line per batch with the decision the next run gets; SIGINT exits 0', async (t) => {
  const { spawn } = await import('node:child_process')
  const s = sandbox(t)
  const child = spawn(process.execPath, [CLI, 'watch', s.app, '--home', s.home, '--json'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => child.kill('SIGKILL'))
  const events = []
  let buffered = ''
  const waitFor = (pred, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => e.kind))}`)), 15_000)
      const check = () => {
        const e = events.find(pred)
        if (e) {
          clearTimeout(timer)
          resolve(e)
        } else setTimeout(check, 20)
      }
      check()
    })
  child.stdout.on('data', (chunk) => {
    buffered += chunk
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffered.slice(0, nl)))
      buffered = buffered.slice(nl + 1)
    }
  })
  const ready = await waitFor((e) => e.kind === 'ready', 'ready')
  assert.equal(ready.decision.reason, 'no_previous_cache')
  fs.appendFileSync(path.join(s.app, 'src/pages/index.ts'), '\n// edited\n')
  const src = await waitFor((e) => e.kind === 'change' && e.delta.changed.includes('src/pages/index.ts'), 'the src change')
  assert.deepEqual([src.decision.strategy, src.decision.reason], ['partial', 'src_partial'])
  fs.writeFileSync(path.join(s.app, 'locales/de.json'), '{"app":{"title":"Laden!"}}\n')
  const target = await waitFor((e) => e.kind === 'change' && e.delta.changed.includes('locales/de.json'), 'the target change')
  assert.deepEqual([target.decision.strategy, target.decision.reason], ['reuse', 'target_locale_only'])
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  child.kill('SIGINT')
  assert.deepEqual(await exited, { code: 0, signal: null })
})
