#!/usr/bin/env node
// cachecore: the operator's tool. Asks the cache core what it would do and why, scans,
// verifies and cleans. Flags, environment and printing live here; decisions come from the core.
// First: load the package, or say in one line why it cannot be (BINARY_NOT_FOUND), before any
// other module of the CLI touches it.
import './lib/load.mjs'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from './lib/args.mjs'
import { CliError, EXIT, reportError, usage } from './lib/errors.mjs'
import { makeOutput } from './lib/output.mjs'
import { cacheRootOf, checkProfile, resolveHome, resolveProject } from './lib/project.mjs'
import { addon, checkDispatch, LABEL, remoteOption, requireExports, resolveState, scanFilesIndex } from './lib/core.mjs'
import {
  asContractMap,
  asEngineRecords,
  cachePaths,
  diskUsage,
  indexAlgorithm,
  DEFAULT_SKIPPED_DIRS,
  localeOptions,
  readJson,
  srcOptions,
} from './lib/tracked.mjs'

const DEBUG_PREFIX = '[cachecore] [cache] '

const COMMON = {
  help: { type: 'boolean', alias: 'h' },
  verbose: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', alias: 'q' },
  'no-color': { type: 'boolean' },
  home: { type: 'string' },
  i18nprune: { type: 'boolean' },
  'cache-dir': { type: 'string' },
}
const REMOTE = {
  'no-remote': { type: 'boolean' },
  'remote-read-only': { type: 'boolean' },
  'remote-dir': { type: 'string' },
  'remote-api': { type: 'string' },
  'remote-team': { type: 'string' },
}
const PROJECT = {
  ...COMMON,
  'no-cache': { type: 'boolean' },
  'debug-cache': { type: 'boolean' },
  'cache-profile': { type: 'string' },
  src: { type: 'string' },
  locales: { type: 'string' },
  'source-locale': { type: 'string' },
  layout: { type: 'string' },
}

const GLOBAL_HELP = `cachecore — ask the cache why

Usage: cachecore <command> [root] [flags]

Commands:
  status [root]    what the next run would do (hit, miss, bypass) and why
  explain [root]   why the next run would rebuild: changed files, reasons, the decision
  scan [root]      fingerprint the project and write its files index (files.json)
  verify [root]    recompute everything from scratch and compare with the stored index
  clean [root]     remove a project's cache directory (--all: the whole cache root)
  info             version, binary target, cache home, known projects and their sizes
  watch [root]     watch the project; one line per change with the decision the next run gets
  remote status    check the shared cache: reachable, token accepted, uploads, signatures

Flags (all commands):
  --home <dir>              cache home (else CACHECORE_HOME, else ~/.cachecore)
  --i18nprune               use i18nprune's home (I18NPRUNE_HOME, else ~/.i18nprune)
  --cache-dir <dir>         cache root, resolved against the project root (default <home>/cache)
  --json                    print one JSON object instead of the report
  --quiet, -q               print nothing but errors (the exit code tells)
  --no-color                no colours (also NO_COLOR)
  --verbose                 stack traces on errors
  --help, -h                this help, or a command's help (cachecore <command> --help)

Project flags (status, explain, scan, verify, clean, watch):
  --src <dir> --locales <dir> --source-locale <code> --layout <flat_file|locale_directory>
  --cache-profile <safe|balanced|fast>   --no-cache   --debug-cache

Remote cache (status, remote status): TURBO_API, TURBO_TOKEN, TURBO_TEAM,
TURBO_REMOTE_CACHE_SIGNATURE_KEY, CACHECORE_REMOTE_DIR; --no-remote, --remote-read-only,
--remote-dir <dir>, --remote-api <url>, --remote-team <team>. See docs/remote-cache.md.

Exit codes: 0 ok; 1 verify found a difference, status --exit-code and the next run is not a
hit, or a remote status check failed; 2 usage error; 3 runtime error. See docs/cli.md.
`

