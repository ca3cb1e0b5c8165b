// The one place the CLI touches the addon's dispatch and store exports. Nothing is decided
// here: this file only maps a resolved project onto the core's inputs.
import { createRequire } from 'node:module'
import { CliError } from './errors.mjs'

const require = createRequire(import.meta.url)
/**
 * The package exactly as a host loads it: through its entry (`exports` → js/index.cjs). The
 * command's first import (./load.mjs) has already turned a missing binary into one line.
 */
export const addon = require('cachecore')

/** The label of the project analysis dispatch (as i18nprune). */
export const LABEL = 'project analysis'
/** The hash the i18nprune CLI stores: SHA-256 of the UTF-8 text. */
export const HASH = 'sha256'

/** Throws a runtime error naming the dispatch exports this build of the addon lacks. */
export function requireDispatch() {
  requireExports(['initializeCacheState', 'beginCachedProjectData'])
}

/** The cache paths of a project without any IO: the core's `resolveCacheState`. */
export function resolveState(project) {
  requireExports(['resolveCacheState'])
  return addon.resolveCacheState(stateInput(project))
}

/** The host's port bag: the i18nprune CLI hashes records with SHA-256. */
export const RUNTIME = Object.freeze({ hashText: HASH })

/** The input of `initializeCacheState` / `resolveCacheState` for a resolved project. */
export function stateInput(project, { readOnly = false } = {}) {
  const off = project.noCache || !project.cacheEnabled
  return {
    projectRoot: project.root,
    cacheRootDir: project.cacheRootDir,
    noCache: off,
    ...(off ? { disabledReason: project.noCache ? 'cli_no_cache' : 'config_disabled' } : {}),
    runtime: RUNTIME,
    cacheReadOnly: readOnly,
  }
}

/** The resolved cache config of a project (profile, rebuild from its config file). */
export function cacheConfig(project, { readOnly = false } = {}) {
  return addon.resolveCacheConfig({
    enabled: project.cacheEnabled && !project.noCache,
    ...(project.profile ? { profile: project.profile } : {}),
    ...(project.rebuild ? { rebuild: project.rebuild } : {}),
    ...(readOnly ? { mode: 'readOnly' } : {}),
  })
}

/** `initializeCacheState` with the host's flags: `{ state, warnings }`. */
export function cacheState(project, { readOnly = false } = {}) {
  requireExports(['initializeCacheState'])
  return addon.initializeCacheState(stateInput(project, { readOnly }))
}

/** Throws a runtime error naming the exports this build of the addon lacks. */
export function requireExports(names) {
  const missing = names.filter((n) => typeof addon[n] !== 'function')
  if (missing.length) {
    throw new CliError('DISPATCH_UNAVAILABLE', `this build of cachecore lacks ${missing.join(', ')}`)
  }
}

/**
 * Refreshes a project's files index through the core as a host dispatch does
 * (`scanProjectFiles`: the stored index and its stat hints, hashes reused where the hints vouch
 * for them, files.json and its hints written when something changed).
 */
export function scanFilesIndex(project) {
  requireExports(['initializeCacheState', 'scanProjectFiles'])
  const { state, warnings } = cacheState(project)
  if (!state.enabled) {
    return { written: false, unchanged: false, filesPath: state.filesPath, srcFiles: 0, localeSegments: 0, hashed: 0, reused: 0, bytesRead: 0, warnings }
  }
  const scanned = addon.scanProjectFiles(dispatchInput(project, state, cacheConfig(project)))
  return { ...scanned, warnings: [...warnings, ...scanned.warnings] }
}

/** The dispatch input of a project, without the producer. */
export function dispatchInput(project, state, config) {
  return {
    state,
    runtime: RUNTIME,
    rebuildConfig: { rebuild: config.rebuild, fullRescanThresholdPercent: config.fullRescanThresholdPercent },
    sourceLocalePath: project.sourceLocalePath,
    srcRoot: project.srcRoot,
    localesDir: project.localesDir,
    locales: project.locales,
  }
}

/**
 * The dispatch check without a producer: the two-phase begin, never committed (read-only, so
 * nothing on disk changes, and nothing is uploaded). `remote`: the dispatch's `remote` option
 * (`false`: local only, the default; `undefined`: the environment's, as a host run would).
 * Returns `{ handle, cache, needsProducer, memoryHit, context?, previous? }` as the core
 * decided it.
 */
export function checkDispatch(project, { remote = false } = {}) {
  requireDispatch()
  const { state } = cacheState(project, { readOnly: true })
  const input = dispatchInput(project, state, cacheConfig(project, { readOnly: true }))
  if (remote !== undefined) input.remote = remote
  const begun = addon.beginCachedProjectData(input)
  return normalizeBegin(begun)
}

/**
 * The `remote` option of the remote flags: `false` with `--no-remote`; else the flags given
 * (`--remote-read-only`, `--remote-dir`, `--remote-api`, `--remote-team`) over the
 * environment, or `undefined` (the environment alone). The token only ever comes from
 * `TURBO_TOKEN`: a command line is visible to every user of the machine.
 */
export function remoteOption(flags) {
  if (flags['no-remote']) return false
  const o = {}
  if (flags['remote-read-only']) o.readOnly = true
  if (flags['remote-dir'] !== undefined) o.dir = flags['remote-dir']
  if (flags['remote-api'] !== undefined) o.api = flags['remote-api']
  if (flags['remote-team'] !== undefined) o.team = flags['remote-team']
  return Object.keys(o).length ? o : undefined
}

function normalizeBegin(handle) {
  // The check is read-only by choice: the core's notes that it skipped writing are ours, not news.
  const cache = handle.cache
  if (cache.warnings) {
    cache.warnings = cache.warnings.filter((w) => w.code !== 'cache_read_only')
    if (cache.warnings.length === 0) delete cache.warnings
  }
  return {
    handle,
    cache,
    needsProducer: handle.needsProducer,
    memoryHit: handle.memoryHit,
    context: handle.context,
    previous: handle.previousData,
  }
}
