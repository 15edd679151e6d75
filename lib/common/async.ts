/**
 * Waiting with an abort signal: an abortable delay, a sleep that an abort cuts short, and a race
 * between a promise and a signal. The timer functions can be injected, so code that waits can be
 * tested with a fake clock instead of real time.
 */

/**
 * The two timer functions a waiting class needs; the globals by default. The id is opaque: the
 * real `setTimeout` returns a `Timeout` object in Deno 2.9's types, a fake clock a number.
 */
export interface Timers {
  /** Call `callback` once after `ms`; returns an id for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancel a timer that has not fired yet. */
  clearTimeout(id: unknown): void;
}

/** The real timers, `globalThis.setTimeout` and `globalThis.clearTimeout`. */
export const REAL_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** Options of {@linkcode delay} and {@linkcode sleep}. */
export interface DelayOptions {
  /** Cuts the wait short. */
  signal?: AbortSignal | undefined;
  /** Where the timer comes from; {@linkcode REAL_TIMERS} by default. */
  timers?: Timers | undefined;
}

/**
 * Resolve after `ms`.
 *
 * @throws the signal's reason when `options.signal` aborts first (or has already aborted)
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal, timers = REAL_TIMERS } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      timers.clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolve after `ms`, or at once when `options.signal` aborts: it never rejects. */
export async function sleep(ms: number, options: DelayOptions = {}): Promise<void> {
  try {
    await delay(ms, options);
  } catch (error) {
    // Only an abort rejects `delay`, and an abort is how a sleep is cut short.
    if (!options.signal?.aborted) throw error;
  }
}

/** Settle with `promise`, or reject with the signal's reason when `signal` fires first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
