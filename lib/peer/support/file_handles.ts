/**
 * A small cache of open files for positional reads: serving a piece must not open and close the
 * file each time, and many shared files must not hold a descriptor each forever. Handles in use
 * are never closed under a read; idle ones are closed, least recently used first, past the limit.
 */
import { type FileHandle, open } from "node:fs/promises";

/** Files kept open at once when idle. */
export const MAX_OPEN_FILES = 16;

interface Entry {
  readonly opening: Promise<FileHandle>;
  users: number;
  /** close() was asked while a read used it: close when the last read ends. */
  isClosing: boolean;
}

/** Open read-only files by path, shared by every source that reads them. */
export class FileHandles {
  readonly #maxOpen: number;
  /** In least-recently-used order: a use moves the entry to the end. */
  readonly #entries = new Map<string, Entry>();

  /** Keep at most `maxOpen` idle files open (default `MAX_OPEN_FILES`). */
  constructor(options: { maxOpen?: number } = {}) {
    this.#maxOpen = options.maxOpen ?? MAX_OPEN_FILES;
  }

  /** How many files are open or opening now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Fill `into` with the bytes of `path` at `position`.
   *
   * @returns how many bytes were read: less than `into.length` only at the end of the file
   */
  async read(path: string, into: Uint8Array, position: number): Promise<number> {
    const entry = this.#use(path);
    try {
      const handle = await entry.opening;
      let read = 0;
      while (read < into.length) {
        const { bytesRead } = await handle.read(into, read, into.length - read, position + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return read;
    } finally {
      entry.users--;
      if (entry.isClosing && entry.users === 0) await closeEntry(entry);
      await this.#evictIdle();
    }
  }

  /** Close a file now, or as soon as the reads using it end. */
  async close(path: string): Promise<void> {
    const entry = this.#entries.get(path);
    if (!entry) return;
    this.#entries.delete(path);
    if (entry.users === 0) await closeEntry(entry);
    else entry.isClosing = true;
  }

  /** Close every file (reads in flight close theirs when they end). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((path) => this.close(path)));
  }

  /** Same as {@linkcode FileHandles.closeAll}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeAll();
  }

  #use(path: string): Entry {
    let entry = this.#entries.get(path);
    if (entry) {
      this.#entries.delete(path);
    } else {
      entry = { opening: open(path, "r"), users: 0, isClosing: false };
      // A failed open is reported to its reader; the entry goes so the next read tries again.
      entry.opening.catch(() => {
        if (this.#entries.get(path) === entry) this.#entries.delete(path);
      });
    }
    this.#entries.set(path, entry);
    entry.users++;
    return entry;
  }

  async #evictIdle(): Promise<void> {
    for (const [path, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxOpen) return;
      if (entry.users > 0) continue;
      this.#entries.delete(path);
      await closeEntry(entry);
    }
  }
}

async function closeEntry(entry: Entry): Promise<void> {
  try {
    await (await entry.opening).close();
  } catch (error) {
    // A file that never opened has nothing to close; its reader already got the error.
    if (!(error instanceof Error)) throw error;
  }
}
