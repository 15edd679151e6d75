/**
 * Session renewal: a timer that renews the token at half its remaining lifetime and keeps
 * retrying while no tracker answers, until the token expires.
 */
import { REAL_TIMERS, type Timers } from "../../common/async.ts";
import { CommandError } from "../../common/errors.ts";
import { ErrorCode } from "../../wire/messages.ts";
import { PeerErrorCode } from "../support/codes.ts";
import type { Session } from "./api.ts";

/** Never renew sooner than this after the last renewal, whatever the token's lifetime. */
export const RENEW_MIN_DELAY_MS = 100;
/** After a renewal that no tracker answered, try again this soon (or sooner near expiry). */
export const RENEW_RETRY_MS = 5_000;

/** Failures after which the session may still be fine: try again until it expires. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  PeerErrorCode.TRACKER_UNREACHABLE,
  PeerErrorCode.CONNECTION_LOST,
  PeerErrorCode.TIMEOUT,
]);

/** Options of {@linkcode RenewTimer}. */
export interface RenewTimerOptions {
  /** Wall clock in ms since the epoch. */
  now: () => number;
  /** Send the renew op with the session's token. */
  renew: (session: Session) => Promise<{ token: string; expiresAt: number }>;
  onRenewed: (session: Session) => void;
  /** The tracker refused the token, or it expired while no tracker answered. */
  onLost: (session: Session, error: CommandError) => void;
  minDelayMs?: number;
  retryMs?: number;
  /** Where the renewal timer comes from; the real timers by default. */
  timers?: Timers;
}

/**
 * Renews a session at half its remaining lifetime, retrying while no tracker answers, until
 * it is cancelled or the session is lost. At most one renewal is in flight.
 */
export class RenewTimer {
  readonly #options: RenewTimerOptions;
  readonly #timers: Timers;
  #timer: unknown;
  #inFlight: Promise<void> | null = null;
  /** Bumped by start and cancel, so a renewal that ends after either is ignored. */
  #generation = 0;

  constructor(options: RenewTimerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
  }

  /** Start renewing `session` (replacing whatever was renewed before). */
  start(session: Session): void {
    this.cancel();
    const remaining = session.expiresAt - this.#options.now();
    this.#schedule(session, remaining / 2);
  }

  /** Stop renewing; a renewal in flight is ignored when it ends. */
  cancel(): void {
    this.#generation++;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Cancel and wait for a renewal in flight to end. */
  async stop(): Promise<void> {
    this.cancel();
    await this.#inFlight;
  }

  #schedule(session: Session, delayMs: number): void {
    const generation = this.#generation;
    const delay = Math.max(this.#options.minDelayMs ?? RENEW_MIN_DELAY_MS, delayMs);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.#renew(session, generation).finally(() => this.#inFlight = null);
    }, delay);
  }

  async #renew(session: Session, generation: number): Promise<void> {
    try {
      const result = await this.#options.renew(session);
      if (generation !== this.#generation) return;
      const renewed: Session = { ...session, ...result };
      this.#options.onRenewed(renewed);
      this.#schedule(renewed, (renewed.expiresAt - this.#options.now()) / 2);
    } catch (error) {
      if (generation !== this.#generation || !(error instanceof CommandError)) return;
      const remaining = session.expiresAt - this.#options.now();
      if (!TRANSIENT_CODES.has(error.code)) {
        this.#options.onLost(session, error);
      } else if (remaining <= 0) {
        const expired = new CommandError(
          ErrorCode.SESSION_EXPIRED,
          `The session expired while no tracker answered: ${error.message}`,
        );
        this.#options.onLost(session, expired);
      } else {
        this.#schedule(session, Math.min(this.#options.retryMs ?? RENEW_RETRY_MS, remaining / 2));
      }
    }
  }
}
