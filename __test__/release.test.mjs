// The release path, without a tag (tools/release-dry-run.mjs): the manifests, what every
// tarball would hold, `napi prepublish --dry-run` with the pinned CLI, the optionalDependencies
// it wires, and `npm publish --dry-run` of the root and of every platform package. The checks
// are shown to catch the faults a first tag would otherwise meet: a typo in `files` or in an
// export, an extra file, a platform package without `repository` or provenance.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from './helpers.mjs'
import { REPO, checkManifests, checkRootTarball, dryRun, expectedRootFiles, packedRootFiles, targets } from '../tools/release-dry-run.mjs'

const built = fs.existsSync(path.join(REPO, 'cachecore.linux-x64-gnu.node'))

/** A copy of what the checks read: the manifests, the platform dirs and the packed root files. */
function copyPackage(t) {
  const dir = tempDir(t, 'cachecore-release-test-')
  for (const f of [...packedRootFiles(), ...fs.readdirSync(path.join(REPO, 'npm'), { recursive: true }).map((f) => path.join('npm', f))]) {
    const from = path.join(REPO, f)
    if (fs.statSync(from).isDirectory()) continue
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true })
    fs.copyFileSync(from, path.join(dir, f))
  }
  return dir
}

const edit = (file, fn) => {
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'))
  fn(pkg)
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2))
}

test('the root and every platform manifest are complete: repository, provenance, targets', () => {
  assert.deepEqual(checkManifests(REPO, {}), [])
  assert.equal(targets().length, 8)
})

