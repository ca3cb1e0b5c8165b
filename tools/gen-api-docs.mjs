#!/usr/bin/env node
// Generates docs/api-reference.md from index.d.ts (the declarations napi writes from the Rust doc
// comments): every export with its signature and its JSDoc, grouped by what a host does with it.
// The JSDoc in index.d.ts is the source of truth; this page is only a rendering of it, so fix a
// wrong sentence in the Rust doc comment, rebuild, and regenerate.
//
//   node tools/gen-api-docs.mjs           write docs/api-reference.md
//   node tools/gen-api-docs.mjs --check   exit 1 when docs/api-reference.md is stale
//
// The output depends on index.d.ts alone (no dates, no paths), so regenerating is a no-op
// until the declarations change; __test__/docs.test.mjs fails when the page is stale.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const DTS_PATH = path.join(here, '..', 'index.d.ts')
export const OUT_PATH = path.join(here, '..', 'docs', 'api-reference.md')

// Where each value export (function, class, const) is listed. Types and interfaces follow the
// values that use them (see `assignTypes`); TYPE_GROUP pins the few a reader looks for elsewhere.
export const GROUPS = [
  {
    id: 'fingerprinting',
    title: 'Fingerprinting',
    intro: 'Walk a tree, hash what changed, and say why. The generic engine, for any host.',
    values: ['fingerprint', 'fingerprintSync', 'JsRegExp'],
  },
  {
    id: 'watch',
    title: 'Watch mode',
    intro: 'A live index for IDE hosts and watch modes; it always converges to a fresh scan.',
    values: ['watch', 'Watcher'],
  },
  {
    id: 'config',
    title: 'Host contract: configuration',
    intro: 'The `cache` config block, profiles and size caps (contract §1, §6).',
    values: [
      'resolveCacheConfig',
      'resolveCacheRebuildConfig',
      'CACHE_PROFILE_DEFAULTS',
      'DEFAULT_CACHE_PROFILE_ID',
      'CACHE_SCHEMA_VERSION',
      'MAX_META_BYTES',
      'MAX_FILES_BYTES',
      'MAX_ANALYSIS_BYTES',
      'MAX_TRANSLATIONS_BYTES',
      'DEFAULT_ANALYSIS_CAP_BYTES',
      'DEFAULT_FILES_CAP_BYTES',
      'DEFAULT_LOCK_TIMEOUT_MS',
      'defaultCacheCaps',
    ],
  },
  {
    id: 'policy',
    title: 'Host contract: policy',
    intro:
      'Pure functions: deltas, classification, the rebuild decision and the invalidation decision (contract §2–§4, §8). No IO.',
    values: [
      'diffProjectFiles',
      'classifyCacheFileDelta',
      'layoutMatches',
      'decideAnalysisRebuild',
      'decideProjectAnalysisCacheInvalidation',
      'trackedWalkRules',
      'trackProjectFiles',
    ],
  },
  {
    id: 'dispatch',
    title: 'Host contract: dispatch',
    intro:
      'Check, produce, persist (contract §5): the one call a host makes per analysis, and its two-phase form for asynchronous producers.',
    values: ['getOrBuildCachedProjectData', 'beginCachedProjectData', 'CachedProjectDataHandle', 'commitCachedProjectData'],
  },
  {
    id: 'store',
    title: 'Host contract: state and files',
    intro: 'Where a project’s cache lives, and the v1 files on disk (contract §6, §9).',
    values: [
      'resolveCacheState',
      'initializeCacheState',
      'prepareCacheForRun',
      'loadProjectsIndex',
      'saveProjectsIndex',
      'healProjectsIndex',
      'loadProjectFilesState',
      'saveProjectFilesState',
      'loadProjectRunState',
      'saveProjectRunState',
      'invalidateProjectAnalysisCache',
      'invalidateProjectAnalysisCacheAfterLocaleWrites',
      'scanProjectFiles',
      'cleanProjectCache',
      'cleanCacheRoot',
      'computeCacheContentHash',
      'computeInputFilesEpoch',
      'computeCacheProjectId',
      'normalizeProjectRootKey',
    ],
  },
  {
    id: 'translations',
    title: 'Host contract: translations',
    intro: 'The translation cache files and their keys (contract §6).',
    values: [
      'loadTranslationCache',
      'TranslationCache',
      'healTranslationCacheFiles',
      'validateTranslationLocaleCode',
      'buildTranslateCacheKey',
      'buildTranslateCacheKeyForLocaleFile',
      'computeTranslateConfigEpoch',
    ],
  },
  {
    id: 'messages',
    title: 'Host contract: messages',
    intro: 'The `--debug-cache` lines (contract §7): emitters, and the same lines as data.',
    values: [
      'cacheDispatchMessageLines',
      'cacheMemoryHitMessageLines',
      'analysisCacheInvalidationMessageLines',
      'emitCacheDispatchMessages',
      'emitCacheMemoryHitMessage',
      'emitAnalysisCacheInvalidationMessage',
    ],
  },
  {
    id: 'remote',
    title: 'Remote cache',
    intro:
      'The shared cache across machines (the `remote` option of a dispatch): its options, its checks, and the background uploads. Guide: [remote-cache.md](remote-cache.md).',
    values: ['remoteCacheStatus', 'flushRemoteUploads', 'flushRemoteUploadsSync'],
  },
  {
    id: 'diagnostics',
    title: 'Diagnostics',
    intro: 'What was loaded: the package version and the binary.',
    values: ['version', 'binaryTarget', '__napiBindingTarget'],
  },
]

