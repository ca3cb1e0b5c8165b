// A long-lived JS host (an IDE's extension host) that loads cachecore from a given `.node`
// file and runs one dispatch plus one generic fingerprint per `run` line on stdin, answering
// one JSON line each. Used by two-versions.test.mjs; not a test file itself.
// argv[2]: { addon, root, cacheRoot, manifest }.
import path from 'node:path'
import readline from 'node:readline'
import { createRequire } from 'node:module'
import { treeText } from './tree-text.mjs'

const cfg = JSON.parse(process.argv[2])
const c = createRequire(import.meta.url)(cfg.addon)
const { root } = cfg

function analyse() {
  return { files: treeText(root) }
}

function run() {
  let calls = 0
  const { state } = c.initializeCacheState({
    projectRoot: root,
    cacheRootDir: cfg.cacheRoot,
    runtime: { hashText: 'sha256', fs: {}, path: {} },
  })
  const r = c.getOrBuildCachedProjectData({
    state,
    runtime: { hashText: 'sha256' },
    sourceLocalePath: path.join(root, 'locales', 'en.json'),
    srcRoot: path.join(root, 'src'),
    localesDir: path.join(root, 'locales'),
    locales: { source: 'en', directory: 'locales', mode: 'flat_file', structure: 'locale_file' },
    producer: () => {
      calls++
      return analyse()
    },
  })
  const fp = c.fingerprintSync({ root, previous: cfg.manifest, writeTo: cfg.manifest })
  return {
    pid: process.pid,
    status: r.cache.status,
    reason: r.cache.reason,
    memoryHit: r.memoryHit,
    warnings: r.cache.warnings,
    producerCalls: calls,
    dataOk: JSON.stringify(r.data) === JSON.stringify(analyse()),
    fp: { written: fp.written, hashed: fp.counts.hashed, warnings: fp.warnings, changed: fp.delta.changed.length + fp.delta.added.length },
  }
}

if (cfg.once) {
  process.stdout.write(JSON.stringify(run()) + '\n')
} else {
  const rl = readline.createInterface({ input: process.stdin })
  rl.on('line', (line) => {
    if (line === 'run') process.stdout.write(JSON.stringify(run()) + '\n')
    else rl.close()
  })
}
