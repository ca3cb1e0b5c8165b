// The CommonJS side of the package types (compiled by tools/check-doc-types.mjs; never run):
// `require('cachecore')` resolves to index.d.ts through the `require` condition.
import cachecore = require('cachecore')

const r = cachecore.fingerprintSync({ root: '.', hash: 'sha256' })
export const codes: cachecore.CacheWarningCode[] = r.warnings.map((w) => w.code)
export const target: string = cachecore.binaryTarget()
export const loaded: 'native' | 'wasm32-wasi' | 'wasm32-wasip1' = cachecore.__napiBindingTarget
