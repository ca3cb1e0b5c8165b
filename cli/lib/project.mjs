// Where a project's files and its cache are: flags, then a config file in the project root,
// then defaults. Hosts own this; every cache decision is the core's.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CliError, usage } from './errors.mjs'

export const CACHE_PROFILES = Object.freeze(['safe', 'balanced', 'fast'])
export const LAYOUTS = Object.freeze({
  flat_file: 'locale_file',
  locale_directory: 'locale_per_dir',
})
const STRUCTURES = ['locale_file', 'locale_per_dir', 'feature_bundle']
/** Config files read from the project root, first found wins. */
export const CONFIG_FILES = Object.freeze(['cachecore.config.json', 'i18nprune.config.json'])

/** Checks a `--cache-profile` value: one of the three, else a usage error naming them. */
export function checkProfile(value, source = '--cache-profile') {
  if (value === undefined) return undefined
  if (!CACHE_PROFILES.includes(value)) {
    throw usage('BAD_CACHE_PROFILE', `${source} must be one of ${CACHE_PROFILES.join(', ')} (got '${value}')`)
  }
  return value
}

/**
 * The home: `--home`, else `CACHECORE_HOME`, else `~/.cachecore`; with `--i18nprune`,
 * `I18NPRUNE_HOME`, else `~/.i18nprune` (an explicit `--home` still wins).
 */
export function resolveHome(flags, env = process.env) {
  if (flags.home) return path.resolve(flags.home)
  if (flags.i18nprune) return path.resolve(env.I18NPRUNE_HOME || path.join(os.homedir(), '.i18nprune'))
  return path.resolve(env.CACHECORE_HOME || path.join(os.homedir(), '.cachecore'))
}

/** The cache root of a home (`<home>/cache`, as i18nprune). */
export const cacheRootOf = (home) => path.join(home, 'cache')

/** Reads the project's config file, if any: `{ file, config }` (config `{}` when none). */
export function loadProjectConfig(root) {
  for (const name of CONFIG_FILES) {
    const file = path.join(root, name)
    let text
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (e) {
      if (e.code === 'ENOENT') continue
      throw new CliError('CONFIG_UNREADABLE', `cannot read ${file}: ${e.message}`)
    }
    let config
    try {
      config = JSON.parse(text)
    } catch (e) {
      throw new CliError('CONFIG_INVALID', `${file} is not valid JSON: ${e.message}`)
    }
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      throw new CliError('CONFIG_INVALID', `${file} must hold a JSON object`)
    }
    return { file, config }
  }
  return { file: undefined, config: {} }
}

const str = (v, what, file) => {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string' || v === '') throw new CliError('CONFIG_INVALID', `${what} in ${file} must be a non-empty string`)
  return v
}

/**
 * The host's src file pattern from `--src-pattern` or the config's `srcPattern`: a regular
 * expression tested on a file's name, case-insensitive like the default (`undefined`: the
 * contract's default, what i18nprune's analyzer reads).
 */
function srcPatternOf(flags, config, file) {
  const fromFlag = flags['src-pattern']
  const source = fromFlag ?? str(config.srcPattern, 'srcPattern', file)
  if (source === undefined) return undefined
  try {
    return new RegExp(source, 'i')
  } catch (e) {
    const where = fromFlag !== undefined ? '--src-pattern' : `srcPattern in ${file}`
    const err = new CliError('BAD_SRC_PATTERN', `${where} is not a regular expression: ${e.message}`)
    if (fromFlag !== undefined) err.exitCode = 2
    throw err
  }
}

/**
 * The host's src excludes (i18nprune's `ScanExcludeConfig`): the config's `exclude` object, with
 * `--exclude a,b` appending directory names to its `dirs` (as i18nprune's own `--exclude`).
 * In JSON a RegExp is written `{ "source": "...", "flags": "i" }`.
 */
function excludeOf(flags, config, file) {
  let exclude
  if (config.exclude !== undefined && config.exclude !== null) {
    if (typeof config.exclude !== 'object' || Array.isArray(config.exclude)) {
      throw new CliError('CONFIG_INVALID', `exclude in ${file} must be an object ({ preset, dirs, files, extensions, patterns, useDefaultSkip })`)
    }
    exclude = { ...config.exclude }
  }
  const extra = (flags.exclude ?? '').split(',').map((d) => d.trim()).filter(Boolean)
  if (extra.length) {
    exclude ??= {}
    const dirs = Array.isArray(exclude.dirs) ? exclude.dirs : []
    exclude.dirs = [...dirs, ...extra.filter((d) => !dirs.includes(d))]
  }
  return exclude
}

