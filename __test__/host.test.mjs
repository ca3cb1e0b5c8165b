// The example host end to end: its report, its delegation to the dispatch, and partial results
// that always equal a full analysis (a --no-cache run) after every kind of edit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cleanEnv, demo, edit, host, sandbox } from './cli-helpers.mjs'

const run = (s, ...extra) => {
  const r = host([s.app, '--home', s.home, '--json', ...extra])
  assert.equal(r.code, 0, r.stderr)
  return r.json()
}
/** A cached run and a --no-cache run of the same tree: their analyses must be equal. */
function assertEqualsFull(s, cached) {
  const full = run(s, '--no-cache')
  assert.equal(full.cache.status, 'bypass')
  assert.equal(full.producer.mode, 'full')
  assert.deepEqual(cached.analysis, full.analysis)
}

test('host: the report of the example app (missing, unused, dynamic sites)', (t) => {
  const s = sandbox(t)
  const r = run(s)
  assert.deepEqual(r.analysis.missingKeys, ['cart.freeShippingHint', 'home.cta'])
  assert.deepEqual(r.analysis.unusedKeys, ['app.tagline', 'auth.signOut'])
  assert.deepEqual(r.analysis.dynamicSites, [{ file: 'pages/settings.tsx', line: 11, expr: 'settings.sections.${s}' }])
  assert.ok(r.analysis.usedKeys.includes('cart.total'), 'a template literal without ${} is a static key')
  assert.ok(r.analysis.usedKeys.includes('home.cta'), 'a double-quoted key is a static key')
  const text = host([s.app, '--home', s.home])
  assert.equal(text.code, 0)
  assert.match(text.stdout, /missing from the source locale \(2\):\n {2}cart\.freeShippingHint\n {2}home\.cta/)
  assert.match(text.stdout, /analysis: from cache, no source file read/)
})

test('host: cold run is a full miss, the repeat a hit without the producer', (t) => {
  const s = sandbox(t)
  const cold = run(s)
  assert.equal(cold.cache.status, 'miss')
  assert.equal(cold.cache.analysisRebuild.strategy, 'full')
  assert.equal(cold.producer.mode, 'full')
  assert.equal(cold.producer.filesRead, 6)
  assert.ok(fs.existsSync(path.join(s.home, 'cache', 'meta.json')))
  const again = run(s)
  assert.equal(again.cache.status, 'hit')
  assert.equal(again.cache.reason, 'cache_hit')
  assert.equal(again.producer.ran, false)
  assert.deepEqual(again.analysis, cold.analysis)
})

test('host: target locale edit reuses the analysis (no producer), equal to a full scan', (t) => {
  const s = sandbox(t)
  run(s)
  edit(s.app, 'locales/de.json', (x) => x.replace('"Laden"', '"Geschäft"'))
  const r = run(s)
  assert.equal(r.cache.status, 'miss')
  assert.deepEqual(
    [r.cache.analysisRebuild.strategy, r.cache.analysisRebuild.reason],
    ['reuse', 'target_locale_only'],
  )
  assert.equal(r.producer.ran, false)
  assertEqualsFull(s, r)
})

test('host: source locale edit is a partial refresh of missing keys, equal to a full scan', (t) => {
  const s = sandbox(t)
  run(s)
  edit(s.app, 'locales/en.json', (x) =>
    x.replace('"subtitle": "Fresh deals every day"', '"subtitle": "Fresh deals every day",\n    "cta": "Shop now"').replace('"tagline": "Everything you need",\n', ''),
  )
  const r = run(s)
  assert.deepEqual([r.cache.analysisRebuild.strategy, r.cache.analysisRebuild.reason], ['partial', 'source_locale_partial'])
  assert.equal(r.producer.mode, 'source_locale_partial')
  assert.equal(r.producer.filesRead, 0)
  assert.deepEqual(r.analysis.missingKeys, ['cart.freeShippingHint'])
  assertEqualsFull(s, r)
})

test('host: src edits (change, add, delete) are partial re-scans, each equal to a full scan', (t) => {
  const s = sandbox(t)
  run(s)
  edit(s.app, 'src/pages/index.ts', (x) => `${x}\nexport const bye = () => t('home.bye')\n`)
  let r = run(s)
  assert.deepEqual([r.cache.analysisRebuild.strategy, r.cache.analysisRebuild.reason], ['partial', 'src_partial'])
  assert.equal(r.producer.mode, 'src_partial')
  assert.equal(r.producer.filesRead, 1)
  assert.ok(r.analysis.missingKeys.includes('home.bye'))
  assertEqualsFull(s, r)

  fs.writeFileSync(path.join(s.app, 'src/lib/extra.ts'), "export const x = () => t(`auth.${'sign'}Out`) + t('auth.signOut')\n")
  edit(s.app, 'src/lib/extra.ts', (x) => x)
  r = run(s)
  assert.equal(r.producer.mode, 'src_partial')
  assert.equal(r.producer.filesRead, 1)
  assert.ok(!r.analysis.unusedKeys.includes('auth.signOut'))
  assertEqualsFull(s, r)

  fs.rmSync(path.join(s.app, 'src/main.js'))
  edit(s.app, 'src/lib/extra.ts', (x) => x)
  r = run(s)
  assert.equal(r.producer.mode, 'src_partial')
  assert.equal(r.producer.filesRead, 0)
  assert.ok(!('main.js' in r.analysis.files))
  assert.ok(r.analysis.unusedKeys.includes('app.ready'), 'app.ready was only used by the deleted file')
  assertEqualsFull(s, r)
})

