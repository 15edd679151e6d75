/**
 * The whole-file SHA-1 of a download, computed as the contiguous front of the file completes,
 * so finishing needs no second full read. The piece at the front is hashed at once, a few ahead
 * of it are held in memory (the buffers the socket read them into, not copies), and any piece
 * that was not held is read back from the `.part` when the front reaches it, mostly from the page
 * cache. A lone downloader of super-seeding seeders gets pieces near file order
 * (seeder/super_seed.ts), so the front keeps up; in a crowd the picker breaks rarity ties at
 * random over the whole file, so the front moves late and most of the hash runs at the end.
 */
import { toHex } from "../../common/base64.ts";
import { createSha1, type Sha1 } from "../../common/sha1.ts";
import { releaseOwnedBuffer } from "../../common/memory.ts";

/** Verified pieces ahead of the front kept in memory (2 MiB; 4 MiB was no faster). */
export const MAX_HELD_PIECES = 4;
/** Pieces read back from disk in one read (1 MiB; 2 and 8 MiB were no faster). */
export const READ_BACK_PIECES = 2;

/** Options of {@linkcode FrontHasher}. */
export interface FrontHasherOptions {
  pieceCount: number;
  pieceLength: number;
  size: number;
  /** Whether piece `index` is verified and written (so it can be read back). */
  isWritten(index: number): boolean;
  /** Read `into.length` bytes back from disk, from the start of piece `index` (a run of pieces). */
  read(index: number, into: Uint8Array): Promise<void>;
  maxHeld?: number;
}

/** Feeds pieces to one SHA-1 in file order. */
export class FrontHasher {
  readonly #options: FrontHasherOptions;
  readonly #hash: Sha1 = createSha1();
  readonly #held = new Map<number, Uint8Array>();
  readonly #finished = Promise.withResolvers<string>();
  #next = 0;
  #pump: Promise<void> | null = null;
  #isStopped = false;
  #buffer: Uint8Array | null = null;

  constructor(options: FrontHasherOptions) {
    this.#options = options;
    // Rejections are for whoever awaits digest(); until then they must not count as unhandled.
    this.#finished.promise.catch(() => {});
    this.#drain();
  }

  /** Pieces hashed so far (the front). */
  get front(): number {
    return this.#next;
  }

  /** How many verified pieces are held in memory ahead of the front (a count, not bytes). */
  get heldPieces(): number {
    return this.#held.size;
  }

  /**
   * Piece `index` was verified and written. `data` is hashed now if it is at the front, held if
   * it is a little ahead and `canKeep` (the caller gives up the buffer under it, which is freed
   * once hashed), else dropped and read back later.
   *
   * @returns whether `data` is held (else the caller may free it at once)
   */
  add(index: number, data: Uint8Array, options: { canKeep: boolean }): boolean {
    if (index < this.#next || this.#isStopped) return false;
    let isHeld = false;
    if (index === this.#next && this.#pump === null) {
      this.#update(data);
    } else if (options.canKeep && this.#held.size < (this.#options.maxHeld ?? MAX_HELD_PIECES)) {
      this.#held.set(index, data);
      isHeld = true;
    }
    this.#drain();
    return isHeld;
  }

  /** Pieces were marked written behind the hasher's back (resume): read them back. */
  wake(): void {
    this.#drain();
  }

  /** The hex digest, once every piece went through; rejects when a read-back failed. */
  digest(): Promise<string> {
    return this.#finished.promise;
  }

  /** Stop reading back (before the `.part` closes); waits for a read under way. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#held.clear();
    await this.#pump;
  }

  #update(data: Uint8Array): void {
    this.#hash.update(data);
    this.#next++;
  }

  /** Hash what is held at the front; start reading back when the front is on disk only. */
  #drain(): void {
    const { pieceCount, isWritten } = this.#options;
    if (this.#next > pieceCount) return;
    while (this.#next < pieceCount && this.#held.has(this.#next)) {
      const data = this.#held.get(this.#next)!;
      this.#held.delete(this.#next);
      this.#update(data);
      releaseOwnedBuffer(data); // held means the caller gave its buffer up: freed now
    }
    if (this.#next === pieceCount) {
      this.#finished.resolve(toHex(this.#hash.digest()));
      this.#next++; // past the end: nothing more is taken
      return;
    }
    if (this.#pump === null && !this.#isStopped && isWritten(this.#next)) {
      this.#pump = this.#readBack().then(
        () => {
          this.#pump = null;
          this.#drain();
        },
        (error) => {
          this.#isStopped = true;
          this.#finished.reject(error);
        },
      );
    }
  }

  /**
   * Read back the written pieces at the front, a run of up to `READ_BACK_PIECES` per read: one
   * read (one turn of a busy event loop) per piece would fall behind the pieces arriving.
   */
  async #readBack(): Promise<void> {
    const { pieceCount, pieceLength, size, isWritten, read } = this.#options;
    while (!this.#isStopped && this.#next < pieceCount && isWritten(this.#next)) {
      const index = this.#next;
      if (this.#held.has(index)) return; // #drain() hashes it from memory
      let end = index + 1;
      while (
        end < pieceCount && end - index < READ_BACK_PIECES && isWritten(end) && !this.#held.has(end)
      ) end++;
      this.#buffer ??= new Uint8Array(READ_BACK_PIECES * pieceLength);
      const into = this.#buffer.subarray(
        0,
        Math.min(size, end * pieceLength) - index * pieceLength,
      );
      await read(index, into);
      if (this.#isStopped) return;
      // Pieces in the run were written before it was read, so add() never held one of them.
      this.#hash.update(into);
      this.#next = end;
    }
  }
}