const COMMANDS = {
  status: {
    spec: { ...PROJECT, ...REMOTE, 'exit-code': { type: 'boolean' } },
    help: `Usage: cachecore status [root] [flags]

Runs the dispatch check (the two-phase begin, read-only, never committed) and prints the
status and reason the next run would get, and the analysis rebuild decision. With a remote
cache configured (TURBO_TOKEN, CACHECORE_REMOTE_DIR) it asks the remote as a host run would
(never uploading) and says where the analysis would come from.

  --debug-cache   print the contract's --debug-cache lines, prefixed '${DEBUG_PREFIX}'
  --json          one JSON object: { status, reason, analysisRebuild, delta, paths, warnings }
  --exit-code     exit 1 when the next run is not a cache hit
  --no-cache      as a host's --no-cache: status bypass (no_cache)
  --no-remote     leave the remote cache out; --remote-read-only, --remote-dir <dir>,
                  --remote-api <url>, --remote-team <team> override the environment
`,
    run: cmdStatus,
  },
  explain: {
    spec: PROJECT,
    help: `Usage: cachecore explain [root] [flags]

Why the next run would rebuild: the files changed since the stored index with the engine's
per-file reason (content, size, type, racy, unstable, unreadable), their classification
(src, source locale, target locales), and the core's decision, in plain words.
`,
    run: cmdExplain,
  },
  scan: {
    spec: PROJECT,
    help: `Usage: cachecore scan [root] [flags]

Fingerprints the project's src and locale files and writes its files index (files.json).
A progress bar is drawn on stderr only when stderr is a terminal.
`,
    run: cmdScan,
  },
  verify: {
    spec: PROJECT,
    help: `Usage: cachecore verify [root] [flags]

Recomputes every hash from scratch and compares with the stored index (files.json), then
checks that the core's incremental decision agrees with a decision made from the
from-scratch delta. Exits 1 and names the files when anything differs.
`,
    run: cmdVerify,
  },
  clean: {
    spec: { ...PROJECT, all: { type: 'boolean' } },
    help: `Usage: cachecore clean [root] [flags]
       cachecore clean --all [flags]

Removes the project's cache directory (<cache root>/projects/<id>), or with --all the whole
cache root (only a directory that looks like one: it holds meta.json or projects/).
`,
    run: cmdClean,
  },
  watch: {
    spec: { ...PROJECT, poll: { type: 'boolean' } },
    help: `Usage: cachecore watch [root] [flags]

Watches the project (inotify, FSEvents or ReadDirectoryChangesW; --poll for a stat sweep) and
prints one line per batch of changes: the files, and the decision the next run would get
(reuse, partial or full, with the contract's reason). --json prints one JSON object per event.
Stops on Ctrl-C (SIGINT) or SIGTERM, exit code 0.
`,
    run: cmdWatch,
  },
  remote: {
    spec: { ...COMMON, ...REMOTE },
    help: `Usage: cachecore remote status [flags]

Checks the shared cache the environment configures (TURBO_API, TURBO_TOKEN, TURBO_TEAM or
TURBO_TEAMID, TURBO_REMOTE_CACHE_SIGNATURE_KEY, CACHECORE_REMOTE_DIR): the server answers,
the token is accepted, a probe artifact can be written and read back (not in read-only mode),
and a signed upload comes back with a tag that verifies (a server that keeps no
x-artifact-tag makes every signed artifact look unsigned). Exit 1 when a check fails.
The token is never printed.

  --json          one JSON object: { configured, backend, endpoint, readOnly, signed, checks, ok }
  --remote-read-only, --remote-dir <dir>, --remote-api <url>, --remote-team <team>
`,
    run: cmdRemote,
  },
  info: {
    spec: COMMON,
    help: `Usage: cachecore info [flags]

Prints the version, the binary target, the cache home and root, and the projects meta.json
knows with their cache sizes on disk.
`,
    run: cmdInfo,
  },
}

// ---------------------------------------------------------------------------------------------

