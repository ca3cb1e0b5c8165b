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
      if (!def) throw usage('UNKNOWN_FLAG', `unknown flag --${name} (see --help)`)
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
