// The example host's own work: extract translation keys from source files and compare them
// with the source locale. Nothing here knows about caching except the producer, which
// receives the core's decision (ctx) and does exactly the work it asks for.
import fs from 'node:fs'
import path from 'node:path'

/** The data's schema tag; parseCachedData rejects anything else. */
export const SCHEMA = 'i18n-host/analysis@1'

/** §8: the src files a host analyses (the same set the core tracks). */
const SRC_FILE = /\.(tsx?|jsx?|mjs|cjs|vue|svelte)$/i
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', '.git', 'coverage', '.next', 'out'])
const MAX_DEPTH = 48
/** The `production` preset's rules, listed before the host's own. */
const PRODUCTION = {
  dirs: ['node_modules', 'dist', 'build', 'compiled', 'tests', 'bench'],
  files: ['pnpm-lock.yaml', 'package-lock.json', 'yarn.lock'],
  extensions: ['test.ts', 'test.tsx', 'spec.ts', 'spec.tsx', 'test.js', 'test.jsx', 'spec.js', 'spec.jsx'],
}

/**
 * The host's exclude rules (`{ preset?, dirs?, files?, extensions?, patterns?, useDefaultSkip? }`,
 * strings or RegExps) as predicates: directory rules test a directory's name, file rules a
 * file's name, extension rules every dotted suffix of the name lower-cased, patterns the
 * src-relative path.
 */
export function excludeRules(exclude = {}) {
  const preset = exclude.preset === 'production' ? PRODUCTION : {}
  const both = (k) => [...(preset[k] ?? []), ...(exclude[k] ?? [])]
  const split = (rules, norm = (s) => s.trim()) => ({
    strings: new Set(rules.filter((r) => typeof r === 'string').map(norm).filter(Boolean)),
    regexps: rules.filter((r) => typeof r !== 'string'),
  })
  const dirs = split(both('dirs'))
  const files = split(both('files'))
  const exts = split(both('extensions'), (s) => {
    const t = s.trim().toLowerCase()
    return t.startsWith('.') ? t.slice(1) : t
  })
  const patterns = both('patterns').map((p) => (typeof p === 'string' ? new RegExp(p) : p))
  const useDefault = exclude.useDefaultSkip !== false
  const suffixes = (name) => {
    const parts = name.split('.')
    const out = []
    for (let i = 1; i < parts.length; i++) out.push(parts.slice(i).join('.').toLowerCase())
    return out
  }
  return {
    skipDir: (name) => (useDefault && SKIPPED_DIRS.has(name)) || dirs.strings.has(name) || dirs.regexps.some((r) => r.test(name)),
    skipFile: (name, rel) =>
      files.strings.has(name) ||
      files.regexps.some((r) => r.test(name)) ||
      suffixes(name).some((s) => exts.strings.has(s) || exts.regexps.some((r) => r.test(s))) ||
      patterns.some((r) => r.test(rel)),
  }
}

/**
 * Every src file under `srcRoot`, as sorted srcRoot-relative POSIX paths. Links are followed
 * (a link to a file is a file, a link to a directory a directory), as an i18n CLI's walk does.
 */
export function listSourceFiles(srcRoot, exclude) {
  const rules = excludeRules(exclude)
  const out = []
  const kind = (dir, e) => {
    if (e.isFile()) return 'file'
    if (e.isDirectory()) return 'dir'
    if (!e.isSymbolicLink()) return 'other'
    try {
      const st = fs.statSync(path.join(dir, e.name))
      return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other'
    } catch {
      return 'other'
    }
  }
  const walk = (dir, rel, depth) => {
    let entries
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name
      const k = kind(dir, e)
      if (k === 'dir') {
        if (!rules.skipDir(e.name) && depth < MAX_DEPTH) walk(path.join(dir, e.name), childRel, depth + 1)
      } else if (k === 'file' && SRC_FILE.test(e.name) && !rules.skipFile(e.name, childRel)) {
        out.push(childRel)
      }
    }
  }
  walk(srcRoot, '', 0)
  return out.sort()
}

