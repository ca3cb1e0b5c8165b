#!/usr/bin/env node
// The README's main job: cachecore's engine on a temp copy of examples/i18n-app, through five
// runs a host makes every day. Each run fingerprints the project against the index the run
// before it wrote, and prints what changed, why, and how much content had to be read.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { fingerprintSync, version } = require('../index.js')

const here = path.dirname(fileURLToPath(import.meta.url))
const example = path.join(here, '..', 'examples', 'i18n-app')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-demo-'))
const project = path.join(work, 'i18n-app')
const manifest = path.join(work, 'cache', 'fingerprints.json')
fs.cpSync(example, project, { recursive: true })

const options = {
  root: project,
  include: { pattern: '(?i)\\.(tsx?|jsx?|mjs|cjs|vue|svelte|json)$' },
  exclude: { dirs: ['node_modules', 'dist', 'build', '.git', 'coverage', '.next', 'out'] },
  hash: 'sha256',
  previous: manifest,
  writeTo: manifest,
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

function run(title, edit) {
  if (edit) edit()
  // Let the edit age past the racy window, as it would between two real runs.
  sleep(150)
  const r = fingerprintSync(options)
  const d = r.delta
  console.log(`\n== ${title}`)
  console.log(
    `  file delta: +${d.added.length} ~${d.changed.length} -${d.deleted.length} =${d.unchanged.length}` +
      `  (read ${r.counts.hashed} of ${r.counts.files} files, ${r.counts.bytesHashed} bytes; reused ${r.counts.reused})`,
  )
  for (const c of d.reasons.slice(0, 12)) console.log(`    ${c.change}: ${c.path} (${c.reason})`)
  if (d.reasons.length > 12) console.log(`    ... ${d.reasons.length - 12} more`)
  for (const w of r.warnings.filter((w) => w.code !== 'previous_missing')) console.log(`  warning: ${w.message}`)
  console.log(`  index ${r.written ? 'written' : 'unchanged, nothing written'} in ${r.timings.totalMs.toFixed(1)} ms`)
  return r
}

const edit = (rel, f) => () => {
  const p = path.join(project, rel)
  fs.writeFileSync(p, f(fs.readFileSync(p, 'utf8')))
}

console.log(`cachecore ${version()} demo on a copy of examples/i18n-app in ${work}`)
try {
  run('1. cold run: no index yet, every file is read')
  run('2. repeat: nothing changed, no file content is read')
  run('3. edit a target locale (de.json)', edit('locales/de.json', (s) => s.replace('"Laden"', '"Geschäft"')))
  run('4. edit the source locale (en.json)', edit('locales/en.json', (s) => s.replace('"Shop"', '"Store"')))
  run('5. edit one source file', edit('src/pages/index.ts', (s) => s + "\nexport const bye = () => t('home.bye')\n"))
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
console.log('\ncleaned up.')
