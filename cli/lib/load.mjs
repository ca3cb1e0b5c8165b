// Loads the package through its entry, as a host does, before any other module of the CLI:
// when no binary fits this platform, the command prints the package's one-line
// BINARY_NOT_FOUND error (exit 3) instead of a loader's stack trace. Every command needs the
// addon, so there is nothing to run without it.
import { createRequire } from 'node:module'
import { reportError } from './errors.mjs'

try {
  createRequire(import.meta.url)('cachecore')
} catch (e) {
  const argv = process.argv.slice(2)
  process.exit(reportError(e, { json: argv.includes('--json'), verbose: argv.includes('--verbose') }))
}
