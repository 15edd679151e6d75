/**
 * File primitives with positional I/O (node:fs/promises with a position: `Deno.FsFile` has only
 * seek + write, which is unsafe when several tasks share a handle): read exactly a span, and
 * replace a small file atomically (temp file + rename).
 */
import { type FileHandle, open } from "node:fs/promises";

/**
 * Fill `into` from `handle` at `position`.
 *
 * @throws {RangeError} when the file ends first
 */
export async function readFully(
  handle: FileHandle,
  position: number,
  into: Uint8Array,
): Promise<void> {
  let read = 0;
  while (read < into.length) {
    const { bytesRead } = await handle.read(into, read, into.length - read, position + read);
    if (bytesRead === 0) {
      throw new RangeError(`File ended at byte ${position + read}, expected ${into.length} more`);
    }
    read += bytesRead;
  }
}

/** Read `into.length` bytes of the file at `path` from `position`, opening it just for that. */
export async function readAt(path: string, position: number, into: Uint8Array): Promise<void> {
  await using handle = await open(path, "r");
  await readFully(handle, position, into);
}

/** Options of {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permission bits of a new file, such as `0o600` for a private key. */
  mode?: number;
}

/**
 * Replace the file at `path` with `data` atomically: write `${path}.tmp` beside it, then rename
 * it over `path`, so a crash leaves either the old file or the new one, never half of one (a
 * crash may leave the `.tmp` file behind).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const temporary = `${path}.tmp`;
  const writeOptions = options.mode === undefined ? {} : { mode: options.mode };
  if (typeof data === "string") await Deno.writeTextFile(temporary, data, writeOptions);
  else await Deno.writeFile(temporary, data, writeOptions);
  await Deno.rename(temporary, path);
}
