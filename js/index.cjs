'use strict'
// The CommonJS entry (`require('cachecore')`; the ES module entry js/index.mjs loads it too).
// It loads the binding through the loader napi generates (../index.js) and exports the values
// index.d.ts declares (js/exports.cjs, generated). When no prebuilt binary fits this platform it
// throws one error, code BINARY_NOT_FOUND, that names the platform package that should have been
// installed, instead of the loader's chain of attempts (kept as its `cause`).

function expectedPackage() {
  const { platform, arch } = process
  if (platform === 'linux') {
    let glibc = true
    try {
      glibc = Boolean(process.report?.getReport()?.header?.glibcVersionRuntime)
    } catch {}
    return `cachecore-linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `cachecore-win32-${arch}-msvc`
  return `cachecore-${platform}-${arch}`
}

const SHIPPED = [
  'cachecore-linux-x64-gnu',
  'cachecore-linux-arm64-gnu',
  'cachecore-linux-x64-musl',
  'cachecore-linux-arm64-musl',
  'cachecore-darwin-x64',
  'cachecore-darwin-arm64',
  'cachecore-win32-x64-msvc',
  'cachecore-win32-arm64-msvc',
]

let binding
try {
  binding = require('../index.js')
} catch (cause) {
  if (!/native binding/.test(String(cause && cause.message))) throw cause
  const wanted = expectedPackage()
  const message = SHIPPED.includes(wanted)
    ? `cachecore: no native binary could be loaded for ${process.platform}-${process.arch}. ` +
      `The optional package '${wanted}' should have been installed with cachecore: reinstall ` +
      `without --omit=optional / --no-optional (npm), or add '${wanted}' to your dependencies.`
    : `cachecore: there is no prebuilt binary for ${process.platform}-${process.arch} ` +
      `(shipped: ${SHIPPED.join(', ')}). Build from source with a Rust toolchain: npm run build.`
  const error = new Error(message)
  error.code = 'BINARY_NOT_FOUND'
  error.expectedPackage = wanted
  error.cause = cause
  throw error
}

for (const name of require('./exports.cjs')) module.exports[name] = binding[name]