test('the root tarball holds exactly what its entries reach, and no binary', () => {
  const { files, problems } = expectedRootFiles()
  assert.deepEqual(problems, [])
  for (const f of ['js/index.cjs', 'js/index.mjs', 'js/index.d.mts', 'js/exports.cjs', 'index.js', 'index.d.ts', 'cli/cachecore.mjs', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} is expected`)
  }
  assert.deepEqual(checkRootTarball(), [])
})

test('the manifest check catches a platform package without repository or provenance, a wrong version and a stray dir', (t) => {
  const dir = copyPackage(t)
  edit(path.join(dir, 'npm/darwin-arm64/package.json'), (p) => delete p.repository)
  edit(path.join(dir, 'npm/win32-x64-msvc/package.json'), (p) => delete p.publishConfig)
  edit(path.join(dir, 'npm/linux-arm64-musl/package.json'), (p) => (p.version = '0.0.9'))
  edit(path.join(dir, 'npm/linux-x64-gnu/package.json'), (p) => (p.libc = ['musl']))
  fs.mkdirSync(path.join(dir, 'npm/freebsd-x64'))
  const problems = checkManifests(dir, {}).join('\n')
  assert.match(problems, /npm\/darwin-arm64\/package.json: repository.url must be the root's/)
  assert.match(problems, /npm\/win32-x64-msvc\/package.json: publishConfig.provenance must be true/)
  assert.match(problems, /npm\/linux-arm64-musl\/package.json: version is "0.0.9", expected "0.1.0"/)
  assert.match(problems, /npm\/linux-x64-gnu\/package.json: libc is \["musl"\], expected \["glibc"\]/)
  assert.match(problems, /npm\/freebsd-x64: not a target/)
})

test('the manifest check refuses a repository URL that is not the CI repository (provenance would fail)', () => {
  assert.deepEqual(checkManifests(REPO, {}), [])
  assert.match(checkManifests(REPO, { GITHUB_REPOSITORY: 'someone/else' }).join('\n'), /is not this repository \(someone\/else\)/)
})

test('the tarball check catches a typo in files, a typo in an export, and an extra file', (t) => {
  const dir = copyPackage(t)
  edit(path.join(dir, 'package.json'), (p) => {
    p.files = p.files.map((f) => (f === 'index.d.ts' ? 'index.d.tss' : f)).concat('npm/')
    p.exports['.'].import.default = './js/index.mj'
  })
  const problems = [...checkManifests(dir, {}), ...checkRootTarball(dir)].join('\n')
  assert.match(problems, /root tarball: index\.d\.ts is missing/)
  assert.match(problems, /js\/index\.mj \(an entry\) does not exist/)
  assert.match(problems, /root tarball: npm\/linux-x64-gnu\/package\.json is not reached by any entry/)
})

test('a hand-written entry that imports a missing file is caught', (t) => {
  const dir = copyPackage(t)
  fs.appendFileSync(path.join(dir, 'js/index.cjs'), "\nrequire('./helper.cjs')\n")
  assert.match(expectedRootFiles(dir).problems.join('\n'), /js\/index\.cjs imports \.\/helper\.cjs, which does not exist/)
})

test('release dry run: napi prepublish --dry-run, optionalDependencies wired, npm publish --dry-run of all nine packages', { skip: !built && 'needs the linux-x64-gnu build', timeout: 300_000 }, async (t) => {
  const report = await dryRun()
  assert.deepEqual(report.problems, [])
  assert.deepEqual(report.real, ['linux-x64-gnu'], 'the binary built here is checked for real')
  assert.equal(report.placeholders.length, 7)
  assert.deepEqual(report.tarballs['cachecore-linux-x64-gnu'], ['README.md', 'cachecore.linux-x64-gnu.node', 'package.json'])
  assert.equal(Object.keys(report.tarballs).length, 9)
  assert.ok(!report.tarballs.cachecore.some((f) => f.endsWith('.node')))
  assert.ok(!fs.existsSync(report.stage), 'the stage is removed')
  t.diagnostic(`root tarball: ${report.tarballs.cachecore.length} files`)
})

test('release dry run: a platform binary of the wrong C library is refused before anything is published', { skip: !built && 'needs the linux-x64-gnu build', timeout: 300_000 }, async (t) => {
  // CI hands the job every binary as an artifact; here the glibc build stands in for musl.
  const artifacts = tempDir(t, 'cachecore-artifacts-')
  for (const target of targets()) {
    const file = path.join(artifacts, `bindings-${target.abi}`, target.binary)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.copyFileSync(path.join(REPO, 'cachecore.linux-x64-gnu.node'), file)
  }
  const report = await dryRun({ artifacts })
  const problems = report.problems.join('\n')
  assert.match(problems, /npm\/linux-x64-musl: cachecore-linux-x64-musl: a musl package holds a glibc binary/)
  assert.match(problems, /npm\/darwin-arm64: cachecore-darwin-arm64: not a 64-bit Mach-O file/)
  assert.match(problems, /npm\/win32-x64-msvc: cachecore-win32-x64-msvc: not a PE file/)
  assert.deepEqual(report.tarballs, {}, 'nothing went on to publishing')
})

test('every napi command of the workflow and the npm scripts parses with the pinned @napi-rs/cli', () => {
  const workflow = fs.readFileSync(path.join(REPO, '.github/workflows/ci.yml'), 'utf8')
  const scripts = Object.values(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts)
  const commands = [...workflow.matchAll(/npx napi ([^\n]+)/g)].map((m) => m[1])
  for (const s of scripts) for (const m of s.matchAll(/(?:^|&& )napi ([^&]+)/g)) commands.push(m[1])
  assert.ok(commands.some((c) => c.startsWith('prepublish')), commands.join('\n'))
  const cli = path.join(REPO, 'node_modules/@napi-rs/cli/dist/cli.js')
  for (const c of commands) {
    // A workflow expression becomes the flag it may yield, or a target triple.
    const args = c
      .replace(/\$\{\{[^}]*'(--[a-z-]+)'[^}]*\}\}/g, '$1')
      .replace(/\$\{\{[^}]*\}\}/g, 'x86_64-unknown-linux-gnu')
      .trim()
      .split(/\s+/)
    const r = spawnSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8' })
    assert.equal(r.status, 0, `napi ${args.join(' ')}: ${r.stdout}${r.stderr}`)
  }
})
