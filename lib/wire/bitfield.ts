/**
 * A download's pieces as bits, the BITFIELD frame's payload. In a file of its own, without the
 * message schemas, so a worker thread that only needs the bits does not load them (each module
 * a thread loads costs it memory).
 */
import { ProtocolError } from "../common/errors.ts";
import { WireErrorCode } from "./limits.ts";

/** Bitfields: piece i is bit (7 - i % 8) of byte i / 8, as in BitTorrent. */
export class Bitfield {
  /** The bits, as the BITFIELD payload carries them; bits past the last piece are zero. */
  readonly bytes: Uint8Array;
  /** Number of pieces. */
  readonly length: number;
  #count = 0;

  /**
   * A bitfield of `length` pieces: none set, or a copy of `bytes`.
   *
   * @throws {ProtocolError} `invalid_message` when `bytes` is not `ceil(length / 8)` bytes or
   *   sets a bit past the last piece
   */
  constructor(length: number, bytes?: Uint8Array) {
    this.length = length;
    this.bytes = new Uint8Array(Math.ceil(length / 8));
    if (bytes) {
      if (bytes.length !== this.bytes.length) {
        throw new ProtocolError(
          WireErrorCode.INVALID_MESSAGE,
          `Bitfield of ${bytes.length} bytes for ${length} pieces`,
        );
      }
      this.bytes.set(bytes);
      const spare = this.bytes.length * 8 - length;
      if (spare > 0 && (this.bytes[this.bytes.length - 1]! & ((1 << spare) - 1)) !== 0) {
        throw new ProtocolError(
          WireErrorCode.INVALID_MESSAGE,
          "Bitfield has bits past the last piece",
        );
      }
      for (let i = 0; i < length; i++) if (this.has(i)) this.#count++;
    }
  }

  /** Whether piece `index` is set. */
  has(index: number): boolean {
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  /** Set a bit; returns whether it was newly set. */
  set(index: number): boolean {
    if (index < 0 || index >= this.length) throw new RangeError(`Piece ${index} out of range`);
    if (this.has(index)) return false;
    this.bytes[index >> 3]! |= 0x80 >> (index & 7);
    this.#count++;
    return true;
  }

  /** Clear a bit (a piece found corrupt on disk). */
  clear(index: number): void {
    if (!this.has(index)) return;
    this.bytes[index >> 3]! &= ~(0x80 >> (index & 7));
    this.#count--;
  }

  /** Number of bits set. */
  get count(): number {
    return this.#count;
  }

  /** Whether every piece is set. */
  get isComplete(): boolean {
    return this.#count === this.length;
  }

  /** A bitfield with every piece set. */
  static full(length: number): Bitfield {
    const field = new Bitfield(length);
    for (let i = 0; i < length; i++) field.set(i);
    return field;
  }
}