const STATUS_WORDS = {
  cache_hit: 'the stored analysis is up to date and would be served as is',
  no_cache: 'the cache is off for this run',
  cache_unavailable: 'the cache is unavailable',
  run_missing: 'there is no stored analysis yet',
  files_changed: 'project files changed since the stored index',
  files_index_recovered: 'the files index is unusable, but the stored analysis matches the files: the index would be rebuilt and the analysis reused',
  run_binding_stale: 'the stored analysis was built from other file contents',
  producer_succeeded: 'the producer succeeded',
  run_invalid: 'the stored analysis failed validation',
}

const FILE_WORDS = {
  added: 'new file',
  removed: 'deleted',
  content_changed: 'content changed (same size)',
  size_changed: 'size changed',
  type_changed: 'file type changed (file, link, ...)',
  racy: 'modified too recently to trust its timestamp, so it was re-read',
  unstable: 'changed while it was being read',
  unreadable: 'could not be read',
}

function rebuildWords(d) {
  if (!d) return undefined
  const what = { full: 'rebuilt in full', partial: 'patched (partial rebuild)', reuse: 'reused as is' }[d.strategy]
  const why = {
    config_rebuild_full: 'the config says rebuild=full',
    layout_changed: 'the locales layout changed',
    source_locale_changed: 'the source locale changed together with other files',
    source_locale_partial: 'only the source locale changed: missing keys are refreshed, src is not re-read',
    target_locale_only: 'only target locales changed',
    locale_or_non_src_changed: 'locale or non-src files changed',
    no_previous_cache: 'there is no previous analysis',
    src_threshold: `${d.srcAffected} of ${d.trackedSrcCount} src files changed, at or above the ${d.thresholdPercent}% threshold`,
    src_partial: `${d.srcAffected} of ${d.trackedSrcCount} src files changed, below the threshold: only those are re-read`,
    files_index_missing: 'files.json is missing',
    files_index_malformed: 'files.json is invalid or oversized',
    files_index_empty: 'files.json is empty',
    files_index_stale: 'the files index is unusable and files changed since the last analysis',
    files_index_recovered: 'the files index is rebuilt; the analysis matches the files',
  }[d.reason]
  return `the analysis would be ${what}: ${why ?? d.reason} (${d.strategy}/${d.reason})`
}

const count = (d) => (d ? d.added.length + d.changed.length + d.deleted.length : 0)

function statusObject(project, check) {
  const c = check.cache
  return {
    root: project.root,
    status: c.status,
    reason: c.reason,
    ...(c.analysisRebuild ? { analysisRebuild: c.analysisRebuild } : {}),
    // The core's CacheDispatchInfo as is (cacheDispatchMessageLines accepts it back).
    cache: c,
  }
}

function printDebug(out, flags, cache) {
  if (flags['debug-cache']) out.debugLines(DEBUG_PREFIX, addon.cacheDispatchMessageLines(LABEL, cache))
}

const SOURCE_WORDS = {
  local: 'the local cache',
  remote_exact: 'the remote cache (an artifact of exactly these files)',
  remote_base: 'the remote cache (the artifact of a base commit, patched)',
  none: 'nowhere: no local analysis and no remote artifact',
}

function cmdRemote(flags, positionals, out) {
  const [sub, ...extra] = positionals
  if (sub !== 'status' || extra.length) {
    throw usage('BAD_ARGUMENTS', `remote takes one subcommand: status (got '${positionals.join(' ')}')`)
  }
  const remote = remoteOption(flags)
  const report = addon.remoteCacheStatus(remote === undefined ? undefined : remote)
  if (flags.json) out.json(report)
  if (report.configured) {
    out.line(`remote cache: ${report.backend} ${report.endpoint}${report.readOnly ? ' (read-only)' : ''}`)
    out.line(`  signature: ${report.signed ? 'key set' : 'off'}; producer identity: ${report.producer}`)
  }
  for (const c of report.checks) out.line(`  ${c.name}: ${c.ok ? out.green('ok') : out.red('failed')}: ${c.message}`)
  return report.ok ? EXIT.OK : EXIT.DIFFERENCE
}

