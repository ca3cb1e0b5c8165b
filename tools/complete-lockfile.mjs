#!/usr/bin/env node
// Completes package-lock.json with the per-platform optional packages that npm could not
// resolve on this project's registry (some platform builds of @napi-rs/cli's own helpers,
// e.g. @napi-rs/lzma-darwin-x64, are not served there). Without their entries `npm ci` refuses
// the lock as out of sync. Each entry gets the version its parent pins and the os/cpu/libc
// napi-rs platform names imply, so npm skips it on any other platform, exactly as it would
// with a complete lock. Run after `npm install` changes the lock: `node tools/complete-lockfile.mjs`.
import fs from 'node:fs'

const PLATFORMS = {
  'android-arm-eabi': { os: ['android'], cpu: ['arm'] },
  'android-arm64': { os: ['android'], cpu: ['arm64'] },
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'darwin-universal': { os: ['darwin'] },
  'freebsd-x64': { os: ['freebsd'], cpu: ['x64'] },
  'freebsd-arm64': { os: ['freebsd'], cpu: ['arm64'] },
  'linux-arm-gnueabihf': { os: ['linux'], cpu: ['arm'], libc: ['glibc'] },
  'linux-arm-musleabihf': { os: ['linux'], cpu: ['arm'], libc: ['musl'] },
  'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'], libc: ['musl'] },
  'linux-ppc64-gnu': { os: ['linux'], cpu: ['ppc64'], libc: ['glibc'] },
  'linux-riscv64-gnu': { os: ['linux'], cpu: ['riscv64'], libc: ['glibc'] },
  'linux-s390x-gnu': { os: ['linux'], cpu: ['s390x'], libc: ['glibc'] },
  'linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  'linux-x64-musl': { os: ['linux'], cpu: ['x64'], libc: ['musl'] },
  'wasm32-wasi': { cpu: ['wasm32'] },
  'win32-arm64-msvc': { os: ['win32'], cpu: ['arm64'] },
  'win32-ia32-msvc': { os: ['win32'], cpu: ['ia32'] },
  'win32-x64-msvc': { os: ['win32'], cpu: ['x64'] },
}

const lockPath = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'))
const added = []
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    const nested = `${where}/node_modules/${name}`
    if (lock.packages[key] || lock.packages[nested]) continue
    const suffix = Object.keys(PLATFORMS).find((p) => name.endsWith(`-${p}`))
    if (!suffix || !/^\d+\.\d+\.\d+/.test(version)) continue
    lock.packages[key] = { version, ...PLATFORMS[suffix], optional: true }
    added.push(`${name}@${version}`)
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)))
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n')
console.log(added.length ? `added ${added.length} platform entries:\n  ${added.join('\n  ')}` : 'lock already complete')
