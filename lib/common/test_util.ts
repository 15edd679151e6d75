/**
 * Test-only helpers shared by the unit tests under lib/ and the integration tests under tests/
 * (lib must not import tests/): a wait with a deadline, a temp folder removed on dispose, and a
 * fake clock to inject as `now` and `timers`. Production code never imports this file.
 */
import type { Timers } from "./async.ts";

/** Options of {@linkcode waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long; 15 s by default. */
  timeoutMs?: number;
  /** Look again this often; 50 ms by default. */
  intervalMs?: number;
}

const WAIT_TIMEOUT_MS = 15_000;
const WAIT_INTERVAL_MS = 50;

/**
 * Wait until `check` returns something other than `undefined` or `false`, and return that.
 *
 * @throws {Error} naming `what` when `options.timeoutMs` passes first
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitUntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? WAIT_INTERVAL_MS));
  }
}

/** A temporary folder, removed with everything in it on dispose. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "peershare-test-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

interface FakeTimer {
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told: pass `clock.now` as `now` and the clock as `timers`, then
 * `await clock.advance(ms)` fires every timer due on the way, in order.
 */
export class FakeClock implements Timers {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  /** A clock that reads `startMs` until advanced. */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** The current fake time in ms. */
  readonly now = (): number => this.#now;

  /** Call `callback` once the clock has been advanced by `ms`. */
  readonly setTimeout = (callback: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  };

  /** Cancel a timer that has not fired. */
  readonly clearTimeout = (id: unknown): void => {
    if (typeof id === "number") this.#timers.delete(id);
  };

  /** Timers set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Move the clock forward by `ms`, firing each timer that falls due at its own time, and let
   * the code woken by each run (promise callbacks, one turn of the event loop) before the next.
   */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    while (true) {
      const next = this.#earliest(until);
      if (next === undefined) break;
      const [id, timer] = next;
      this.#timers.delete(id);
      this.#now = timer.at;
      timer.callback();
      await settle();
    }
    this.#now = until;
  }

  #earliest(until: number): [number, FakeTimer] | undefined {
    let found: [number, FakeTimer] | undefined;
    for (const entry of this.#timers) {
      if (entry[1].at > until) continue;
      if (found === undefined || entry[1].at < found[1].at) found = entry;
    }
    return found;
  }
}

/** Let pending promise callbacks and one turn of real I/O run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
