// The randomized adversary (issue 13): edits of every kind interleaved with dispatches of every
// kind, and after each dispatch what was served must equal a fresh full build by the real
// example host (examples/host). Seeded; the seed and the last operations are printed on failure.
//
//   CACHECORE_ADVERSARY_OPS=N        operations (default 120; `npm run test:adversary` runs 3000)
//   CACHECORE_ADVERSARY_SECONDS=S    stop after S seconds at the latest (default 30)
//   CACHECORE_ADVERSARY_SEED=X       replay one seed
//
// Edits: content edits (some same-size with the mtime put back), adds, deletes, renames,
// file <-> directory <-> symlink, writes through a hard link outside the tree or inside it,
// source and target locale edits, source locale switches, exclude rule changes, a src file
// under a default-skipped directory, and damage to every cache file. Dispatches: one-shot and
// two-phase in this process (with and without a live watcher), and fresh processes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { cachecore } from './helpers.mjs'
import { project as copyProject } from './dispatch-project.mjs'
import { dispatchInput, fullAnalysis } from '../examples/host/analysis.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const OPS = Number(process.env.CACHECORE_ADVERSARY_OPS ?? 120)
const SECONDS = Number(process.env.CACHECORE_ADVERSARY_SECONDS ?? 30)
const SEED = process.env.CACHECORE_ADVERSARY_SEED !== undefined
  ? Number(process.env.CACHECORE_ADVERSARY_SEED)
  : Math.floor(Math.random() * 2 ** 31)

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  }
}

