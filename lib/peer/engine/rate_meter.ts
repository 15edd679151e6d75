/** Bytes per second over the last few seconds, for show_downloads. */

/** The rate is measured over this much recent time. */
export const RATE_WINDOW_MS = 5000;

/** Counts bytes as they come and reports a recent rate. */
export class RateMeter {
  readonly #windowMs: number;
  readonly #now: () => number;
  /** (time, running total) pairs, oldest first; the first one may be older than the window. */
  readonly #samples: { at: number; total: number }[] = [];
  #total = 0;

  constructor(options: { windowMs?: number; now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? RATE_WINDOW_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Count `bytes` that arrived now. */
  add(bytes: number): void {
    const at = this.#now();
    if (this.#samples.length === 0) this.#samples.push({ at, total: 0 });
    this.#total += bytes;
    this.#samples.push({ at, total: this.#total });
    this.#trim(at);
  }

  /** Bytes per second over the window (0 before two samples). */
  rate(): number {
    const now = this.#now();
    this.#trim(now);
    const first = this.#samples[0];
    if (!first || now - first.at <= 0) return 0;
    const span = Math.max(now - first.at, 1000);
    return ((this.#total - first.total) / span) * 1000;
  }

  /** Drop samples older than the window, keeping one at or before its start as the base. */
  #trim(now: number): void {
    while (this.#samples.length > 1 && this.#samples[1]!.at <= now - this.#windowMs) {
      this.#samples.shift();
    }
  }
}
