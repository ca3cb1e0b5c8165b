// Printing: colours only on a TTY and never with --no-color or NO_COLOR; --quiet drops the
// human report (errors and --json still print).
export function makeOutput(flags, env = process.env, stdout = process.stdout, stderr = process.stderr) {
  const allowed = !flags['no-color'] && !('NO_COLOR' in env && env.NO_COLOR !== '')
  const color = allowed && Boolean(stdout.isTTY)
  const errColor = allowed && Boolean(stderr.isTTY)
  const paint = (code, on = color) => (s) => (on ? `\x1b[${code}m${s}\x1b[0m` : String(s))
  const dimErr = paint(2, errColor)
  const out = {
    color,
    dim: paint(2),
    bold: paint(1),
    red: paint(31),
    green: paint(32),
    yellow: paint(33),
    /** A line of the human report. */
    line(s = '') {
      if (!flags.quiet && !flags.json) stdout.write(`${s}\n`)
    },
    /** The one JSON object of --json. */
    json(obj) {
      stdout.write(`${JSON.stringify(obj, null, 2)}\n`)
    },
    /** The contract's --debug-cache lines, with the host's prefix; detail lines dimmed. */
    debugLines(prefix, lines) {
      for (const l of lines) {
        const text = `${prefix}${l.message}`
        stderr.write(`${l.level === 'detail' ? dimErr(text) : text}\n`)
      }
    },
  }
  return out
}

/** A byte count for people: `512 B`, `1.5 KiB`, `12.3 MiB`, `1.2 GiB`. */
export function humanBytes(n) {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}
