/**
 * A complete file this peer shares, served piece by piece with positional reads. Before each
 * piece it checks the file's size and modification time against those it had when it was
 * hashed: a file changed on disk would serve pieces that fail every downloader's check, so it
 * stops being served at once, and its owner is told (with a warning for the user).
 */
import { statSync } from "node:fs";
import { describeError } from "../../common/errors.ts";
import { pieceCount } from "../../common/hash.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import type { FileHandles } from "../support/file_handles.ts";
import type { PieceSource } from "../seeder/served_files.ts";

/** Options of {@linkcode FileSource}. */
export interface FileSourceOptions {
  readonly group: string;
  readonly fileId: string;
  readonly path: string;
  readonly size: number;
  readonly pieceLength: number;
  /** node:fs `mtimeMs` when the file was hashed. */
  readonly mtimeMs: number;
  /** The shared cache of open files. */
  readonly handles: FileHandles;
  /** Bytes uploaded before (a source made again after a logout keeps counting). */
  readonly uploaded?: number;
  /**
   * The source this one takes over from (a finished download's): connections opened before the
   * handover keep serving from it, and what they upload counts here too.
   */
  readonly earlier?: { readonly uploaded: number };
  /** Called once, the first time the file is found changed. */
  onChanged(source: FileSource, detail: string): void;
}

/** A complete file on disk, as a {@linkcode PieceSource}. */
export class FileSource implements PieceSource {
  readonly group: string;
  readonly fileId: string;
  readonly path: string;
  readonly size: number;
  readonly pieceLength: number;
  readonly bitfield: Bitfield;
  readonly isComplete = true;
  readonly #options: FileSourceOptions;
  #uploaded: number;
  #changed: string | null = null;

  /** A source over `options.path`; nothing is opened until a piece is read. */
  constructor(options: FileSourceOptions) {
    this.#options = options;
    this.group = options.group;
    this.fileId = options.fileId;
    this.path = options.path;
    this.size = options.size;
    this.pieceLength = options.pieceLength;
    this.bitfield = Bitfield.full(pieceCount(options.size, options.pieceLength));
    this.#uploaded = options.uploaded ?? 0;
  }

  /** Bytes of pieces sent to other peers. */
  get uploaded(): number {
    return this.#uploaded + (this.#options.earlier?.uploaded ?? 0);
  }

  /** Why the file is no longer served, or null while it is unchanged. */
  get changed(): string | null {
    return this.#changed;
  }

  /**
   * Read piece `index` into `into`, which must be exactly that piece's length.
   *
   * @throws {RangeError} for a piece out of range or a buffer of the wrong length
   * @throws {Error} when the file changed on disk
   */
  async readPiece(index: number, into: Uint8Array): Promise<void> {
    const position = index * this.pieceLength;
    const length = Math.min(this.pieceLength, this.size - position);
    if (!Number.isInteger(index) || index < 0 || index >= this.bitfield.length) {
      throw new RangeError(`Piece ${index} is out of range 0..${this.bitfield.length - 1}`);
    }
    if (into.length !== length) {
      throw new RangeError(`Piece ${index} is ${length} bytes, not ${into.length}`);
    }
    this.#checkUnchanged();
    const read = await this.#options.handles.read(this.path, into, position);
    if (read < length) this.#fail("it is shorter than when it was shared");
  }

  /** A complete file gets no new pieces. */
  onPiece(_listener: (index: number) => void): () => void {
    return () => {};
  }

  /** Count bytes sent to others. */
  addUploaded(bytes: number): void {
    this.#uploaded += bytes;
  }

  #checkUnchanged(): void {
    if (this.#changed !== null) this.#fail(this.#changed);
    let now;
    try {
      // Synchronous: a few microseconds on a cached inode, where the async call's round trip
      // through the blocking thread pool cost a seeder a tenth of its time, once per piece.
      now = statSync(this.path);
    } catch (error) {
      const reason = (error as { code?: string }).code === "ENOENT"
        ? "it was removed"
        : `it cannot be read: ${describeError(error)}`;
      this.#fail(reason);
    }
    if (now.size !== this.size) this.#fail(`its size went from ${this.size} to ${now.size} bytes`);
    if (now.mtimeMs !== this.#options.mtimeMs) this.#fail("it was modified");
  }

  #fail(detail: string): never {
    if (this.#changed === null) {
      this.#changed = detail;
      this.#options.onChanged(this, detail);
    }
    throw new Error(`File "${this.path}" changed on disk since it was shared (${detail})`);
  }
}
