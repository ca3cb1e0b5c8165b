// Errors a host prints as one line: `cachecore: <code>: <message>`, with an exit code.

/** Exit codes (docs/cli.md). */
export const EXIT = Object.freeze({ OK: 0, DIFFERENCE: 1, USAGE: 2, RUNTIME: 3 })

/** An error the CLI expects: a stable code, a sentence, an exit code. */
export class CliError extends Error {
  constructor(code, message, exitCode = EXIT.RUNTIME) {
    super(message)
    this.code = code
    this.exitCode = exitCode
  }
}

/** A usage error (exit 2). */
export const usage = (code, message) => new CliError(code, message, EXIT.USAGE)

/**
 * Prints an error as one line on stderr (`cachecore: error <code>: <message>`), and as
 * `{ error: { code, message, exitCode } }` on stdout under --json (not for usage errors); the
 * stack only with --verbose. Returns the exit code.
 */
export function reportError(e, { json = false, verbose = false } = {}) {
  const { code, message, exit } = reported(e)
  if (json && !(e instanceof CliError && e.exitCode === EXIT.USAGE)) {
    process.stdout.write(`${JSON.stringify({ error: { code, message, exitCode: exit } })}\n`)
  }
  process.stderr.write(`cachecore: error ${code}: ${message}\n`)
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`)
  return exit
}

/** An error as the CLI reports it: a stable code, one line, an exit code. */
function reported(e) {
  if (e instanceof CliError) return { code: e.code, message: oneLine(e.message), exit: e.exitCode }
  // A system error from Node's fs (`EACCES: permission denied, open '…'`): IO_ERROR, said once.
  if (e?.syscall && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    const what = e.path ? ` ${e.path}` : ''
    return { code: 'IO_ERROR', message: `cannot ${e.syscall}${what}: ${systemWords(e)}`, exit: EXIT.RUNTIME }
  }
  return { code: e?.code ?? 'INTERNAL', message: oneLine(e?.message ?? e), exit: EXIT.RUNTIME }
}

const oneLine = (m) => String(m).split('\n')[0].replace(/^cachecore: /, '')

/** A system error in words: `permission denied (EACCES)`. */
export function systemWords(e) {
  const words = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    EBUSY: 'resource busy',
    ENOSPC: 'no space left on device',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
  }
  return `${words[e.code] ?? String(e.message).replace(/^[A-Z]+: /, '').split(',')[0]} (${e.code})`
}
