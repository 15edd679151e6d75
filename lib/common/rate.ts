/**
 * A token bucket for byte rates (`--upload-limit`, `--download-limit`): callers await
 * `take(bytes)` before sending or after receiving; the bucket holds at most a quarter second
 * of rate, so a pause does not bank a burst that would make short transfers beat the limit.
 */
import { delay } from "./async.ts";

/** How much idle time the bucket banks. */
const BURST_SECONDS = 0.25;

/**
 * Parse a rate such as `20MiB/s`, `500KiB/s`, `1.5MB/s`, `1000000` (bytes per second).
 *
 * @throws {SyntaxError} naming the text when it is not a rate
 */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?(?:\/s)?$/i.exec(text.trim());
  if (!match) {
    throw new SyntaxError(`Invalid rate "${text}": expected a number with a unit, like 20MiB/s`);
  }
  const units: Record<string, number> = {
    b: 1,
    kb: 1e3,
    kib: 1024,
    mb: 1e6,
    mib: 1024 ** 2,
    gb: 1e9,
    gib: 1024 ** 3,
  };
  const rate = Number(match[1]) * units[(match[2] ?? "b").toLowerCase()]!;
  if (!(rate >= 1)) throw new SyntaxError(`Invalid rate "${text}": must be at least 1 B/s`);
  return Math.floor(rate);
}

/** Shares one byte rate among every caller. */
export class RateLimiter {
  readonly #rate: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  /** `bytesPerSecond` of Infinity means no limit. */
  constructor(bytesPerSecond: number, now: () => number = performance.now.bind(performance)) {
    this.#rate = bytesPerSecond;
    this.#now = now;
    this.#tokens = Math.min(bytesPerSecond, 64 * 1024);
    this.#last = now();
  }

  /** Whether there is any limit. */
  get isLimited(): boolean {
    return Number.isFinite(this.#rate);
  }

  /** Wait until `bytes` may pass. Callers are served in order. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (!this.isLimited) return Promise.resolve();
    const turn = this.#queue.then(() => this.#wait(bytes, signal));
    this.#queue = turn.catch(() => {}); // a caller's abort must not stall those behind it
    return turn;
  }

  /** Bytes taken and then not sent after all: those behind need not wait for them. */
  giveBack(bytes: number): void {
    if (this.isLimited) this.#tokens += bytes;
  }

  async #wait(bytes: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#refill();
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return;
    const waitMs = (-this.#tokens / this.#rate) * 1000;
    try {
      await delay(waitMs, { signal });
    } catch (error) {
      this.#tokens += bytes; // not sent: those behind need not wait for it
      throw error;
    }
  }

  #refill(): void {
    const now = this.#now();
    const burst = this.#rate * BURST_SECONDS;
    const refilled = this.#tokens + ((now - this.#last) / 1000) * this.#rate;
    this.#tokens = Math.min(Math.max(burst, this.#tokens), refilled);
    this.#last = now;
  }
}
