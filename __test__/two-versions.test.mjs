// Two builds of the addon on one project (shared/spec/reliability-checklist.md C6): an IDE's
// long-lived process with its own copy of the `.node` file and a CLI started afresh for every
// run through the package, taking turns on one project with edits in between. Each change is
// built once, by whichever runs first; the other then hits without rebuilding or rewriting,
// and nothing is ever malformed. (Two builds of one schema; a newer schema at a shared path is
// covered by the Rust test `newer_manifest_is_a_miss_and_never_clobbered`.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { project } from './dispatch-project.mjs'
import { settle } from './helpers.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const CHILD = path.join(HERE, 'host-child.mjs')
const PACKAGE = path.join(HERE, '..', 'index.js')

function builtNode() {
  const dir = path.join(HERE, '..')
  const found = fs.readdirSync(dir).filter((n) => /^cachecore\..*\.node$/.test(n))
  return found.length ? path.join(dir, found[0]) : null
}

test('C6: an IDE build and a CLI build taking turns on one project build each change once', { timeout: 120_000 }, async (t) => {
  const node = builtNode()
  if (!node) return t.skip('no locally built .node file to copy')
  const cfg = project(t)
  cfg.manifest = path.join(cfg.dir, 'fp', 'index.json')
  // The IDE's own copy: another file, so another load with its own statics and memory.
  const ideAddon = path.join(cfg.dir, 'ide-extension', 'cachecore.node')
  fs.mkdirSync(path.dirname(ideAddon))
  fs.copyFileSync(node, ideAddon)
  assert.notEqual(fs.statSync(ideAddon).ino, fs.statSync(node).ino)

  const ide = spawn(process.execPath, [CHILD, JSON.stringify({ ...cfg, addon: ideAddon })], { stdio: ['pipe', 'pipe', 'inherit'] })
  t.after(() => ide.kill())
  const lines = readline.createInterface({ input: ide.stdout })[Symbol.asyncIterator]()
  const ideRun = async () => {
    ide.stdin.write('run\n')
    return { who: 'ide', ...JSON.parse((await lines.next()).value) }
  }
  const cliRun = () => {
    const r = spawnSync(process.execPath, [CHILD, JSON.stringify({ ...cfg, addon: PACKAGE, once: true })], { encoding: 'utf8' })
    assert.equal(r.status, 0, r.stderr)
    return { who: 'cli', ...JSON.parse(r.stdout) }
  }
  const cacheBytes = () => {
    const out = {}
    for (const base of [cfg.home, path.dirname(cfg.manifest)]) {
      if (!fs.existsSync(base)) continue
      for (const p of fs.readdirSync(base, { recursive: true })) {
        const f = path.join(base, p)
        if (fs.statSync(f).isFile() && !p.endsWith('meta.json')) out[f] = fs.readFileSync(f).toString('base64')
      }
    }
    return out
  }

  let builds = 0
  let edits = 0
  const rounds = 8
  for (let round = 0; round < rounds; round++) {
    if (round > 0) {
      fs.writeFileSync(path.join(cfg.root, 'src', `edit${round % 3}.ts`), `export const r = ${round}\n`)
      edits++
    }
    await settle()
    await settle()
    // Alternate who sees the change first.
    const order = round % 2 ? [cliRun, ideRun, cliRun, ideRun] : [ideRun, cliRun, ideRun, cliRun]
    const first = await order[0]()
    const ctx = `round ${round}, ${first.who} first`
    assert.ok(first.dataOk, `${ctx}: correct data`)
    assert.equal(first.producerCalls, 1, `${ctx}: the change is built once: ${JSON.stringify(first)}`)
    assert.equal(first.fp.written, true, `${ctx}: the index is written once`)
    builds++
    const after = cacheBytes()
    for (const next of order.slice(1)) {
      const r = await next()
      const c2 = `${ctx}, then ${r.who}`
      assert.ok(r.dataOk, `${c2}: correct data`)
      assert.equal(r.producerCalls, 0, `${c2}: no rebuild: ${JSON.stringify(r)}`)
      assert.equal(r.status, 'hit', c2)
      assert.deepEqual(r.warnings, [], c2)
      assert.deepEqual(r.fp.warnings, [], c2)
      assert.equal(r.fp.written, false, `${c2}: no rewrite of the index`)
      assert.equal(r.fp.hashed, 0, `${c2}: the other build's hints are trusted`)
      assert.equal(r.fp.changed, 0, c2)
    }
    assert.deepEqual(cacheBytes(), after, `${ctx}: no cache file rewritten by the hits`)
  }
  t.diagnostic(`${rounds} rounds (${edits} edits), 4 runs each alternating an IDE copy and the CLI: ${builds} builds, ${rounds * 3} hits without a rewrite`)
  ide.stdin.end()
})
