/**
 * Hybrid logical clock: wall-clock milliseconds plus a counter, so every operation a tracker
 * makes gets a timestamp greater than everything it has made or seen, even when the wall clock
 * stands still or steps back.
 */

/** A hybrid logical timestamp. */
export interface Hlc {
  readonly wall: number;
  readonly counter: number;
}

/** Order two timestamps. */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.counter - b.counter;
}

/** Fixed-width text that sorts like the timestamp: 12 hex digits of wall, 8 of counter. */
export function formatHlc(hlc: Hlc): string {
  return hlc.wall.toString(16).padStart(12, "0") + hlc.counter.toString(16).padStart(8, "0");
}

/**
 * The timestamp an order key starts with (an operation's key, or a trim point, which may be a
 * timestamp alone): what a clock must pass for its next operation to sort after that key.
 */
export function hlcOfOrderKey(key: string): Hlc | undefined {
  const match = /^([0-9a-f]{12})([0-9a-f]{8})/.exec(key);
  return match ? { wall: parseInt(match[1]!, 16), counter: parseInt(match[2]!, 16) } : undefined;
}

/**
 * A clock for one tracker. Wall time comes in through `now` (the server passes its wall clock,
 * tests a fake), so this file reads no clock itself.
 */
export class HybridClock {
  readonly #now: () => number;
  #last: Hlc = { wall: 0, counter: 0 };

  constructor(now: () => number) {
    this.#now = now;
  }

  /** The next timestamp: greater than every one returned or observed before. */
  tick(): Hlc {
    const wall = this.#now();
    this.#last = wall > this.#last.wall
      ? { wall, counter: 0 }
      : { wall: this.#last.wall, counter: this.#last.counter + 1 };
    return this.#last;
  }

  /** The last timestamp given or seen, without advancing. */
  peek(): Hlc {
    return this.#last;
  }

  /** Move past a timestamp seen in an operation (from the log or another tracker). */
  observe(hlc: Hlc): void {
    if (compareHlc(hlc, this.#last) > 0) this.#last = hlc;
  }
}
