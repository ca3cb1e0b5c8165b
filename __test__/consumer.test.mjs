// A real consumer: pack the package and its Linux x64 platform package (tools/pack-local.mjs, as
// docs/releasing.md says), install both tarballs into a fresh project, load them with require and import, and type-check a strict TypeScript
// consumer against index.d.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './helpers.mjs'
import { checkPackage } from '../tools/check-package-binary.mjs'
import { packLocal } from '../tools/pack-local.mjs'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const platform = `${process.platform}-${process.arch}`
const supported = platform === 'linux-x64' && fs.existsSync(path.join(repo, 'cachecore.linux-x64-gnu.node'))
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

test('index.d.ts exposes no `any`', () => {
  const dts = fs.readFileSync(path.join(repo, 'index.d.ts'), 'utf8')
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
  assert.match(code, /export declare function fingerprint\(/, 'comments stripped, declarations kept')
  assert.doesNotMatch(code, /\bany\b/)
})

test('platform package checks catch a wrong binary', { skip: !supported && 'needs the linux-x64-gnu build' }, (t) => {
  const dir = tempDir(t)
  for (const libc of ['glibc', 'musl']) {
    const pkgDir = path.join(dir, libc)
    fs.mkdirSync(pkgDir)
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'npm/linux-x64-gnu/package.json'), 'utf8'))
    pkg.libc = [libc]
    fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify(pkg))
    fs.copyFileSync(path.join(repo, 'cachecore.linux-x64-gnu.node'), path.join(pkgDir, pkg.main))
  }
  assert.deepEqual(checkPackage(path.join(dir, 'glibc')), [])
  assert.match(checkPackage(path.join(dir, 'musl')).join('\n'), /a musl package holds a glibc binary/)
})

test('packed tarballs install and load in a fresh project, and type-check under strict', { skip: !supported && 'needs the linux-x64-gnu build', timeout: 180_000 }, (t) => {
  const work = tempDir(t)
  // What docs/releasing.md tells a user to do: tools/pack-local.mjs, then install both tarballs.
  const packs = path.join(work, 'packs')
  const { root: rootTgz, platform: platformTgz, abi } = packLocal(packs)
  assert.equal(abi, 'linux-x64-gnu')
  assert.ok(!fs.existsSync(path.join(repo, 'npm', abi, 'cachecore.linux-x64-gnu.node')), 'the clone is left as it was')

  const app = path.join(work, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }))
  npm(['install', '--ignore-scripts', rootTgz, platformTgz], app)
  const installed = fs.readdirSync(path.join(app, 'node_modules', 'cachecore'))
  assert.ok(!installed.some((f) => f.endsWith('.node')), 'the root package holds no binary')

  const cjs = execFileSync(process.execPath, ['-e', "const c = require('cachecore'); console.log(c.binaryTarget(), typeof c.fingerprintSync)"], { cwd: app, encoding: 'utf8' })
  assert.equal(cjs.trim(), 'x86_64-unknown-linux-gnu function')
  const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import { fingerprintSync, version } from 'cachecore'; console.log(version(), fingerprintSync({ root: '.' }).records.length > 0)"], { cwd: app, encoding: 'utf8' })
  assert.equal(esm.trim(), `${JSON.parse(fs.readFileSync(path.join(repo, 'package.json'))).version} true`)

  // Without its platform package, loading fails with an error that names the package.
  const bare = path.join(work, 'bare')
  fs.mkdirSync(bare)
  fs.writeFileSync(path.join(bare, 'package.json'), JSON.stringify({ name: 'bare', private: true, version: '1.0.0' }))
  npm(['install', '--ignore-scripts', rootTgz], bare)
  for (const code of ["try { require('cachecore') } catch (e) { console.log(e.code, e.expectedPackage, /should have been installed/.test(e.message)) }"]) {
    const out = execFileSync(process.execPath, ['-e', code], { cwd: bare, encoding: 'utf8' })
    assert.equal(out.trim(), 'BINARY_NOT_FOUND cachecore-linux-x64-gnu true')
  }
  const esmBare = execFileSync(process.execPath, ['--input-type=module', '-e', "import('cachecore').catch((e) => console.log(e.code))"], { cwd: bare, encoding: 'utf8' })
  assert.equal(esmBare.trim(), 'BINARY_NOT_FOUND')
  // The installed command goes through the package entry too: one line, not the loader's chain.
  const cliBare = spawnSync(path.join(bare, 'node_modules', '.bin', 'cachecore'), ['status'], { cwd: bare, encoding: 'utf8' })
  assert.equal(cliBare.status, 3, cliBare.stderr)
  assert.match(cliBare.stderr, /^cachecore: error BINARY_NOT_FOUND: .*'cachecore-linux-x64-gnu'.*\n$/)

  fs.writeFileSync(
    path.join(app, 'consumer.ts'),
    `import { fingerprint, fingerprintSync, type FingerprintOptions, type FingerprintResult, type HashAlgorithm } from 'cachecore'
const algo: HashAlgorithm = 'blake3'
const options: FingerprintOptions = { root: '.', hash: algo, strategy: 'content', exclude: { dirs: ['node_modules'] }, onProgress: (p) => { const n: number = p.filesHashed; void n } }
const r: FingerprintResult = fingerprintSync(options)
const firstPath: string | undefined = r.records[0]?.path
const reasons: string[] = r.delta.reasons.map((c) => c.reason)
async function main(): Promise<number> { const a = await fingerprint({ root: '.', signal: new AbortController().signal }); return a.counts.files }
void firstPath; void reasons; void main
`,
  )
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], lib: ['es2022', 'dom'], skipLibCheck: false }, files: ['consumer.ts'] }),
  )
  const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc')
  try {
    execFileSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`)
  }
})
