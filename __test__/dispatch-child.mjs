// One dispatch in a fresh process (a new CLI run): argv[2] is a JSON config; prints the result.
// Used by contract-dispatch.test.mjs; not a test file itself.
import { cachecore } from './helpers.mjs'
import { dispatchInput } from './dispatch-project.mjs'

const cfg = JSON.parse(process.argv[2])
const calls = []
const input = dispatchInput(cfg, {
  producer(...args) {
    calls.push(args)
    if (cfg.producerThrows) throw new Error('producer failed')
    return { run: cfg.tag ?? 'child', previous: args[0]?.previous ?? null }
  },
})
if (cfg.validate === 'fail') input.parseCachedData = () => ({ ok: false })
if (cfg.validate === 'wrap') input.parseCachedData = (data) => ({ ok: true, data: { wrapped: data } })
let out
try {
  const r = cachecore.getOrBuildCachedProjectData(input)
  out = { result: r, calls: calls.length, argCounts: calls.map((a) => a.length), ctx: calls[0]?.[0] ?? null }
} catch (e) {
  out = { error: { code: e.code, message: e.message }, calls: calls.length }
}
process.stdout.write(JSON.stringify(out))
