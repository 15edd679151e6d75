/**
 * The connections of one running download: which seeders to connect to (the tracker's list,
 * refreshed every second for the first `FAST_REFRESHES` and then every `peerRefreshMs`, plus the
 * peers that seeders tell us of (PEERS), in random order, minus banned ones and ones that just
 * failed), what to ask each for (the picker, up to `requestsPerPeer` at a time, asked again when
 * half are answered, only while the seeder has us unchoked), our HAVEs to every seeder, and what
 * came back: every piece goes to the {@linkcode PieceSink}, which checks its SHA-1 before writing
 * it (on the piece worker's thread); a piece is done for the picker only once written, and a bad
 * one is a strike against its seeder: `maxStrikes` strikes ban it for the rest of the download. A
 * seeder that leaves requests unanswered for `requestTimeoutMs` is dropped (no strike: it may just
 * be slow) and its requests go to the others.
 */
import { parseAddress } from "../../common/address.ts";
import { sleep } from "../../common/async.ts";
import { describeError, ProtocolError } from "../../common/errors.ts";
import { WireErrorCode } from "../../wire/limits.ts";
import type { Bitfield } from "../../wire/peer_frames.ts";
import { type Logger, RateLimitedLog } from "../../common/logger.ts";
import type { RateLimiter } from "../../common/rate.ts";
import type { DownloaderIdentity, DownloadEvent, PeerEndpoint, Swarm } from "./types.ts";
import { type LinkHandler, PeerLink } from "./peer_link.ts";
import type { PiecePicker } from "./picker.ts";
import type { PutResult } from "./piece_writer.ts";
import { finalRefusalReason, isFinalTicketError, TicketCache } from "./ticket_cache.ts";

/** Stalled requests are looked for at least this often. */
const TICK_MS = 1000;
/** A download asks the tracker for peers every second this many times before `peerRefreshMs`. */
export const FAST_REFRESHES = 5;
const FAST_REFRESH_MS = 1000;
/**
 * Peers known by address, at most (the tracker lists up to 200): what seeders tell us by peer
 * exchange is a hint from a remote, and must not grow our list without bound.
 */
export const MAX_KNOWN_PEERS = 256;

/** Bans and strikes outlive a run (pause, resume) and every peer-list refresh. */
export interface PeerVerdicts {
  /** Banned addresses and peer ids. */
  readonly banned: Set<string>;
  /** Bad pieces by address. */
  readonly strikes: Map<string, number>;
}

/** A connected seeder, as show_download lists it. */
export interface LinkInfo {
  readonly address: string;
  readonly peerId: string;
  /** The seeder serves no request of ours now. */
  readonly isChoked: boolean;
  /** Our requests it has not answered yet. */
  readonly inflight: number;
}

/** Where pieces go: checked against their SHA-1, and written when good. */
export interface PieceSink {
  /** Check and write piece `index`; `data`'s buffer is handed over. */
  put(index: number, data: Uint8Array): Promise<PutResult>;
  /** A promise while the sink is backed up: the delivering link reads on once it settles. */
  room(): Promise<unknown> | undefined;
}

/** Options of {@linkcode LinkPool}. */
export interface LinkPoolOptions {
  swarm: Swarm;
  identity: DownloaderIdentity;
  picker: PiecePicker;
  file: { size: number; pieceLength: number; pieceHashes: Uint8Array };
  verdicts: PeerVerdicts;
  /** Bytes received by seeder address; the pool adds to it. */
  received: Map<string, number>;
  /** Bytes received by seeder peer id (for our own seeder's upload slots); the pool adds to it. */
  receivedByPeer?: Map<string, number>;
  /** The pieces we hold (verified and written), sent to each seeder; each new one as a HAVE. */
  ours: { readonly bitfield: Bitfield; onPiece(listener: (index: number) => void): () => void };
  limiter?: RateLimiter;
  logger?: Logger;
  maxPeers: number;
  requestsPerPeer: number;
  requestTimeoutMs: number;
  peerRefreshMs: number;
  maxStrikes: number;
  sink: PieceSink;
  /** Piece `index` from the seeder at address `from` is verified and written. */
  onWritten?(index: number, from: string): void;
  onEvent(event: DownloadEvent): void;
  /** The download cannot go on (the tracker refuses peer lists or tickets for good). */
  onFatal(reason: string): void;
}

