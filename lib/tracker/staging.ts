/**
 * Piece hashes staged before upload_file: a file's hash list travels in chunks of at most 1024
 * hashes, so no message grows with the file. Staged chunks live in memory only, are bounded in
 * total size, and expire; upload_file checks them against the file id before anything is kept.
 */
import { HASHES_PER_CHUNK, pieceCount, SHA1_BYTES } from "../common/hash.ts";

/** How long staged hashes wait for their upload_file. */
export const STAGING_TTL_MS = 10 * 60 * 1000;
/** Most staged bytes at once (a 4 TiB file's hashes are 160 MiB; 64 MiB covers 1.6 TiB). */
export const STAGING_LIMIT_BYTES = 64 * 1024 * 1024;

interface Staged {
  chunks: Map<number, Uint8Array>;
  bytes: number;
  expiresAt: number;
}

/** Staged hash chunks by file id. */
export class HashStaging {
  readonly #files = new Map<string, Staged>();
  readonly #now: () => number;
  #bytes = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Stage one chunk.
   *
   * @returns false when the staging area is full
   */
  put(fileId: string, chunk: number, hashes: Uint8Array): boolean {
    this.#sweep();
    let staged = this.#files.get(fileId);
    if (!staged) this.#files.set(fileId, staged = { chunks: new Map(), bytes: 0, expiresAt: 0 });
    const previous = staged.chunks.get(chunk)?.length ?? 0;
    if (this.#bytes - previous + hashes.length > STAGING_LIMIT_BYTES) return false;
    staged.chunks.set(chunk, hashes.slice());
    staged.bytes += hashes.length - previous;
    this.#bytes += hashes.length - previous;
    staged.expiresAt = this.#now() + STAGING_TTL_MS;
    return true;
  }

  /** The full hash list of a file if every chunk is staged with the right length, else null. */
  assemble(fileId: string, size: number, pieceLength: number): Uint8Array | null {
    const staged = this.#files.get(fileId);
    const count = pieceCount(size, pieceLength);
    const all = new Uint8Array(count * SHA1_BYTES);
    const chunks = Math.ceil(count / HASHES_PER_CHUNK);
    for (let c = 0; c < chunks; c++) {
      const bytes = staged?.chunks.get(c);
      const expected = Math.min(HASHES_PER_CHUNK, count - c * HASHES_PER_CHUNK) * SHA1_BYTES;
      if (!bytes || bytes.length !== expected) return null;
      all.set(bytes, c * HASHES_PER_CHUNK * SHA1_BYTES);
    }
    return all;
  }

  /** Forget a file's staged chunks (after its upload committed). */
  remove(fileId: string): void {
    const staged = this.#files.get(fileId);
    if (!staged) return;
    this.#bytes -= staged.bytes;
    this.#files.delete(fileId);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [fileId, staged] of this.#files) {
      if (staged.expiresAt <= now) this.remove(fileId);
    }
  }
}
