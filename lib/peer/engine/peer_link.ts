/**
 * The downloader's side of one connection to a seeder: Hello as a peer, CHALLENGE → HANDSHAKE
 * (ticket + proof over the nonce and the seeder's id, and our seeder's port) → the seeder's
 * BITFIELD, then ours; then a read loop that hands HAVE, PIECE, REJECT, CHOKE, UNCHOKE and PEERS
 * to its {@linkcode LinkHandler}. A link starts choked: no request goes out before the seeder's
 * UNCHOKE, and a CHOKE releases every request in flight (a piece already on its way is still
 * taken). Requests go out in batches (one socket write for several REQUEST frames), HAVEs ride
 * with a write made in the same turn of the event loop (`HAVE_DELAY_MS`), else go out at the end
 * of it; the pool decides what to ask for and how many, and sends our HAVEs to every seeder.
 */
import { setImmediate } from "node:timers";
import { parseAddress } from "../../common/address.ts";
import { ProtocolError } from "../../common/errors.ts";
import { keyFingerprint } from "../../common/ids.ts";
import { signProof } from "../../common/tickets.ts";
import { decodeMessage } from "../../wire/codec.ts";
import { openConnection, RemoteError, type WireConnection } from "../../wire/connection.ts";
import type { Frame } from "../../wire/frame.ts";
import { FrameType, SeederRefusal, WireErrorCode } from "../../wire/limits.ts";
import { ErrorFrameSchema } from "../../wire/messages.ts";
import {
  Bitfield,
  ChallengeSchema,
  decodeIndex,
  decodePiece,
  encodeBitfieldFrame,
  encodeIndexFrame,
  PEER_FRAME_LIMIT_BYTES,
  PeerFrame,
  PeersSchema,
} from "../../wire/peer_frames.ts";
import type { DownloaderIdentity, PeerEndpoint } from "./types.ts";

/**
 * A HAVE waits this long (0: until the next turn of the event loop) for a request to ride with:
 * one socket write for both, not two. Longer is worse: a super-seeding seeder reveals pieces as
 * HAVEs come back, and 25 ms here made 1 GiB from one seeder take 11 s instead of 3.9.
 */
export const HAVE_DELAY_MS = 0;
/** Cancelled requests remembered per link (a late piece for one of them is not a violation). */
const MAX_CANCELLED_REMEMBERED = 64;

/** What a link reports while it runs. */
export interface LinkHandler {
  onHave(link: PeerLink, index: number): void;
  /** A piece arrived; the next frame is read once the returned promise settles. */
  onPiece(link: PeerLink, index: number, data: Uint8Array): Promise<void> | void;
  onReject(link: PeerLink, index: number): void;
  /** The seeder choked us; `released` were in flight and will not be served. */
  onChoke(link: PeerLink, released: readonly number[]): void;
  onUnchoke(link: PeerLink): void;
  /** The seeder told us of other peers of the file (hints: each still needs a ticket). */
  onPeers(link: PeerLink, peers: readonly { peerId: string; address: string }[]): void;
}

/** Options of {@linkcode PeerLink.connect}. */
export interface ConnectOptions {
  identity: DownloaderIdentity;
  pieceCount: number;
  /** The pieces we already hold, sent after the seeder's BITFIELD. */
  ours: Bitfield;
  /** A ticket for the file, bound to `identity`'s key. */
  ticket(signal: AbortSignal): Promise<Uint8Array>;
  /** Hello, challenge, ticket and bitfield must all arrive within this. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** One open, handshaken connection to a seeder. */
export class PeerLink {
  readonly endpoint: PeerEndpoint;
  /** The seeder's pieces, as its BITFIELD said (HAVEs are applied by the pool's picker). */
  readonly bitfield: Bitfield;
  readonly #wire: WireConnection;
  /** Piece → performance.now() it was requested. */
  readonly #inflight = new Map<number, number>();
  /** Recently cancelled pieces: one may still arrive (the seeder was already sending it). */
  readonly #cancelled = new Set<number>();
  /** Since when the oldest request has waited with no piece arriving (see isStalled). */
  #waitingSince = performance.now();
  #isBusy = false;
  #isChoked = true;
  /** HAVEs not sent yet (see `HAVE_DELAY_MS`). */
  #haves: number[] = [];
  #haveTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(endpoint: PeerEndpoint, wire: WireConnection, bitfield: Bitfield) {
    this.endpoint = endpoint;
    this.#wire = wire;
    this.bitfield = bitfield;
  }

