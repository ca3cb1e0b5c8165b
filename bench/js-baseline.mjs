#!/usr/bin/env node
// What a JavaScript host does without cachecore, as the TypeScript core does on every dispatch:
// walk with fdir, stat every file, read it as UTF-8 text and hash it with crypto sha256.
// Usage: node bench/js-baseline.mjs DIR [--pattern REGEX]
import crypto from 'node:crypto'
import fs from 'node:fs'
import { fdir } from 'fdir'

const dir = process.argv[2]
const pi = process.argv.indexOf('--pattern')
const pattern = pi > 0 ? new RegExp(process.argv[pi + 1], 'i') : null
const t0 = performance.now()
const files = new fdir()
  .withRelativePaths()
  .exclude((name) => name === 'node_modules' || name === 'dist' || name === '.git')
  .filter((p) => !pattern || pattern.test(p))
  .crawl(dir)
  .sync()
const records = {}
for (const rel of files) {
  const abs = `${dir}/${rel}`
  const st = fs.statSync(abs)
  const text = fs.readFileSync(abs, 'utf8')
  records[rel] = { hash: crypto.createHash('sha256').update(text).digest('hex'), size: Buffer.byteLength(text), mtimeMs: st.mtimeMs }
}
const ms = performance.now() - t0
console.log(JSON.stringify({ files: files.length, inProcessMs: ms }))
