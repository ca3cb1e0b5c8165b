#!/usr/bin/env node
// The release path without a tag: everything the CI release job does before it talks to the
// registry, so the first real tag cannot fail on a typo.
//
//  1. manifests: the root package.json and every npm/<platform>/package.json are complete and
//     agree (name, version, os/cpu/libc, main, files, repository for provenance, publishConfig,
//     and every field `napi create-npm-dirs` would write);
//  2. a staged copy of the package gets the binaries through `napi artifacts`, as the release
//     job places them (real ones from `--artifacts <dir>`, as CI downloads them, else the one
//     built here and a placeholder for the targets that cannot be built on this machine), each
//     real binary checked against its package (file format, CPU, C library);
//  3. `napi prepublish -t npm --no-gh-release --dry-run` (the pinned @napi-rs/cli's own
//     validation of every platform package), then the same without --dry-run but with
//     --skip-optional-publish, which wires `optionalDependencies` into the staged root manifest
//     as the release does;
//  4. `npm publish --dry-run` of every platform package and of the root, with what each tarball
//     would contain checked file by file: a platform package holds its manifest, README and
//     binary; the root holds exactly the files its entries (`main`, `types`, `exports`, `bin`)
//     reach through their relative imports, plus package.json, README.md and LICENSE, and no
//     binary.
//
//   node tools/release-dry-run.mjs [--artifacts <dir>] [--keep]
//
// The checks are exported for __test__/release.test.mjs, which runs them in `npm test`.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseTriple } from '@napi-rs/cli'
import { checkPackage } from './check-package-binary.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.join(here, '..')
const NAPI = path.join(REPO, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
/** Files npm always puts in a tarball, whatever `files` says. */
const ALWAYS = ['package.json', 'README.md', 'LICENSE']
/** Fields `napi create-npm-dirs` copies from the root manifest into each platform manifest. */
const COPIED_FIELDS = ['description', 'license', 'engines']

const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'))

/** Every target of `napi.targets`: `{ triple, abi, platform, arch, libc, dir, binary }`. */
export function targets(repo = REPO) {
  const pkg = readJson(path.join(repo, 'package.json'))
  const binaryName = pkg.napi?.binaryName ?? pkg.name
  return (pkg.napi?.targets ?? []).map((triple) => {
    const t = parseTriple(triple)
    const libc = t.platform === 'linux' ? (t.abi === 'musl' ? 'musl' : 'glibc') : undefined
    return {
      triple,
      abi: t.platformArchABI,
      platform: t.platform,
      arch: t.arch,
      libc,
      dir: path.join(repo, 'npm', t.platformArchABI),
      name: `${pkg.name}-${t.platformArchABI}`,
      binary: `${binaryName}.${t.platformArchABI}.node`,
    }
  })
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)

/** Problems of the root manifest and of every platform manifest (empty when all is right). */
export function checkManifests(repo = REPO, env = process.env) {
  const problems = []
  const root = readJson(path.join(repo, 'package.json'))
  const url = root.repository?.url
  if (typeof url !== 'string' || !/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/.test(url)) {
    problems.push(`package.json: repository.url must be git+https://github.com/<owner>/<repo>.git (npm provenance needs it), got ${JSON.stringify(url)}`)
  }
  if (env.GITHUB_REPOSITORY && url !== `git+https://github.com/${env.GITHUB_REPOSITORY}.git`) {
    problems.push(`package.json: repository.url ${url} is not this repository (${env.GITHUB_REPOSITORY}): provenance would be refused`)
  }
  for (const [where, pkg] of [['package.json', root]]) {
    if (pkg.publishConfig?.provenance !== true) problems.push(`${where}: publishConfig.provenance must be true`)
    if (pkg.publishConfig?.access !== 'public') problems.push(`${where}: publishConfig.access must be public`)
  }
  if (!Array.isArray(root.files)) problems.push('package.json: files must list what the tarball holds')
  const dot = root.exports?.['.']
  for (const cond of ['import', 'require']) {
    if (typeof dot?.[cond]?.types !== 'string' || typeof dot?.[cond]?.default !== 'string') {
      problems.push(`package.json: exports["."].${cond} must give types and default`)
    }
  }
  for (const target of entryTargets(root)) {
    if (!fs.existsSync(path.join(repo, target))) problems.push(`package.json: ${target} (an entry) does not exist`)
  }
  const seen = new Set()
  for (const t of targets(repo)) {
    const where = `npm/${t.abi}/package.json`
    seen.add(t.abi)
    if (!fs.existsSync(path.join(t.dir, 'package.json'))) {
      problems.push(`${where}: missing (target ${t.triple})`)
      continue
    }
    const pkg = readJson(path.join(t.dir, 'package.json'))
    const want = {
      name: t.name,
      version: root.version,
      os: [t.platform],
      cpu: [t.arch],
      ...(t.libc ? { libc: [t.libc] } : {}),
      main: t.binary,
      files: [t.binary],
    }
    for (const [k, v] of Object.entries(want)) if (!same(pkg[k], v)) problems.push(`${where}: ${k} is ${JSON.stringify(pkg[k])}, expected ${JSON.stringify(v)}`)
    if (!t.libc && pkg.libc !== undefined) problems.push(`${where}: libc is only for Linux packages`)
    for (const k of COPIED_FIELDS) if (!same(pkg[k], root[k])) problems.push(`${where}: ${k} differs from the root package's`)
    if (pkg.repository?.url !== url) problems.push(`${where}: repository.url must be the root's (${url}) for provenance`)
    if (pkg.repository?.directory !== `npm/${t.abi}`) problems.push(`${where}: repository.directory must be npm/${t.abi}`)
    if (pkg.publishConfig?.provenance !== true) problems.push(`${where}: publishConfig.provenance must be true`)
    if (pkg.publishConfig?.access !== 'public') problems.push(`${where}: publishConfig.access must be public`)
    if (!fs.existsSync(path.join(t.dir, 'README.md'))) problems.push(`npm/${t.abi}/README.md: missing`)
  }
  for (const d of fs.existsSync(path.join(repo, 'npm')) ? fs.readdirSync(path.join(repo, 'npm')) : []) {
    if (!seen.has(d)) problems.push(`npm/${d}: not a target in package.json napi.targets`)
  }
  return problems
}

/** The files a manifest names as entries: main, types, bin and every `exports` target. */
export function entryTargets(pkg) {
  const out = new Set()
  const add = (p) => typeof p === 'string' && out.add(path.posix.normalize(p.replace(/^\.\//, '')))
  add(pkg.main)
  add(pkg.types)
  for (const b of typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {})) add(b)
  const walk = (v) => {
    if (typeof v === 'string') add(v)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  walk(pkg.exports)
  return [...out].sort()
}

/** Relative module specifiers of a JavaScript or declaration file. */
function relativeSpecifiers(text) {
  const out = new Set()
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g
  for (const m of text.matchAll(re)) out.add(m[1])
  return out
}

/**
 * What the root tarball must hold: the entries and every file their relative imports reach,
 * plus package.json, README.md and LICENSE. A hand-written file that imports a missing file is
 * a problem; the generated loader's optional candidates (platform binaries, WASI loaders) are
 * not part of the package by design.
 */
export function expectedRootFiles(repo = REPO) {
  const pkg = readJson(path.join(repo, 'package.json'))
  const files = new Set(ALWAYS)
  const problems = []
  const queue = entryTargets(pkg)
  while (queue.length) {
    const rel = queue.shift()
    if (files.has(rel)) continue
    files.add(rel)
    const abs = path.join(repo, rel)
    if (!fs.existsSync(abs) || !/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(rel)) continue
    const generatedLoader = rel === 'index.js'
    for (const spec of relativeSpecifiers(fs.readFileSync(abs, 'utf8'))) {
      let target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec))
      if (/\.d\.(c|m)?ts$/.test(rel)) target = target.replace(/\.(c|m)?js$/, (ext) => `.d.${ext.slice(1, -2)}ts`)
      if (!fs.existsSync(path.join(repo, target))) {
        if (!generatedLoader) problems.push(`${rel} imports ${spec}, which does not exist`)
        continue
      }
      if (generatedLoader && /\.(node|wasm)$/.test(target)) continue
      queue.push(target)
    }
  }
  return { files: [...files].sort(), problems }
}

// npm is a .cmd script on Windows: it runs through the shell there (the arguments hold no spaces).
const SHELL = process.platform === 'win32'

function run(cmd, args, cwd, extraEnv = {}) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv }, shell: SHELL && cmd === 'npm' })
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

