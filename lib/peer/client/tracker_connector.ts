/**
 * The connection under the tracker client: at most one open connection, opened to the first
 * tracker of the list that answers and proves the key pinned for it, shared by every caller.
 */
import { type Address, formatAddress } from "../../common/address.ts";
import type { TrackerEntry } from "../../common/config.ts";
import { keyFingerprint } from "../../common/ids.ts";
import { raceAbort } from "../../common/async.ts";
import { CommandError, describeError } from "../../common/errors.ts";
import { Logger } from "../../common/logger.ts";
import {
  closeQuietly,
  openConnection,
  RemoteError,
  type WireConnection,
} from "../../wire/connection.ts";
import { WireErrorCode } from "../../wire/limits.ts";
import { RpcClient } from "../../wire/rpc.ts";
import type { TransportIdentity } from "../../wire/transport_identity.ts";
import { PeerErrorCode } from "../support/codes.ts";
import { KnownTrackers, type TrackerPins } from "./known_trackers.ts";

/** Options of {@linkcode TrackerConnector}. */
export interface TrackerConnectorOptions {
  /** Our peer id, sent in the Hello. */
  peerId: string;
  /** Our transport key, proven in the handshake. */
  transport: TransportIdentity;
  /** The keys trackers must prove; by default only those tracker_info.txt pins. */
  pins?: TrackerPins;
  /** Budget for one tracker: TCP connect plus Hello. */
  connectTimeoutMs: number;
  logger?: Logger;
  /** Called when a new connection goes to another tracker than the last one (failover). */
  onSwitch?: (from: Address, to: Address) => void;
}

/** A live connection to one tracker. */
export interface TrackerLink {
  readonly rpc: RpcClient;
  readonly address: Address;
}

/**
 * Keeps at most one connection to a tracker. When there is none, it tries the trackers in
 * the order of tracker_info.txt, the one it last used first, and keeps the first that answers.
 * Callers that ask at the same time share one attempt.
 */
export class TrackerConnector {
  readonly #trackers: readonly TrackerEntry[];
  readonly #options: TrackerConnectorOptions;
  readonly #pins: TrackerPins;
  readonly #closing = new AbortController();
  #current = 0;
  #last: Address | null = null;
  #link: TrackerLink | null = null;
  #connecting: Promise<TrackerLink> | null = null;

  constructor(trackers: readonly TrackerEntry[], options: TrackerConnectorOptions) {
    if (trackers.length === 0) throw new RangeError("The tracker list is empty");
    this.#trackers = trackers;
    this.#options = options;
    this.#pins = options.pins ?? KnownTrackers.inMemory();
  }

