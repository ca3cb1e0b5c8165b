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
