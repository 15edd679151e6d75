/**
 * The framing under the encrypted channel (secure_conn.ts): records of `u16 length | message`,
 * read from the raw TCP connection through one buffer, so a record costs one socket read or
 * less, and written with their length in front.
 */
import { ProtocolError } from "../common/errors.ts";
import { WireErrorCode } from "./limits.ts";
import { MAX_NOISE_MESSAGE_BYTES } from "./noise.ts";

/** Bytes of a record's length prefix. */
export const RECORD_HEADER_BYTES = 2;
/** The raw read buffer: several records per socket read when they are waiting. */
const READ_BUFFER_BYTES = 4 * (MAX_NOISE_MESSAGE_BYTES + RECORD_HEADER_BYTES);

/**
 * Reads a raw connection through one buffer, so a record costs one socket read or less, not
 * one for its header and one for its body.
 */
export class RawReader {
  /** Held so the connection lives as long as it is read (Deno closes it on GC). */
  readonly #conn: Deno.Conn;
  readonly #buffer = new Uint8Array(READ_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  #isCancelled = false;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  get conn(): Deno.Conn {
    return this.#conn;
  }

  /**
   * Exactly `length` bytes, or null on a clean end before the first of them. The view is
   * valid until the next read.
   */
  async read(length: number, what: string): Promise<Uint8Array | null> {
    while (this.#end - this.#start < length) {
      if (this.#buffer.length - this.#start < length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      // Straight from the socket: a web stream's reader costs several promises per read.
      const n = this.#isCancelled ? null : await this.#conn.read(this.#buffer.subarray(this.#end));
      if (n === null || this.#isCancelled) {
        if (this.#end === this.#start) return null;
        throw new ProtocolError(WireErrorCode.TRUNCATED, `Connection closed inside ${what}`);
      }
      this.#end += n;
    }
    const bytes = this.#buffer.subarray(this.#start, this.#start + length);
    this.#start += length;
    return bytes;
  }

  async required(length: number, what: string): Promise<Uint8Array> {
    const bytes = await this.read(length, what);
    if (bytes === null) {
      throw new ProtocolError(WireErrorCode.TRUNCATED, `Connection closed before ${what}`);
    }
    return bytes;
  }

  /** One record's message (a view valid until the next read), or null on a clean end. */
  async readRecord(what: string): Promise<Uint8Array | null> {
    const header = await this.read(RECORD_HEADER_BYTES, what);
    if (header === null) return null;
    const length = (header[0]! << 8) | header[1]!;
    return await this.required(length, what);
  }

  /** A whole record already in the buffer (a view valid until the next read), or null. */
  bufferedRecord(): Uint8Array | null {
    const available = this.#end - this.#start;
    if (available < RECORD_HEADER_BYTES) return null;
    const length = (this.#buffer[this.#start]! << 8) | this.#buffer[this.#start + 1]!;
    if (available < RECORD_HEADER_BYTES + length) return null;
    const start = this.#start + RECORD_HEADER_BYTES;
    this.#start = start + length;
    return this.#buffer.subarray(start, start + length);
  }

  /** A handshake record, copied (the handshake keeps parts of it). */
  async handshakeRecord(what: string): Promise<Uint8Array> {
    const message = await this.readRecord(what);
    if (message === null) {
      throw new ProtocolError(WireErrorCode.TRUNCATED, `Connection closed before ${what}`);
    }
    return message.slice();
  }

  /** Read no more: what is read from now on ends as the end of the connection. */
  cancel(): void {
    this.#isCancelled = true;
  }
}

/** A message with its length in front. */
export function record(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + message.length);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, RECORD_HEADER_BYTES);
  return out;
}