/** Connections to seeders of one download, while it runs. */
export class LinkPool implements LinkHandler {
  readonly #options: LinkPoolOptions;
  readonly #abort = new AbortController();
  readonly #tickets: TicketCache;
  readonly #log: RateLimitedLog | null;
  readonly #links = new Map<string, PeerLink>();
  readonly #connecting = new Set<string>();
  readonly #retryAt = new Map<string, number>();
  /** Addresses whose last connection failed and was logged: the next failures are not. */
  readonly #failing = new Set<string>();
  readonly #tasks = new Set<Promise<void>>();
  #known: PeerEndpoint[] = [];
  #hasRefreshed = false;
  /** The last peer-list refresh failed (and that was said once). */
  #isRefreshFailing = false;
  #isWaiting = false;
  #hasSaidWaiting = false;
  #loop: Promise<void> | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: () => void = () => {};

  constructor(options: LinkPoolOptions) {
    this.#options = options;
    this.#tickets = new TicketCache(options.swarm, { signal: this.#abort.signal });
    this.#log = options.logger ? new RateLimitedLog(options.logger) : null;
  }

  /** True while no seeder is connected and none is known. */
  get isWaiting(): boolean {
    return this.#isWaiting;
  }

  /** The seeders connected now (handshaken, not closed), in the order they connected. */
  links(): LinkInfo[] {
    return [...this.#links.values()].filter((link) => !link.isClosed).map((link) => ({
      address: link.address,
      peerId: link.endpoint.peerId,
      isChoked: link.isChoked,
      inflight: link.inflightCount,
    }));
  }

  /** Start refreshing the peer list and connecting. */
  start(): void {
    const every = Math.max(10, Math.min(TICK_MS, this.#options.requestTimeoutMs / 4));
    this.#timer = setInterval(() => this.#dropStalled(), every);
    this.#unsubscribe = this.#options.ours.onPiece((index) => {
      for (const link of this.#links.values()) link.sendHave(index);
    });
    this.#loop = this.#refreshLoop();
  }

  /** Close every connection and wait for their tasks. */
  async stop(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#timer);
    this.#unsubscribe();
    for (const link of this.#links.values()) link.close();
    await this.#loop;
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  onHave(link: PeerLink, index: number): void {
    this.#options.picker.addHave(link.address, index);
    this.#fill(link);
  }

  onReject(link: PeerLink, index: number): void {
    this.#options.picker.dropHave(link.address, index);
    this.#fill(link);
  }

  onChoke(link: PeerLink, released: readonly number[]): void {
    const { picker } = this.#options;
    for (const index of released) picker.release(link.address, index);
    if (released.length > 0) { for (const other of this.#links.values()) this.#fill(other); }
  }

  onUnchoke(link: PeerLink): void {
    this.#fill(link);
  }

  onPeers(_link: PeerLink, peers: readonly { peerId: string; address: string }[]): void {
    const known = new Set(this.#known.map((endpoint) => endpoint.address));
    for (const { peerId, address } of peers) {
      if (this.#known.length >= MAX_KNOWN_PEERS) break;
      if (known.has(address) || !isAddress(address)) continue;
      known.add(address);
      this.#known.push({ peerId, address, isComplete: false });
    }
    this.#connectMore();
  }

  async onPiece(link: PeerLink, index: number, data: Uint8Array): Promise<void> {
    const { picker, limiter, sink } = this.#options;
    if (index >= picker.pieceCount) {
      throw new ProtocolError(WireErrorCode.INVALID_MESSAGE, `Piece ${index} is out of range`);
    }
    const { received, receivedByPeer } = this.#options;
    received.set(link.address, (received.get(link.address) ?? 0) + data.length);
    const { peerId } = link.endpoint;
    receivedByPeer?.set(peerId, (receivedByPeer.get(peerId) ?? 0) + data.length);
    await limiter?.take(data.length, this.#abort.signal);
    if (!picker.isDone(index) && !picker.isChecking(index)) {
      // The others asked for it are cancelled now, not after the check: in endgame a seeder
      // that has it queued would otherwise send it while the worker hashes this copy.
      for (const address of picker.markArrived(link.address, index)) {
        const other = this.#links.get(address);
        other?.cancel(index);
        if (other) this.#fill(other);
      }
      void sink.put(index, data).then((result) => this.#onChecked(link, index, result));
      await sink.room();
    }
    this.#fill(link);
  }

  #onChecked(link: PeerLink, index: number, result: PutResult): void {
    const { picker } = this.#options;
    if (result === "written") {
      picker.markDone(index);
      return this.#options.onWritten?.(index, link.address);
    }
    picker.markFailed(index); // missing again
    if (result === "failed") return; // the store told onError: the download stops
    for (const other of this.#links.values()) if (other !== link) this.#fill(other);
    this.#strike(link, index);
  }

  #strike(link: PeerLink, index: number): void {
    const { verdicts, maxStrikes } = this.#options;
    // Pieces still with the worker when the seeder was banned come back bad too: banned once.
    if (verdicts.banned.has(link.address)) return;
    const strikes = (verdicts.strikes.get(link.address) ?? 0) + 1;
    verdicts.strikes.set(link.address, strikes);
    this.#log?.warn(`Piece ${index} from ${link.address} failed its SHA-1 check`);
    if (strikes < maxStrikes) return this.#fill(link);
    verdicts.banned.add(link.address);
    verdicts.banned.add(link.endpoint.peerId);
    link.close();
    const reason = `${strikes} pieces failed their SHA-1 check`;
    this.#options.onEvent({ type: "peer_banned", peer: link.address, reason });
  }

  /**
   * Once `link` has half its `requestsPerPeer` or fewer in flight, ask it for pieces until it
   * has them all or nothing is left. The requests go in one write: asking again after every
   * piece made a write, and a wake-up of the seeder, per piece (measured in PERFORMANCE.md).
   */
  #fill(link: PeerLink): void {
    if (link.isClosed || link.isChoked || this.#abort.signal.aborted) return;
    const { requestsPerPeer } = this.#options;
    if (link.inflightCount > Math.floor(requestsPerPeer / 2)) return;
    const batch: number[] = [];
    for (let n = link.inflightCount; n < requestsPerPeer; n++) {
      const index = this.#options.picker.next(link.address);
      if (index === null) break;
      batch.push(index);
    }
    link.request(batch);
  }

  async #refreshLoop(): Promise<void> {
    const signal = this.#abort.signal;
    for (let round = 1; !signal.aborted; round++) {
      try {
        this.#known = mergeKnown(await this.#options.swarm.peers(signal), this.#known);
        this.#hasRefreshed = true;
        if (this.#isRefreshFailing) this.#options.logger?.info("The peer list is refreshed again");
        this.#isRefreshFailing = false;
      } catch (error) {
        if (signal.aborted) return;
        // The tracker says the file left its group (or we left it): asking again changes
        // nothing, so the download fails instead of waiting for peers for ever.
        if (isFinalTicketError(error)) return this.#options.onFatal(finalRefusalReason(error));
        // One line when refreshing starts failing (trackers down), not one every refresh.
        if (!this.#isRefreshFailing) {
          this.#log?.warn(`Could not refresh the peer list: ${describeError(error)}`);
        }
        this.#isRefreshFailing = true;
      }
      this.#connectMore();
      const { peerRefreshMs } = this.#options;
      await sleep(
        round <= FAST_REFRESHES ? Math.min(FAST_REFRESH_MS, peerRefreshMs) : peerRefreshMs,
        { signal },
      );
    }
  }

  #isUsable(endpoint: PeerEndpoint, now: number): boolean {
    const { banned } = this.#options.verdicts;
    return endpoint.peerId !== this.#options.identity.peerId &&
      !banned.has(endpoint.address) && !banned.has(endpoint.peerId) &&
      !((this.#retryAt.get(endpoint.address) ?? 0) > now);
  }

  #connectMore(): void {
    if (this.#abort.signal.aborted) return;
    const now = performance.now();
    for (const endpoint of this.#known) {
      if (this.#links.size + this.#connecting.size >= this.#options.maxPeers) break;
      const { address } = endpoint;
      if (this.#links.has(address) || this.#connecting.has(address)) continue;
      if (!this.#isUsable(endpoint, now)) continue;
      this.#connecting.add(address);
      const task: Promise<void> = this.#runLink(endpoint).finally(() => this.#tasks.delete(task));
      this.#tasks.add(task);
    }
    this.#updateWaiting(now);
  }

  #updateWaiting(now: number): void {
    if (!this.#hasRefreshed) return;
    this.#isWaiting = this.#links.size === 0 && this.#connecting.size === 0 &&
      !this.#known.some((endpoint) => this.#isUsable(endpoint, now));
    if (this.#isWaiting && !this.#hasSaidWaiting) {
      this.#hasSaidWaiting = true;
      this.#options.onEvent({ type: "waiting_for_peers" });
    }
  }

  async #runLink(endpoint: PeerEndpoint): Promise<void> {
    const { address } = endpoint;
    const signal = this.#abort.signal;
    let link: PeerLink | null = null;
    try {
      link = await PeerLink.connect(endpoint, {
        identity: this.#options.identity,
        pieceCount: this.#options.picker.pieceCount,
        ours: this.#options.ours.bitfield,
        ticket: (linkSignal) => this.#tickets.get(linkSignal),
        timeoutMs: this.#options.requestTimeoutMs,
        signal,
      });
      this.#connecting.delete(address);
      if (signal.aborted) return;
      this.#links.set(address, link);
      this.#options.picker.addBitfield(address, link.bitfield);
      this.#failing.delete(address);
      this.#isWaiting = false;
      this.#fill(link);
      await link.run(this, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (isFinalTicketError(error)) return this.#options.onFatal(finalRefusalReason(error));
      if (!this.#failing.has(address)) {
        this.#log?.warn(`Seeder ${address}: ${describeError(error)}`);
      }
      this.#failing.add(address);
    } finally {
      this.#connecting.delete(address);
      this.#onLinkEnded(address, link);
    }
  }

  #onLinkEnded(address: string, link: PeerLink | null): void {
    link?.close();
    if (link && this.#links.get(address) === link) this.#links.delete(address);
    this.#options.picker.removePeer(address);
    if (this.#abort.signal.aborted) return;
    this.#retryAt.set(address, performance.now() + this.#options.peerRefreshMs / 2);
    for (const other of this.#links.values()) this.#fill(other);
    this.#connectMore();
  }

  #dropStalled(): void {
    const now = performance.now();
    for (const link of this.#links.values()) {
      if (!link.isStalled(now, this.#options.requestTimeoutMs)) continue;
      this.#log?.warn(`Seeder ${link.address} left requests unanswered: asking others`);
      link.close();
    }
  }
}

/**
 * The tracker's fresh list in random order (so a crowd does not all connect to the same first
 * few), then the peers learnt by exchange that the tracker did not list.
 */
function mergeKnown(fresh: PeerEndpoint[], known: readonly PeerEndpoint[]): PeerEndpoint[] {
  const merged = [...fresh];
  for (let i = merged.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [merged[i], merged[j]] = [merged[j]!, merged[i]!];
  }
  const listed = new Set(fresh.map((endpoint) => endpoint.address));
  for (const endpoint of known) {
    if (merged.length >= MAX_KNOWN_PEERS) break;
    if (!listed.has(endpoint.address)) merged.push(endpoint);
  }
  return merged;
}

function isAddress(text: string): boolean {
  try {
    parseAddress(text);
    return true;
  } catch (error) {
    if (error instanceof RangeError || error instanceof SyntaxError) return false;
    throw error;
  }
}