function cmdStatus(flags, positionals, out) {
  const project = resolveProject(positionals[0], flags)
  const check = checkDispatch(project, { remote: remoteOption(flags) })
  const c = check.cache
  printDebug(out, flags, c)
  if (flags.json) out.json(statusObject(project, check))
  out.line(`${project.root}`)
  const colour = c.status === 'hit' ? out.green : c.status === 'miss' ? out.yellow : out.dim
  out.line(`  status: ${colour(c.status)} (${c.reason}): ${STATUS_WORDS[c.reason] ?? c.reason}`)
  if (c.remote) out.line(`  source: ${SOURCE_WORDS[c.remote.source] ?? c.remote.source} (${c.remote.endpoint})`)
  if (c.delta) {
    const d = c.delta
    out.line(`  files: +${d.added.length} ~${d.changed.length} -${d.deleted.length} =${d.unchanged.length}`)
  }
  if (c.analysisRebuild) out.line(`  rebuild: ${c.analysisRebuild.strategy} (${c.analysisRebuild.reason})`)
  for (const w of c.warnings ?? []) out.line(`  ${out.yellow('warning')}: ${w.message}${w.path ? ` (${w.path})` : ''}`)
  return flags['exit-code'] && c.status !== 'hit' ? EXIT.DIFFERENCE : EXIT.OK
}

/** The engine's per-file reasons for src and locales against the stored index. */
function fileReasons(project, index) {
  const alg = indexAlgorithm(index)
  const src = addon.fingerprintSync({ ...srcOptions(project, alg), previous: asEngineRecords(index?.files) })
  const loc = addon.fingerprintSync({
    ...localeOptions(project, alg),
    previous: asEngineRecords(index?.localeSegments),
  })
  return { src, loc }
}

function cmdExplain(flags, positionals, out) {
  const project = resolveProject(positionals[0], flags)
  const check = checkDispatch(project)
  const c = check.cache
  printDebug(out, flags, c)
  const paths = cachePaths(project)
  const stored = readJson(paths.files)
  const index = stored.json
  const { src, loc } = fileReasons(project, index)
  const reasons = {}
  for (const r of src.delta.reasons) reasons[r.path] = { ...r, role: 'src' }
  for (const r of loc.delta.reasons) reasons[r.path] = { ...r, role: 'locale' }
  const cls = c.classified
  const roleOf = (p) =>
    cls?.sourceLocale.includes(p)
      ? 'source locale'
      : cls?.targetLocale.includes(p)
        ? 'target locale'
        : reasons[p]?.role === 'src'
          ? 'src'
          : 'locale'
  const changed = [...src.delta.reasons, ...loc.delta.reasons].map((r) => ({
    path: r.path,
    role: roleOf(r.path),
    change: r.change,
    reason: r.reason,
    words: FILE_WORDS[r.reason] ?? r.reason,
  }))
  const result = {
    root: project.root,
    status: c.status,
    reason: c.reason,
    index: stored.missing ? 'missing' : stored.error ? 'unreadable' : 'present',
    files: changed,
    ...(cls ? { classified: cls } : {}),
    ...(c.analysisRebuild ? { analysisRebuild: c.analysisRebuild } : {}),
    summary: explainSummary(c),
  }
  if (flags.json) {
    out.json(result)
    return EXIT.OK
  }
  out.line(`${project.root}`)
  out.line(`  next run: ${c.status} (${c.reason}): ${STATUS_WORDS[c.reason] ?? c.reason}`)
  if (result.index !== 'present') out.line(`  files index: ${result.index} (${paths.files})`)
  if (changed.length === 0) out.line('  no file differs from the stored index')
  else out.line(`  ${changed.length} file(s) differ from the stored index:`)
  for (const f of changed) out.line(`    ${f.change} ${f.role}: ${f.path} — ${f.words}`)
  if (cls) {
    const parts = []
    const s = cls.src
    if (s.added.length + s.changed.length + s.deleted.length) {
      parts.push(`src ${s.changed.length} changed, ${s.added.length} added, ${s.deleted.length} deleted`)
    }
    if (cls.sourceLocale.length) parts.push(`source locale: ${cls.sourceLocale.join(', ')}`)
    if (cls.targetLocale.length) parts.push(`target locales: ${cls.targetLocale.join(', ')}`)
    if (cls.layoutChanged) parts.push('locales layout changed')
    if (parts.length) out.line(`  classified: ${parts.join('; ')}`)
  }
  out.line(`  decision: ${result.summary}`)
  return EXIT.OK
}

