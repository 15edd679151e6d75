/**
 * Failed-login throttle. Three counters, each over a window of `windowMs`:
 *
 * - per (account, address): `maxFailures`. Someone guessing carol's password from one address is
 *   stopped quickly, and only there: carol at home, and bob or dave at the guesser's address,
 *   still log in.
 * - per account, from every address: `maxFailures × ACCOUNT_FACTOR`, so guessing one password
 *   from many addresses is slow too. Locking carol out everywhere this way takes failures from
 *   several addresses, not one.
 * - per address, over every account: `maxFailures × ADDRESS_FACTOR`, much higher, so one
 *   address trying many names is slowed without a few typos on a shared NAT address locking
 *   out everyone behind it.
 *
 * A refusal names the counter that refused. In memory only: it is not state that needs to
 * survive a restart or be replicated.
 */

/** The per-account limit is this many times `maxFailures`. */
export const ACCOUNT_FACTOR = 4;
/** The per-address limit is this many times `maxFailures`. */
export const ADDRESS_FACTOR = 20;
/** Past this many windows, expired ones are swept so a scan of names cannot grow the map. */
const SWEEP_THRESHOLD = 10_000;

/** Options of {@linkcode LoginThrottle}. */
export interface ThrottleOptions {
  /** Failed logins per (account, address) in one window before that pair is refused. */
  maxFailures: number;
  /** Length of a window. */
  windowMs: number;
  now?: () => number;
}

/** Why a login is refused: the counter that is full. */
export type ThrottleScope = "account_address" | "account" | "address";

/** A refusal: which counter, and how long until it lets the caller try again. */
export interface ThrottleVerdict {
  scope: ThrottleScope;
  retryAfterMs: number;
}

interface Window {
  start: number;
  failures: number;
}

/** Counts failed logins per (account, address), per account and per address. */
export class LoginThrottle {
  readonly #windows = new Map<string, Window>();
  readonly #limits: Record<ThrottleScope, number>;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: ThrottleOptions) {
    this.#limits = {
      account_address: options.maxFailures,
      account: options.maxFailures * ACCOUNT_FACTOR,
      address: options.maxFailures * ADDRESS_FACTOR,
    };
    this.#windowMs = options.windowMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Whether `user` may try to log in from `host` now.
   *
   * @returns null when it may, else the narrowest full counter and the longest wait
   */
  check(user: string, host: string): ThrottleVerdict | null {
    const now = this.#now();
    let verdict: ThrottleVerdict | null = null;
    for (const [scope, key] of keysOf(user, host)) {
      const window = this.#windows.get(key);
      if (!window) continue;
      const left = window.start + this.#windowMs - now;
      if (left <= 0) this.#windows.delete(key);
      else if (window.failures >= this.#limits[scope]) {
        if (!verdict) verdict = { scope, retryAfterMs: left };
        else verdict.retryAfterMs = Math.max(verdict.retryAfterMs, left);
      }
    }
    return verdict;
  }

  /** Count a failed login of `user` from `host` against all three counters. */
  fail(user: string, host: string): void {
    const now = this.#now();
    this.#sweep(now);
    for (const [, key] of keysOf(user, host)) {
      const window = this.#windows.get(key);
      if (!window || window.start + this.#windowMs <= now) {
        this.#windows.set(key, { start: now, failures: 1 });
      } else {
        window.failures++;
      }
    }
  }

  /**
   * Forget the failures of `user` from `host` after a correct password. The account and
   * address counters stay: a success at one address says nothing about guesses from others.
   */
  succeed(user: string, host: string): void {
    this.#windows.delete(pairKey(user, host));
  }

  #sweep(now: number): void {
    if (this.#windows.size < SWEEP_THRESHOLD) return;
    for (const [key, window] of this.#windows) {
      if (window.start + this.#windowMs <= now) this.#windows.delete(key);
    }
  }
}

/** A refusal as one line: `Too many failed logins for "carol" from 10.0.0.5: try again in 42s`. */
export function describeThrottle(user: string, host: string, verdict: ThrottleVerdict): string {
  const seconds = Math.ceil(verdict.retryAfterMs / 1000);
  const who = verdict.scope === "account_address"
    ? `for "${user}" from ${host}`
    : verdict.scope === "account"
    ? `for "${user}" from several addresses`
    : `from ${host}, over several accounts`;
  return `Too many failed logins ${who}: try again in ${seconds}s`;
}

function pairKey(user: string, host: string): string {
  return `pair:${user}@${host}`;
}

// Narrowest first, so a refusal names the most specific reason.
function keysOf(user: string, host: string): Array<[ThrottleScope, string]> {
  return [
    ["account_address", pairKey(user, host)],
    ["account", `user:${user}`],
    ["address", `addr:${host}`],
  ];
}
