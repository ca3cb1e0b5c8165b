// A JS host that keeps persisting, to be interrupted by signals.test.mjs; not a test file.
// argv[2] is a JSON config: { mode, root, home, cacheRoot, manifest, exitAfterMs? }.
//
// Modes:
// - `loop`: a synchronous loop (a CLI busy in native code, no signal handler): edit a source
//   file, dispatch (`getOrBuildCachedProjectData`, which writes files.json, analysis.json,
//   meta.json) and `fingerprintSync` with `writeTo`. Ends only by a signal.
// - `async-loop`: the same through the async `fingerprint` (the persist runs on the libuv
//   pool), with SIGINT/SIGTERM handlers calling `process.exit()` as CLI tools do: the exit
//   lands while a persist is in flight.
// - `exit`: starts several async `fingerprint` persists at once, then `process.exit(7)` after
//   `exitAfterMs` (fractional ms allowed): `process.exit()` with work in flight.
// - `check`: one next run: loads the generic manifest and dispatches, reports what it saw.
// Every persisting mode prints `started` once its first persist finished.
import fs from 'node:fs'
import path from 'node:path'
import { cachecore } from './helpers.mjs'
import { dispatchInput } from './dispatch-project.mjs'
import { treeText } from './tree-text.mjs'

const cfg = JSON.parse(process.argv[2])
const { root, manifest } = cfg

/** The analysis: every tracked file's text (and padding, to widen the write window). */
function analyse() {
  return { files: treeText(root), pad: 'x'.repeat(cfg.pad ?? 100_000) }
}

function dispatch() {
  return cachecore.getOrBuildCachedProjectData(dispatchInput(cfg, { producer: () => analyse() }))
}

let gen = 0
function edit() {
  gen++
  fs.writeFileSync(path.join(root, 'src', `gen${gen % 3}.ts`), `export const g = ${gen} // ${'/'.repeat(gen % 5)}\n`)
}

const fpOptions = () => ({ root, previous: manifest, writeTo: manifest, hash: 'blake3' })

if (cfg.mode === 'loop') {
  let said = false
  for (;;) {
    edit()
    dispatch()
    cachecore.fingerprintSync(fpOptions())
    if (!said) {
      process.stdout.write('started\n')
      said = true
    }
  }
} else if (cfg.mode === 'async-loop') {
  process.on('SIGINT', () => process.exit(130))
  process.on('SIGTERM', () => process.exit(143))
  let said = false
  for (;;) {
    edit()
    await Promise.all([cachecore.fingerprint(fpOptions()), cachecore.fingerprint(fpOptions())])
    if (!said) {
      process.stdout.write('started\n')
      said = true
    }
  }
} else if (cfg.mode === 'exit') {
  edit()
  dispatch()
  let settled = 0
  const inFlight = Array.from({ length: 4 }, () => cachecore.fingerprint(fpOptions()).then(() => settled++))
  const t0 = performance.now()
  const exit = () => {
    // Pipes are synchronous on Linux: the parent gets this line before the exit.
    process.stdout.write(`${JSON.stringify({ settled })}\n`)
    process.exit(7)
  }
  // A busy wait for sub-millisecond delays; setTimeout cannot go below 1 ms.
  setImmediate(() => {
    while (performance.now() - t0 < cfg.exitAfterMs);
    exit()
  })
  await Promise.all(inFlight)
  exit()
} else if (cfg.mode === 'check') {
  const fp = cachecore.fingerprintSync(fpOptions())
  const fresh = cachecore.fingerprintSync({ root, hash: 'blake3' })
  const r = dispatch()
  process.stdout.write(JSON.stringify({
    fpWarnings: fp.warnings,
    fpRecords: fp.records.map((x) => [x.path, x.hash]),
    freshRecords: fresh.records.map((x) => [x.path, x.hash]),
    dispatch: { status: r.cache.status, reason: r.cache.reason, warnings: r.cache.warnings },
    dataOk: JSON.stringify(r.data) === JSON.stringify(analyse()),
  }))
}