/** Types listed with a group other than the first one whose values reach them. */
export const TYPE_GROUP = {
  CacheWarning: 'fingerprinting',
  HashAlgorithm: 'fingerprinting',
  FileChange: 'fingerprinting',
  CacheState: 'store',
  CacheStateInput: 'store',
  CacheStoreOptions: 'store',
  CacheIoPorts: 'store',
  CacheCapsOptions: 'config',
  CacheDispatchInfo: 'dispatch',
  CacheDispatchPaths: 'dispatch',
  CacheDispatchReason: 'dispatch',
  CacheDispatchStatus: 'dispatch',
  CacheInputFilesEpochDebug: 'dispatch',
  CacheMessageLine: 'messages',
  CacheMessageLevel: 'messages',
  CacheRunMessageEvent: 'messages',
  CacheFileRecord: 'store',
  CacheFileDelta: 'policy',
  CachedLocalesLayout: 'policy',
  LocalesLayoutMode: 'policy',
  LocalesLayoutStructure: 'policy',
  FilesIndexStatus: 'policy',
  WatchLayout: 'watch',
  RemoteCacheOptions: 'remote',
  CacheRemoteInfo: 'remote',
  CacheRemoteSource: 'remote',
}

// Types claim a group in this order: policy and configuration types are used by the dispatch,
// the store and the watcher, and belong with the functions that define them.
const CLAIM_ORDER = ['config', 'policy', 'store', 'dispatch', 'translations', 'messages', 'fingerprinting', 'watch', 'remote', 'diagnostics']

/** Strips a JSDoc block to its text: no delimiters, no leading ` * `, paragraphs kept. */
function jsdocText(lines) {
  const body = lines
    .join('\n')
    .replace(/^\s*\/\*\*\s?/, '')
    .replace(/\s*\*\/\s*$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trimEnd())
  while (body.length && body[0] === '') body.shift()
  while (body.length && body.at(-1) === '') body.pop()
  return body.join('\n')
}

/** Reads a JSDoc block starting at `lines[i]`; returns `[text, nextIndex]`. */
function readJsdoc(lines, i) {
  const start = i
  while (!lines[i].includes('*/')) i++
  return [jsdocText(lines.slice(start, i + 1)), i + 1]
}

/** Joins lines from `i` until brackets balance (ignoring `=>` arrows); returns `[text, next]`. */
function readBalanced(lines, i) {
  let text = lines[i]
  const count = (s) => {
    const t = s.replace(/=>/g, '')
    let n = 0
    for (const c of t) {
      if ('({[<'.includes(c)) n++
      else if (')}]>'.includes(c)) n--
    }
    return n
  }
  let depth = count(lines[i])
  i++
  while (depth > 0 && i < lines.length) {
    text += `\n${lines[i]}`
    depth += count(lines[i])
    i++
  }
  return [text, i]
}

