// An in-memory host runtime in the shape of i18nprune's `CacheRuntime` (fs, path and system
// ports, a hasher), for tests of the drop-in's port routing. Paths are POSIX strings that need not
// exist on this machine; every port call is counted.

import crypto from 'node:crypto'
import path from 'node:path'

/**
 * A virtual file system seeded with `files` (path -> text). `calls` counts the port calls by
 * name; `hashText` defaults to a recognisably non-native hasher.
 */
export function memoryRuntime(files = {}, { hashText = (t) => `md5-${crypto.createHash('md5').update(t).digest('hex')}`, byteLength } = {}) {
  const p = path.posix
  const store = new Map()
  const dirs = new Set(['/'])
  const calls = {}
  const count = (name) => {
    calls[name] = (calls[name] ?? 0) + 1
  }
  const mkdirp = (dir) => {
    for (let d = p.resolve(dir); !dirs.has(d); d = p.dirname(d)) dirs.add(d)
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirp(p.dirname(p.resolve(file)))
    store.set(p.resolve(file), text)
  }
  const fs = {
    exists: (f) => (count('exists'), store.has(p.resolve(f)) || dirs.has(p.resolve(f))),
    readText: (f) => {
      count('readText')
      const text = store.get(p.resolve(f))
      if (text === undefined) throw new Error(`ENOENT: ${f}`)
      return text
    },
    statKind: (f) => {
      count('statKind')
      const r = p.resolve(f)
      return store.has(r) ? 'file' : dirs.has(r) ? 'directory' : 'missing'
    },
    listDir: (d) => {
      count('listDir')
      const r = p.resolve(d)
      if (!dirs.has(r)) throw new Error(`ENOENT: ${d}`)
      const out = []
      for (const f of store.keys()) if (p.dirname(f) === r) out.push({ name: p.basename(f), kind: 'file' })
      for (const x of dirs) if (x !== r && p.dirname(x) === r) out.push({ name: p.basename(x), kind: 'directory' })
      return out
    },
    writeText: (f, text) => {
      count('writeText')
      mkdirp(p.dirname(p.resolve(f)))
      store.set(p.resolve(f), text)
    },
    deleteFile: (f) => {
      count('deleteFile')
      store.delete(p.resolve(f))
    },
    mkdirp: (d) => {
      count('mkdirp')
      mkdirp(d)
    },
  }
  const runtime = {
    fs,
    path: {
      join: (...parts) => p.join(...parts),
      dirname: (v) => p.dirname(v),
      basename: (v, ext) => p.basename(v, ext),
      normalize: (v) => p.normalize(v),
      relative: (a, b) => p.relative(a, b),
      resolve: (...parts) => p.resolve('/', ...parts),
      isAbsolute: (v) => p.isAbsolute(v),
    },
    system: { cwd: () => '/', now: () => Date.UTC(2026, 0, 2) },
    hashText,
    deleteDir: (d) => {
      count('deleteDir')
      const r = p.resolve(d)
      for (const f of [...store.keys()]) if (f === r || f.startsWith(`${r}/`)) store.delete(f)
      for (const x of [...dirs]) if (x === r || x.startsWith(`${r}/`)) dirs.delete(x)
    },
  }
  if (byteLength) runtime.byteLength = byteLength
  return { runtime, store, dirs, calls, read: (f) => store.get(p.resolve(f)) }
}
