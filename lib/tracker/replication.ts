/**
 * Replication between trackers. Each tracker keeps one outgoing link to every other tracker of
 * tracker_info.txt and pushes operations over it: first what the other lacks (from the version
 * vector it sends after the handshake), then new operations as they commit, its own and those
 * it received (so a tracker that can reach only one other still gets everything). Incoming
 * operations are checked, appended to the log, applied (or the state rebuilt when one sorts
 * before the last applied) and committed; then an ACK tells the sender what is held. Each link
 * first proves the cluster key both ways (repl_auth.ts).
 *
 * Presence (who is online, what they seed) travels on the same links as soft state.
 */
import { type Address, formatAddress, parseAddress } from "../common/address.ts";
import { sleep } from "../common/async.ts";
import type { TrackerEntry } from "../common/config.ts";
import { describeError, ProtocolError } from "../common/errors.ts";
import type { Logger } from "../common/logger.ts";
import {
  decodeMessage,
  FrameType,
  openConnection,
  REPL_FRAME_LIMIT_BYTES,
  ReplAckSchema,
  ReplFrame,
  ReplOpsSchema,
  ReplPresenceSchema,
  type WireConnection,
} from "../wire/mod.ts";
import {
  type Hlc,
  type HybridClock,
  type State,
  type TrackerView,
  trimPoint,
} from "./state/mod.ts";
import type { Presence, PresenceRecord } from "./presence.ts";
import { LinkHealth } from "./link_health.ts";
import { LINK_SILENCE_MS, type Watchdog, watchSilence } from "./link_watchdog.ts";
import {
  authenticateAsAcceptor,
  authenticateAsConnector,
  type LinkSide,
  type RemoteTracker,
  ReplicationAuth,
} from "./repl_auth.ts";
import type { TransportIdentity } from "../wire/transport_identity.ts";
import { keyFingerprint } from "../common/ids.ts";
import { ReplicatedLog } from "./repl_log.ts";
import type { Store } from "./store.ts";

export { MAX_CLOCK_SKEW_MS } from "./repl_log.ts";
export type { RemoteTracker } from "./repl_auth.ts";

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1000;
/**
 * Opening a link (TCP, Noise, Hello) gives up after this: a tracker cut off by the network
 * drops SYNs, and the kernel's own retries back off for minutes. A fresh attempt after the
 * retry delay sends a fresh SYN, so a healed link is back within about a second.
 */
const LINK_OPEN_TIMEOUT_MS = 2000;
/** An idle connector sends an empty OPS this often; the acceptor ACKs it. */
const LINK_HEARTBEAT_MS = 1000;

const PRESENCE_FLUSH_MS = 50;
/** Default: how often to look for log entries every tracker holds, and trim them. */
export const TRIM_INTERVAL_MS = 10_000;

/** Options of {@linkcode Replicator}. */
export interface ReplicatorOptions {
  trackerId: string;
  /** Our transport key, signed by our ticket-signing key. */
  identity: TransportIdentity;
  /** Our own listen address: links to it are skipped. */
  self: Address;
  /** Every tracker of tracker_info.txt (ours included). */
  trackers: readonly TrackerEntry[];
  secret: Uint8Array;
  store: Store;
  state: State;
  clock: HybridClock;
  presence: Presence;
  logger: Logger;
  maxClockSkewMs?: number;
  trimIntervalMs?: number;
  /** This tracker's wall clock. */
  now: () => number;
}

/** Keeps this tracker's log and presence in step with every other tracker. */
export class Replicator {
  readonly #options: ReplicatorOptions;
  readonly #auth: ReplicationAuth;
  readonly #oplog: ReplicatedLog;
  readonly #abort = new AbortController();
  readonly #links: Promise<void>[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #dirtyPresence = new Set<string>();
  readonly #remotes = new Map<string, RemoteTracker>();
  readonly #open = new Set<WireConnection>();
  #trimmer: ReturnType<typeof setInterval> | undefined;
  /** Addresses we keep a link to. */
  readonly #targets = new Set<string>();
  /** The tracker id each address proved, once linked. */
  readonly #idAt = new Map<string, string>();