/** Members of a class or interface body (the lines between `{` and the closing `}`). */
function parseMembers(body) {
  const members = []
  let doc = null
  for (let i = 0; i < body.length; ) {
    const line = body[i]
    const trimmed = line.trim()
    if (trimmed === '') {
      i++
      continue
    }
    if (trimmed.startsWith('/**')) {
      ;[doc, i] = readJsdoc(body, i)
      continue
    }
    const [text, next] = readBalanced(body, i)
    const signature = text
      .split('\n')
      .map((l) => l.trim())
      .join(' ')
    const name = signature.match(/^(?:readonly\s+|static\s+|get\s+|set\s+)*\[?([A-Za-z_$][\w$]*)/)?.[1] ?? signature
    members.push({ name, signature, doc })
    doc = null
    i = next
  }
  return members
}

/**
 * Parses napi's index.d.ts: top-level `export` declarations, each with the JSDoc block right
 * above it (or `doc: null`), and for classes and interfaces their members.
 */
export function parseDts(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const decls = []
  let doc = null
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]
    if (line.startsWith('/**')) {
      ;[doc, i] = readJsdoc(lines, i)
      continue
    }
    if (!line.startsWith('export ')) {
      if (line.trim() !== '') doc = null // a plain comment (`/* auto-generated */`) documents nothing
      i++
      continue
    }
    const m = line.match(/^export\s+(?:declare\s+)?(const\s+enum|enum|class|interface|type|function|const|let|var)\s+([A-Za-z_$][\w$]*)/)
    if (!m) throw new Error(`index.d.ts:${i + 1}: cannot parse: ${line}`)
    const kind = m[1] === 'const enum' ? 'enum' : m[1] === 'let' || m[1] === 'var' ? 'const' : m[1]
    const name = m[2]
    let signature
    let members = []
    if (kind === 'class' || kind === 'interface' || kind === 'enum') {
      const head = line.replace(/\s*\{\s*$/, '')
      let j = i + 1
      if (/\{\s*\}\s*$/.test(line)) {
        signature = line
      } else {
        while (j < lines.length && lines[j] !== '}') j++
        members = parseMembers(lines.slice(i + 1, j))
        signature = head
        j++
      }
      i = j
    } else if (kind === 'type') {
      let j = i + 1
      // A union napi wraps onto indented continuation lines.
      while (j < lines.length && /^\s+\S/.test(lines[j])) j++
      signature = lines.slice(i, j).join('\n')
      i = j
    } else {
      const [t, next] = readBalanced(lines, i)
      signature = t
      i = next
    }
    decls.push({ kind, name, signature, doc, members })
    doc = null
  }
  return decls
}

/** Names of exports a signature mentions. */
function referencedNames(text, names) {
  const out = new Set()
  for (const id of text.match(/[A-Za-z_$][\w$]*/g) ?? []) if (names.has(id)) out.add(id)
  return out
}

/** Assigns every type and interface to a group: pinned, else the first group (in CLAIM_ORDER) that reaches it. */
export function assignGroups(decls) {
  const byName = new Map(decls.map((d) => [d.name, d]))
  const names = new Set(byName.keys())
  const group = new Map()
  for (const g of GROUPS) for (const v of g.values) group.set(v, g.id)
  for (const [t, g] of Object.entries(TYPE_GROUP)) if (byName.has(t)) group.set(t, g)
  const refs = (d) => referencedNames([d.signature, ...d.members.map((m) => m.signature)].join('\n'), names)
  for (const gid of CLAIM_ORDER) {
    const g = GROUPS.find((x) => x.id === gid)
    const queue = g.values.filter((v) => byName.has(v))
    const seen = new Set(queue)
    while (queue.length) {
      const d = byName.get(queue.shift())
      for (const r of refs(d)) {
        if (seen.has(r)) continue
        seen.add(r)
        if (!group.has(r)) group.set(r, gid)
        // Walk on through types this group owns, so their own field types follow them.
        if (group.get(r) === gid) queue.push(r)
      }
    }
  }
  return group
}

/** Exports (and members, as `Name.member`) with no JSDoc, sorted. */
export function undocumented(decls) {
  const out = []
  for (const d of decls) {
    if (!d.doc) out.push(d.name)
    for (const m of d.members) if (!m.doc) out.push(`${d.name}.${m.name}`)
  }
  return out.sort()
}

/** GitHub's heading anchor for a heading's text (before de-duplication). */
export function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** A slugger as GitHub numbers repeated headings: `x`, `x-1`, `x-2`. Call it in page order. */
export function slugger() {
  // github-slugger's rule: count per original slug, skip numbers already taken.
  const occurrences = new Map()
  return (heading) => {
    const base = slug(heading)
    let s = base
    while (occurrences.has(s)) {
      occurrences.set(base, occurrences.get(base) + 1)
      s = `${base}-${occurrences.get(base)}`
    }
    occurrences.set(s, 0)
    return s
  }
}

