/**
 * A download's verified pieces, served while it downloads (partial seeding). The download owns
 * the bitfield and sets a bit only once the piece is verified and written; `addPiece` then tells
 * the seeder's connections, which send HAVE. When the download finishes, `complete` switches
 * reads to the final path and the source serves the whole file.
 */
import type { Bitfield } from "../../wire/peer_frames.ts";
import type { PieceSource } from "../seeder/served_files.ts";
import { pieceSpan } from "../../common/hash.ts";
import { readAt } from "../../common/fs.ts";

/** What a partial source serves. */
export interface PartialSourceOptions {
  readonly group: string;
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
  /** The `.part` file the pieces are read from. */
  readonly path: string;
  /** Verified pieces on disk; shared with the download, which sets bits as pieces land. */
  readonly bitfield: Bitfield;
}

/** A file being downloaded, as a {@linkcode PieceSource}. */
export class PartialSource implements PieceSource {
  readonly group: string;
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
  readonly bitfield: Bitfield;
  /** Bytes this download received from each peer id; the link pool adds to it. */
  readonly receivedFrom: Map<string, number> = new Map();
  readonly #listeners = new Set<(index: number) => void>();
  /** Bytes sent to each peer id (one Map increment per piece: the seeder's hot path). */
  readonly #uploadedTo = new Map<string, number>();
  #path: string;
  #isComplete = false;
  #uploaded = 0;

  constructor(options: PartialSourceOptions) {
    this.group = options.group;
    this.fileId = options.fileId;
    this.size = options.size;
    this.pieceLength = options.pieceLength;
    this.bitfield = options.bitfield;
    this.#path = options.path;
  }

  /** Whether the download finished: every piece is served from the final path. */
  get isComplete(): boolean {
    return this.#isComplete;
  }

  /** Where pieces are read from now. */
  get path(): string {
    return this.#path;
  }

  /** Bytes sent to other peers. */
  get uploaded(): number {
    return this.#uploaded;
  }

  /**
   * Read verified piece `index` into `into` (exactly its length).
   *
   * @throws {RangeError} for a piece not verified yet or a buffer of the wrong length
   * @throws {Error} when the file cannot be read
   */
  async readPiece(index: number, into: Uint8Array): Promise<void> {
    if (!Number.isInteger(index) || index < 0 || index >= this.bitfield.length) {
      throw new RangeError(`Piece ${index} is out of range 0..${this.bitfield.length - 1}`);
    }
    if (!this.bitfield.has(index)) throw new RangeError(`Piece ${index} is not downloaded yet`);
    const { position, length } = pieceSpan(index, this.size, this.pieceLength);
    if (into.length !== length) {
      throw new RangeError(`Piece ${index} is ${length} bytes, not ${into.length}`);
    }
    await readAt(this.#path, position, into);
  }

  /** Be told of each piece verified from now on. */
  onPiece(listener: (index: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Bytes sent to each peer id, for show_download. */
  get uploadedTo(): ReadonlyMap<string, number> {
    return this.#uploadedTo;
  }

  /** Count bytes sent to others, and to `peerId` when given. */
  addUploaded(bytes: number, peerId?: string): void {
    this.#uploaded += bytes;
    if (peerId !== undefined) {
      this.#uploadedTo.set(peerId, (this.#uploadedTo.get(peerId) ?? 0) + bytes);
    }
  }

  /** Piece `index` is verified and written (its bit is set): tell every listener. */
  addPiece(index: number): void {
    for (const listener of this.#listeners) listener(index);
  }

  /** The download finished: serve every piece from `path`. */
  complete(path: string): void {
    this.#path = path;
    this.#isComplete = true;
  }
}
