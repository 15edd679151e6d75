/**
 * One downloader's connection to our seeder, after the Hello:
 *
 *   CHALLENGE → HANDSHAKE (ticket + proof, checked before anything of the file is sent)
 *   → BITFIELD out, BITFIELD in (the downloader's) → it joins the file's {@linkcode FileSwarm}
 *   → UNCHOKE / CHOKE, HAVE, PEERS, PIECE, REJECT out; REQUEST, CANCEL, HAVE in
 *
 * Two loops share the connection: the reader queues requests (at most `MAX_QUEUED_REQUESTS`;
 * more are rejected; while choked they are dropped) and removes cancelled ones; the writer sends
 * control frames first (HAVE, CHOKE, UNCHOKE, PEERS), then serves the queue in order, one piece
 * at a time, read from disk straight into the frame buffer and awaited on the socket, which is
 * the back-pressure. The swarm decides who is unchoked and, while super-seeding, which pieces
 * this downloader is shown (`revealed`).
 */
import { formatAddress } from "../../common/address.ts";
import { ProtocolError } from "../../common/errors.ts";
import { keyFingerprint } from "../../common/ids.ts";
import type { RateLimitedLog } from "../../common/logger.ts";
import type { RateLimiter } from "../../common/rate.ts";
import { readTicket, type TicketClaims, verifyProof, verifyTicket } from "../../common/tickets.ts";
import { decodeMessage, encodeMessage } from "../../wire/codec.ts";
import type { WireConnection } from "../../wire/connection.ts";
import { FrameType, MAX_QUEUED_REQUESTS, SeederRefusal, WireErrorCode } from "../../wire/limits.ts";
import {
  allocatePieceFrame,
  Bitfield,
  CHALLENGE_NONCE_BYTES,
  decodeIndex,
  encodeBitfieldFrame,
  encodeEmptyFrame,
  encodeIndexFrame,
  HandshakeSchema,
  PeerFrame,
  PIECE_DATA_OFFSET,
} from "../../wire/peer_frames.ts";
import type { FileSwarm, SwarmMember } from "./file_swarm.ts";
import type { PieceSource, ServedFiles } from "./served_files.ts";
import { pieceSpan, sameBytes } from "../../common/hash.ts";

/** Looks up a tracker's public ticket key by key id (the app refreshes unknown ones). */
export interface TrackerKeyLookup {
  get(keyId: string): Promise<CryptoKey | undefined>;
}

/** What every session of a seeder shares. */
export interface SessionContext {
  readonly peerId: string;
  readonly served: ServedFiles;
  readonly trackerKeys: TrackerKeyLookup;
  readonly uploadLimiter?: RateLimiter;
  readonly skewMs: number;
  /** Wall clock for ticket validity. */
  readonly now: () => number;
  /** Bounded log for bad frames and refusals. */
  readonly log: RateLimitedLog;
  /** A source whose file cannot be read: warn once per source. */
  onReadFailed(source: PieceSource, error: unknown): void;
  /** The swarm of a served file's downloaders (made on first use). */
  swarmFor(source: PieceSource): FileSwarm;
}

/** A refusal sent as one ERROR frame. */
interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** Serves one downloader. */
export class SeederSession implements SwarmMember {
  readonly wire: WireConnection;
  readonly #context: SessionContext;
  readonly #abort = new AbortController();
  readonly #queue: number[] = [];
  /** The piece the writer has taken off the queue and not yet sent: a CANCEL still stops it. */
  #current: { readonly index: number; readonly cancel: AbortController } | null = null;
  /** Frames sent before the next piece: HAVE, CHOKE, UNCHOKE, PEERS. */
  readonly #control: Uint8Array[] = [];
  #source: PieceSource | null = null;
  #swarm: FileSwarm | null = null;
  #theirs: Bitfield = new Bitfield(0);
  #revealed: Bitfield | null = null;
  #endpoint: string | null = null;
  #sentTotal = 0;
  #isChoked = true;
  /** One frame buffer reused from piece to piece (no allocation, no zeroing per piece). */
  #spare: Uint8Array | null = null;
  #wake: (() => void) | null = null;
  #isClosed = false;
  #isJoined = false;
  /** performance.now() of the last frame in or piece out. */
  lastActivity = performance.now();
  /** The downloader's peer id: the fingerprint of the key it proved (not what its Hello says). */
  readonly peerId: string;

