/**
 * One downloader's connection to our seeder, after the Hello:
 *
 *   CHALLENGE → HANDSHAKE (ticket + proof, checked before anything of the file is sent)
 *   → BITFIELD → REQUEST* / CANCEL* in, PIECE / REJECT / HAVE out
 *
 * Two loops share the connection: the reader queues requests (at most `MAX_QUEUED_REQUESTS`;
 * more are rejected) and removes cancelled ones; the writer sends HAVEs first, then serves the
 * queue in order, one piece at a time, read from disk straight into the frame buffer and
 * awaited on the socket, which is the back-pressure.
 */
import { ProtocolError } from "../../common/errors.ts";
import type { RateLimitedLog } from "../../common/logger.ts";
import type { RateLimiter } from "../../common/rate.ts";
import { readTicket, type TicketClaims, verifyProof, verifyTicket } from "../../common/tickets.ts";
import { decodeMessage } from "../../wire/codec.ts";
import type { WireConnection } from "../../wire/connection.ts";
import { FrameType } from "../../wire/limits.ts";
import {
  allocatePieceFrame,
  decodeIndex,
  encodeIndexFrame,
  HandshakeSchema,
  PeerFrame,
  PIECE_DATA_OFFSET,
} from "../../wire/peer_frames.ts";
import type { PieceSource, ServedFiles } from "./served_files.ts";
import { pieceSpan } from "../../common/hash.ts";

/** Requests queued on one connection; more are answered with REJECT. */
export const MAX_QUEUED_REQUESTS = 16;
const NONCE_BYTES = 32;

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
}

/** A refusal sent as one ERROR frame. */
interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** Serves one downloader. */
export class SeederSession {
  readonly wire: WireConnection;
  readonly #context: SessionContext;
  readonly #abort = new AbortController();
  readonly #queue: number[] = [];
  readonly #haves: number[] = [];
  #source: PieceSource | null = null;
  /** One frame buffer reused from piece to piece (no allocation, no zeroing per piece). */
  #spare: Uint8Array | null = null;
  #wake: (() => void) | null = null;
  #isClosed = false;
  /** performance.now() of the last frame in or piece out. */
  lastActivity = performance.now();

  constructor(wire: WireConnection, context: SessionContext) {
    this.wire = wire;
    this.#context = context;
  }

  /** The file this connection was granted, once the handshake passed. */
  get source(): PieceSource | null {
    return this.#source;
  }

  /** Whether the handshake passed. */
  get isServing(): boolean {
    return this.#source !== null;
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
      this.#source = granted;
      unsubscribe = granted.onPiece((index) => this.#pushHave(index));
      await this.wire.sendRaw(bitfieldFrame(granted));
      loops = [this.#readLoop(), this.#writeLoop(granted)];
      await Promise.race(loops);
    } catch (error) {
      if (this.#isClosed) return; // close() made the pending read or write fail
      if (!(error instanceof ProtocolError)) throw error;
      this.#context.log.warn(`Closed a downloader from ${this.wire.remoteHost}: ${error.message}`);
      await this.#fail(error.code, error.message);
    } finally {
      unsubscribe();
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

  async #handshake(): Promise<PieceSource | Refusal> {
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
    await this.wire.send(PeerFrame.CHALLENGE, { nonce });
    const frame = await this.wire.reader.read();
    if (frame === null) throw new ProtocolError("truncated", "Closed before its handshake");
    if (frame.type !== PeerFrame.HANDSHAKE) {
      throw new ProtocolError(
        "expected_handshake",
        `Expected a handshake, got frame ${frame.type}`,
      );
    }
    this.lastActivity = performance.now();
    const { ticket, proof } = decodeMessage(HandshakeSchema, frame.payload, "handshake");
    const claims = await this.#checkTicket(ticket);
    if ("code" in claims) return claims;
    const source = this.#context.served.get(claims.group, claims.fileId);
    if (!source) {
      return { code: "not_served", message: `File ${claims.fileId} is not shared here` };
    }
    if (!await verifyProof(proof, nonce, this.#context.peerId, claims.peerKey)) {
      return { code: "bad_proof", message: "The proof does not match the ticket's key" };
    }
    return source;
  }

  async #checkTicket(ticket: Uint8Array): Promise<TicketClaims | Refusal> {
    const read = readTicket(ticket);
    if (read === null) return { code: "bad_ticket", message: "Malformed ticket" };
    const { keyId } = read.claims;
    const key = await this.#context.trackerKeys.get(keyId);
    const keys = new Map(key ? [[keyId, key]] : []);
    const { now, skewMs } = this.#context;
    const result = await verifyTicket(ticket, { keys, now: now(), skewMs });
    switch (result) {
      case "malformed":
        return { code: "bad_ticket", message: "Malformed ticket" };
      case "unknown_key":
        return { code: "bad_ticket", message: `Ticket signed by unknown key "${keyId}"` };
      case "bad_signature":
        return { code: "bad_ticket", message: "Ticket signature does not verify" };
      case "expired":
        return { code: "expired_ticket", message: "Ticket expired" };
      case "not_yet_valid":
        return { code: "expired_ticket", message: "Ticket is not valid yet" };
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
        case FrameType.ERROR:
          return; // the remote is closing
        default:
          throw new ProtocolError("unexpected_frame", `Unexpected frame ${frame.type}`);
      }
    }
  }

  async #onRequest(index: number): Promise<void> {
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
  }

  #pushHave(index: number): void {
    this.#haves.push(index);
    this.#wake?.();
  }

  async #writeLoop(source: PieceSource): Promise<void> {
    while (!this.#isClosed) {
      const have = this.#haves.shift();
      if (have !== undefined) {
        await this.wire.sendRaw(encodeIndexFrame(PeerFrame.HAVE, have));
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
    await this.#context.uploadLimiter?.take(length, this.#abort.signal);
    const frame = this.#frameFor(index, length);
    try {
      await source.readPiece(index, frame.subarray(PIECE_DATA_OFFSET));
    } catch (error) {
      if (this.#isClosed) return false;
      this.#context.onReadFailed(source, error);
      await this.#fail("not_served", "This file can no longer be served");
      return false;
    }
    if (this.#isClosed) return false;
    await this.wire.sendRaw(frame);
    // The socket has taken the bytes once the write resolved: the buffer can carry the next piece.
    this.#spare = frame;
    source.addUploaded(length);
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

function bitfieldFrame(source: PieceSource): Uint8Array {
  const bits = source.bitfield.bytes;
  const frame = new Uint8Array(5 + bits.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, bits.length);
  view.setUint8(4, PeerFrame.BITFIELD);
  frame.set(bits, 5);
  return frame;
}