test('host: source and src edits together are a full rebuild; the safe profile is always full', (t) => {
  const s = sandbox(t)
  run(s)
  edit(s.app, 'locales/en.json', (x) => x.replace('"Shop"', '"Store"'))
  edit(s.app, 'src/main.js', (x) => `${x}\n// touched\n`)
  let r = run(s)
  assert.deepEqual([r.cache.analysisRebuild.strategy, r.cache.analysisRebuild.reason], ['full', 'source_locale_changed'])
  assertEqualsFull(s, r)
  edit(s.app, 'src/main.js', (x) => `${x}\n// again\n`)
  r = run(s, '--cache-profile', 'safe')
  assert.deepEqual([r.cache.analysisRebuild.strategy, r.cache.analysisRebuild.reason], ['full', 'config_rebuild_full'])
})

test('host: --debug-cache prints the core lines with the host prefix; flags are checked', (t) => {
  const s = sandbox(t)
  const r = host([s.app, '--home', s.home, '--debug-cache'])
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stderr.trimEnd().split('\n')
  assert.match(lines[0], /^\[i18n-host\] \[cache\] project analysis cache miss \((files_changed|run_missing)\)$/)
  assert.ok(lines.every((l) => l.startsWith('[i18n-host] [cache] ')))
  assert.ok(lines.some((l) => l.includes('analysis rebuild: full (')))
  const bad = host([s.app, '--home', s.home, '--cache-profile', 'turbo'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^i18n-host: error BAD_CACHE_PROFILE: .*safe, balanced, fast.*\n$/)
  assert.equal(host(['--nope']).code, 2)
  const off = host([s.app, '--home', s.home, '--no-cache', '--debug-cache'])
  assert.match(off.stderr, /^\[i18n-host\] \[cache\] project analysis cache bypass \(no_cache\)/)
})

test('demo: runs the five cases to completion and cleans up', () => {
  const r = demo()
  assert.equal(r.code, 0, r.stderr)
  for (const n of [1, 2, 3, 4, 5]) assert.match(r.stdout, new RegExp(`\\n== ${n}\\. `))
  assert.match(r.stdout, /project analysis cache hit \(cache_hit\)/)
  assert.match(r.stdout, /analysis rebuild: skipped \(target locale only \(reusing analysis\.json\)\)/)
  assert.match(r.stdout, /analysis rebuild: partial \(source locale only, missingKeys updated\)/)
  assert.match(r.stdout, /analysis rebuild: partial \(1 changed, 0 added, 0 deleted\)/)
  assert.match(r.stdout, /cleaned up\.\n$/)
  const tmp = r.stdout.match(/\$TMP = (\S+)\)/)[1]
  assert.equal(fs.existsSync(tmp), false)
})

test('host: --src, --locales, --source-locale and CACHECORE_HOME', (t) => {
  const s = sandbox(t)
  fs.renameSync(path.join(s.app, 'src'), path.join(s.app, 'app'))
  fs.renameSync(path.join(s.app, 'locales'), path.join(s.app, 'i18n'))
  fs.renameSync(path.join(s.app, 'i18n', 'en.json'), path.join(s.app, 'i18n', 'en-GB.json'))
  const args = [s.app, '--json', '--src', 'app', '--locales', 'i18n', '--source-locale', 'en-GB']
  const r = host(args, { env: cleanEnv({ CACHECORE_HOME: s.home }) })
  assert.equal(r.code, 0, r.stderr)
  const j = r.json()
  assert.equal(Object.keys(j.analysis.files).length, 6)
  assert.deepEqual(j.analysis.missingKeys, ['cart.freeShippingHint', 'home.cta'])
  assert.ok(fs.existsSync(path.join(s.home, 'cache', 'meta.json')), 'the cache went to CACHECORE_HOME')
  const again = host(args, { env: cleanEnv({ CACHECORE_HOME: s.home }) }).json()
  assert.equal(again.cache.status, 'hit')
  // Without the flags the host finds neither the source files nor the source locale.
  const bare = host([s.app, '--json', '--no-cache']).json()
  assert.deepEqual([Object.keys(bare.analysis.files).length, bare.analysis.sourceKeys.length], [0, 0])
})