const KIND_LABEL = { function: 'function', class: 'class', interface: 'interface', type: 'type', enum: 'enum', const: 'const' }
const KIND_ORDER = { function: 0, class: 1, const: 2, enum: 3, interface: 4, type: 5 }

function renderDecl(d) {
  const out = [`### \`${d.name}\``, '', `*${KIND_LABEL[d.kind]}*`, '']
  if (d.kind === 'class' || d.kind === 'interface' || d.kind === 'enum') {
    out.push('```ts', d.signature + (d.members.length ? ' {' : ''))
    for (const m of d.members) out.push(`  ${m.signature}`)
    if (d.members.length) out.push('}')
    out.push('```', '')
  } else {
    out.push('```ts', d.signature, '```', '')
  }
  out.push(d.doc ?? '*(no JSDoc)*', '')
  if (d.members.length) {
    out.push(d.kind === 'class' ? 'Members:' : d.kind === 'enum' ? 'Values:' : 'Fields:', '')
    for (const m of d.members) {
      const doc = (m.doc ?? '*(no JSDoc)*').replace(/\n+/g, ' ')
      out.push(`- \`${m.signature}\` — ${doc}`)
    }
    out.push('')
  }
  return out
}

/** The whole page, from the text of index.d.ts. Pure: equal input, equal output. */
export function generate(dtsText) {
  const decls = parseDts(dtsText)
  const group = assignGroups(decls)
  const byGroup = new Map(GROUPS.map((g) => [g.id, []]))
  const other = []
  for (const d of decls) (byGroup.get(group.get(d.name)) ?? other).push(d)
  const sections = GROUPS.map((g) => ({ ...g, decls: byGroup.get(g.id) }))
  if (other.length) sections.push({ id: 'other', title: 'Other exports', intro: 'Not yet placed in a group by `tools/gen-api-docs.mjs`.', values: [], decls: other })
  for (const s of sections) {
    const pos = new Map(s.values.map((v, i) => [v, i]))
    s.decls.sort((a, b) => {
      const pa = pos.has(a.name) ? pos.get(a.name) : Infinity
      const pb = pos.has(b.name) ? pos.get(b.name) : Infinity
      if (pa !== pb) return pa - pb
      if (KIND_ORDER[a.kind] !== KIND_ORDER[b.kind]) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind]
      return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    })
  }

  // Anchors in page order, as GitHub assigns them (`## Contents` comes first).
  const anchor = slugger()
  anchor('API reference')
  anchor('Contents')
  const anchors = new Map()
  for (const s of sections) {
    s.anchor = anchor(s.title)
    for (const d of s.decls) anchors.set(d, anchor(d.name))
  }

  const out = [
    '<!-- Generated by tools/gen-api-docs.mjs from index.d.ts (npm run docs:api). Do not edit by hand. -->',
    '',
    '# API reference',
    '',
    `Every export of \`cachecore\` (${decls.length} in [\`index.d.ts\`](../index.d.ts)), with its`,
    'signature and the JSDoc napi generated from the Rust doc comments. For the narrative guide',
    '(options in tables, error codes, watch mode in depth) see [api.md](api.md); for the rules',
    'behind the host contract see [host-contract.md](host-contract.md) and',
    '[decision-rules.md](decision-rules.md).',
    '',
    'Values (functions, classes, constants) come first in each group, in the order a host meets',
    'them; then the interfaces and types they use, alphabetically.',
    '',
    '## Contents',
    '',
  ]
  for (const s of sections) {
    out.push(`- [${s.title}](#${s.anchor}): ${s.decls.map((d) => `[\`${d.name}\`](#${anchors.get(d)})`).join(', ')}`)
  }
  out.push('')
  for (const s of sections) {
    out.push(`## ${s.title}`, '', s.intro, '')
    for (const d of s.decls) out.push(...renderDecl(d))
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const page = generate(fs.readFileSync(DTS_PATH, 'utf8'))
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(OUT_PATH) ? fs.readFileSync(OUT_PATH, 'utf8') : ''
    if (current !== page) {
      console.error('docs/api-reference.md is stale: run npm run docs:api')
      process.exit(1)
    }
  } else {
    fs.writeFileSync(OUT_PATH, page)
    const missing = undocumented(parseDts(fs.readFileSync(DTS_PATH, 'utf8')))
    console.log(`wrote ${path.relative(process.cwd(), OUT_PATH)}`)
    if (missing.length) console.log(`exports without JSDoc (${missing.length}): ${missing.join(', ')}`)
  }
}
