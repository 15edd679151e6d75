/**
 * Pieces on disk: the `<destination>.part` file a download writes into, with positional I/O
 * only (node:fs/promises `FileHandle.read/write` with a position). `Deno.FsFile` has only
 * seek + write, and concurrent tasks sharing one handle that way write pieces at the wrong
 * offsets; positional writes from many tasks at once are safe.
 */
import { type FileHandle, open } from "node:fs/promises";
import { readFully } from "../../common/fs.ts";

/** Suffix of the partial file beside the destination. */
export const PART_SUFFIX = ".part";

/** The partial file of a download, open for reading and writing. */
export class PartFile implements AsyncDisposable {
  readonly path: string;
  readonly size: number;
  /** The file did not exist before {@linkcode PartFile.open} (or was replaced by it). */
  readonly isNew: boolean;
  readonly #handle: FileHandle;
  #isClosed = false;

  private constructor(path: string, size: number, handle: FileHandle, isNew: boolean) {
    this.path = path;
    this.size = size;
    this.#handle = handle;
    this.isNew = isNew;
  }

  /**
   * Open `path` (made when missing) and give it exactly `size` bytes; what it held is kept
   * unless `isFresh`, which starts a new file. The file is sparse until pieces are written.
   *
   * @throws {Error} what the operating system says (no permission, no such folder…)
   */
  static async open(path: string, size: number, options: { isFresh: boolean }): Promise<PartFile> {
    // A stale part is replaced rather than truncated to 0: ext4 flushes such a file at close,
    // which costs ~150 ms per GiB at the end of every download.
    if (options.isFresh) await removeIfPresent(path);
    await refuseSymbolicLink(path);
    let handle: FileHandle;
    let isNew = false;
    try {
      handle = await open(path, "r+");
    } catch (error) {
      if (!isNotFound(error)) throw error;
      handle = await open(path, "wx+"); // O_EXCL: never through a link planted meanwhile
      isNew = true;
    }
    try {
      await handle.truncate(size);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new PartFile(path, size, handle, isNew);
  }

  /** Write all of `data` at `position`. */
  async write(position: number, data: Uint8Array): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.#handle.write(
        data,
        written,
        data.length - written,
        position + written,
      );
      written += bytesWritten;
    }
  }

  /** Which file this is (device and inode), so another thread can check it opened the same. */
  async identity(): Promise<{ dev: number; ino: number }> {
    const { dev, ino } = await this.#handle.stat();
    return { dev, ino };
  }

  /**
   * Fill `into` from `position`.
   *
   * @throws {RangeError} when the file ends first
   */
  async read(position: number, into: Uint8Array): Promise<void> {
    await readFully(this.#handle, position, into);
  }

  /** Close the file; safe to call more than once. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await this.#handle.close();
  }

  /** Same as {@linkcode PartFile.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Give a finished `.part` its final name without overwriting anything: a hard link fails when
 * the destination exists (even one that appeared a moment ago). The caller removes the part.
 *
 * @returns false when something is already at `destination`
 * @throws {Error} other errors of the link (permission, another file system…)
 */
export async function linkInPlace(part: string, destination: string): Promise<boolean> {
  try {
    await Deno.link(part, destination);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
}

/** Remove a file; one that is already gone is fine. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Refuse a symbolic link at a part's path: writing through it would change the file it points
 * to. (O_NOFOLLOW would close the window between this check and the open, but node:fs in Deno
 * drops it when permissions are scoped.)
 */
async function refuseSymbolicLink(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (info.isSymlink) {
    throw new Error(`Partial file "${path}" is a symbolic link: refusing to write through it`);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || (error as { code?: string }).code === "ENOENT";
}
