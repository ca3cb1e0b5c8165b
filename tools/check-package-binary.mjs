#!/usr/bin/env node
// Checks that a platform package holds the binary its package.json promises: the right file
// format and CPU for `os`/`cpu`, and for Linux the right C library (a musl package must not hold
// a glibc binary). Usage: node tools/check-package-binary.mjs npm/linux-x64-musl [...]
import fs from 'node:fs'
import path from 'node:path'

const ELF_MACHINE = { x64: 62, arm64: 183 }
const MACHO_CPU = { x64: 0x01000007, arm64: 0x0100000c }
const PE_MACHINE = { x64: 0x8664, arm64: 0xaa64 }

/** Returns a list of problems (empty when the package is right). */
export function checkPackage(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const file = path.join(dir, pkg.main)
  if (!fs.existsSync(file)) return [`${pkg.name}: ${pkg.main} is missing`]
  const bin = fs.readFileSync(file)
  const [os] = pkg.os ?? []
  const [cpu] = pkg.cpu ?? []
  const problems = []
  if (os === 'linux') {
    if (bin.readUInt32BE(0) !== 0x7f454c46) return [`${pkg.name}: not an ELF file`]
    const machine = bin.readUInt16LE(18)
    if (machine !== ELF_MACHINE[cpu]) problems.push(`${pkg.name}: ELF machine ${machine}, expected ${ELF_MACHINE[cpu]} (${cpu})`)
    const glibc = bin.includes('GLIBC_')
    const [libc] = pkg.libc ?? []
    if (libc === 'musl' && glibc) problems.push(`${pkg.name}: a musl package holds a glibc binary`)
    if (libc === 'glibc' && !glibc) problems.push(`${pkg.name}: a glibc package holds a binary without glibc symbols`)
  } else if (os === 'darwin') {
    const magic = bin.readUInt32LE(0)
    if (magic !== 0xfeedfacf) return [`${pkg.name}: not a 64-bit Mach-O file`]
    const cputype = bin.readUInt32LE(4)
    if (cputype !== MACHO_CPU[cpu]) problems.push(`${pkg.name}: Mach-O cpu ${cputype.toString(16)}, expected ${cpu}`)
  } else if (os === 'win32') {
    if (bin.toString('latin1', 0, 2) !== 'MZ') return [`${pkg.name}: not a PE file`]
    const pe = bin.readUInt32LE(0x3c)
    const machine = bin.readUInt16LE(pe + 4)
    if (machine !== PE_MACHINE[cpu]) problems.push(`${pkg.name}: PE machine ${machine.toString(16)}, expected ${cpu}`)
  } else {
    problems.push(`${pkg.name}: unknown os ${os}`)
  }
  return problems
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = process.argv.slice(2).flatMap(checkPackage)
  for (const p of problems) console.error(p)
  if (problems.length) process.exit(1)
  console.log('binaries match their packages')
}
