// The one error class of Veriot: a stable code, a message that says what was expected and
// what was got, the context needed to act, and the cause.

import { type ErrorCode, ErrorCodes, type ExitCode } from './codes.ts'

export type ErrorContext = Readonly<Record<string, string | number | bigint | boolean | undefined>>

/**
 * Base error of every Veriot package.
 *
 * @example
 * throw new VeriotError('DEVICE_UNKNOWN', `device ${id} is not registered`, { context: { id } })
 */
export class VeriotError extends Error {
  override readonly name = 'VeriotError'
  readonly code: ErrorCode
  readonly context: ErrorContext

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; context?: ErrorContext } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.context = options.context ?? {}
  }

  /** The CLI exit status for this error's code. */
  get exitCode(): ExitCode {
    return ErrorCodes[this.code]
  }

  /** A JSON-safe view (bigints as decimal strings) for `--json` output and logs. */
  toJSON(): {
    code: ErrorCode
    message: string
    context: Record<string, string | number | boolean>
  } {
    const context: Record<string, string | number | boolean> = {}
    for (const [k, v] of Object.entries(this.context)) {
      if (v !== undefined) context[k] = typeof v === 'bigint' ? v.toString() : v
    }
    return { code: this.code, message: this.message, context }
  }
}

/** True when `err` is a VeriotError, optionally with the given code. */
export function isVeriotError(err: unknown, code?: ErrorCode): err is VeriotError {
  return err instanceof VeriotError && (code === undefined || err.code === code)
}
