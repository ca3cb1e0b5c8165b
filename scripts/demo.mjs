#!/usr/bin/env node
// The README's main job: cachecore inside a real host. The example i18n host
// (examples/host/i18n-host.mjs) runs on a temp copy of examples/i18n-app five times, the way a
// developer runs an i18n CLI between edits, with --debug-cache: each run prints the core's
// decision as the host shows it, then what the host's producer had to do.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { version } = require('cachecore')

const here = path.dirname(fileURLToPath(import.meta.url))
const host = path.join(here, '..', 'examples', 'host', 'i18n-host.mjs')
const example = path.join(here, '..', 'examples', 'i18n-app')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cachecore-demo-'))
const project = path.join(work, 'i18n-app')
const home = path.join(work, 'home')
fs.cpSync(example, project, { recursive: true })

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
/** Paths in the output are shown relative to the temp dir, so the output reads the same every time. */
const tidy = (s) => s.split(work).join('$TMP')

function run(title, edit) {
  if (edit) edit()
  // Let the edit age past the racy window, as it would between two real runs.
  sleep(150)
  const r = spawnSync(process.execPath, [host, project, '--home', home, '--debug-cache', '--json'], {
    encoding: 'utf8',
  })
  if (r.status !== 0) {
    process.stderr.write(r.stderr)
    throw new Error(`the host failed (exit ${r.status})`)
  }
  const { analysis, producer, cache } = JSON.parse(r.stdout)
  console.log(`\n== ${title}`)
  for (const line of r.stderr.trimEnd().split('\n')) {
    // The paths of the cache files are the same every run; show them once.
    if (/\[cache\]\s+(meta|project|files|analysis): /.test(line) && title[0] !== '1') continue
    console.log(`  ${tidy(line)}`)
  }
  console.log(
    `  host: ${producer.ran ? `${producer.mode} analysis, ${producer.filesRead} source file(s) read` : cache.status === 'hit' ? 'served from cache, no source file read' : 'analysis reused without the producer'}` +
      `; missing: ${analysis.missingKeys.join(', ') || '(none)'}; unused: ${analysis.unusedKeys.join(', ') || '(none)'}`,
  )
}

const edit = (rel, f) => () => {
  const p = path.join(project, rel)
  fs.writeFileSync(p, f(fs.readFileSync(p, 'utf8')))
}

console.log(`cachecore ${version()} demo: the example i18n host on a copy of examples/i18n-app ($TMP = ${work})`)
try {
  run('1. cold run: no cache yet, full analysis')
  run('2. repeat: nothing changed')
  run('3. edit a target locale (de.json)', edit('locales/de.json', (s) => s.replace('"Laden"', '"Geschäft"')))
  run(
    '4. edit the source locale (en.json): add home.cta',
    edit('locales/en.json', (s) => s.replace('"subtitle": "Fresh deals every day"', '"subtitle": "Fresh deals every day",\n    "cta": "Shop now"')),
  )
  run(
    '5. edit one source file (pages/index.ts): use home.bye',
    edit('src/pages/index.ts', (s) => `${s}\nexport const bye = () => t('home.bye')\n`),
  )
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
console.log('\ncleaned up.')