function explainSummary(c) {
  if (c.status === 'hit') return 'nothing to rebuild: the stored analysis would be served'
  if (c.status === 'bypass' || c.status === 'disabled') return 'the cache is off: the analysis would be built in full, nothing read or written'
  return rebuildWords(c.analysisRebuild) ?? `the analysis would be built by the producer (${c.reason})`
}

function cmdScan(flags, positionals, out) {
  const project = resolveProject(positionals[0], flags)
  if (project.noCache) {
    out.line('cache off (--no-cache): nothing scanned, nothing written')
    if (flags.json) out.json({ root: project.root, written: false, reason: 'no_cache' })
    return EXIT.OK
  }
  const t0 = performance.now()
  // The core refreshes files.json exactly as a host dispatch does: stored hashes are reused
  // where the stat hints vouch for them, and the hints are written, so a second scan or a
  // status after a scan reads no content.
  const scanned = scanFilesIndex(project)
  const ms = performance.now() - t0
  const result = {
    root: project.root,
    written: scanned.written,
    unchanged: scanned.unchanged,
    path: scanned.filesPath,
    srcFiles: scanned.srcFiles,
    localeSegments: scanned.localeSegments,
    hashed: scanned.hashed,
    reused: scanned.reused,
    bytesHashed: scanned.bytesRead,
    warnings: scanned.warnings,
    ms: Math.round(ms),
  }
  if (flags.json) out.json(result)
  out.line(
    `scanned ${result.srcFiles} src files and ${result.localeSegments} locale segments ` +
      `(${result.hashed} read, ${result.reused} unchanged by stat; ${result.bytesHashed} bytes) in ${result.ms} ms`,
  )
  if (scanned.written) out.line(`  wrote ${scanned.filesPath}`)
  else if (scanned.unchanged) out.line(`  up to date: ${scanned.filesPath}`)
  else out.line(`  ${out.yellow('not written')}: ${scanned.filesPath}`)
  for (const w of result.warnings) out.line(`  ${out.yellow('warning')}: ${w.message}${w.path ? ` (${w.path})` : ''}`)
  return scanned.written || scanned.unchanged ? EXIT.OK : EXIT.RUNTIME
}

function compareMaps(kind, stored, fresh, problems) {
  for (const [p, r] of Object.entries(fresh)) {
    const s = stored?.[p]
    if (!s) problems.push({ kind, path: p, problem: 'on disk but not in the index' })
    else if (s.hash !== r.hash) problems.push({ kind, path: p, problem: 'hash differs from the index' })
    else if (s.size !== r.size) problems.push({ kind, path: p, problem: 'size differs from the index' })
  }
  for (const p of Object.keys(stored ?? {})) {
    if (p === '__source_locale__') continue
    if (!(p in fresh)) problems.push({ kind, path: p, problem: 'in the index but not on disk' })
  }
}

const sorted = (a) => [...a].sort()
const sameList = (a, b) => JSON.stringify(sorted(a ?? [])) === JSON.stringify(sorted(b ?? []))