const KEYS = ['app.title', 'app.ready', 'nav.home', 'cart.total', 'home.cta', 'home.bye', 'gen.k1', 'gen.k2', 'x.y']
const EXCLUDES = [
  undefined,
  { dirs: ['pages'] },
  { dirs: [/^comp/] },
  { files: [/header/i] },
  { extensions: ['TSX'] },
  { patterns: [/^lib\//] },
  { preset: 'production' },
  { useDefaultSkip: false },
  { files: ['main.js'], extensions: [/^d\.ts$/] },
]
const SRC_EXT = ['ts', 'tsx', 'js', 'mjs', 'vue', 'md', 'd.ts', 'test.ts', 'TS']
const encode = (v) => JSON.stringify(v, (k, x) => (x instanceof RegExp ? { __re: [x.source, x.flags] } : x))

const CHILD = `
import { createRequire } from 'node:module'
const [addon, hostModule, cfg] = process.argv.slice(1)
const cachecore = createRequire(import.meta.url)(addon)
const { dispatchInput } = await import(hostModule)
const { proj, cacheRoot, twoPhase } = JSON.parse(cfg, (k, v) => (v && v.__re ? new RegExp(...v.__re) : v))
const runtime = { hashText: 'sha256' }
const { state } = cachecore.initializeCacheState({ projectRoot: proj.root, cacheRootDir: cacheRoot, runtime })
const input = dispatchInput(cachecore, proj, { state, runtime, stats: {} })
let r
if (twoPhase) {
  const h = cachecore.beginCachedProjectData(input)
  r = h.needsProducer ? h.commit(input.producer(h.context)) : h.commit()
} else r = cachecore.getOrBuildCachedProjectData(input)
console.log(JSON.stringify({ data: r.data, status: r.cache.status, reason: r.cache.reason, rebuild: r.cache.analysisRebuild }))
`

function walkFiles(dir, rel = '') {
  const out = []
  let entries = []
  try {
    entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...walkFiles(dir, r))
    else out.push(r)
  }
  return out
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

test(`adversary: served always equals a fresh full build (seed ${SEED}, up to ${OPS} operations)`, async (t) => {
  const r = rng(SEED)
  const p = copyProject(t)
  const links = path.join(p.dir, 'links')
  fs.mkdirSync(links)
  const outside = path.join(p.dir, 'outside.ts')
  fs.writeFileSync(outside, "export const o = t('app.title')\n")
  const srcRoot = path.join(p.root, 'src')
  const localesDir = path.join(p.root, 'locales')
  let source = 'en'
  let exclude
  const proj = () => ({
    root: p.root,
    srcRoot,
    localesDir,
    sourceLocalePath: path.join(localesDir, `${source}.json`),
    locales: { source, directory: 'locales', mode: 'flat_file', structure: 'locale_file' },
    ...(exclude ? { exclude } : {}),
  })
  const runtime = { hashText: 'sha256' }
  const log = []
  let watcher
  t.after(() => watcher?.close())
  const counts = { ops: 0, dispatches: 0, fresh: 0, twoPhase: 0, fromWatcher: 0, hits: 0, memoryHits: 0 }

  const srcFiles = () => walkFiles(srcRoot)
  const anySrc = () => r.pick(srcFiles().filter((f) => !f.includes('node_modules')) ) ?? null
  const keyText = () => Array.from({ length: 1 + r.int(3) }, () => `t('${r.pick(KEYS)}')`).join('\n') + '\n'

  const edits = {
    content() {
      const f = anySrc()
      if (!f) return 'no file'
      const abs = path.join(srcRoot, f)
      try {
        fs.writeFileSync(abs, `// ${r.int(1e6)}\n${keyText()}`)
      } catch {
        return `skip ${f}`
      }
      return `edit ${f}`
    },
    sameSize() {
      const f = anySrc()
      if (!f) return 'no file'
      const abs = path.join(srcRoot, f)
      let st
      try {
        st = fs.statSync(abs)
        if (!st.isFile()) return 'not a file'
      } catch {
        return 'gone'
      }
      const text = fs.readFileSync(abs, 'utf8')
      const swapped = text.includes('app.title') ? text.replace('app.title', 'home.byee') : text.replace(/\d/, (d) => String((Number(d) + 1) % 10))
      if (Buffer.byteLength(swapped) !== Buffer.byteLength(text)) return 'no same-size change'
      fs.writeFileSync(abs, swapped)
      fs.utimesSync(abs, st.atime, st.mtime)
      return `same-size ${f} (mtime put back)`
    },
    add() {
      const dir = r.pick(['', 'components', 'pages', 'lib', 'new', 'new/deep', 'dist', 'comp2'])
      const name = `f${r.int(1000)}.${r.pick(SRC_EXT)}`
      const rel = dir ? `${dir}/${name}` : name
      fs.mkdirSync(path.join(srcRoot, dir), { recursive: true })
      fs.writeFileSync(path.join(srcRoot, rel), keyText())
      return `add ${rel}`
    },
    remove() {
      const f = anySrc()
      if (!f) return 'no file'
      fs.rmSync(path.join(srcRoot, f), { force: true, recursive: true })
      return `delete ${f}`
    },
    rename() {
      const f = anySrc()
      if (!f) return 'no file'
      const to = `${path.posix.dirname(f) === '.' ? '' : `${path.posix.dirname(f)}/`}r${r.int(1000)}.${r.pick(SRC_EXT)}`
      try {
        fs.renameSync(path.join(srcRoot, f), path.join(srcRoot, to))
      } catch {
        return 'rename failed'
      }
      return `rename ${f} -> ${to}`
    },
    fileToDir() {
      const f = anySrc()
      if (!f) return 'no file'
      const abs = path.join(srcRoot, f)
      fs.rmSync(abs, { force: true })
      fs.mkdirSync(abs, { recursive: true })
      fs.writeFileSync(path.join(abs, 'inner.ts'), keyText())
      return `file->dir ${f}`
    },
    dirToFile() {
      const dirs = [...new Set(srcFiles().map((f) => path.posix.dirname(f)).filter((d) => d !== '.'))]
      if (!dirs.length) return 'no dir'
      const d = r.pick(dirs)
      fs.rmSync(path.join(srcRoot, d), { recursive: true, force: true })
      fs.writeFileSync(path.join(srcRoot, d), keyText())
      return `dir->file ${d}`
    },
    fileToSymlink() {
      const f = anySrc()
      if (!f) return 'no file'
      const abs = path.join(srcRoot, f)
      const target = r.chance(0.5) ? outside : path.join(srcRoot, r.pick(srcFiles()) ?? f)
      if (target === abs) return 'self'
      fs.rmSync(abs, { force: true, recursive: true })
      fs.symlinkSync(target, abs)
      return `file->symlink ${f} -> ${path.relative(p.dir, target)}`
    },
    symlinkToFile() {
      const linksNow = srcFiles().filter((f) => fs.lstatSync(path.join(srcRoot, f)).isSymbolicLink())
      if (!linksNow.length) return 'no link'
      const f = r.pick(linksNow)
      fs.rmSync(path.join(srcRoot, f))
      fs.writeFileSync(path.join(srcRoot, f), keyText())
      return `symlink->file ${f}`
    },
    outsideTargetEdit() {
      fs.writeFileSync(outside, `// ${r.int(1e6)}\n${keyText()}`)
      return 'edit the outside target of links'
    },
    hardLinkWrite() {
      const f = anySrc()
      if (!f) return 'no file'
      const abs = path.join(srcRoot, f)
      try {
        if (!fs.lstatSync(abs).isFile()) return 'not a file'
      } catch {
        return 'gone'
      }
      const inside = r.chance(0.5)
      const link = inside ? path.join(srcRoot, `${f}.alias${r.int(100)}.ts`) : path.join(links, `l${r.int(1e6)}`)
      try {
        fs.linkSync(abs, link)
      } catch {
        return 'link failed'
      }
      fs.appendFileSync(link, keyText())
      return `write through hard link (${inside ? 'inside' : 'outside'}) of ${f}`
    },
    writeOldHardLink() {
      const old = fs.readdirSync(links)
      if (!old.length) return 'no link'
      const l = path.join(links, r.pick(old))
      fs.appendFileSync(l, keyText())
      return `write through an older outside hard link ${path.basename(l)}`
    },
    localeEdit() {
      const code = r.pick(['en', 'de', 'es', 'fr'])
      const file = path.join(localesDir, `${code}.json`)
      const json = JSON.parse(fs.readFileSync(file, 'utf8'))
      if (r.chance(0.5)) {
        json.gen = { ...(json.gen ?? {}), [`k${r.int(3)}`]: 'x' }
      } else {
        const k = r.pick(Object.keys(json))
        delete json[k]
      }
      fs.writeFileSync(file, JSON.stringify(json, null, 2))
      return `locale edit ${code}.json`
    },
    sourceSwitch() {
      source = source === 'en' ? 'de' : 'en'
      return `source locale -> ${source}`
    },
    excludeChange() {
      exclude = r.pick(EXCLUDES)
      return `exclude -> ${encode(exclude)}`
    },
    damage() {
      const { state } = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, runtime })
      const candidates = [state.filesPath, state.analysisPath, `${state.analysisPath}.inputs`, `${state.filesPath}.hints`].filter((f) => fs.existsSync(f))
      if (!candidates.length) return 'nothing to damage'
      const f = r.pick(candidates)
      const how = r.pick(['truncate', 'garbage', 'delete', 'flip'])
      if (how === 'delete') fs.rmSync(f)
      else if (how === 'truncate') fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2))
      else if (how === 'garbage') fs.writeFileSync(f, 'not json {')
      else {
        const b = fs.readFileSync(f)
        if (b.length) b[r.int(b.length)] ^= 1 << r.int(8)
        fs.writeFileSync(f, b)
      }
      return `damage ${path.basename(f)} (${how})`
    },
    async watcherToggle() {
      if (watcher) {
        watcher.close()
        watcher = undefined
        return 'watcher closed'
      }
      let ready
      const readyP = new Promise((res) => (ready = res))
      watcher = cachecore.watch({ root: p.root, exclude: { dirs: ['node_modules'] }, debounceMs: 20 }, (e) => {
        if (e.kind === 'ready') ready()
      })
      await readyP
      return 'watcher started'
    },
  }
  const weights = [
    ['content', 10], ['sameSize', 6], ['add', 6], ['remove', 4], ['rename', 4], ['fileToDir', 2], ['dirToFile', 2],
    ['fileToSymlink', 3], ['symlinkToFile', 2], ['outsideTargetEdit', 2], ['hardLinkWrite', 5], ['writeOldHardLink', 3],
    ['localeEdit', 6], ['sourceSwitch', 3], ['excludeChange', 3], ['damage', 3], ['watcherToggle', 2],
  ]
  const total = weights.reduce((s, [, w]) => s + w, 0)
  const pickEdit = () => {
    let x = r.int(total)
    for (const [name, w] of weights) {
      if ((x -= w) < 0) return name
    }
    return 'content'
  }

  const dispatch = () => {
    const kind = r.chance(0.15) ? 'fresh' : r.chance(0.3) ? 'twoPhase' : 'oneShot'
    const pr = proj()
    if (kind === 'fresh') {
      counts.fresh++
      const out = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', CHILD, path.join(here, '..', 'index.js'), path.join(here, '..', 'examples', 'host', 'analysis.mjs'), encode({ proj: pr, cacheRoot: p.cacheRoot, twoPhase: r.chance(0.5) })],
        { encoding: 'utf8' },
      )
      if (out.status !== 0) throw new Error(`child failed: ${out.stderr}`)
      const res = JSON.parse(out.stdout)
      return { kind, data: res.data, status: res.status, reason: res.reason, rebuild: res.rebuild }
    }
    const { state } = cachecore.initializeCacheState({ projectRoot: p.root, cacheRootDir: p.cacheRoot, runtime })
    const input = dispatchInput(cachecore, pr, { state, runtime, stats: {} })
    let res
    if (kind === 'twoPhase') {
      counts.twoPhase++
      const h = cachecore.beginCachedProjectData(input)
      res = h.needsProducer ? h.commit(input.producer(h.context)) : h.commit()
    } else {
      res = cachecore.getOrBuildCachedProjectData(input)
    }
    if (res.fromWatcher) counts.fromWatcher++
    if (res.memoryHit) counts.memoryHits++
    return { kind, data: res.data, status: res.cache.status, reason: res.cache.reason, rebuild: res.cache.analysisRebuild, fromWatcher: res.fromWatcher, memoryHit: res.memoryHit }
  }

  const t0 = Date.now()
  for (let i = 0; i < OPS && (Date.now() - t0) / 1000 < SECONDS; i++) {
    counts.ops++
    const n = r.int(3)
    for (let k = 0; k < n; k++) {
      const name = pickEdit()
      try {
        log.push(`${i}: ${await edits[name]()}`)
      } catch (e) {
        // An edit that the tree's current shape refuses (mkdir over a file, ...) changes nothing.
        log.push(`${i}: ${name} refused (${e.code ?? e.message})`)
      }
    }
    if (r.chance(0.2)) await sleep(r.int(30))
    const served = dispatch()
    counts.dispatches++
    if (served.status === 'hit') counts.hits++
    const fresh = fullAnalysis(proj())
    log.push(`${i}: dispatch ${served.kind}${served.fromWatcher ? ' (watcher)' : ''}${served.memoryHit ? ' (memory)' : ''} -> ${served.status}/${served.reason}${served.rebuild ? ` ${served.rebuild.strategy}/${served.rebuild.reason}` : ''}`)
    if (JSON.stringify(served.data) !== JSON.stringify(fresh)) {
      assert.deepEqual(
        served.data,
        fresh,
        `stale data served (seed ${SEED}; replay with CACHECORE_ADVERSARY_SEED=${SEED}):\n${log.slice(-30).join('\n')}`,
      )
    }
  }
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(counts)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  assert.ok(counts.dispatches > 0)
})
