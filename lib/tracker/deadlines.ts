/**
 * The two read deadlines of a client connection past its Hello. Idle: a connection that is not
 * logged in must send a complete frame within `idleMs` of its Hello or of its last reply, or it
 * is closed with `idle` (a logged-in peer keeps its connection open between commands and is
 * never closed for that). Frame: once a frame's first byte has arrived, the rest of it must
 * come within `frameMs`, logged in or not, or the connection is closed with `frame_timeout` (a
 * request trickled a byte at a time holds no connection for long).
 *
 * A busy connection moves its deadline with every frame: rather than a new timer each time
 * (a timer per request cost the tracker about 5% of its time), a timer that would fire before
 * the deadline is left to fire and set the next one for what remains.
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
  /** Milliseconds on the timers' clock; `performance.now` by default. */
  now?: () => number;
}

/** A deadline: when, and what the connection is closed with then. */
interface Due {
  at: number;
  code: string;
  message: string;
}

/** One connection's idle and frame deadlines: told of frames, requests and the login. */
export class ReadDeadlines {
  readonly #options: ReadDeadlineOptions;
  readonly #timers: Timers;
  readonly #now: () => number;
  #due: Due | null = null;
  #timer: unknown;
  /** When {@linkcode #timer} fires. */
  #timerAt = Infinity;
  #isLoggedIn = false;
  #isInFrame = false;
  #inFlight = 0;
  #isStopped = false;

  constructor(options: ReadDeadlineOptions) {
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#now = options.now ?? (() => performance.now());
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
    this.#due = null;
    this.#clear();
  }

  #arm(): void {
    const { idleMs, frameMs } = this.#options;
    this.#due = null;
    if (this.#isStopped) return this.#clear();
    if (this.#isInFrame) {
      this.#dueIn(
        frameMs,
        WireErrorCode.FRAME_TIMEOUT,
        `A frame was not complete within ${frameMs} ms of its first byte`,
      );
    } else if (!this.#isLoggedIn && this.#inFlight === 0) {
      this.#dueIn(
        idleMs,
        WireErrorCode.IDLE,
        `Not logged in and idle for ${idleMs} ms: closing to make room (reconnect to go on)`,
      );
    }
  }

  #dueIn(ms: number, code: string, message: string): void {
    const due = { at: this.#now() + ms, code, message };
    this.#due = due;
    // A timer that fires first looks again then; one that fires later is too late.
    if (this.#timerAt <= due.at) return;
    this.#clear();
    this.#startTimer(due.at);
  }

  #startTimer(at: number): void {
    this.#timerAt = at;
    this.#timer = this.#timers.setTimeout(() => this.#fired(), Math.max(0, at - this.#now()));
  }

  #fired(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const due = this.#due;
    if (due === null || this.#isStopped) return;
    if (this.#now() < due.at) return this.#startTimer(due.at);
    this.stop();
    this.#options.onExpired(due.code, due.message);
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}
