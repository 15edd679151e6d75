/**
 * Piece hashes staged before upload_file: a file's hash list travels in chunks of at most 1024
 * hashes, so no message grows with the file. Staged chunks live in memory only, belong to the
 * user who staged them (one user's garbage cannot fill another's budget), are bounded per user
 * and in total, expire, and go when their upload commits or their user logs out. upload_file
 * checks them against the file id before anything is kept.
 */
import { HASHES_PER_CHUNK, pieceCount, SHA1_BYTES } from "../common/hash.ts";

/** How long staged hashes wait for their upload_file. */
export const STAGING_TTL_MS = 10 * 60 * 1000;
/** Most staged bytes per user (a 4 TiB file's hashes are 160 MiB; 64 MiB covers 1.6 TiB). */
export const STAGING_USER_LIMIT_BYTES = 64 * 1024 * 1024;
/** Most staged bytes of all users together: what the tracker gives this memory at most. */
export const STAGING_LIMIT_BYTES = 256 * 1024 * 1024;

/** Why a chunk was not staged. */
export type StageRefusal = "user_full" | "full";

interface Staged {
  chunks: Map<number, Uint8Array>;
  bytes: number;
  expiresAt: number;
}

/** Staged hash chunks by user and file id. */
export class HashStaging {
  /** By user, then file id. */
  readonly #staged = new Map<string, Map<string, Staged>>();
  readonly #bytesBy = new Map<string, number>();
  readonly #now: () => number;
  #bytes = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Stage one chunk for `user`.
   *
   * @returns null, or why it was not staged (that user's budget, or everyone's)
   */
  put(user: string, fileId: string, chunk: number, hashes: Uint8Array): StageRefusal | null {
    this.#sweep();
    const files = this.#staged.get(user) ?? new Map<string, Staged>();
    const staged = files.get(fileId) ?? { chunks: new Map(), bytes: 0, expiresAt: 0 };
    const growth = hashes.length - (staged.chunks.get(chunk)?.length ?? 0);
    if ((this.#bytesBy.get(user) ?? 0) + growth > STAGING_USER_LIMIT_BYTES) return "user_full";
    if (this.#bytes + growth > STAGING_LIMIT_BYTES) return "full";
    staged.chunks.set(chunk, hashes.slice());
    staged.bytes += growth;
    staged.expiresAt = this.#now() + STAGING_TTL_MS;
    files.set(fileId, staged);
    this.#staged.set(user, files);
    this.#bytesBy.set(user, (this.#bytesBy.get(user) ?? 0) + growth);
    this.#bytes += growth;
    return null;
  }

  /** The full hash list `user` staged for a file, if every chunk has the right length, else null. */
  assemble(user: string, fileId: string, size: number, pieceLength: number): Uint8Array | null {
    const staged = this.#staged.get(user)?.get(fileId);
    const count = pieceCount(size, pieceLength);
    if (!staged && count > 0) return null;
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

  /** Forget what `user` staged for a file (after its upload committed). */
  remove(user: string, fileId: string): void {
    const files = this.#staged.get(user);
    const staged = files?.get(fileId);
    if (!files || !staged) return;
    files.delete(fileId);
    if (files.size === 0) this.#staged.delete(user);
    const left = (this.#bytesBy.get(user) ?? 0) - staged.bytes;
    if (left > 0) this.#bytesBy.set(user, left);
    else this.#bytesBy.delete(user);
    this.#bytes -= staged.bytes;
  }

  /** Forget everything `user` staged (at logout). */
  dropUser(user: string): void {
    for (const fileId of [...(this.#staged.get(user)?.keys() ?? [])]) this.remove(user, fileId);
  }

  /** Bytes staged now, by everyone. */
  get bytes(): number {
    return this.#bytes;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [user, files] of this.#staged) {
      for (const [fileId, staged] of files) if (staged.expiresAt <= now) this.remove(user, fileId);
    }
  }
}
