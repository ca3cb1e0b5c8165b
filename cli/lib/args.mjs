// A small, strict argument parser: flags are declared, anything else is a usage error.
import { usage } from './errors.mjs'

/**
 * Parses `argv` against `spec`: `{ name: { type: 'boolean' | 'string', alias? } }`.
 * `--no-<name>` sets a boolean declared as `no-<name>` (e.g. `--no-cache`, `--no-color`).
 * `--name=value` and `--name value` both work. Returns `{ flags, positionals }`.
 */
export function parseArgs(argv, spec) {
  const flags = {}
  const positionals = []
  const byAlias = new Map()
  for (const [name, def] of Object.entries(spec)) if (def.alias) byAlias.set(def.alias, name)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--') || (arg.startsWith('-') && arg.length === 2 && arg !== '-')) {
      let name
      let value
      if (arg.startsWith('--')) {
        const eq = arg.indexOf('=')
        name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
        value = eq === -1 ? undefined : arg.slice(eq + 1)
      } else {
        name = byAlias.get(arg.slice(1))
        if (!name) throw usage('UNKNOWN_FLAG', `unknown flag ${arg} (see --help)`)
      }
      const def = spec[name]
      if (!def) {
        const guess = didYouMean(name, Object.keys(spec))
        throw usage('UNKNOWN_FLAG', `unknown flag --${name}${guess ? ` (did you mean --${guess}?)` : ' (see --help)'}`)
      }
      if (def.type === 'boolean') {
        if (value !== undefined) throw usage('BAD_FLAG_VALUE', `--${name} takes no value`)
        flags[name] = true
      } else {
        if (value === undefined) {
          value = argv[++i]
          if (value === undefined || (value.startsWith('--') && value.length > 2)) {
            throw usage('MISSING_FLAG_VALUE', `--${name} needs a value`)
          }
        }
        if (value === '') throw usage('MISSING_FLAG_VALUE', `--${name} needs a value`)
        flags[name] = value
      }
      continue
    }
    positionals.push(arg)
  }
  return { flags, positionals }
}

/** The edit distance of two words (insertions, deletions, substitutions, adjacent swaps). */
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The candidate a mistyped `word` most likely meant: the closest by edit distance when it is
 * close enough (at most 1 edit for short words, 2 for longer ones), else one it is a prefix
 * of; `undefined` when none is plausible.
 */
export function didYouMean(word, candidates) {
  const w = String(word).toLowerCase()
  let best
  let bestD = Infinity
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase())
    if (d < bestD) [best, bestD] = [c, d]
  }
  if (best !== undefined && bestD <= (w.length <= 4 ? 1 : 2)) return best
  return w.length >= 2 ? candidates.find((c) => c.startsWith(w)) : undefined
}
