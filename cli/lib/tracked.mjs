// The tracked files of a project as the engine sees them (§8 walks), and the stored index.
import fs from 'node:fs'
import path from 'node:path'
import { addon, HASH, resolveState } from './core.mjs'
import { CliError } from './errors.mjs'

// §8's rules come from the core, so the CLI's walks are the dispatch's walks.
const RULES = addon.trackedWalkRules()
/** §8: src files by extension, case-insensitive. */
export const SRC_PATTERN = RULES.srcPattern
/** §8: directory names skipped by default. */
export const DEFAULT_SKIPPED_DIRS = RULES.skippedDirs

/**
 * The engine options of the project's src walk, from the core (`srcWalkOptions`): exactly what
 * a dispatch with the project's `exclude` and src pattern tracks (links followed, no git ignore
 * rules). A rule the core refuses is `CONFIG_INVALID`.
 */
export function srcWalk(project) {
  if (!project.srcWalk) {
    try {
      project.srcWalk = addon.srcWalkOptions({
        ...(project.exclude ? { exclude: project.exclude } : {}),
        ...(project.srcPattern ? { srcPattern: project.srcPattern } : {}),
      })
    } catch (e) {
      const where = project.configFile ? ` (${project.configFile})` : ''
      throw new CliError('CONFIG_INVALID', `${e.message}${where}`)
    }
  }
  return project.srcWalk
}

/** fingerprint options for the src walk. */
export function srcOptions(project, hash = HASH) {
  return { root: project.srcRoot, ...srcWalk(project), hash }
}

/** fingerprint options for the locale walk (top level only for `locale_file`), as the dispatch walks. */
export function localeOptions(project, hash = HASH) {
  const flat = project.locales.structure === 'locale_file'
  return {
    root: project.localesDir,
    include: { pattern: flat ? '^[^/]*\\.json$' : '\\.json$' },
    maxDepth: flat ? 1 : RULES.localeMaxDepth,
    followSymlinks: true,
    gitignore: false,
    hash,
  }
}

/** The project's cache paths, as the core resolves them (`resolveCacheState`, no IO). */
export function cachePaths(project) {
  const state = resolveState(project)
  return {
    rootDir: state.rootDir,
    meta: state.metaPath,
    projectId: state.projectId,
    projectDir: state.projectDir,
    files: state.filesPath,
    analysis: state.analysisPath,
  }
}

/** Reads a JSON file: `{ json }`, `{ missing: true }` or `{ error }`. Never throws. */
export function readJson(file) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    return e.code === 'ENOENT' ? { missing: true } : { error: e.message }
  }
  try {
    return { json: JSON.parse(text) }
  } catch (e) {
    // One line: V8's message quotes the start of the text, newlines included.
    return { error: `not valid JSON: ${e.message.replace(/\s+/g, ' ')}` }
  }
}

/** The hash algorithm of a stored index: recorded, else told by the hash length. */
export function indexAlgorithm(index) {
  if (index && typeof index.algorithm === 'string') return index.algorithm
  const any = Object.values(index?.files ?? {})[0] ?? Object.values(index?.localeSegments ?? {})[0]
  return typeof any?.hash === 'string' && any.hash.length === 16 ? 'fnv1a64' : 'sha256'
}

/** Records of a files.json map as engine records (`previous` of fingerprint). */
export function asEngineRecords(map) {
  return Object.entries(map ?? {}).map(([p, r]) => ({ path: p, hash: r.hash, size: r.size, mtimeMs: 0 }))
}

/** Engine records as a contract map (`mtimeMs` 0, as the i18nprune CLI stores). */
export function asContractMap(records, updatedAt = new Date().toISOString()) {
  const out = {}
  for (const r of records) out[r.path] = { hash: r.hash, size: r.size, mtimeMs: 0, updatedAt }
  return out
}

/** Total bytes under a path (0 when missing). */
export function diskUsage(p) {
  let st
  try {
    st = fs.lstatSync(p)
  } catch {
    return 0
  }
  if (!st.isDirectory()) return st.size
  let names
  try {
    names = fs.readdirSync(p)
  } catch {
    return 0 // unreadable: its size is not known (and not needed to remove it)
  }
  let total = 0
  for (const name of names) total += diskUsage(path.join(p, name))
  return total
}
