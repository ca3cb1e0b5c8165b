// A scenario of trust-fs.test.mjs run in its own process, so that a hang fails the test (the
// parent kills it at a timeout) instead of hanging the test run. argv[2] is a JSON config:
// `{ scenario, cfg, iterations?, stopFile?, root? }`. Prints one JSON line; not a test file.
import fs from 'node:fs'
import { cachecore } from './helpers.mjs'
import { dispatchInput } from './dispatch-project.mjs'

const job = JSON.parse(process.argv[2])

function dispatch(extra = {}) {
  return cachecore.getOrBuildCachedProjectData(
    dispatchInput(job.cfg, { producer: () => ({ at: Date.now() }), ...extra }),
  )
}

const stopped = () => job.stopFile && fs.existsSync(job.stopFile)
const out = { runs: 0, warnings: [], errors: [] }
const iterations = job.iterations ?? 1
for (let i = 0; i < iterations && !stopped(); i++) {
  try {
    if (job.scenario === 'dispatch') {
      const r = dispatch(job.full ? { rebuildConfig: { rebuild: 'full', fullRescanThresholdPercent: 40 } } : {})
      out.warnings.push(...(r.cache.warnings ?? []))
    } else if (job.scenario === 'fingerprint') {
      const r = cachecore.fingerprintSync({ root: job.root, writeTo: job.writeTo, strategy: 'hash-always' })
      out.warnings.push(...r.warnings)
    } else if (job.scenario === 'both') {
      dispatch()
      cachecore.fingerprintSync({ root: job.root, strategy: 'hash-always', followSymlinks: i % 2 === 1 })
    } else {
      throw new Error(`unknown scenario ${job.scenario}`)
    }
  } catch (e) {
    out.errors.push({ code: e.code, message: e.message })
  }
  out.runs++
}
process.stdout.write(JSON.stringify(out))
