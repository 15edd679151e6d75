/**
 * Failed-login throttle, per user and per address: after `maxFailures` failures within
 * `windowMs`, further attempts are refused until the window has passed. In memory only: it is
 * not state that needs to survive a restart or be replicated.
 */

/** Options of {@linkcode LoginThrottle}. */
export interface ThrottleOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

interface Window {
  start: number;
  failures: number;
}

/** Counts failed logins by key (`user:alice`, `addr:127.0.0.1`). */
export class LoginThrottle {
  readonly #windows = new Map<string, Window>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: ThrottleOptions) {
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds until any of these keys may try again, or 0 when all may try now. */
  retryAfterMs(keys: readonly string[]): number {
    const now = this.#now();
    let wait = 0;
    for (const key of keys) {
      const window = this.#windows.get(key);
      if (!window) continue;
      const left = window.start + this.#windowMs - now;
      if (left <= 0) this.#windows.delete(key);
      else if (window.failures >= this.#maxFailures) wait = Math.max(wait, left);
    }
    return wait;
  }

  /** Count a failed attempt against each key. */
  fail(keys: readonly string[]): void {
    const now = this.#now();
    this.#sweep(now);
    for (const key of keys) {
      const window = this.#windows.get(key);
      if (!window || window.start + this.#windowMs <= now) {
        this.#windows.set(key, { start: now, failures: 1 });
      } else {
        window.failures++;
      }
    }
  }

  /** Forget failures of a key after a success. */
  succeed(key: string): void {
    this.#windows.delete(key);
  }

  /** Drop expired windows so a scan of many names cannot grow the map without bound. */
  #sweep(now: number): void {
    if (this.#windows.size < 10_000) return;
    for (const [key, window] of this.#windows) {
      if (window.start + this.#windowMs <= now) this.#windows.delete(key);
    }
  }
}
