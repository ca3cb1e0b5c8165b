// Shared helpers for the JS tests: real temp dirs, real files.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
/** The package exactly as a host loads it. */
export const cachecore = require('../index.js')

/** A fresh temp dir, removed when the test ends. */
export function tempDir(t, prefix = 'cachecore-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes `files` (relative path -> string or Buffer) under `root`. */
export function writeTree(root, files) {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel)
    fs.mkdirSync(path.dirname(p), { recursive: true })
    fs.writeFileSync(p, content)
  }
}

/** Waits until files written so far are out of the racy window (100 ms). */
export const settle = () => new Promise((r) => setTimeout(r, 150))

/** The contract's FNV-1a 64 over UTF-16 code units, written plainly in JS. */
export function fnv1a64(text) {
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i))
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return h.toString(16).padStart(16, '0')
}
