// The package's entries (package.json `exports`): `require` gets the CommonJS entry, `import` a
// real ES module with named exports, both exactly the values index.d.ts declares (the runtime
// objects napi makes for string enums are not exported: they are types), sharing one binding.
// Every entry point, the CLI included, loads through them, so a missing binary is the one-line
// BINARY_NOT_FOUND error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DTS_PATH } from '../tools/gen-api-docs.mjs'
import { generate, valueExports } from '../tools/gen-entries.mjs'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const built = fs.existsSync(path.join(repo, 'cachecore.linux-x64-gnu.node')) || fs.readdirSync(repo).some((f) => f.endsWith('.node'))
const dts = fs.readFileSync(DTS_PATH, 'utf8')
// The loader cannot find a binary at this path, as when the platform package is missing.
const NO_BINARY = { ...process.env, NAPI_RS_NATIVE_LIBRARY_PATH: path.join(repo, 'no-such-binary.node') }

test('js/index.mjs and js/exports.cjs are what tools/gen-entries.mjs makes of index.d.ts (npm run build)', () => {
  for (const [file, text] of Object.entries(generate(dts))) {
    assert.ok(fs.readFileSync(file, 'utf8') === text, `${path.relative(repo, file)} is stale: run node tools/gen-entries.mjs`)
  }
})

test('package.json maps import to the ES module entry and require to the CommonJS one, each with its types', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'))
  const dot = pkg.exports['.']
  assert.deepEqual(Object.keys(dot.import), ['types', 'default'], 'types first in each condition')
  assert.deepEqual(Object.keys(dot.require), ['types', 'default'])
  assert.equal(require.resolve('cachecore'), path.join(repo, dot.require.default))
  assert.equal(import.meta.resolve('cachecore'), pathToFileURL(path.join(repo, dot.import.default)).href)
  assert.equal(pkg.exports['./package.json'], './package.json')
})

test('require and import export exactly the values of index.d.ts, the same objects', { skip: !built && 'the addon is not built' }, async () => {
  const names = valueExports(dts).sort()
  const cjs = require('cachecore')
  assert.deepEqual(Object.keys(cjs).sort(), names)
  const esm = await import('cachecore')
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), names)
  for (const n of names) assert.equal(esm[n], cjs[n], `${n}: one binding per process`)
  assert.equal(esm.default, cjs)
  // napi makes a runtime object for each string enum (CacheMode, HashAlgorithm, ...): types only.
  const loader = require('../index.js')
  const enums = Object.keys(loader).filter((k) => !names.includes(k))
  assert.ok(enums.includes('CacheMode') && enums.includes('CacheWarningCode'), enums.join(', '))
  for (const n of enums) assert.ok(!(n in cjs) && !(n in esm), `${n} is not exported`)
  assert.ok(new RegExp(`export type CacheMode = `).test(dts), 'CacheMode is a type')
})

test('the ES module entry gives named imports and the default export', { skip: !built && 'the addon is not built' }, () => {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "import c, { version, fingerprintSync, binaryTarget } from 'cachecore'; console.log(version(), typeof fingerprintSync, c.binaryTarget === binaryTarget)"],
    { cwd: repo, encoding: 'utf8' },
  )
  assert.equal(out.trim(), `${JSON.parse(fs.readFileSync(path.join(repo, 'package.json'))).version} function true`)
})

test('without a binary, require and import throw the one BINARY_NOT_FOUND error', () => {
  const cjs = spawnSync(process.execPath, ['-e', "try { require('cachecore') } catch (e) { console.log(e.code, e.expectedPackage, e.message.split('\\n').length) }"], { cwd: repo, encoding: 'utf8', env: NO_BINARY })
  assert.match(cjs.stdout.trim(), /^BINARY_NOT_FOUND cachecore-\S+ 1$/)
  const esm = spawnSync(process.execPath, ['--input-type=module', '-e', "import('cachecore').catch((e) => console.log(e.code))"], { cwd: repo, encoding: 'utf8', env: NO_BINARY })
  assert.equal(esm.stdout.trim(), 'BINARY_NOT_FOUND')
})

test('without a binary, the CLI prints one line with the code, exit 3 (and JSON under --json)', () => {
  const cli = path.join(repo, 'cli', 'cachecore.mjs')
  const r = spawnSync(process.execPath, [cli, 'status', repo], { encoding: 'utf8', env: NO_BINARY })
  assert.equal(r.status, 3)
  assert.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0], /^cachecore: error BINARY_NOT_FOUND: no native binary could be loaded for \S+\. The optional package 'cachecore-\S+' should have been installed/)
  const j = spawnSync(process.execPath, [cli, 'info', '--json'], { encoding: 'utf8', env: NO_BINARY })
  assert.equal(j.status, 3)
  assert.equal(JSON.parse(j.stdout).error.code, 'BINARY_NOT_FOUND')
  const v = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8', env: NO_BINARY })
  assert.equal(v.status, 3)
  assert.equal(v.stderr.trimEnd().split('\n').length, 1, v.stderr)
})

test('the example host and the demo load the package through its entry, not the generated loader', () => {
  for (const f of ['examples/host/i18n-host.mjs', 'scripts/demo.mjs', 'cli/lib/core.mjs', 'cli/lib/load.mjs']) {
    const text = fs.readFileSync(path.join(repo, f), 'utf8')
    assert.doesNotMatch(text, /index\.js['"]/, `${f} loads index.js directly`)
    assert.match(text, /\('cachecore'\)|from 'cachecore'/, f)
  }
})
