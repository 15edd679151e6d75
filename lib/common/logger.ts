/** Where log lines go; tests inject an array collector. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** Write a whole line to stderr. */
export function stderrSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/** A tiny leveled logger that writes one line per event, prefixed with a component name. */
export class Logger {
  readonly #name: string;
  readonly #sink: LogSink;
  readonly #quiet: boolean;

  /** A logger named `name`; `quiet` drops info lines. */
  constructor(name: string, options: { sink?: LogSink; quiet?: boolean } = {}) {
    this.#name = name;
    this.#sink = options.sink ?? stderrSink;
    this.#quiet = options.quiet ?? false;
  }

  /** A logger for a sub-component that shares this one's sink. */
  child(name: string): Logger {
    return new Logger(`${this.#name}/${name}`, { sink: this.#sink, quiet: this.#quiet });
  }

  /** Log an informational line (not when quiet). */
  info(message: string): void {
    if (!this.#quiet) this.#sink(`[${this.#name}] ${message}`);
  }

  /** Log a warning. */
  warn(message: string): void {
    this.#sink(`[${this.#name}] warning: ${message}`);
  }

  /** Log an error. */
  error(message: string): void {
    this.#sink(`[${this.#name}] error: ${message}`);
  }
}

/**
 * Logs at most `perWindow` lines per window, then one line with the count it suppressed, so a
 * flood of bad frames cannot fill the log.
 */
export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #perWindow: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #windowStart = 0;
  #count = 0;
  #suppressed = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Limit `logger` to `perWindow` lines per `windowMs`. */
  constructor(
    logger: Logger,
    options: { perWindow?: number; windowMs?: number; now?: () => number } = {},
  ) {
    this.#logger = logger;
    this.#perWindow = options.perWindow ?? 10;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Log a warning unless this window's quota is used up. */
  warn(message: string): void {
    const now = this.#now();
    if (now - this.#windowStart >= this.#windowMs) {
      if (this.#suppressed > 0) {
        this.#logger.warn(`${this.#suppressed} similar message(s) suppressed`);
      }
      this.#windowStart = now;
      this.#count = 0;
      this.#suppressed = 0;
    }
    if (this.#count < this.#perWindow) {
      this.#count++;
      this.#logger.warn(message);
    } else {
      if (this.#suppressed === 0) this.#reportAtWindowEnd(now);
      this.#suppressed++;
    }
  }

  /** Log the count suppressed so far, and stop the pending report. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    if (this.#suppressed > 0) {
      this.#logger.warn(`${this.#suppressed} similar message(s) suppressed`);
    }
    this.#suppressed = 0;
  }

  /** A flood that stops still gets its count logged, when its window ends. */
  #reportAtWindowEnd(now: number): void {
    clearTimeout(this.#timer);
    const timer = this.#timer = setTimeout(() => {
      if (this.#suppressed === 0) return;
      this.#logger.warn(`${this.#suppressed} similar message(s) suppressed`);
      this.#suppressed = 0;
    }, Math.max(0, this.#windowStart + this.#windowMs - now));
    // The report must not keep a finished process alive.
    Deno.unrefTimer(timer as unknown as number);
  }
}
