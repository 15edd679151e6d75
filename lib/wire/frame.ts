/**
 * Frames, `u32 length | u8 type | payload`: encoding one, checking a header against the limit
 * of its type before allocating, and reading exact-length frames off a stream.
 */
import { ProtocolError } from "../common/errors.ts";
import { FRAME_HEADER_BYTES, FRAME_LIMIT_BYTES, MAGIC, WireErrorCode } from "./limits.ts";

/** One frame off the wire. */
export interface Frame {
  /** The frame type id, the u8 after the length. */
  readonly type: number;
  /** Exactly as many bytes as the length said. */
  readonly payload: Uint8Array;
}

/** Encode `u32 length | u8 type | payload` into one buffer. */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.length);
  view.setUint8(4, type);
  bytes.set(payload, FRAME_HEADER_BYTES);
  return bytes;
}

/**
 * Check a frame header against the per-type limit, before anything is allocated.
 *
 * @returns the payload length
 * @throws {ProtocolError} `unknown_type` or `frame_too_large`
 */
export function checkFrameHeader(
  type: number,
  length: number,
  limits: ReadonlyMap<number, number> = FRAME_LIMIT_BYTES,
): number {
  const limit = limits.get(type);
  if (limit === undefined) {
    throw new ProtocolError(WireErrorCode.UNKNOWN_TYPE, `Unknown frame type ${type}`);
  }
  if (length > limit) {
    throw new ProtocolError(
      WireErrorCode.FRAME_TOO_LARGE,
      `Frame of type ${type} is ${length} bytes, over its limit of ${limit}`,
    );
  }
  return length;
}

/**
 * What frames are read from: `read` fills `view` with at least `min` of its bytes and returns
 * the filled part (perhaps a new view, when the source transferred the buffer); fewer than
 * `min` only when the source ended (none: it ended before the first).
 */
export interface ByteSource {
  /** The filled part of `view`: at least `min` bytes unless the source ended. */
  read(view: Uint8Array, min: number): Promise<Uint8Array>;
  /** Stop reading; a pending read ends as the end of the source. */
  cancel(): Promise<void>;
}

/** A byte stream as a {@linkcode ByteSource}, with BYOB reads. */
export class StreamSource implements ByteSource {
  readonly #reader: ReadableStreamBYOBReader;

  constructor(readable: ReadableStream<Uint8Array>) {
    this.#reader = readable.getReader({ mode: "byob" });
  }

  async read(view: Uint8Array, min: number): Promise<Uint8Array> {
    try {
      const { value } = await this.#reader.read(view, { min });
      return value ?? new Uint8Array(0);
    } catch (error) {
      // A byte stream that closes with fewer bytes queued than `min` rejects with a TypeError.
      if (error instanceof TypeError) {
        throw new ProtocolError(WireErrorCode.TRUNCATED, "Stream closed in the middle of a frame", {
          cause: error,
        });
      }
      throw error;
    }
  }

  async cancel(): Promise<void> {
    try {
      await this.#reader.cancel();
    } catch (error) {
      // The stream may already be errored by a reset connection; there is nothing left to stop.
      if (!(error instanceof Error)) throw error;
    }
  }
}

/**
 * Reads exact-length frames off a byte source, so a frame is read into one buffer of exactly
 * its size and nothing is buffered beyond it.
 */
export class FrameReader {
  readonly #source: ByteSource;
  #limits: ReadonlyMap<number, number>;
  /** Called when the first byte of a frame has arrived, for a deadline on the rest of it. */
  onFrameStart: (() => void) | null = null;

  /** Frames from `source` (a stream is read with BYOB reads), each checked against `limits`. */
  constructor(
    source: ReadableStream<Uint8Array> | ByteSource,
    limits: ReadonlyMap<number, number> = FRAME_LIMIT_BYTES,
  ) {
    this.#source = source instanceof ReadableStream ? new StreamSource(source) : source;
    this.#limits = limits;
  }

  /** Switch the per-type limits (after the Hello says which protocol the connection speaks). */
  setLimits(limits: ReadonlyMap<number, number>): void {
    this.#limits = limits;
  }

  /**
   * Read exactly `length` bytes.
   *
   * @returns the bytes, or `null` when the stream ended cleanly before the first byte
   * @throws {ProtocolError} `truncated` when it ended part-way
   */
  async readExactly(length: number): Promise<Uint8Array | null> {
    if (length === 0) return new Uint8Array(0);
    const value = await this.#source.read(new Uint8Array(length), length);
    if (value.length === 0) return null;
    if (value.length < length) {
      throw new ProtocolError(
        WireErrorCode.TRUNCATED,
        "Connection closed in the middle of a frame",
      );
    }
    return value;
  }

  /**
   * Read and check the 4 magic bytes that open a connection.
   *
   * @throws {ProtocolError} `bad_magic` or `truncated`
   */
  async readMagic(): Promise<void> {
    const bytes = await this.readExactly(MAGIC.length);
    if (bytes === null) {
      throw new ProtocolError(WireErrorCode.TRUNCATED, "Connection closed before the magic");
    }
    if (!bytes.every((byte, i) => byte === MAGIC[i])) {
      throw new ProtocolError(
        WireErrorCode.BAD_MAGIC,
        "Wrong magic: this is not a PeerShare connection",
      );
    }
  }

  /**
   * Read one frame.
   *
   * @returns the frame, or `null` on a clean end of stream between frames
   * @throws {ProtocolError} on an unknown type, an oversized or a truncated frame
   */
  async read(): Promise<Frame | null> {
    const header = await this.#readHeader();
    if (header === null) return null;
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const type = view.getUint8(4);
    const length = checkFrameHeader(type, view.getUint32(0), this.#limits);
    const payload = await this.readExactly(length);
    if (payload === null) {
      throw new ProtocolError(
        WireErrorCode.TRUNCATED,
        "Connection closed in the middle of a frame",
      );
    }
    return { type, payload };
  }

  async #readHeader(): Promise<Uint8Array | null> {
    if (this.onFrameStart === null) return await this.readExactly(FRAME_HEADER_BYTES);
    // As much of the header as has come, at least its first byte: the frame has started.
    const first = await this.#source.read(new Uint8Array(FRAME_HEADER_BYTES), 1);
    if (first.length === 0) return null;
    this.onFrameStart();
    if (first.length === FRAME_HEADER_BYTES) return first;
    const rest = await this.readExactly(FRAME_HEADER_BYTES - first.length);
    if (rest === null) {
      throw new ProtocolError(
        WireErrorCode.TRUNCATED,
        "Connection closed in the middle of a frame",
      );
    }
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    header.set(first);
    header.set(rest, first.length);
    return header;
  }

  /** Stop reading; a pending read resolves as done. */
  cancel(): Promise<void> {
    return this.#source.cancel();
  }
}