const QUOTED = /\bt\(\s*(['"])((?:\\.|(?!\1)[^\\\n])*)\1/g
const TEMPLATE = /\bt\(\s*`((?:\\.|[^`\\])*)`/g

/**
 * The keys one file uses: `{ keys, dynamic }`. `t('a.b')`, `t("a.b")` and `` t(`a.b`) `` are
 * static keys; a template literal with `${}` is a dynamic site `{ line, expr }`.
 */
export function extractFromText(text) {
  const keys = new Set()
  const dynamic = []
  const lineAt = (index) => text.slice(0, index).split('\n').length
  for (const m of text.matchAll(QUOTED)) keys.add(m[2])
  for (const m of text.matchAll(TEMPLATE)) {
    if (m[1].includes('${')) dynamic.push({ line: lineAt(m.index), expr: m[1] })
    else keys.add(m[1])
  }
  return { keys: [...keys].sort(), dynamic }
}

/** Extracts one src file (srcRoot-relative); a vanished or unreadable file uses no keys. */
export function extractFile(srcRoot, rel) {
  let text
  try {
    text = fs.readFileSync(path.join(srcRoot, rel), 'utf8')
  } catch {
    return { keys: [], dynamic: [] }
  }
  return extractFromText(text)
}

function flatten(node, prefix, out) {
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    for (const [k, v] of Object.entries(node)) flatten(v, prefix ? `${prefix}.${k}` : k, out)
  } else if (prefix) {
    out.add(prefix)
  }
  return out
}

/**
 * The source locale's keys, sorted: a flat file (`en.json`) or, for a locale directory, every
 * `en/<ns>.json` with its keys under `<ns>.`.
 */
export function loadSourceKeys(sourceLocalePath) {
  const out = new Set()
  const readJson = (file) => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'))
    } catch {
      return {}
    }
  }
  let st
  try {
    st = fs.statSync(sourceLocalePath)
  } catch {
    return []
  }
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(sourceLocalePath).sort()) {
      if (name.endsWith('.json')) flatten(readJson(path.join(sourceLocalePath, name)), name.slice(0, -5), out)
    }
  } else {
    flatten(readJson(sourceLocalePath), '', out)
  }
  return [...out].sort()
}

/** The report fields derived from per-file results and the source keys (always recomputed). */
export function derive(files, sourceKeys) {
  const used = new Set()
  const dynamicSites = []
  for (const rel of Object.keys(files).sort()) {
    for (const k of files[rel].keys) used.add(k)
    for (const d of files[rel].dynamic) dynamicSites.push({ file: rel, line: d.line, expr: d.expr })
  }
  const source = new Set(sourceKeys)
  const prefixes = dynamicSites.map((d) => d.expr.slice(0, d.expr.indexOf('${'))).filter(Boolean)
  const usedKeys = [...used].sort()
  return {
    usedKeys,
    missingKeys: usedKeys.filter((k) => !source.has(k)),
    // A key a dynamic site may reach (its static prefix) is not reported unused.
    unusedKeys: sourceKeys.filter((k) => !used.has(k) && !prefixes.some((p) => k.startsWith(p))),
    dynamicSites,
  }
}

function assemble(files, sourceKeys) {
  const sorted = {}
  for (const rel of Object.keys(files).sort()) sorted[rel] = files[rel]
  return { schema: SCHEMA, files: sorted, sourceKeys, ...derive(sorted, sourceKeys) }
}

/** A full analysis: every src file, the source locale. */
export function fullAnalysis(project) {
  const files = {}
  for (const rel of listSourceFiles(project.srcRoot, project.exclude)) files[rel] = extractFile(project.srcRoot, rel)
  return assemble(files, loadSourceKeys(project.sourceLocalePath))
}

/** `parseCachedData`: only data of this schema, with its per-file results, is trusted. */
export function parseCachedData(data) {
  const ok =
    data &&
    typeof data === 'object' &&
    data.schema === SCHEMA &&
    data.files &&
    typeof data.files === 'object' &&
    Array.isArray(data.sourceKeys) &&
    Object.values(data.files).every((f) => f && Array.isArray(f.keys) && Array.isArray(f.dynamic))
  return ok ? { ok: true, data } : { ok: false }
}

/**
 * The producer: does what the core's decision asks. `stats.mode` tells the caller which path
 * ran and `stats.filesRead` how many src files were read.
 */
export function makeProducer(project, stats = {}) {
  return (ctx) => {
    const decision = ctx?.analysisRebuild
    const previous = ctx?.previous !== undefined ? parseCachedData(ctx.previous) : { ok: false }
    if (decision?.strategy === 'partial' && previous.ok) {
      const prev = previous.data
      if (decision.reason === 'src_partial') {
        // Re-scan only the added and changed files; drop the deleted ones.
        const files = { ...prev.files }
        const src = ctx.classified.src
        for (const rel of src.deleted) delete files[rel]
        for (const rel of [...src.added, ...src.changed]) files[rel] = extractFile(project.srcRoot, rel)
        Object.assign(stats, { mode: 'src_partial', filesRead: src.added.length + src.changed.length })
        return assemble(files, prev.sourceKeys)
      }
      if (decision.reason === 'source_locale_partial') {
        // The source locale changed and nothing else: refresh the keys, keep every file's result.
        Object.assign(stats, { mode: 'source_locale_partial', filesRead: 0 })
        return assemble(prev.files, loadSourceKeys(project.sourceLocalePath))
      }
    }
    const data = fullAnalysis(project)
    Object.assign(stats, { mode: 'full', filesRead: Object.keys(data.files).length })
    return data
  }
}

/**
 * The host's dispatch input: its project layout, the rebuild config of the `--cache-profile`
 * it was given (`profile`, optional), its producer (reporting into `stats`) and its validator.
 * `cachecore` is the loaded addon.
 */
export function dispatchInput(cachecore, project, { state, runtime, profile, stats }) {
  return {
    state,
    runtime,
    rebuildConfig: cachecore.resolveCacheRebuildConfig(profile ? { profile } : {}),
    sourceLocalePath: project.sourceLocalePath,
    srcRoot: project.srcRoot,
    localesDir: project.localesDir,
    locales: project.locales,
    ...(project.exclude ? { exclude: project.exclude } : {}),
    producer: makeProducer(project, stats),
    parseCachedData,
  }
}
