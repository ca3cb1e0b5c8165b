// The host's src file pattern (`srcPattern`) and `srcWalkOptions`: what a dispatch tracks under
// its src root follows the host's pattern (a RegExp on a file's name, JavaScript semantics), a
// change of pattern is never served the analysis of another, and the engine options that
// `srcWalkOptions` returns list exactly the files a dispatch with the same rules tracks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { cachecore } from './helpers.mjs'
import { project, stateOf, dispatchInput } from './dispatch-project.mjs'

const { getOrBuildCachedProjectData, srcWalkOptions, fingerprintSync } = cachecore

const MTS = /\.(tsx?|mts|jsx?)$/i

function run(p, extra) {
  let calls = 0
  const r = getOrBuildCachedProjectData(
    dispatchInput(p, {
      ...extra,
      producer: () => {
        calls += 1
        return { built: calls }
      },
    }),
  )
  return { calls, status: [r.cache.status, r.cache.reason] }
}

const trackedKeys = (p) => Object.keys(JSON.parse(fs.readFileSync(stateOf(p).filesPath, 'utf8')).files).sort()

test('srcPattern: the host pattern decides what is tracked; another pattern is never served', (t) => {
  const p = project(t)
  const extra = path.join(p.root, 'src', 'lib', 'extra.mts')
  fs.writeFileSync(extra, "export const a = t('a')\n")
  assert.equal(run(p).calls, 1)
  assert.ok(!trackedKeys(p).includes('lib/extra.mts'), 'the default pattern leaves .mts out')
  fs.writeFileSync(extra, "export const a = t('b')\n")
  assert.deepEqual(run(p), { calls: 0, status: ['hit', 'cache_hit'] }, 'an untracked file changes nothing')

  const other = run(p, { srcPattern: MTS })
  assert.equal(other.calls, 1, 'the analysis of another pattern is not served')
  assert.equal(other.status[0], 'miss')
  assert.ok(trackedKeys(p).includes('lib/extra.mts'))
  assert.deepEqual(run(p, { srcPattern: MTS }), { calls: 0, status: ['hit', 'cache_hit'] })
  fs.writeFileSync(extra, "export const a = t('c')\n")
  assert.deepEqual(run(p, { srcPattern: MTS }), { calls: 1, status: ['miss', 'files_changed'] })
  // A string is the pattern's source, without flags.
  assert.equal(run(p, { srcPattern: '\\.(tsx?|mts|jsx?)$' }).calls, 1, 'no i flag: another pattern')
})

test('srcWalkOptions: fingerprint lists exactly what a dispatch with the same rules tracks', (t) => {
  const p = project(t)
  fs.mkdirSync(path.join(p.root, 'src', 'generated'))
  fs.writeFileSync(path.join(p.root, 'src', 'generated', 'g.ts'), 'export {}\n')
  fs.writeFileSync(path.join(p.root, 'src', 'lib', 'extra.mts'), 'export {}\n')
  fs.writeFileSync(path.join(p.root, 'src', 'lib', 'gen.d.ts'), 'export {}\n')
  // Name rules the engine's path rules cannot say: a directory name RegExp, a base name, a
  // lower-cased suffix.
  const rules = { exclude: { dirs: [/^gen/], files: ['main.js'], extensions: ['.D.TS'] }, srcPattern: MTS }
  run(p, rules)
  const opts = srcWalkOptions(rules)
  assert.equal(opts.gitignore, false)
  assert.equal(opts.followSymlinks, true)
  const fp = fingerprintSync({ root: path.join(p.root, 'src'), ...opts, hash: 'sha256' })
  const listed = fp.records.map((r) => r.path).sort()
  assert.deepEqual(listed, trackedKeys(p))
  assert.ok(listed.includes('lib/extra.mts'))
  for (const gone of ['generated/g.ts', 'main.js', 'lib/gen.d.ts']) assert.ok(!listed.includes(gone), gone)
  // The defaults: what a dispatch with no rules tracks.
  const q = project(t)
  run(q)
  const plain = fingerprintSync({ root: path.join(q.root, 'src'), ...srcWalkOptions(), hash: 'sha256' })
  assert.deepEqual(plain.records.map((r) => r.path).sort(), trackedKeys(q))
})

test('srcPattern and srcRules: bad values are INVALID_OPTION naming them', (t) => {
  const p = project(t)
  const invalid = (f, what) =>
    assert.throws(f, (e) => e.code === 'INVALID_OPTION' && e.message.includes(what), what)
  invalid(() => srcWalkOptions({ srcPattern: /x/g }), 'srcPattern')
  invalid(() => srcWalkOptions({ srcPattern: '(' }), 'srcPattern')
  invalid(() => srcWalkOptions({ srcPatern: 'x' }), 'srcPatern')
  invalid(() => run(p, { srcPattern: 42 }), 'srcPattern')
  const root = path.join(p.root, 'src')
  invalid(() => fingerprintSync({ root, ...srcWalkOptions(), include: { pattern: 'x' } }), 'srcRules')
  invalid(() => fingerprintSync({ root, srcRules: { exclude: { dirz: [] } } }), 'dirz')
})