  constructor(options: ReplicatorOptions) {
    this.#options = options;
    this.#auth = new ReplicationAuth(options.secret);
    this.#oplog = new ReplicatedLog(options);
    options.presence.onChange = (peerId) => {
      this.#dirtyPresence.add(peerId);
      setTimeout(() => this.notify(), PRESENCE_FLUSH_MS);
    };
  }

  /** Start a link to every other tracker, and the log trimmer. */
  start(): void {
    for (const address of this.#options.trackers) this.#linkBack(address);
    this.#linkToKnown();
    const interval = this.#options.trimIntervalMs ?? TRIM_INTERVAL_MS;
    this.#trimmer = setInterval(() => this.trim(), interval);
  }

  /**
   * Trim the log below the point every known tracker has passed (docs: trim.ts). Only when
   * every tracker of the list has told us what it holds.
   *
   * @returns how many operations left the log
   */
  trim(): number {
    const { store, clock, trackerId, state } = this.#options;
    // A tracker removed for good is not waited for, whether our list names it or not.
    const removed = state.removedTrackers();
    const remotes = [...this.#remotes.values()].filter((r) => !removed.has(r.trackerId));
    const listed = new Set(this.#options.trackers.map(formatAddress));
    listed.delete(formatAddress(this.#options.self));
    for (const address of state.removedAddresses().values()) listed.delete(address);
    if (remotes.length < listed.size) return 0;
    const views: TrackerView[] = [
      { trackerId, vector: Object.fromEntries(store.vector()), clock: clock.peek() },
      ...remotes.map((r) => ({ trackerId: r.trackerId, vector: r.vector, clock: r.clock })),
    ];
    const point = trimPoint(views, (origin, seq) => store.orderKeyOf(origin, seq), removed);
    if (point === "") return 0;
    const trimmed = store.trim(point);
    if (trimmed > 0) {
      this.#options.logger.info(`Trimmed ${trimmed} operation(s) every tracker holds`);
    }
    return trimmed;
  }

  /** Start a link to `address` unless there is one (a tracker added to a running cluster). */
  #linkBack(address: TrackerEntry): void {
    const text = formatAddress(address);
    if (text === formatAddress(this.#options.self) || this.#targets.has(text)) return;
    if (this.#abort.signal.aborted) return;
    this.#targets.add(text);
    this.#links.push(this.#linkLoop(address));
  }

  /** Whether the tracker at `address` (by the address it published, or the id it proved) is gone. */
  #isRemoved(address: TrackerEntry): boolean {
    const text = formatAddress(address);
    const { state } = this.#options;
    const removed = state.removedTrackers();
    if (removed.size === 0) return false;
    const id = this.#idAt.get(text);
    if (id !== undefined && removed.has(id)) return true;
    return [...state.removedAddresses().values()].includes(text);
  }

  /**
   * Link to every tracker the cluster knows of (its `tracker_address` operations), not only those
   * of our tracker_info.txt: a tracker that joined through another is reached directly.
   */
  #linkToKnown(): void {
    for (const [trackerId, text] of this.#options.state.trackerAddresses()) {
      if (trackerId === this.#options.trackerId) continue;
      try {
        this.#linkBack(parseAddress(text));
      } catch {
        // Not an address this tracker can dial (checked where it was made): skip it.
      }
    }
  }

  /** Something new to send (a local commit, received operations, a presence change). */
  notify(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Stop every link. */
  async close(): Promise<void> {
    clearInterval(this.#trimmer);
    this.#abort.abort();
    for (const wire of this.#open) wire.close();
    this.notify();
    await Promise.allSettled(this.#links);
  }

  // --- outgoing: we connect and push ---

  async #linkLoop(address: TrackerEntry): Promise<void> {
    const health = new LinkHealth(formatAddress(address), this.#options.logger);
    let delay = RETRY_MIN_MS;
    while (!this.#abort.signal.aborted) {
      if (this.#isRemoved(address)) {
        this.#options.logger.info(
          `Tracker ${formatAddress(address)} was removed from the cluster: no longer linking to it`,
        );
        return;
      }
      const started = Date.now();
      try {
        await this.#link(address, health);
        if (!this.#abort.signal.aborted) health.down("the other tracker closed the link");
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        health.down(describeError(error));
      }
      if (Date.now() - started > RETRY_MAX_MS) delay = RETRY_MIN_MS;
      await sleep(delay, { signal: this.#abort.signal });
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  async #link(address: TrackerEntry, health: LinkHealth): Promise<void> {
    const { trackerId } = this.#options;
    const wire = await openConnection(address, {
      role: "tracker",
      id: trackerId,
      identity: this.#options.identity,
      limits: REPL_FRAME_LIMIT_BYTES,
      signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(LINK_OPEN_TIMEOUT_MS)]),
      timeoutMs: LINK_OPEN_TIMEOUT_MS,
    });
    this.#open.add(wire);
    const watchdog = watchSilence(wire);
    try {
      const proven = keyFingerprint(wire.remoteKey);
      if (address.fingerprint !== undefined && proven !== address.fingerprint) {
        throw new ProtocolError(
          "wrong_key",
          `Tracker ${formatAddress(address)} proved key ${proven}, not the key ` +
            `${address.fingerprint} tracker_info.txt names for it`,
        );
      }
      const remote = await authenticateAsConnector(wire, this.#side(), this.#options.self.port);
      this.#remotes.set(remote.trackerId, remote);
      this.#idAt.set(formatAddress(address), remote.trackerId);
      health.up(remote.trackerId);
      const acks = this.#readAcks(wire, remote, watchdog);
      try {
        await Promise.race([this.#push(wire, remote), acks]);
      } catch (error) {
        if (!watchdog.isSilent) throw error; // else the watchdog's close ended them: say so
      }
      if (watchdog.isSilent) {
        throw new ProtocolError("link_silent", `Nothing heard for ${LINK_SILENCE_MS / 1000} s`);
      }
    } finally {
      watchdog.stop();
      this.#open.delete(wire);
      wire.close();
    }
  }

  /** Push what the remote lacks, then wait for more; returns when the link breaks. */
  async #push(wire: WireConnection, remote: RemoteTracker): Promise<void> {
    const sent = new Map(Object.entries(remote.vector));
    await this.#sendPresence(wire, true);
    while (!this.#abort.signal.aborted && !wire.isClosed) {
      if (this.#oplog.needsSnapshot(sent)) {
        await wire.send(ReplFrame.SNAPSHOT, this.#oplog.snapshot(sent));
      }
      const batch = this.#oplog.nextBatch(sent);
      if (batch.length > 0) {
        await wire.send(ReplFrame.OPS, { ops: batch });
        continue;
      }
      if (this.#dirtyPresence.size > 0) await this.#sendPresence(wire, false);
      const isWork = await this.#waitForWork(wire);
      if (!isWork && !wire.isClosed) {
        // Idle: an empty batch, which the acceptor ACKs, so each side knows the other is there.
        await wire.send(ReplFrame.OPS, { ops: [] });
      }
    }
  }

  async #sendPresence(wire: WireConnection, isFull: boolean): Promise<void> {
    const { presence } = this.#options;
    const ids = isFull ? presence.localPeerIds() : [...this.#dirtyPresence];
    if (!isFull) this.#dirtyPresence.clear();
    const peers: PresenceRecord[] = [];
    const dropped: string[] = [];
    for (const peerId of ids) {
      const record = presence.record(peerId);
      if (record) peers.push(record);
      else dropped.push(peerId);
    }
    if (peers.length > 0 || dropped.length > 0) {
      await wire.send(ReplFrame.PRESENCE, { peers, dropped });
    }
  }

  /**
   * Until there is something new, or the heartbeat is due.
   *
   * @returns whether something woke it before the heartbeat
   */
  #waitForWork(wire: WireConnection): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (isWork: boolean) => {
        this.#wakers.delete(onWork);
        clearTimeout(timer);
        resolve(isWork);
      };
      const onWork = () => wake(true);
      const timer = setTimeout(() => wake(false), wire.isClosed ? 0 : LINK_HEARTBEAT_MS);
      this.#wakers.add(onWork);
    });
  }

  async #readAcks(wire: WireConnection, remote: RemoteTracker, watchdog: Watchdog): Promise<void> {
    while (!wire.isClosed) {
      const frame = await wire.reader.read();
      if (frame === null) return;
      watchdog.heard();
      if (frame.type === FrameType.ERROR) throw new ProtocolError("remote_error", "Remote refused");
      if (frame.type !== ReplFrame.ACK) {
        throw new ProtocolError("unexpected_frame", `Unexpected frame ${frame.type} on a link`);
      }
      const ack = decodeMessage(ReplAckSchema, frame.payload, "ack");
      remote.vector = ack.vector;
      remote.clock = ack.clock;
    }
  }

  // --- incoming: another tracker connected to us and pushes ---

  /**
   * Serve a connection whose Hello said role "tracker": check it holds the cluster key, then
   * take operations and presence until it closes. `onAuthenticated` is called once it has
   * proven the key (the server stops counting it as a stranger's connection).
   *
   * @throws {ProtocolError} after refusing it (wrong key, bad frame, clock too far ahead)
   */
  async accept(wire: WireConnection, onAuthenticated: () => void = () => {}): Promise<void> {
    this.#open.add(wire);
    try {
      const port = await authenticateAsAcceptor(wire, this.#side(), () => this.#ack());
      onAuthenticated();
      this.#linkBack({ host: wire.remoteHost, port });
      const watchdog = watchSilence(wire);
      try {
        await this.#receive(wire, watchdog);
      } finally {
        watchdog.stop();
      }
    } catch (error) {
      if (error instanceof ProtocolError && !wire.isClosed) {
        await wire.fail(error.code, error.message);
      }
      throw error;
    } finally {
      this.#open.delete(wire);
      wire.close();
    }
  }

  /** This end of a link, for the handshake (repl_auth.ts). */
  #side(): LinkSide {
    return { trackerId: this.#options.trackerId, auth: this.#auth, state: this.#options.state };
  }

  #ack(): { vector: Record<string, number>; clock: Hlc } {
    const { store, clock } = this.#options;
    return { vector: Object.fromEntries(store.vector()), clock: clock.peek() };
  }

  async #receive(wire: WireConnection, watchdog: Watchdog): Promise<void> {
    while (!wire.isClosed) {
      const frame = await wire.reader.read();
      if (frame === null) return;
      watchdog.heard();
      if (frame.type === ReplFrame.OPS) {
        const { ops } = decodeMessage(ReplOpsSchema, frame.payload, "operations");
        if (await this.#oplog.ingest(ops)) {
          this.#linkToKnown();
          this.notify();
        }
        await wire.send(ReplFrame.ACK, this.#ack());
      } else if (frame.type === ReplFrame.SNAPSHOT) {
        await this.#oplog.installSnapshot(frame.payload);
        this.#linkToKnown();
        this.notify();
        await wire.send(ReplFrame.ACK, this.#ack());
      } else if (frame.type === ReplFrame.PRESENCE) {
        const presence = decodeMessage(ReplPresenceSchema, frame.payload, "presence");
        for (const record of presence.peers) this.#options.presence.upsertRemote(record);
        for (const peerId of presence.dropped) this.#options.presence.dropRemote(peerId);
      } else {
        throw new ProtocolError("unexpected_frame", `Unexpected frame ${frame.type} on a link`);
      }
    }
  }
}