  /**
   * Connect and handshake.
   *
   * @throws {RemoteError} when the seeder refuses (bad ticket, file not served…)
   * @throws {ProtocolError} when it does not follow the protocol
   * @throws {Error} connect errors, time-outs (`TimeoutError`), aborts
   */
  static async connect(endpoint: PeerEndpoint, options: ConnectOptions): Promise<PeerLink> {
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
    const wire = await openConnection(parseAddress(endpoint.address), {
      role: "peer",
      id: options.identity.peerId,
      identity: options.identity.transport,
      limits: PEER_FRAME_LIMIT_BYTES,
      signal,
      timeoutMs: options.timeoutMs,
    });
    const onAbort = () => wire.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      if (wire.remote.role !== "seeder") {
        throw new ProtocolError(
          SeederRefusal.WRONG_ROLE,
          `Expected a seeder, got a "${wire.remote.role}"`,
        );
      }
      // The tracker named the seeder by its key: anyone else at that address is refused
      // before it sees our ticket.
      const proven = keyFingerprint(wire.remoteKey);
      if (proven !== endpoint.peerId) {
        throw new ProtocolError(
          WireErrorCode.WRONG_KEY,
          `The seeder at ${endpoint.address} proved key ${proven}, not the key of peer ` +
            `${endpoint.peerId} it was named for`,
        );
      }
      const challenge = await expectFrame(wire, PeerFrame.CHALLENGE, signal);
      const { nonce } = decodeMessage(ChallengeSchema, challenge.payload, "challenge");
      const ticket = await options.ticket(signal);
      const proof = await signProof(nonce, wire.remote.id, options.identity.privateKey);
      const { listenPort } = options.identity;
      await wire.send(PeerFrame.HANDSHAKE, {
        ticket,
        proof,
        ...(listenPort === undefined ? {} : { port: listenPort }),
      });
      const frame = await expectFrame(wire, PeerFrame.BITFIELD, signal);
      const theirs = new Bitfield(options.pieceCount, frame.payload);
      await wire.sendRaw(encodeBitfieldFrame(options.ours));
      return new PeerLink(endpoint, wire, theirs);
    } catch (error) {
      wire.close();
      throw signal.aborted ? signal.reason : error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** The seeder's address, as the tracker listed it. */
  get address(): string {
    return this.endpoint.address;
  }

  /** Requests sent and not answered. */
  get inflightCount(): number {
    return this.#inflight.size;
  }

  get isClosed(): boolean {
    return this.#wire.isClosed;
  }

  /** The seeder serves no request now. */
  get isChoked(): boolean {
    return this.#isChoked;
  }

  /** Tell the seeder we got a piece (its swarm counts copies and, super-seeding, reveals more). */
  sendHave(index: number): void {
    if (this.isClosed) return;
    this.#haves.push(index);
    this.#haveTimer ??= setTimeout(() => this.#send(new Uint8Array(0)), HAVE_DELAY_MS);
  }

  /**
   * Whether requests have waited `timeoutMs` with no piece (or reject) arriving, not counting
   * time this side spent not reading (rate limit, disk back-pressure): the seeder is dead or
   * too slow, and its requests should go to others.
   */
  isStalled(now: number, timeoutMs: number): boolean {
    return this.#inflight.size > 0 && !this.#isBusy && now - this.#waitingSince > timeoutMs;
  }

  /** Ask for pieces, in one write (never while choked). */
  request(indices: readonly number[]): void {
    if (indices.length === 0 || this.isClosed || this.#isChoked) return;
    const now = performance.now();
    if (this.#inflight.size === 0) this.#waitingSince = now;
    const bytes = new Uint8Array(9 * indices.length);
    indices.forEach((index, i) => {
      this.#inflight.set(index, now);
      bytes.set(encodeIndexFrame(PeerFrame.REQUEST, index), 9 * i);
    });
    this.#send(bytes);
  }

  /** Withdraw a request (its piece came from another seeder). */
  cancel(index: number): void {
    if (!this.#inflight.delete(index) || this.isClosed) return;
    this.#rememberCancelled(index);
    this.#send(encodeIndexFrame(PeerFrame.CANCEL, index));
  }

  #rememberCancelled(index: number): void {
    this.#cancelled.add(index);
    if (this.#cancelled.size > MAX_CANCELLED_REMEMBERED) {
      this.#cancelled.delete(this.#cancelled.values().next().value!);
    }
  }

  /** Read frames until the seeder closes or {@linkcode close} is called. */
  async run(handler: LinkHandler, signal: AbortSignal): Promise<void> {
    const onAbort = () => this.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const frame = await this.#wire.reader.read();
        if (frame === null) return;
        await this.#onFrame(frame, handler);
      }
    } catch (error) {
      if (!this.isClosed && !signal.aborted) throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.close();
    }
  }

  /** Close the connection; safe to call more than once. */
  close(): void {
    clearTimeout(this.#haveTimer);
    this.#haveTimer = undefined;
    this.#haves = [];
    this.#wire.close();
  }

  async #onFrame(frame: Frame, handler: LinkHandler): Promise<void> {
    switch (frame.type) {
      case PeerFrame.PIECE: {
        const { index, data } = decodePiece(frame.payload);
        if (!this.#inflight.delete(index) && !this.#cancelled.delete(index)) {
          throw new ProtocolError(
            WireErrorCode.UNEXPECTED_FRAME,
            `Piece ${index} was not requested`,
          );
        }
        this.#isBusy = true;
        try {
          await handler.onPiece(this, index, data);
          // A socket with data ready is read again at once, before other sockets get a turn: one
          // fast seeder would have the main thread to itself while the pieces asked of the others
          // wait in their sockets, and the hash front would stall behind them. Yield between pieces.
          await new Promise((resolve) => setImmediate(resolve));
        } finally {
          this.#isBusy = false;
          this.#waitingSince = performance.now();
        }
        return;
      }
      case PeerFrame.HAVE:
        return handler.onHave(this, checkIndex(decodeIndex(frame.payload), this.bitfield));
      case PeerFrame.REJECT: {
        const index = decodeIndex(frame.payload);
        this.#waitingSince = performance.now();
        if (this.#inflight.delete(index)) handler.onReject(this, index);
        return;
      }
      case PeerFrame.CHOKE: {
        this.#isChoked = true;
        const released = [...this.#inflight.keys()];
        this.#inflight.clear();
        for (const index of released) this.#rememberCancelled(index);
        return handler.onChoke(this, released);
      }
      case PeerFrame.UNCHOKE:
        this.#isChoked = false;
        this.#waitingSince = performance.now();
        return handler.onUnchoke(this);
      case PeerFrame.PEERS: {
        const { peers } = decodeMessage(PeersSchema, frame.payload, "peers");
        return handler.onPeers(this, peers);
      }
      case FrameType.ERROR: {
        const error = decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
        throw new RemoteError(error.code, error.message);
      }
      default:
        throw new ProtocolError(
          WireErrorCode.UNEXPECTED_FRAME,
          `Unexpected frame ${frame.type} from a seeder`,
        );
    }
  }

  /** Write `bytes` after the HAVEs waiting, in one write. */
  #send(bytes: Uint8Array): void {
    if (this.#haves.length > 0) {
      clearTimeout(this.#haveTimer);
      this.#haveTimer = undefined;
      const frames = this.#haves.map((index) => encodeIndexFrame(PeerFrame.HAVE, index));
      this.#haves = [];
      const size = frames.reduce((sum, frame) => sum + frame.length, bytes.length);
      const joined = new Uint8Array(size);
      let at = 0;
      for (const frame of [...frames, bytes]) {
        joined.set(frame, at);
        at += frame.length;
      }
      bytes = joined;
    }
    if (bytes.length === 0 || this.isClosed) return;
    // A failed write means the connection is gone; the read loop ends and the pool cleans up.
    this.#wire.sendRaw(bytes).catch(() => this.close());
  }
}

function checkIndex(index: number, bitfield: Bitfield): number {
  if (index >= bitfield.length) {
    throw new ProtocolError(WireErrorCode.INVALID_MESSAGE, `Piece ${index} is out of range`);
  }
  return index;
}

async function expectFrame(
  wire: WireConnection,
  type: number,
  signal: AbortSignal,
): Promise<Frame> {
  const frame = await wire.reader.read();
  signal.throwIfAborted();
  if (frame === null) {
    throw new ProtocolError(WireErrorCode.TRUNCATED, "The seeder closed the connection");
  }
  if (frame.type === FrameType.ERROR) {
    const error = decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
    throw new RemoteError(error.code, error.message);
  }
  if (frame.type !== type) {
    throw new ProtocolError(
      WireErrorCode.UNEXPECTED_FRAME,
      `Expected frame ${type}, got ${frame.type}`,
    );
  }
  return frame;
}
