/** Test helper: a complete file as a {@linkcode PieceSource}, over one open handle. */
import { type FileHandle, open } from "node:fs/promises";
import { pieceCount, pieceSpan } from "../../common/hash.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import type { PieceSource } from "../seeder/served_files.ts";
import { readFully } from "../../common/fs.ts";

/** Options of {@linkcode SimpleFileSource.open}. */
export interface SimpleFileSourceOptions {
  group: string;
  fileId: string;
  pieceLength: number;
}

/** A complete file served from one handle; dispose it to close the handle. */
export class SimpleFileSource implements PieceSource, AsyncDisposable {
  readonly group: string;
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
  readonly bitfield: Bitfield;
  readonly isComplete = true;
  readonly #handle: FileHandle;
  uploaded = 0;
  /** Bytes sent by peer id, as the seeder reports them. */
  readonly uploadedTo = new Map<string, number>();
  /** Pieces read, in order (tests check who served what). */
  readonly reads: number[] = [];

  private constructor(handle: FileHandle, size: number, options: SimpleFileSourceOptions) {
    this.#handle = handle;
    this.group = options.group;
    this.fileId = options.fileId;
    this.size = size;
    this.pieceLength = options.pieceLength;
    this.bitfield = Bitfield.full(pieceCount(size, options.pieceLength));
  }

  /** Open `path` for serving. */
  static async open(path: string, options: SimpleFileSourceOptions): Promise<SimpleFileSource> {
    const handle = await open(path, "r");
    const { size } = await handle.stat();
    return new SimpleFileSource(handle, size, options);
  }

  async readPiece(index: number, into: Uint8Array): Promise<void> {
    const { position, length } = pieceSpan(index, this.size, this.pieceLength);
    if (into.length !== length) throw new RangeError(`Piece ${index} is ${length} bytes`);
    await readFully(this.#handle, position, into);
    this.reads.push(index);
  }

  onPiece(_listener: (index: number) => void): () => void {
    return () => {};
  }

  addUploaded(bytes: number, peerId?: string): void {
    this.uploaded += bytes;
    if (peerId !== undefined) {
      this.uploadedTo.set(peerId, (this.uploadedTo.get(peerId) ?? 0) + bytes);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#handle.close();
  }
}
