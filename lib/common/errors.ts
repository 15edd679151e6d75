/**
 * The error classes that callers catch by class. Everything else uses the built-in class that
 * fits (`TypeError`, `RangeError`, `SyntaxError`), and time-outs are the `DOMException` named
 * `TimeoutError` that `AbortSignal.timeout()` rejects with.
 */

/** Bad bytes from a remote: a frame that is too large, truncated, unknown or invalid. */
export class ProtocolError extends Error {
  /** Stable machine-readable reason, also sent in the closing error frame. */
  readonly code: string;

  /** Make an error with a stable code and a human message. */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** A refused command, with a stable `code` such as `"not_member"`. */
export class CommandError extends Error {
  /** Stable machine-readable reason that shells and scripts may branch on. */
  readonly code: string;

  /** Make an error with a stable code and a human message. */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CommandError";
    this.code = code;
  }
}

/**
 * Turn a caught value into one human line, without a stack trace.
 *
 * A missing Deno permission becomes a line that names the flag to add.
 */
export function describeError(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `Missing permission: ${error.message}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