  constructor(wire: WireConnection, context: SessionContext) {
    this.wire = wire;
    this.#context = context;
    this.peerId = keyFingerprint(wire.remoteKey);
  }

  /** The file this connection was granted, once the handshake passed. */
  get source(): PieceSource | null {
    return this.#source;
  }

  /** Whether the handshake passed. */
  get isServing(): boolean {
    return this.#source !== null;
  }

  get endpoint(): string | null {
    return this.#endpoint;
  }

  get theirs(): Bitfield {
    return this.#theirs;
  }

  get revealed(): Bitfield | null {
    return this.#revealed;
  }

  get sentTotal(): number {
    return this.#sentTotal;
  }

  get isChoked(): boolean {
    return this.#isChoked;
  }

  choke(): void {
    if (this.#isChoked) return;
    this.#isChoked = true;
    this.#queue.length = 0;
    this.#pushControl(encodeEmptyFrame(PeerFrame.CHOKE));
  }

  unchoke(): void {
    if (!this.#isChoked) return;
    this.#isChoked = false;
    this.#pushControl(encodeEmptyFrame(PeerFrame.UNCHOKE));
  }

  reveal(index: number): void {
    if (!this.#revealed?.set(index)) return;
    this.#pushControl(encodeIndexFrame(PeerFrame.HAVE, index));
  }

  sendPeers(peers: readonly { peerId: string; address: string }[]): void {
    const payload = encodeMessage({ peers });
    const frame = new Uint8Array(5 + payload.length);
    new DataView(frame.buffer).setUint32(0, payload.length);
    frame[4] = PeerFrame.PEERS;
    frame.set(payload, 5);
    this.#pushControl(frame);
  }

  /** Serve until the remote leaves, a check fails or {@linkcode close} is called. */
  async run(): Promise<void> {
    let unsubscribe = () => {};
    let loops: Promise<void>[] = [];
    try {
      const granted = await this.#handshake();
      if ("code" in granted) {
        this.#context.log.warn(
          `Refused a downloader from ${this.wire.remoteHost}: ${granted.message}`,
        );
        return await this.#fail(granted.code, granted.message);
      }
      this.#source = granted.source;
      if (granted.port !== undefined) {
        this.#endpoint = formatAddress({ host: this.wire.remoteHost, port: granted.port });
      }
      this.#theirs = new Bitfield(granted.source.bitfield.length);
      const swarm = this.#context.swarmFor(granted.source);
      if (swarm.shouldHide) this.#revealed = new Bitfield(granted.source.bitfield.length);
      unsubscribe = granted.source.onPiece((index) => this.#pushHave(index));
      await this.wire.sendRaw(encodeBitfieldFrame(this.#revealed ?? granted.source.bitfield));
      this.#swarm = swarm;
      loops = [this.#readLoop(), this.#writeLoop(granted.source)];
      await Promise.race(loops);
    } catch (error) {
      if (this.#isClosed) return; // close() made the pending read or write fail
      if (!(error instanceof ProtocolError)) throw error;
      this.#context.log.warn(`Closed a downloader from ${this.wire.remoteHost}: ${error.message}`);
      await this.#fail(error.code, error.message);
    } finally {
      unsubscribe();
      this.#swarm?.leave(this);
      await this.close();
      await Promise.allSettled(loops);
    }
  }

  /** Close the connection; with a code, tell the remote why first (waits at most a second). */
  async close(code?: string, message?: string): Promise<void> {
    if (code !== undefined && !this.#isClosed) return await this.#fail(code, message ?? code);
    this.#isClosed = true;
    this.#abort.abort();
    this.#wake?.();
    this.wire.close();
  }

  async #fail(code: string, message: string): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#abort.abort();
    this.#wake?.();
    await this.wire.fail(code, message);
  }

  async #handshake(): Promise<{ source: PieceSource; port?: number } | Refusal> {
    const nonce = crypto.getRandomValues(new Uint8Array(CHALLENGE_NONCE_BYTES));
    await this.wire.send(PeerFrame.CHALLENGE, { nonce });
    const frame = await this.wire.reader.read();
    if (frame === null) {
      throw new ProtocolError(WireErrorCode.TRUNCATED, "Closed before its handshake");
    }
    if (frame.type !== PeerFrame.HANDSHAKE) {
      throw new ProtocolError(
        SeederRefusal.EXPECTED_HANDSHAKE,
        `Expected a handshake, got frame ${frame.type}`,
      );
    }
    this.lastActivity = performance.now();
    const { ticket, proof, port } = decodeMessage(HandshakeSchema, frame.payload, "handshake");
    const claims = await this.#checkTicket(ticket);
    if ("code" in claims) return claims;
    const source = this.#context.served.get(claims.group, claims.fileId);
    if (!source) {
      return {
        code: SeederRefusal.NOT_SERVED,
        message: `File ${claims.fileId} is not shared here`,
      };
    }
    if (!sameBytes(claims.peerKey, this.wire.remoteKey)) {
      return {
        code: WireErrorCode.WRONG_KEY,
        message: "The ticket was issued to another key than this connection proved",
      };
    }
    if (!await verifyProof(proof, nonce, this.#context.peerId, claims.peerKey)) {
      return {
        code: SeederRefusal.BAD_PROOF,
        message: "The proof does not match the ticket's key",
      };
    }
    return port === undefined ? { source } : { source, port };
  }

  async #checkTicket(ticket: Uint8Array): Promise<TicketClaims | Refusal> {
    const read = readTicket(ticket);
    if (read === null) return { code: SeederRefusal.BAD_TICKET, message: "Malformed ticket" };
    const { keyId } = read.claims;
    const key = await this.#context.trackerKeys.get(keyId);
    const keys = new Map(key ? [[keyId, key]] : []);
    const { now, skewMs } = this.#context;
    const result = await verifyTicket(ticket, { keys, now: now(), skewMs });
    switch (result) {
      case "malformed":
        return { code: SeederRefusal.BAD_TICKET, message: "Malformed ticket" };
      case "unknown_key":
        return {
          code: SeederRefusal.BAD_TICKET,
          message: `Ticket signed by unknown key "${keyId}"`,
        };
      case "bad_signature":
        return { code: SeederRefusal.BAD_TICKET, message: "Ticket signature does not verify" };
      case "expired":
        return { code: SeederRefusal.EXPIRED_TICKET, message: "Ticket expired" };
      case "not_yet_valid":
        return { code: SeederRefusal.EXPIRED_TICKET, message: "Ticket is not valid yet" };
      default:
        return result;
    }
  }

  async #readLoop(): Promise<void> {
    for (;;) {
      const frame = await this.wire.reader.read();
      if (frame === null || this.#isClosed) return;
      this.lastActivity = performance.now();
      switch (frame.type) {
        case PeerFrame.REQUEST:
          await this.#onRequest(decodeIndex(frame.payload));
          break;
        case PeerFrame.CANCEL:
          this.#onCancel(decodeIndex(frame.payload));
          break;
        case PeerFrame.BITFIELD:
          this.#onBitfield(frame.payload);
          break;
        case PeerFrame.HAVE:
          this.#onHave(decodeIndex(frame.payload));
          break;
        case FrameType.ERROR:
          return; // the remote is closing
        default:
          throw new ProtocolError(WireErrorCode.UNEXPECTED_FRAME, `Unexpected frame ${frame.type}`);
      }
    }
  }

  /** The downloader's pieces, once, right after ours: it joins the swarm. */
  #onBitfield(payload: Uint8Array): void {
    if (this.#isJoined) {
      throw new ProtocolError(
        WireErrorCode.UNEXPECTED_FRAME,
        "A second BITFIELD from a downloader",
      );
    }
    this.#theirs = new Bitfield(this.#theirs.length, payload);
    this.#isJoined = true;
    this.#swarm?.join(this);
  }

  #onHave(index: number): void {
    if (!Number.isInteger(index) || index >= this.#theirs.length) {
      throw new ProtocolError(WireErrorCode.INVALID_MESSAGE, `HAVE ${index} is out of range`);
    }
    if (this.#theirs.set(index) && this.#isJoined) this.#swarm?.onHave(this, index);
  }

  async #onRequest(index: number): Promise<void> {
    // Sent before our CHOKE reached the downloader: it has released it already.
    if (this.#isChoked) return;
    if (this.#revealed !== null && !this.#revealed.has(index)) {
      await this.wire.sendRaw(encodeIndexFrame(PeerFrame.REJECT, index));
      return;
    }
    if (this.#queue.length >= MAX_QUEUED_REQUESTS) {
      await this.wire.sendRaw(encodeIndexFrame(PeerFrame.REJECT, index));
      return;
    }
    this.#queue.push(index);
    this.#wake?.();
  }

  #onCancel(index: number): void {
    const at = this.#queue.indexOf(index);
    if (at >= 0) this.#queue.splice(at, 1);
    else if (this.#current?.index === index) this.#current.cancel.abort();
  }

  #pushHave(index: number): void {
    if (this.#revealed === null) this.#pushControl(encodeIndexFrame(PeerFrame.HAVE, index));
  }

  #pushControl(frame: Uint8Array): void {
    this.#control.push(frame);
    this.#wake?.();
  }

  async #writeLoop(source: PieceSource): Promise<void> {
    while (!this.#isClosed) {
      const control = this.#control.shift();
      if (control !== undefined) {
        await this.wire.sendRaw(control);
        continue;
      }
      const index = this.#queue.shift();
      if (index === undefined) {
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = null;
        continue;
      }
      if (!await this.#sendPiece(source, index)) return;
    }
  }

  /** Send one piece (or a REJECT); false when the file could not be read and we closed. */
  async #sendPiece(source: PieceSource, index: number): Promise<boolean> {
    if (
      !Number.isInteger(index) || index >= source.bitfield.length || !source.bitfield.has(index)
    ) {
      await this.wire.sendRaw(encodeIndexFrame(PeerFrame.REJECT, index));
      return true;
    }
    const { length } = pieceSpan(index, source.size, source.pieceLength);
    // Under an upload limit the wait is long: in endgame the downloader may get the piece from
    // another seeder meanwhile, and its CANCEL stops this one until the frame goes out.
    const cancel = new AbortController();
    this.#current = { index, cancel };
    let frame: Uint8Array;
    try {
      await this.#context.uploadLimiter?.take(
        length,
        AbortSignal.any([this.#abort.signal, cancel.signal]),
      );
      frame = this.#frameFor(index, length);
      await source.readPiece(index, frame.subarray(PIECE_DATA_OFFSET));
    } catch (error) {
      if (this.#isClosed) return false; // the limiter's wait ends only so, or by the CANCEL
      if (cancel.signal.aborted) return true; // the limiter gave the turn back
      this.#context.onReadFailed(source, error);
      await this.#fail(SeederRefusal.NOT_SERVED, "This file can no longer be served");
      return false;
    } finally {
      this.#current = null;
    }
    if (this.#isClosed) return false;
    if (cancel.signal.aborted) {
      this.#spare = frame;
      this.#context.uploadLimiter?.giveBack(length);
      return true;
    }
    await this.wire.sendRaw(frame);
    // The socket has taken the bytes once the write resolved: the buffer can carry the next piece.
    this.#spare = frame;
    source.addUploaded(length, this.peerId);
    this.#sentTotal += length;
    this.lastActivity = performance.now();
    return true;
  }

  /** A PIECE frame buffer for `index`: the last one sent when it has the right size. */
  #frameFor(index: number, length: number): Uint8Array {
    const spare = this.#spare;
    this.#spare = null;
    if (spare?.length !== PIECE_DATA_OFFSET + length) return allocatePieceFrame(index, length);
    new DataView(spare.buffer, spare.byteOffset).setUint32(5, index);
    return spare;
  }
}
