// What the test hosts "analyse": every file directly under `src/` and `locales/`, with its text,
// sorted. Imports no addon, so a child that loads its own copy of the `.node` can use it.
import fs from 'node:fs'
import path from 'node:path'

/** `['src/a.ts=<text>', …, 'locales/en.json=<text>', …]` for the project at `root`. */
export function treeText(root) {
  const parts = []
  for (const dir of ['src', 'locales']) {
    for (const n of fs.readdirSync(path.join(root, dir)).sort()) {
      const p = path.join(root, dir, n)
      if (fs.statSync(p).isFile()) parts.push(`${dir}/${n}=${fs.readFileSync(p, 'utf8')}`)
    }
  }
  return parts
}