/**
 * Resolves a project: `{ root, srcRoot, localesDir, locales, sourceLocalePath,
 * home, cacheRootDir, cacheDir?, profile?, rebuild?, noCache, configFile, exclude?, srcPattern?,
 * rel(abs) }`. `locales = { source, directory, mode, structure }` as the contract's layout;
 * `rel` makes a path root-relative POSIX (as git prints paths).
 */
export function resolveProject(rootArg, flags, env = process.env) {
  const root = path.resolve(rootArg ?? '.')
  let st
  try {
    st = fs.statSync(root)
  } catch {
    throw new CliError('ROOT_NOT_FOUND', `project root not found: ${root}`)
  }
  if (!st.isDirectory()) throw new CliError('ROOT_NOT_DIRECTORY', `project root is not a directory: ${root}`)
  const { file, config } = loadProjectConfig(root)
  const cache = config.cache && typeof config.cache === 'object' ? config.cache : {}
  const src = flags.src ?? str(config.src, 'src', file) ?? 'src'
  const localesDirRel = flags.locales ?? str(config.locales, 'locales', file) ?? 'locales'
  const source =
    flags['source-locale'] ?? str(config.sourceLocale ?? config.source, 'sourceLocale', file) ?? 'en'
  const mode = flags.layout ?? str(config.layout, 'layout', file) ?? 'flat_file'
  if (!(mode in LAYOUTS)) {
    const where = flags.layout ? '--layout' : `layout in ${file}`
    throw usage('BAD_LAYOUT', `${where} must be one of ${Object.keys(LAYOUTS).join(', ')} (got '${mode}')`)
  }
  const structure = str(config.structure, 'structure', file) ?? LAYOUTS[mode]
  if (!STRUCTURES.includes(structure)) {
    throw usage('BAD_LAYOUT', `structure in ${file} must be one of ${STRUCTURES.join(', ')}`)
  }
  const profile = checkProfile(flags['cache-profile']) ?? checkProfile(cache.profile, `cache.profile in ${file}`)
  const home = resolveHome(flags, env)
  const cacheDirRel = flags['cache-dir'] ?? str(cache.dir, 'cache.dir', file)
  const cacheRootDir = cacheDirRel ? path.resolve(root, cacheDirRel) : cacheRootOf(home)
  const srcRoot = path.resolve(root, src)
  const localesDir = path.resolve(root, localesDirRel)
  const sourceLocalePath =
    mode === 'flat_file' ? path.join(localesDir, `${source}.json`) : path.join(localesDir, source)
  return {
    root,
    rel: (abs) => path.relative(root, abs).split(path.sep).join('/') || '.',
    exclude: excludeOf(flags, config, file),
    srcPattern: srcPatternOf(flags, config, file),
    srcRoot,
    localesDir,
    sourceLocalePath,
    locales: { source, directory: localesDirRel, mode, structure },
    home,
    cacheRootDir,
    cacheDir: cacheDirRel,
    profile,
    rebuild: cache.rebuild,
    cacheEnabled: cache.enabled !== false,
    noCache: Boolean(flags['no-cache']),
    configFile: file,
  }
}

/**
 * Checks that the project's src directory exists and is a directory: `SRC_NOT_FOUND` or
 * `SRC_NOT_DIRECTORY` (exit 3) name it and say how to set it, the same for every command that
 * reads it.
 */
export function checkSrcDir(project) {
  let st
  try {
    st = fs.statSync(project.srcRoot)
  } catch {
    const how = project.configFile ? `--src, or "src" in ${path.basename(project.configFile)}` : '--src, or "src" in cachecore.config.json'
    throw new CliError('SRC_NOT_FOUND', `src directory not found: ${project.srcRoot} (set it with ${how})`)
  }
  if (!st.isDirectory()) throw new CliError('SRC_NOT_DIRECTORY', `src is not a directory: ${project.srcRoot}`)
}
