// One "machine" of the remote cache tests: the example host's dispatch on the project at
// `root` with its cache home `home`, the remote taken from the environment (TURBO_*) and the
// optional `remote` option. Prints one JSON line: what the host saw.
//   node remote-child.mjs '{"root":…,"home":…,"remote":{…}?,"flush":ms?,"exit":"process.exit"?}'
import path from 'node:path'
import { createRequire } from 'node:module'
import { dispatchInput } from '../examples/host/analysis.mjs'

const require = createRequire(import.meta.url)
const cachecore = require('../index.js')
const cfg = JSON.parse(process.argv[2])

const root = cfg.root
const project = {
  root,
  srcRoot: path.join(root, 'src'),
  localesDir: path.join(root, 'locales'),
  sourceLocalePath: path.join(root, 'locales', 'en.json'),
  locales: { source: 'en', directory: 'locales', mode: 'flat_file', structure: 'locale_file' },
}
const runtime = { hashText: 'sha256' }
const { state } = cachecore.initializeCacheState({ projectRoot: root, cacheRootDir: path.join(cfg.home, 'cache'), runtime })
const stats = {}
const input = dispatchInput(cachecore, project, { state, runtime, stats })
if (cfg.remote !== undefined) input.remote = cfg.remote
const t0 = performance.now()
const r = cachecore.getOrBuildCachedProjectData(input)
const ms = performance.now() - t0
const { cache } = r
const out = {
  status: cache.status,
  reason: cache.reason,
  analysisRebuild: cache.analysisRebuild,
  remote: cache.remote,
  warnings: cache.warnings,
  producer: stats,
  data: r.data,
  lines: cachecore.cacheDispatchMessageLines('project analysis', cache).map((l) => l.message),
  ms,
}
if (cfg.flush !== undefined) out.uploads = await cachecore.flushRemoteUploads(cfg.flush)
process.stdout.write(`${JSON.stringify(out)}\n`)
if (cfg.exit === 'process.exit') process.exit(0)