function cmdVerify(flags, positionals, out) {
  const project = resolveProject(positionals[0], flags)
  const paths = cachePaths(project)
  const stored = readJson(paths.files)
  const problems = []
  const disagreements = []
  if (stored.missing) problems.push({ kind: 'index', path: paths.files, problem: 'no files index (run a host or cachecore scan)' })
  else if (stored.error) problems.push({ kind: 'index', path: paths.files, problem: stored.error })
  const index = stored.json ?? {}
  const alg = indexAlgorithm(index)
  // From scratch: every file read, nothing reused.
  const src = addon.fingerprintSync({ ...srcOptions(project, alg), strategy: 'hash-always' })
  const loc = addon.fingerprintSync({ ...localeOptions(project, alg), strategy: 'hash-always' })
  const fresh = { src: asContractMap(src.records, ''), loc: asContractMap(loc.records, '') }
  if (stored.json) {
    compareMaps('src', index.files, fresh.src, problems)
    compareMaps('locale', index.localeSegments, fresh.loc, problems)
    if (index.localesLayout && !addon.layoutMatches(index.localesLayout, project.locales)) {
      problems.push({ kind: 'layout', path: paths.files, problem: 'the stored locales layout differs from the project' })
    }
  }
  // The core's incremental check must agree with the from-scratch one.
  const check = checkDispatch(project)
  const c = check.cache
  printDebug(out, flags, c)
  if (c.delta && stored.json) {
    const storedMap = { ...index.files, ...index.localeSegments }
    delete storedMap.__source_locale__
    for (const k of Object.keys(storedMap)) storedMap[k] = { ...storedMap[k], mtimeMs: 0, updatedAt: '' }
    const scratch = addon.diffProjectFiles(storedMap, { ...fresh.src, ...fresh.loc })
    for (const kind of ['added', 'changed', 'deleted']) {
      if (!sameList(scratch[kind], c.delta[kind])) {
        disagreements.push(
          `${kind}: core says [${sorted(c.delta[kind]).join(', ')}], from scratch [${sorted(scratch[kind]).join(', ')}]`,
        )
      }
    }
    if (c.analysisRebuild) {
      // Classify and decide from the from-scratch delta, with the core's pure policy exports.
      const analysis = readJson(paths.analysis).json
      const baselineEpoch = addon.computeInputFilesEpoch(storedMap, alg)
      const hasPrevious = Boolean(analysis && 'data' in analysis && analysis.inputFilesEpoch === baselineEpoch)
      const srcKeys = Object.keys(fresh.src)
      const locKeys = Object.keys(fresh.loc)
      const baseLocKeys = Object.keys(index.localeSegments ?? {})
      const source = project.locales.source
      const sourceKeys =
        project.locales.mode === 'flat_file'
          ? [`${source}.json`]
          : [...new Set([...locKeys, ...baseLocKeys])].filter((k) => k.startsWith(`${source}/`)).sort()
      const classified = addon.classifyCacheFileDelta({
        delta: scratch,
        currentSrcFileKeys: srcKeys,
        baselineSrcFileKeys: Object.keys(index.files ?? {}).filter((k) => k !== '__source_locale__'),
        currentLocaleSegmentKeys: locKeys,
        baselineLocaleSegmentKeys: baseLocKeys,
        sourceLocaleSegmentKey: sourceKeys[0] ?? `${source}.json`,
        sourceLocaleSegmentKeys: sourceKeys,
        ...(index.localesLayout ? { previousLayout: index.localesLayout } : {}),
        currentLayout: project.locales,
        filesIndexStatus: { kind: Object.keys(storedMap).length ? 'ok' : 'empty' },
      })
      const decision = addon.decideAnalysisRebuild({
        config: addon.resolveCacheRebuildConfig({
          ...(project.profile ? { profile: project.profile } : {}),
          ...(project.rebuild ? { rebuild: project.rebuild } : {}),
        }),
        classified,
        hasPrevious,
        trackedSrcCount: srcKeys.length,
      })
      if (decision.strategy !== c.analysisRebuild.strategy || decision.reason !== c.analysisRebuild.reason) {
        disagreements.push(
          `decision: core says ${c.analysisRebuild.strategy}/${c.analysisRebuild.reason}, from scratch ${decision.strategy}/${decision.reason}`,
        )
      }
    }
  }
  if (c.status === 'hit' && c.reason === 'cache_hit') {
    const analysis = readJson(paths.analysis).json
    const epoch = addon.computeInputFilesEpoch({ ...fresh.src, ...fresh.loc }, alg)
    if (analysis && analysis.inputFilesEpoch !== epoch) {
      disagreements.push(`epoch: the core would serve analysis.json bound to ${analysis.inputFilesEpoch}, the files hash to ${epoch}`)
    }
    if (problems.length) disagreements.push('the core would serve a hit although the index differs from disk')
  }
  const ok = problems.length === 0 && disagreements.length === 0
  if (flags.json) {
    out.json({ root: project.root, ok, files: problems, disagreements, status: c.status, reason: c.reason })
  }
  if (ok) out.line(`${out.green('ok')}: ${src.records.length + loc.records.length} files match ${paths.files}; the core's decision agrees (${c.status}, ${c.reason})`)
  else {
    if (problems.length) out.line(`${out.red('differs')}: ${problems.length} difference(s) from ${paths.files}:`)
    for (const p of problems) out.line(`  ${p.kind} ${p.path}: ${p.problem}`)
    for (const d of disagreements) out.line(`  ${out.red('disagreement')}: ${d}`)
    if (problems.length && !disagreements.length && c.status !== 'hit') {
      out.line(`  the core sees the same: next run ${c.status} (${c.reason}); the index is behind the files, not corrupt`)
    }
  }
  return ok ? EXIT.OK : EXIT.DIFFERENCE
}

