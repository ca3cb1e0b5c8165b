#!/usr/bin/env node
// i18n-host: a small i18n CLI that delegates its cache to cachecore, the way i18nprune does.
// It owns its flags, its home and its printing; cachecore decides whether the analysis is
// served, reused, patched or rebuilt, and owns the files on disk.
//
//   node examples/host/i18n-host.mjs [root] [--no-cache] [--debug-cache]
//        [--cache-profile safe|balanced|fast] [--home <dir>] [--json]
//        [--src <dir>] [--locales <dir>] [--source-locale <code>]
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { dispatchInput } from './analysis.mjs'

const require = createRequire(import.meta.url)
const cachecore = require('cachecore') // the package entry, as a host loads it

const PREFIX = '[i18n-host] [cache] '
const LABEL = 'project analysis'
const PROFILES = ['safe', 'balanced', 'fast']
const HELP = `Usage: i18n-host [root] [flags]

Reports the translation keys a project uses, the ones missing from its source locale, the
unused ones and the dynamic sites, keeping the analysis in cachecore's cache.

  --no-cache                 do not read or write the cache (status bypass)
  --debug-cache              print cachecore's decision, prefixed '${PREFIX}'
  --cache-profile <profile>  safe, balanced (default) or fast
  --home <dir>               cache home (else CACHECORE_HOME, else ~/.cachecore); cache in <home>/cache
  --src <dir>                source root (default src)
  --locales <dir>            locales directory (default locales)
  --source-locale <code>     source locale (default en)
  --json                     print { analysis, cache, producer } as JSON
`

function fail(code, message, exit = 2) {
  process.stderr.write(`i18n-host: error ${code}: ${message}\n`)
  process.exit(exit)
}

let args
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      'no-cache': { type: 'boolean' },
      'debug-cache': { type: 'boolean' },
      'cache-profile': { type: 'string' },
      home: { type: 'string' },
      src: { type: 'string', default: 'src' },
      locales: { type: 'string', default: 'locales' },
      'source-locale': { type: 'string', default: 'en' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
} catch (e) {
  fail('USAGE', e.message.split('\n')[0])
}
const flags = args.values
if (flags.help) {
  process.stdout.write(HELP)
  process.exit(0)
}
if (args.positionals.length > 1) fail('USAGE', 'at most one project root')
if (flags['cache-profile'] !== undefined && !PROFILES.includes(flags['cache-profile'])) {
  fail('BAD_CACHE_PROFILE', `--cache-profile must be one of ${PROFILES.join(', ')} (got '${flags['cache-profile']}')`)
}

// The host's own configuration: where things are, and where its cache home is.
const root = path.resolve(args.positionals[0] ?? '.')
const home = path.resolve(flags.home ?? process.env.CACHECORE_HOME ?? path.join(os.homedir(), '.cachecore'))
const localesDir = path.resolve(root, flags.locales)
const project = {
  root,
  srcRoot: path.resolve(root, flags.src),
  localesDir,
  sourceLocalePath: path.join(localesDir, `${flags['source-locale']}.json`),
  locales: { source: flags['source-locale'], directory: flags.locales, mode: 'flat_file', structure: 'locale_file' },
}

// Delegate: the flags go straight through; the core decides.
const runtime = { hashText: 'sha256' }
const { state, warnings: stateWarnings } = cachecore.initializeCacheState({
  projectRoot: project.root,
  cacheRootDir: path.join(home, 'cache'),
  noCache: Boolean(flags['no-cache']),
  runtime,
})
const stats = {}
let result
try {
  result = cachecore.getOrBuildCachedProjectData(
    dispatchInput(cachecore, project, { state, runtime, profile: flags['cache-profile'], stats }),
  )
} catch (e) {
  fail(e.code ?? 'INTERNAL', String(e.message).split('\n')[0], 3)
}
const { data, cache } = result

if (flags['debug-cache']) {
  for (const w of stateWarnings) process.stderr.write(`${PREFIX}warning: ${w.message}${w.path ? ` (${w.path})` : ''}\n`)
  for (const line of cachecore.cacheDispatchMessageLines(LABEL, cache)) process.stderr.write(`${PREFIX}${line.message}\n`)
}

const producer = stats.mode ? { ran: true, mode: stats.mode, filesRead: stats.filesRead } : { ran: false }
if (flags.json) {
  process.stdout.write(
    `${JSON.stringify({ analysis: data, cache: { status: cache.status, reason: cache.reason, analysisRebuild: cache.analysisRebuild }, producer }, null, 2)}\n`,
  )
} else {
  const out = (s = '') => process.stdout.write(`${s}\n`)
  const list = (title, items) => {
    out(`${title} (${items.length})${items.length ? ':' : ''}`)
    for (const i of items) out(`  ${i}`)
  }
  out(`${Object.keys(data.files).length} source files, ${data.usedKeys.length} keys used, ${data.sourceKeys.length} in ${flags['source-locale']}`)
  list('missing from the source locale', data.missingKeys)
  list('unused', data.unusedKeys)
  list('dynamic sites', data.dynamicSites.map((d) => `${d.file}:${d.line}  t(\`${d.expr}\`)`))
  out(
    producer.ran
      ? `analysis: ${producer.mode}, ${producer.filesRead} source file(s) read`
      : cache.status === 'hit'
        ? 'analysis: from cache, no source file read'
        : `analysis: reused (${cache.analysisRebuild?.reason}), no source file read`,
  )
}

// A shared cache (TURBO_TOKEN, ...) uploads in the background; the process exit waits for it.
// Under --debug-cache, wait here instead and say what became of it.
if (flags['debug-cache'] && cache.remote?.upload === 'scheduled') {
  const { pending, done } = await cachecore.flushRemoteUploads()
  for (const u of done) {
    const what = `${u.kind}${u.commit ? ` ${u.commit.slice(0, 12)}` : ''}`
    process.stderr.write(`${PREFIX}remote upload ${what}: ${u.warning ? `failed: ${u.warning.message}` : `${u.result} (${u.bytes} bytes)`}\n`)
  }
  if (pending) process.stderr.write(`${PREFIX}remote upload: ${pending} still running\n`)
}
