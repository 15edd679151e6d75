/**
 * Files for transfer tests: random content made fast, the SHA-1 of a whole file read in
 * chunks, and the peak memory of a process.
 */
import { createHash, randomFillSync } from "node:crypto";

/** Pieces are 512 KiB (DESIGN.md). */
export const PIECE = 512 * 1024;
export const MiB = 1024 * 1024;

const CHUNK_BYTES = 4 * MiB;

/**
 * Write `size` random bytes to `path`, 4 MiB at a time.
 *
 * @returns the hex SHA-1 of the content
 */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha1");
  await using file = await Deno.open(path, { write: true, createNew: true });
  const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(size, 1)));
  for (let written = 0; written < size;) {
    const chunk = buffer.subarray(0, Math.min(buffer.length, size - written));
    randomFillSync(chunk);
    hash.update(chunk);
    await writeAll(file, chunk);
    written += chunk.length;
  }
  return hash.digest("hex");
}

/**
 * Write a large file quickly: one random 4 MiB block repeated, with the index of each 512 KiB
 * piece in its first 8 bytes so that no two pieces are the same.
 *
 * @returns the hex SHA-1 of the content
 */
export async function writeLargeFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha1");
  await using file = await Deno.open(path, { write: true, createNew: true });
  const block = new Uint8Array(CHUNK_BYTES);
  randomFillSync(block);
  const view = new DataView(block.buffer);
  for (let written = 0; written < size;) {
    for (let offset = 0; offset < block.length; offset += PIECE) {
      view.setBigUint64(offset, BigInt((written + offset) / PIECE));
    }
    const chunk = block.subarray(0, Math.min(block.length, size - written));
    hash.update(chunk);
    await writeAll(file, chunk);
    written += chunk.length;
  }
  return hash.digest("hex");
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  for (let done = 0; done < data.length;) done += await file.write(data.subarray(done));
}

/** The hex SHA-1 of a whole file, read 4 MiB at a time. */
export async function sha1OfFile(path: string): Promise<string> {
  const hash = createHash("sha1");
  await using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(CHUNK_BYTES);
  while (true) {
    const read = await file.read(buffer);
    if (read === null) break;
    hash.update(buffer.subarray(0, read));
  }
  return hash.digest("hex");
}

/** Whether something is at `path` (a dangling link counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Names in a folder, sorted. */
export async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

/**
 * Peak resident memory of a running process (`VmHWM` in `/proc/<pid>/status`), in bytes. Read
 * with `cat`: Deno asks for --allow-all to read /proc itself, and tests run with --allow-run.
 *
 * @throws {Error} when the process is gone or the line is missing (not Linux)
 */
export async function peakMemoryBytes(pid: number): Promise<number> {
  const { success, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(new TextDecoder().decode(stdout));
  if (!success || !match) throw new Error(`No VmHWM line in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