function printKept(kept, out) {
  for (const k of kept) out.line(`  ${out.yellow('kept')}: ${k}`)
}

function cmdClean(flags, positionals, out) {
  if (flags.all) {
    if (positionals.length) throw usage('BAD_ARGUMENTS', 'clean --all takes no project root')
    const home = resolveHome(flags)
    const root = flags['cache-dir'] ? path.resolve(flags['cache-dir']) : cacheRootOf(home)
    if (!fs.existsSync(root)) {
      if (flags.json) out.json({ removed: false, path: root, bytes: 0 })
      out.line(`nothing to clean: ${root} does not exist`)
      return EXIT.OK
    }
    // The core refuses (NOT_A_CACHE_ROOT) unless meta.json is a valid projects index, and
    // removes only the files cachecore writes: anything else in the directory stays.
    requireExports(['cleanCacheRoot'])
    let r
    try {
      r = addon.cleanCacheRoot(root)
    } catch (e) {
      if (e.code === 'NOT_A_CACHE_ROOT') throw new CliError('NOT_A_CACHE_ROOT', e.message)
      throw e
    }
    if (flags.json) out.json({ removed: r.removed, path: root, bytes: r.bytes, files: r.files, kept: r.kept })
    out.line(`${r.removed ? 'removed' : 'cleaned'} ${root} (${r.files} files, ${formatBytes(r.bytes)})`)
    printKept(r.kept, out)
    return EXIT.OK
  }
  const project = resolveProject(positionals[0], flags)
  requireExports(['cleanProjectCache'])
  const r = addon.cleanProjectCache(resolveState(project))
  if (flags.json) out.json({ removed: r.removed, path: r.path, bytes: r.bytes, files: r.files, kept: r.kept, projectId: path.basename(r.path) })
  out.line(r.removed ? `removed ${r.path} (${formatBytes(r.bytes)})` : r.kept.length ? `not removed: ${r.path}` : `nothing to clean: ${r.path} does not exist`)
  printKept(r.kept, out)
  return EXIT.OK
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

function cmdInfo(flags, positionals, out) {
  if (positionals.length) throw usage('BAD_ARGUMENTS', 'info takes no arguments')
  const home = resolveHome(flags)
  const root = flags['cache-dir'] ? path.resolve(flags['cache-dir']) : cacheRootOf(home)
  const meta = readJson(path.join(root, 'meta.json'))
  const projects = Object.entries(meta.json?.projects ?? {}).map(([key, id]) => {
    const dir = path.join(root, 'projects', String(id))
    return { root: key, id, dir, exists: fs.existsSync(dir), bytes: diskUsage(dir) }
  })
  const result = {
    version: addon.version(),
    binaryTarget: addon.binaryTarget(),
    home,
    cacheRoot: root,
    meta: meta.missing ? 'missing' : meta.error ? `unreadable: ${meta.error}` : 'ok',
    projects,
    totalBytes: diskUsage(root),
  }
  if (flags.json) out.json(result)
  out.line(`cachecore ${result.version} (${result.binaryTarget})`)
  out.line(`  home: ${home}`)
  out.line(`  cache root: ${root}${meta.missing ? ' (no meta.json yet)' : ''}`)
  out.line(`  projects: ${projects.length}, ${formatBytes(result.totalBytes)} on disk`)
  for (const p of projects) {
    out.line(`    ${p.root}  ${p.id}  ${p.exists ? formatBytes(p.bytes) : out.dim('(no cache dir)')}`)
  }
  return EXIT.OK
}

/** The source locale's segment keys, relative to the locales directory. */
function sourceSegmentKeys(project) {
  if (project.locales.mode === 'flat_file') return [`${project.locales.source}.json`]
  const dir = path.join(project.localesDir, project.locales.source)
  const keys = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.json')) keys.push(path.relative(project.localesDir, p).split(path.sep).join('/'))
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return keys.sort()
}

function cmdWatch(flags, positionals, out) {
  const project = resolveProject(positionals[0], flags)
  const rel = (p) => path.relative(project.root, p).split(path.sep).join('/')
  const describe = (e) => {
    const d = e.delta
    const files = `+${d.added.length} ~${d.changed.length} -${d.deleted.length}${d.unknown.length ? ` ?${d.unknown.length}` : ''}`
    const decision = e.decision
      ? `${e.decision.strategy} (${e.decision.reason})`
      : e.kind === 'change' ? 'hit (no tracked file changed)' : ''
    const why = e.rescan ? ` rescan: ${e.rescan.reason}` : ''
    return `${new Date().toISOString()} ${e.kind} [${e.mode}] ${files} ${decision}${why}`.trimEnd()
  }
  const watcher = addon.watch(
    {
      root: project.root,
      exclude: { dirs: DEFAULT_SKIPPED_DIRS },
      hash: 'sha256',
      poll: Boolean(flags.poll),
      layout: { srcDir: rel(project.srcRoot), localesDir: rel(project.localesDir), sourceLocaleSegmentKeys: sourceSegmentKeys(project) },
    },
    (event) => {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(event)}\n`)
        return
      }
      out.line(describe(event))
      const reasons = event.kind === 'ready' ? [] : event.delta.reasons
      for (const r of reasons.slice(0, 12)) out.line(`    ${r.change}: ${r.path} (${r.reason})`)
      if (reasons.length > 12) out.line(`    ... ${reasons.length - 12} more`)
      for (const w of event.warnings) out.line(`  warning: ${w.message}${w.path ? ` (${w.path})` : ''}`)
    },
  )
  const stop = () => {
    watcher.close()
    process.exitCode = EXIT.OK
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return EXIT.OK
}

// ---------------------------------------------------------------------------------------------

function main(argv) {
  const verbose = argv.includes('--verbose')
  const wantJson = argv.includes('--json')
  try {
    const [name, ...rest] = argv
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      ;(name ? process.stdout : process.stderr).write(GLOBAL_HELP)
      return name ? EXIT.OK : EXIT.USAGE
    }
    if (name === '--version' || name === '-V') {
      process.stdout.write(`${addon.version()}\n`)
      return EXIT.OK
    }
    const cmd = COMMANDS[name]
    if (!cmd) {
      throw usage('UNKNOWN_COMMAND', `unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`)
    }
    const { flags, positionals } = parseArgs(rest, cmd.spec)
    if (flags.help) {
      process.stdout.write(cmd.help)
      return EXIT.OK
    }
    if (positionals.length > 1 && name !== 'remote') throw usage('BAD_ARGUMENTS', `${name} takes at most one project root`)
    checkProfile(flags['cache-profile'])
    const out = makeOutput(flags)
    return cmd.run(flags, positionals, out)
  } catch (e) {
    return reportError(e, { json: wantJson, verbose })
  }
}

process.exitCode = main(process.argv.slice(2))
