#!/usr/bin/env node
// Packs an installable cachecore from a clone, for this machine: the root package (JS entries,
// types, CLI; no binary, by design) and the platform package holding the binary built here
// (`npm run build` names it cachecore.<platform>.node). Install both tarballs together.
//
//   node tools/pack-local.mjs [out-dir]      (default: ./pack)
//
// The root is packed with --ignore-scripts: its `prepare` script would rerun the release build.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.join(here, '..')

const npmPack = (args, cwd, out) =>
  // npm is a .cmd script on Windows: it runs through the shell there.
  execFileSync('npm', ['pack', ...args, '--pack-destination', JSON.stringify(out), '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', shell: true })
    .trim()
    .split('\n')
    .at(-1)

/** Packs both tarballs into `out`; returns their absolute paths `{ root, platform, abi }`. */
export function packLocal(out = path.join(REPO, 'pack'), repo = REPO) {
  const built = fs.readdirSync(repo).filter((f) => /^cachecore\.[\w-]+\.node$/.test(f))
  if (built.length !== 1) {
    throw new Error(`expected one built binary cachecore.<platform>.node in ${repo}, found ${built.length ? built.join(', ') : 'none'}: run npm run build`)
  }
  const abi = built[0].slice('cachecore.'.length, -'.node'.length)
  const platformDir = path.join(repo, 'npm', abi)
  if (!fs.existsSync(path.join(platformDir, 'package.json'))) throw new Error(`no platform package npm/${abi} for ${built[0]}`)
  fs.mkdirSync(out, { recursive: true })
  // The platform package from a copy, so the binary never lands in the clone's npm/ dir.
  const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-pack-'))
  try {
    fs.cpSync(platformDir, staged, { recursive: true })
    fs.copyFileSync(path.join(repo, built[0]), path.join(staged, built[0]))
    const platform = npmPack([], staged, out)
    const root = npmPack(['--ignore-scripts'], repo, out)
    return { root: path.join(out, root), platform: path.join(out, platform), abi }
  } finally {
    fs.rmSync(staged, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? path.join(REPO, 'pack'))
  const { root, platform } = packLocal(out)
  console.log(`packed:\n  ${root}\n  ${platform}\ninstall both in your project:\n  npm install ${root} ${platform}`)
}
