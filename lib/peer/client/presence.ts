/**
 * This peer's presence at the tracker: a lease that a heartbeat renews every third of its
 * length, so one lost heartbeat does not take the peer off the list. A heartbeat answered with
 * `known: false` means the tracker forgot us (it restarted, or we failed over to another one):
 * every served file is announced again. While heartbeats fail (no tracker answers) they are
 * retried every `HEARTBEAT_RETRY_MS`, with one warning when they start failing and one line
 * when one is answered again, not a line per attempt in the middle of the user's prompt.
 */
import { REAL_TIMERS, sleep, type Timers } from "../../common/async.ts";
import { CommandError, describeError } from "../../common/errors.ts";
import { Logger } from "../../common/logger.ts";
import { ErrorCode } from "../../wire/messages.ts";
import { PeerErrorCode } from "../support/codes.ts";

/** Until the tracker tells its lease, renew this often. */
export const INITIAL_HEARTBEAT_MS = 2_000;
/** Never renew more often than this, whatever lease the tracker gives. */
export const MIN_HEARTBEAT_MS = 50;
/** After a heartbeat no tracker answered, try again this soon (or sooner if the lease is short). */
export const HEARTBEAT_RETRY_MS = 1_000;

/** Errors that mean there is no session any more: the loop ends. */
const SESSION_GONE: ReadonlySet<string> = new Set([
  ErrorCode.NOT_LOGGED_IN,
  ErrorCode.SESSION_EXPIRED,
  PeerErrorCode.NOT_LOGGED_IN,
]);

/** Options of {@linkcode PresenceLoop}. */
export interface PresenceOptions {
  /** Send the heartbeat op. */
  heartbeat(signal: AbortSignal): Promise<{ known: boolean; leaseMs: number }>;
  /** Announce every served file again. */
  announceAll(signal: AbortSignal): Promise<void>;
  logger?: Logger;
  /** Where the waits between heartbeats come from; the real timers by default. */
  timers?: Timers;
}

/** Heartbeats while logged in: {@linkcode PresenceLoop.start} after login, `stop` at logout. */
export class PresenceLoop {
  readonly #options: PresenceOptions;
  readonly #log: Logger;
  /** The last heartbeat failed (and that was said once). */
  #isFailing = false;
  #controller: AbortController | null = null;
  #loop: Promise<void> | null = null;

  constructor(options: PresenceOptions) {
    this.#options = options;
    this.#log = options.logger ?? new Logger("presence");
  }

  /** Whether the loop runs. */
  get isRunning(): boolean {
    return this.#loop !== null;
  }

  /** Start heartbeating now (a running loop is restarted). */
  async start(): Promise<void> {
    await this.stop();
    const controller = new AbortController();
    this.#controller = controller;
    this.#loop = this.#run(controller.signal);
  }

  /** Stop heartbeating and wait for a heartbeat in flight. */
  async stop(): Promise<void> {
    this.#controller?.abort();
    const loop = this.#loop;
    this.#controller = null;
    this.#loop = null;
    await loop;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let intervalMs = INITIAL_HEARTBEAT_MS;
    while (!signal.aborted) {
      let waitMs = intervalMs;
      try {
        const { known, leaseMs } = await this.#options.heartbeat(signal);
        intervalMs = Math.max(MIN_HEARTBEAT_MS, Math.floor(leaseMs / 3));
        waitMs = intervalMs;
        if (this.#isFailing) this.#log.info("Heartbeat answered again: back online");
        this.#isFailing = false;
        if (!known) await this.#options.announceAll(signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof CommandError && SESSION_GONE.has(error.code)) return;
        waitMs = Math.min(HEARTBEAT_RETRY_MS, intervalMs);
        if (!this.#isFailing) {
          this.#log.warn(
            `Heartbeat failed: ${describeError(error)}; trying again every ` +
              `${waitMs / 1000} s until a tracker answers`,
          );
        }
        this.#isFailing = true;
      }
      await sleep(waitMs, { signal, timers: this.#options.timers ?? REAL_TIMERS });
    }
  }
}
