/**
 * The peer's client of the tracker cluster: one tracker at a time, failover to the next on a
 * lost connection or a deadline, the session token and its renewal, and write requests retried
 * with the same `requestId`.
 */
import { type Address, formatAddress } from "../../common/address.ts";
import type { TrackerEntry } from "../../common/config.ts";
import { sleep } from "../../common/async.ts";
import { CommandError, ProtocolError } from "../../common/errors.ts";
import { randomId } from "../../common/ids.ts";
import { Logger } from "../../common/logger.ts";
import {
  type ArgsOf,
  ErrorCode,
  type Op,
  PUBLIC_OPS,
  type ResultOf,
  WRITE_OPS,
} from "../../wire/messages.ts";
import { ConnectionLostError } from "../../wire/rpc.ts";
import { CONNECT_TIMEOUT_MS, type EventSink, REQUEST_TIMEOUT_MS, type Session } from "./api.ts";
import { PeerErrorCode } from "../support/codes.ts";
import { RenewTimer } from "./renew.ts";
import type { TransportIdentity } from "../../wire/transport_identity.ts";
import { TrackerConnector, type TrackerLink } from "./tracker_connector.ts";
import type { TrackerPins } from "./known_trackers.ts";

/** Options of {@linkcode TrackerClient}. */
export interface TrackerClientOptions {
  /** Our peer id: the Hello id, the login's `peerId` and the prefix of every `requestId`. */
  peerId: string;
  /** Our transport key (signed by the key `peerId` names), proven to every tracker. */
  transport: TransportIdentity;
  /** The keys trackers must prove; by default only those tracker_info.txt pins. */
  pins?: TrackerPins;
  /** Deadline of one request, connecting included; default `REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
  /** Budget for connecting to one tracker; default `CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Where a lost connection is logged. */
  logger?: Logger;
  /** Wall clock in ms since the epoch, the unit of a session's `expiresAt`. */
  now?: () => number;
  /** Receives `session_lost` when a renewal is refused or the session expires. */
  onEvent?: EventSink;
}

/** What a request carries beside its args. */
interface Envelope {
  token?: string;
  requestId?: string;
}

/** Backoff between reconnect attempts while no tracker answers. */
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

/** Codes with which a tracker says our token is no good: the session is gone. */
const SESSION_ENDED_CODES: ReadonlySet<string> = new Set([
  ErrorCode.SESSION_EXPIRED,
  ErrorCode.NOT_LOGGED_IN,
]);

/**
 * The peer's side of the control protocol. It holds the session token, so that a request
 * retried on another tracker (failover) can carry the same token and the same `requestId`:
 * every write op gets a cluster-unique `requestId` (`peerId.processId.counter`) once, before
 * its first attempt. Each request has a deadline that covers connecting too.
 */
export class TrackerClient {
  readonly #connector: TrackerConnector;
  readonly #options: TrackerClientOptions;
  readonly #processId = randomId();
  readonly #closing = new AbortController();
  readonly #renewer: RenewTimer;
  #counter = 0;
  #session: Session | null = null;
  #reconnecting: Promise<void> | null = null;

