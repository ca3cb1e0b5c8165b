// Type-level tests of the host contract's types (compiled by tools/check-doc-types.mjs; never
// run): the dispatch is generic end to end, the runtime bag is one named type that takes what
// hosts write, and the string-enum names are types only.
import {
  beginCachedProjectData,
  commitCachedProjectData,
  computeCacheContentHash,
  computeCacheProjectId,
  getOrBuildCachedProjectData,
  initializeCacheState,
  prepareCacheForRun,
  type CacheProducerContext,
  type CacheRuntime,
  type CachedProjectDataHandleOf,
  type CachedProjectInput,
  type CachedProjectResult,
  type CacheMode,
} from 'cachecore'

interface Analysis {
  missing: string[]
}

function isAnalysis(d: unknown): d is Analysis {
  return typeof d === 'object' && d !== null && Array.isArray((d as { missing?: unknown }).missing)
}

// The getting-started snippet, in a .mts file: no `as const` needed (`hashText` widens to string).
const runtime = { hashText: 'sha256' }
const { state } = initializeCacheState({ projectRoot: '.', cacheRootDir: '/tmp/cache', runtime })
// A host's own bag with its IO ports, as the TypeScript core takes it.
const ports: CacheRuntime = { hashText: (text: string) => text, fs: {}, path: {} }
prepareCacheForRun(state, ports)
computeCacheContentHash('text', runtime.hashText)
computeCacheProjectId('.', { hashText: 'blake3' })

const input: CachedProjectInput<Analysis> = {
  state,
  runtime,
  srcRoot: 'src',
  localesDir: 'locales',
  sourceLocalePath: 'locales/en.json',
  locales: { source: 'en', directory: 'locales' },
  producer: (ctx?: CacheProducerContext<Analysis>) => ({ missing: ctx?.previous?.missing ?? [] }),
  parseCachedData: (d) => (isAnalysis(d) ? { ok: true, data: d } : { ok: false }),
}

// T is inferred from the producer and the validator: `data` is an Analysis.
const inferred = getOrBuildCachedProjectData({
  ...input,
  producer: (ctx) => ({ missing: ctx?.previous?.missing ?? ['x'] }),
})
export const missing: string[] = inferred.data.missing
export const result: CachedProjectResult<Analysis> = getOrBuildCachedProjectData(input)

// The two-phase form carries T through the handle.
export async function twoPhase(produce: (ctx: CacheProducerContext<Analysis> | undefined) => Promise<Analysis>): Promise<Analysis> {
  const handle: CachedProjectDataHandleOf<Analysis> = beginCachedProjectData(input)
  const previous: Analysis | undefined = handle.previousData
  const base: Analysis | undefined = handle.context?.previous
  void previous
  void base
  const data = handle.needsProducer ? await produce(handle.context) : undefined
  const committed = handle.commit(data)
  const again: CachedProjectResult<Analysis> = commitCachedProjectData(handle, data)
  void again
  return committed.data
}

// @ts-expect-error the producer must return the declared data type
getOrBuildCachedProjectData<Analysis>({ ...input, producer: () => ({ missing: 1 }) })
// @ts-expect-error the validator must hand back the declared data type
getOrBuildCachedProjectData<Analysis>({ ...input, parseCachedData: (d) => ({ ok: true, data: d }) })
// @ts-expect-error hashText is a function or a string
initializeCacheState({ projectRoot: '.', cacheRootDir: '/tmp/cache', runtime: { hashText: 256 } })

// The string-enum names are types only: no runtime object is exported.
export const mode: CacheMode = 'readOnly'
// @ts-expect-error CacheMode is a type, not a value
export const modes = CacheMode
