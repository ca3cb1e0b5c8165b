// The `i18n` dispatch hit, whole process, for one or more builds of the addon against `find` in
// the same run (hyperfine, interleaving nothing: run it twice and read both). For A/B checks of
// a change on the hit's path; `bench/run.mjs i18n` is the full bench.
//
//   node bench/hit-ab.mjs --dir /tmp/hit-ab <addon.node> [<other addon.node> ...]
//
// Unset NODE_EXTRA_CA_CERTS first: Node's start-up then loads no extra certificates (see
// RESULTS.md, it doubles the start-up).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { makeI18n } from './corpus.mjs'
import { dispatchScript } from './dispatch-script.mjs'

const args = process.argv.slice(2)
const at = args.indexOf('--dir')
const base = path.resolve(at >= 0 ? args.splice(at, 2)[1] : '/tmp/cachecore-hit-ab')
const addons = args.map((a) => path.resolve(a))
if (addons.length === 0) throw new Error('usage: node bench/hit-ab.mjs --dir D <addon.node>...')
const root = path.join(base, 'i18n')
if (!fs.existsSync(root)) makeI18n(root, { srcFiles: 20_000 })
const scripts = addons.map((addon, i) => {
  const home = path.join(base, `home${i}`)
  const code = dispatchScript(addon, root, home)
  const file = path.join(base, `hit${i}.cjs`)
  fs.writeFileSync(file, code)
  // Settle the cache: a build, then hits past the racy window.
  for (let k = 0; k < 3; k++) {
    if (k === 2) spawnSync('sleep', ['0.3'])
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
    if (k === 2) console.log(`${addon}: ${r.stdout.trim()}`)
  }
  return file
})
const r = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', '30',
  `find ${root} -type f -printf '%s %T@\\n'`, ...scripts.map((s) => `${process.execPath} ${s}`)], { stdio: 'inherit' })
process.exit(r.status ?? 1)