  /** A client for these trackers, in tracker_info.txt order; it connects on the first request. */
  constructor(trackers: readonly TrackerEntry[], options: TrackerClientOptions) {
    this.#options = options;
    this.#connector = new TrackerConnector(trackers, {
      peerId: options.peerId,
      transport: options.transport,
      ...(options.pins ? { pins: options.pins } : {}),
      connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      ...(options.logger ? { logger: options.logger } : {}),
      onSwitch: (from, to) =>
        options.onEvent?.(
          "tracker_switched",
          { from: formatAddress(from), to: formatAddress(to) },
          `Tracker ${formatAddress(from)} stopped answering: now using tracker ${
            formatAddress(to)
          }`,
        ),
    });
    this.#renewer = new RenewTimer({
      now: options.now ?? Date.now,
      renew: (session) => this.#send("renew", {}, { token: session.token }, this.#closing.signal),
      onRenewed: (session) => this.#session = session,
      onLost: (session, error) => this.#onSessionLost(session, error),
    });
  }

  /** The logged-in user, or null. */
  get user(): string | null {
    return this.#session?.user ?? null;
  }

  /** The tracker we are connected to, or null. */
  get tracker(): Address | null {
    return this.#connector.link?.address ?? null;
  }

  /**
   * Send one op: with the session token unless the op is public, with a new `requestId` when
   * it is a write.
   *
   * @throws {CommandError} the tracker's refusal, or one of {@linkcode PeerErrorCode}
   */
  async request<O extends Op>(
    op: O,
    args: ArgsOf<O>,
    options: { signal?: AbortSignal } = {},
  ): Promise<ResultOf<O>> {
    const envelope: Envelope = {};
    if (!PUBLIC_OPS.has(op)) envelope.token = this.#requireSession().token;
    if (WRITE_OPS.has(op)) envelope.requestId = this.#nextRequestId();
    return await this.#send(op, args, envelope, options.signal);
  }

  /**
   * Log in and keep the session renewed at half its remaining lifetime.
   *
   * @returns the user and the tracker that answered
   * @throws {CommandError} `already_logged_in`, or as {@linkcode request}
   */
  async login(
    credentials: { user: string; password: string; port: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<{ user: string; tracker: Address | null }> {
    if (this.#session) {
      throw new CommandError(
        PeerErrorCode.ALREADY_LOGGED_IN,
        `Already logged in as "${this.#session.user}": log out first`,
      );
    }
    const result = await this.request(
      "login",
      { ...credentials, peerId: this.#options.peerId },
      options,
    );
    this.#session = result;
    this.#renewer.start(result);
    // The cluster's trackers, kept for failover; a peer that cannot save them still works.
    if (result.trackers) await this.#connector.learnCluster(result.trackers).catch(() => {});
    return { user: result.user, tracker: this.tracker };
  }

  /**
   * Forget the session, then tell the tracker (which revokes the token).
   *
   * @throws {CommandError} `not_logged_in`, or as {@linkcode request} (the session is gone anyway)
   */
  async logout(options: { signal?: AbortSignal } = {}): Promise<void> {
    const session = this.#requireSession();
    this.#forgetSession();
    const envelope = { token: session.token, requestId: this.#nextRequestId() };
    await this.#send("logout", {}, envelope, options.signal);
  }

  /** Stop renewing and close the connection; does not log out. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#reconnecting;
    await this.#renewer.stop();
    await this.#connector.close();
  }

  /** Same as {@linkcode TrackerClient.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #send<O extends Op>(
    op: O,
    args: ArgsOf<O>,
    envelope: Envelope,
    signal?: AbortSignal,
  ): Promise<ResultOf<O>> {
    const timeoutMs = this.#options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    // One attempt per tracker, and one more for a connection found dead when used.
    const maxAttempts = this.#connector.trackerCount + 1;
    for (let attempt = 1;; attempt++) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const combined = AbortSignal.any([
        deadline,
        this.#closing.signal,
        ...(signal ? [signal] : []),
      ]);
      let link: TrackerLink | null = null;
      try {
        link = await this.#connector.connect(combined);
        return await link.rpc.request(op, args, { ...envelope, signal: combined });
      } catch (error) {
        // Failover: a tracker that dropped the connection or stopped answering is skipped and
        // the request goes to the next one, with the same token and requestId, so a write the
        // cluster already holds is answered as the original (Cluster, DESIGN.md).
        const isCallerAbort = signal?.aborted || this.#closing.signal.aborted;
        const isLinkFailure = link !== null && !isCallerAbort &&
          (error instanceof ConnectionLostError || deadline.aborted);
        if (isLinkFailure && attempt < maxAttempts) {
          await this.#connector.skip(link!);
          continue;
        }
        const translated = await this.#translate(error, op, link, timeoutMs);
        if (translated instanceof CommandError) this.#maybeReconnect(translated);
        throw translated;
      }
    }
  }

  /**
   * While logged in and no tracker answers, keep trying in the background with backoff, so the
   * peer reconnects on its own (and its heartbeat re-announces what it seeds).
   */
  #maybeReconnect(error: CommandError): void {
    const isUnreachable = error.code === PeerErrorCode.TRACKER_UNREACHABLE ||
      error.code === PeerErrorCode.TIMEOUT;
    if (!isUnreachable || this.#session === null || this.#reconnecting) return;
    this.#reconnecting = (async () => {
      let delay = RECONNECT_MIN_MS;
      while (this.#session !== null && !this.#closing.signal.aborted) {
        await sleep(delay, { signal: this.#closing.signal });
        try {
          const link = await this.#connector.connect(this.#closing.signal);
          this.#options.onEvent?.(
            "tracker_connected",
            { tracker: formatAddress(link.address) },
            `Connected to tracker ${formatAddress(link.address)} again`,
          );
          return;
        } catch {
          delay = Math.min(delay * 2, RECONNECT_MAX_MS); // still none: try again later
        }
      }
    })().finally(() => this.#reconnecting = null);
  }

  async #translate(error: unknown, op: Op, link: TrackerLink | null, timeoutMs: number) {
    const where = link ? `tracker ${formatAddress(link.address)}` : "";
    if (error instanceof CommandError) {
      // A refused renewal is the renew timer's to report, as an event.
      const isSessionOp = !PUBLIC_OPS.has(op) && op !== "renew";
      if (isSessionOp && SESSION_ENDED_CODES.has(error.code)) this.#forgetSession();
      return error;
    }
    if (error instanceof ConnectionLostError) {
      return new CommandError(
        PeerErrorCode.CONNECTION_LOST,
        `Lost the connection to ${where} during "${op}": ${error.message}`,
      );
    }
    if (error instanceof DOMException && error.name === "TimeoutError") {
      if (!link) {
        return new CommandError(
          PeerErrorCode.TRACKER_UNREACHABLE,
          `No tracker answered within ${timeoutMs} ms`,
        );
      }
      // A tracker that stopped answering may be gone without a reset: drop it, so the next
      // command reconnects and can fail over.
      await this.#connector.disconnect(link);
      return new CommandError(
        PeerErrorCode.TIMEOUT,
        `The ${where} did not answer "${op}" within ${timeoutMs} ms`,
      );
    }
    if (error instanceof ProtocolError) {
      return new CommandError(
        PeerErrorCode.BAD_RESPONSE,
        `The ${where} sent an invalid answer to "${op}": ${error.message}`,
      );
    }
    return error;
  }

  #requireSession(): Session {
    if (this.#session) return this.#session;
    throw new CommandError(
      PeerErrorCode.NOT_LOGGED_IN,
      `Not logged in: use "login <user_id> <passwd>" first`,
    );
  }

  #forgetSession(): void {
    this.#session = null;
    this.#renewer.cancel();
  }

  #nextRequestId(): string {
    this.#counter++;
    return `${this.#options.peerId}.${this.#processId}.${this.#counter}`;
  }

  #onSessionLost(session: Session, error: CommandError): void {
    if (this.#session !== session) return;
    this.#forgetSession();
    this.#options.onEvent?.(
      "session_lost",
      { user: session.user, code: error.code, error: error.message },
      `Session of "${session.user}" ended: ${error.message}; log in again`,
    );
  }
}

export type { EventSink, Session } from "./api.ts";
