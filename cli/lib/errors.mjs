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
  const code = e instanceof CliError ? e.code : (e?.code ?? 'INTERNAL')
  const exit = e instanceof CliError ? e.exitCode : EXIT.RUNTIME
  const message = String(e?.message ?? e).split('\n')[0].replace(/^cachecore: /, '')
  if (json && !(e instanceof CliError && e.exitCode === EXIT.USAGE)) {
    process.stdout.write(`${JSON.stringify({ error: { code, message, exitCode: exit } })}\n`)
  }
  process.stderr.write(`cachecore: error ${code}: ${message}\n`)
  if (verbose && e?.stack) process.stderr.write(`${e.stack}\n`)
  return exit
}
