// The types of the ES module entry (js/index.mjs): the named exports of index.d.ts, which napi
// generates, and the whole module as the default export.
export * from '../index.js'
import * as cachecore from '../index.js'
export default cachecore