// Offline: a dry run needs nothing from the registry.
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=warn', '--offline']
const NPM_ENV = { npm_config_update_notifier: 'false' }
const npm = (args, cwd) => run('npm', [...args, ...NPM_FLAGS], cwd, NPM_ENV)
const napi = (args, cwd) => run(process.execPath, [NAPI, ...args], cwd)

/** `npm publish --dry-run --json` in `dir`, asynchronously (the packages are checked in parallel). */
async function publishDryRun(dir) {
  const args = ['publish', '--dry-run', '--json', '--ignore-scripts', '--access', 'public', ...NPM_FLAGS]
  try {
    const { stdout } = await promisify(execFile)('npm', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...NPM_ENV }, shell: SHELL })
    return tarballFiles(stdout)
  } catch (e) {
    throw new Error(`npm ${args.join(' ')} (in ${dir}) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
}

/** The file list of `npm pack --dry-run` (or of `npm publish --dry-run`) as sorted paths. */
function tarballFiles(json) {
  const parsed = JSON.parse(json)
  const result = Array.isArray(parsed) ? parsed[0] : parsed.files ? parsed : Object.values(parsed)[0]
  return { name: result.name, version: result.version, files: result.files.map((f) => f.path).sort() }
}

/** Files of the root tarball as npm would pack it from `dir` (scripts not run). */
export function packedRootFiles(dir = REPO) {
  return tarballFiles(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], dir)).files
}

/** Problems of the root tarball's content against `expectedRootFiles` (missing or extra). */
export function checkRootTarball(repo = REPO, packed = packedRootFiles(repo)) {
  const { files, problems } = expectedRootFiles(repo)
  for (const f of files) if (!packed.includes(f)) problems.push(`root tarball: ${f} is missing (needed by the entries)`)
  for (const f of packed) {
    if (f.endsWith('.node')) problems.push(`root tarball: ${f} is a binary (they ship in the platform packages)`)
    else if (!files.includes(f)) problems.push(`root tarball: ${f} is not reached by any entry (extra file, or a typo in files)`)
  }
  return problems
}

/**
 * The whole dry run in a staged copy. `artifacts`: a directory holding the CI's downloaded
 * binaries (searched recursively by file name). Returns `{ problems, real, placeholders,
 * tarballs, stage }`; the stage is removed unless `keep`.
 */
export async function dryRun({ repo = REPO, artifacts, keep = false } = {}) {
  const problems = [...checkManifests(repo)]
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-release-'))
  const report = { problems, real: [], placeholders: [], tarballs: {}, stage }
  try {
    // The root package as npm packs it, plus its manifest and the platform packages.
    const rootFiles = packedRootFiles(repo)
    problems.push(...checkRootTarball(repo, rootFiles))
    for (const f of rootFiles) {
      fs.mkdirSync(path.dirname(path.join(stage, f)), { recursive: true })
      fs.copyFileSync(path.join(repo, f), path.join(stage, f))
    }
    // The binaries as CI downloads them (artifacts/bindings-<platform>/<binary>), placed in
    // their platform packages by `napi artifacts`, as the release job does.
    const binaries = path.join(stage, 'artifacts')
    if (artifacts) fs.cpSync(artifacts, binaries, { recursive: true })
    const found = new Set(fs.existsSync(binaries) ? fs.readdirSync(binaries, { recursive: true }).map((f) => path.basename(String(f))) : [])
    for (const t of targets(repo)) {
      const dir = path.join(stage, 'npm', t.abi)
      fs.mkdirSync(dir, { recursive: true })
      for (const f of ['package.json', 'README.md']) fs.copyFileSync(path.join(t.dir, f), path.join(dir, f))
      if (found.has(t.binary)) {
        report.real.push(t.abi)
        continue
      }
      if (artifacts) {
        problems.push(`npm/${t.abi}: no ${t.binary} among the artifacts`)
        continue
      }
      const local = path.join(repo, t.binary)
      fs.mkdirSync(path.join(binaries, `bindings-${t.abi}`), { recursive: true })
      if (fs.existsSync(local)) {
        fs.copyFileSync(local, path.join(binaries, `bindings-${t.abi}`, t.binary))
        report.real.push(t.abi)
      } else {
        fs.writeFileSync(path.join(binaries, `bindings-${t.abi}`, t.binary), `placeholder: ${t.triple} cannot be built on this machine\n`)
        report.placeholders.push(t.abi)
      }
    }
    if (problems.length) return report
    napi(['artifacts', '--output-dir', 'artifacts'], stage)
    for (const t of targets(repo)) {
      const dir = path.join(stage, 'npm', t.abi)
      if (!fs.existsSync(path.join(dir, t.binary))) problems.push(`npm/${t.abi}: napi artifacts did not place ${t.binary}`)
      else if (report.real.includes(t.abi)) for (const p of checkPackage(dir)) problems.push(`npm/${t.abi}: ${p}`)
    }
    if (problems.length) return report

    // The pinned CLI's own validation, then the wiring of optionalDependencies.
    napi(['prepublish', '-t', 'npm', '--no-gh-release', '--dry-run'], stage)
    napi(['prepublish', '-t', 'npm', '--no-gh-release', '--skip-optional-publish'], stage)
    const staged = readJson(path.join(stage, 'package.json'))
    const root = readJson(path.join(repo, 'package.json'))
    const wantOptional = Object.fromEntries(targets(repo).map((t) => [t.name, root.version]))
    if (!same(staged.optionalDependencies, wantOptional)) {
      problems.push(`prepublish wired optionalDependencies ${JSON.stringify(staged.optionalDependencies)}, expected ${JSON.stringify(wantOptional)}`)
    }

    // npm publish --dry-run of every package, and what each tarball would hold.
    const all = targets(repo)
    const published = await Promise.all([...all.map((t) => publishDryRun(path.join(stage, 'npm', t.abi))), publishDryRun(stage)])
    all.forEach((t, i) => {
      const tb = published[i]
      report.tarballs[t.name] = tb.files
      const want = ['README.md', t.binary, 'package.json'].sort()
      if (tb.name !== t.name || tb.version !== root.version) problems.push(`${t.name}: publishes as ${tb.name}@${tb.version}`)
      if (!same(tb.files, want)) problems.push(`${t.name}: tarball holds ${tb.files.join(', ')}, expected ${want.join(', ')}`)
    })
    const tb = published.at(-1)
    report.tarballs[root.name] = tb.files
    if (tb.name !== root.name || tb.version !== root.version) problems.push(`${root.name}: publishes as ${tb.name}@${tb.version}`)
    problems.push(...checkRootTarball(stage, tb.files))
    return report
  } finally {
    if (!keep) fs.rmSync(stage, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const at = argv.indexOf('--artifacts')
  const report = await dryRun({ artifacts: at >= 0 ? path.resolve(argv[at + 1]) : undefined, keep: argv.includes('--keep') })
  for (const [name, files] of Object.entries(report.tarballs)) console.log(`${name}: ${files.join(', ')}`)
  console.log(`binaries: ${report.real.length} real (${report.real.join(', ') || 'none'}), ${report.placeholders.length} placeholders`)
  if (argv.includes('--keep')) console.log(`stage kept: ${report.stage}`)
  for (const p of report.problems) console.error(`problem: ${p}`)
  if (report.problems.length) process.exit(1)
  console.log('release dry run: ok')
}