  /** Keep the cluster's trackers a tracker told us of (see {@linkcode TrackerPins}). */
  learnCluster(trackers: readonly { address: string; publicKey: Uint8Array }[]): Promise<void> {
    return this.#pins.learnCluster(
      trackers.map((t) => ({ address: t.address, fingerprint: keyFingerprint(t.publicKey) })),
    );
  }

  /** How many trackers it may try: tracker_info.txt's and those learned. */
  get trackerCount(): number {
    return this.#candidates().length;
  }

  /** tracker_info.txt's trackers, then those learned from the cluster. */
  #candidates(): TrackerEntry[] {
    return [...this.#trackers, ...this.#pins.extra(this.#trackers)];
  }

  /** The tracker we are connected to, if any. */
  get link(): TrackerLink | null {
    return this.#link && !this.#link.rpc.isClosed ? this.#link : null;
  }

  /**
   * The current connection, or a new one.
   *
   * @throws {CommandError} `tracker_unreachable` naming each tracker and why it failed
   * @throws {DOMException} when `signal` fires first (the attempt goes on for other callers)
   */
  connect(signal?: AbortSignal): Promise<TrackerLink> {
    const link = this.link;
    if (link) return Promise.resolve(link);
    this.#connecting ??= this.#connectAny().finally(() => this.#connecting = null);
    return signal ? raceAbort(this.#connecting, signal) : this.#connecting;
  }

  /**
   * Drop the current connection (after a time-out, or a lost one): the next request
   * reconnects. With `link`, only if that is still the current connection.
   */
  async disconnect(link: TrackerLink | null = this.#link): Promise<void> {
    if (link === null) return;
    if (this.#link === link) this.#link = null;
    await link.rpc.close();
  }

  /**
   * Give up on this link's tracker for now (it stopped answering): drop the connection, and
   * try the next tracker of the list first when reconnecting.
   */
  async skip(link: TrackerLink): Promise<void> {
    const candidates = this.#candidates();
    const index = candidates.findIndex((a) => formatAddress(a) === formatAddress(link.address));
    if (index === this.#current && candidates.length > 1) {
      this.#current = (index + 1) % candidates.length;
    }
    await this.disconnect(link);
  }

  /** Abort any attempt and close the connection. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#connecting?.catch(() => {/* its failure is the caller's to report */});
    await this.disconnect();
  }

  async #connectAny(): Promise<TrackerLink> {
    const failures: string[] = [];
    const candidates = this.#candidates();
    for (const index of this.#order(candidates.length)) {
      this.#closing.signal.throwIfAborted();
      const address = candidates[index]!;
      try {
        const wire = await this.#open(address);
        try {
          await this.#pins.check(address, keyFingerprint(wire.remoteKey));
        } catch (error) {
          wire.close();
          throw error;
        }
        this.#current = index;
        this.#link = { rpc: new RpcClient(wire), address };
        this.#watch(this.#link);
        const last = this.#last;
        this.#last = address;
        if (last && formatAddress(last) !== formatAddress(address)) {
          this.#options.onSwitch?.(last, address);
        }
        return this.#link;
      } catch (error) {
        if (this.#closing.signal.aborted) throw error;
        failures.push(`${formatAddress(address)} (${reason(error)})`);
      }
    }
    throw new CommandError(
      PeerErrorCode.TRACKER_UNREACHABLE,
      `Cannot reach any tracker: ${failures.join(", ")}`,
    );
  }

  /** The last tracker that answered first, then the others in file order. */
  #order(count: number): number[] {
    const current = this.#current < count ? this.#current : 0;
    const rest = Array.from({ length: count }, (_, i) => i).filter((i) => i !== current);
    return [current, ...rest];
  }

  async #open(address: Address): Promise<WireConnection> {
    const signal = AbortSignal.any([
      this.#closing.signal,
      AbortSignal.timeout(this.#options.connectTimeoutMs),
    ]);
    // openConnection bounds the Hello but not the TCP connect: a host that drops SYNs would
    // hold us for minutes, so race it and close a connection that arrives too late.
    const opening = openConnection(address, {
      role: "peer",
      id: this.#options.peerId,
      identity: this.#options.transport,
      timeoutMs: this.#options.connectTimeoutMs,
      signal,
    });
    try {
      return await raceAbort(opening, signal);
    } catch (error) {
      opening.then((wire) => closeQuietly(wire.conn), () => {/* already reported */});
      throw error;
    }
  }

  #watch(link: TrackerLink): void {
    link.rpc.closed.then(() => {
      if (this.#link !== link) return;
      this.#link = null;
      // A tracker closes a connection that is not logged in after a while without a command:
      // nothing is lost, and the next command reconnects without a word.
      const isIdleClose = link.rpc.closedError?.remoteCode === WireErrorCode.IDLE;
      if (!this.#closing.signal.aborted && !isIdleClose) {
        this.#options.logger?.warn(
          `Lost the connection to tracker ${formatAddress(link.address)}; ` +
            `the next command reconnects`,
        );
      }
    });
  }
}

function reason(error: unknown): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return "timed out";
  // A tracker at its connection cap says so with `busy`; the next tracker of the list is tried.
  if (error instanceof RemoteError && error.code === WireErrorCode.BUSY) {
    return `busy: ${error.message}`;
  }
  return describeError(error).replace(/ \(os error \d+\)$/, "");
}
