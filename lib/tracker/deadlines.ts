/**
 * The two read deadlines of a client connection past its Hello. Idle: a connection that is not
 * logged in must send a complete frame within `idleMs` of its Hello or of its last reply, or it
 * is closed with `idle` (a logged-in peer keeps its connection open between commands and is
 * never closed for that). Frame: once a frame's first byte has arrived, the rest of it must
 * come within `frameMs`, logged in or not, or the connection is closed with `frame_timeout` (a
 * request trickled a byte at a time holds no connection for long).
 */
import { REAL_TIMERS, type Timers } from "../common/async.ts";
import { WireErrorCode } from "../wire/mod.ts";

/** Options of {@linkcode ReadDeadlines}. */
export interface ReadDeadlineOptions {
  idleMs: number;
  frameMs: number;
  /** Called once, when a deadline passes: close the connection with this code and message. */
  onExpired: (code: string, message: string) => void;
  timers?: Timers;
}

/** One connection's idle and frame deadlines: told of frames, requests and the login. */
export class ReadDeadlines {
  readonly #options: ReadDeadlineOptions;
  readonly #timers: Timers;
  #timer: unknown;
  #isLoggedIn = false;
  #isInFrame = false;
  #inFlight = 0;
  #isStopped = false;

  constructor(options: ReadDeadlineOptions) {
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#arm();
  }

  /** A frame's first byte arrived. */
  frameStarted(): void {
    this.#isInFrame = true;
    this.#arm();
  }

  /** A frame was complete and its request is being handled. */
  requestStarted(): void {
    this.#isInFrame = false;
    this.#inFlight++;
    this.#arm();
  }

  /** A request's reply went out (or was given up). */
  requestEnded(): void {
    this.#inFlight--;
    this.#arm();
  }

  /** A login or a valid session was used: no idle deadline from now on. */
  loggedIn(): void {
    this.#isLoggedIn = true;
    this.#arm();
  }

  /** The connection closed: no deadline fires any more. */
  stop(): void {
    this.#isStopped = true;
    this.#clear();
  }

  #arm(): void {
    this.#clear();
    if (this.#isStopped) return;
    const { idleMs, frameMs } = this.#options;
    if (this.#isInFrame) {
      this.#expireIn(
        frameMs,
        WireErrorCode.FRAME_TIMEOUT,
        `A frame was not complete within ${frameMs} ms of its first byte`,
      );
    } else if (!this.#isLoggedIn && this.#inFlight === 0) {
      this.#expireIn(
        idleMs,
        WireErrorCode.IDLE,
        `Not logged in and idle for ${idleMs} ms: closing to make room (reconnect to go on)`,
      );
    }
  }

  #expireIn(ms: number, code: string, message: string): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.stop();
      this.#options.onExpired(code, message);
    }, ms);
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
