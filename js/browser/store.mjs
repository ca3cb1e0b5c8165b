// What a browser or worker build offers of cachecore's cache state and files: the paths of a
// project's cache (pure), and, for everything that needs a disk, a clear NATIVE_UNAVAILABLE.

import { codedError, computeCacheProjectId } from './policy.mjs'

const unavailable = (name) =>
  codedError(
    'NATIVE_UNAVAILABLE',
    `cachecore: ${name} needs the native addon, which a browser or worker build does not load ` +
      '(only the pure policy functions are available there; run the cache on Node)',
  )

/** A function that throws NATIVE_UNAVAILABLE (an async one rejects with it). */
export function nativeOnly(name, { async = false } = {}) {
  const f = async
    ? async function () {
        throw unavailable(name)
      }
    : function () {
        throw unavailable(name)
      }
  Object.defineProperty(f, 'name', { value: name })
  return f
}

/** A class that cannot be constructed outside Node. */
export function nativeOnlyClass(name) {
  const C = class {
    constructor() {
      throw unavailable(name)
    }
  }
  Object.defineProperty(C, 'name', { value: name })
  return C
}

/**
 * POSIX paths normalized as cachecore's native code does: `.` and empty segments go; `..` pops
 * the last segment, and where there is none a join keeps it while a resolution drops it.
 */
function normalize(p, { keepLeadingParent }) {
  const out = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (out.length > 0) out.pop()
      else if (keepLeadingParent) out.push('..')
      continue
    }
    out.push(part)
  }
  const joined = out.join('/')
  return p.startsWith('/') ? `/${joined}` : joined
}

/**
 * `resolveCacheState(input)`: the paths of a project's cache. With `input.io` (a host's ports),
 * its `path` resolves and joins and its `hashText` makes the project id; without, POSIX rules
 * (a browser has no working directory: a relative root is taken from `/`).
 */
export function resolveCacheState(input) {
  const io = input.io ?? undefined
  const pathPort = io?.path
  const hashText = io ? io.hashText : input.runtime?.hashText
  const projectRoot = pathPort?.resolve
    ? pathPort.resolve(input.projectRoot)
    : normalize(`/${input.projectRoot}`, { keepLeadingParent: false })
  const join = (base, ...parts) =>
    pathPort?.join
      ? parts.reduce((acc, part) => pathPort.join(acc, part), base)
      : normalize([base, ...parts].join('/'), { keepLeadingParent: true })
  const projectId = computeCacheProjectId(projectRoot, { hashText })
  // Natively the root is resolved once (`path.resolve`); a host's ports keep theirs as given.
  const rootDir = io ? input.cacheRootDir : normalize(`/${input.cacheRootDir}`, { keepLeadingParent: false })
  const projectDir = join(rootDir, 'projects', projectId)
  const noCache = input.noCache === true
  return {
    enabled: !noCache,
    reason: noCache ? (input.disabledReason ?? 'cli_no_cache') : 'default',
    rootDir,
    metaPath: join(rootDir, 'meta.json'),
    projectId,
    projectRoot,
    projectDir,
    filesPath: join(projectDir, 'files.json'),
    analysisPath: join(projectDir, 'analysis.json'),
    readOnly: input.cacheReadOnly === true,
    translationsDir: join(projectDir, 'translations'),
  }
}
