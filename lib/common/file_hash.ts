/**
 * Hashing a whole file for sharing it: every piece's SHA-1, the whole file's SHA-1 and the file
 * id. Piece hashes are independent, the whole-file hash is one sequential pass: for a file of
 * `PARALLEL_MIN_BYTES` or more a worker thread (file_hash_worker.ts) reads the file and hashes
 * its pieces while this thread reads it again and hashes it whole, so the two SHA-1 passes run
 * on two cores. Each thread reads for itself: a second read from the page cache (~0.13 s per GiB
 * here) costs less than handing buffers across (each byte then comes from the other core's cache
 * and every piece is two messages: 0.92-1.05 s per GiB against 0.72 s). A smaller file is hashed
 * here, where a worker's start-up would cost more than it saves. Either way a piece or a chunk
 * per thread is in memory. The caller compares the file's size and mtime after hashing with
 * those returned: a file changed while it was read is refused there, whichever thread saw it.
 */
import { open, stat } from "node:fs/promises";
import { setImmediate } from "node:timers";
import { toHex } from "./base64.ts";
import { createSha1 } from "./sha1.ts";
import { computeFileId, type FileHashes, pieceCount, sha1, SHA1_BYTES } from "./hash.ts";

/** Files from this size on are hashed on two threads. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
/** What this thread reads and hashes at a time, between turns of the event loop. */
const CHUNK_BYTES = 1024 * 1024;

/** The hashing worker's one task. */
export interface ToHashWorker {
  path: string;
  size: number;
  pieceLength: number;
}

/** The hashing worker's answer: every piece's SHA-1 in order (or an error). */
export type FromHashWorker =
  | { type: "done"; pieceHashes: Uint8Array }
  | { type: "error"; message: string };

/**
 * Hash a file piece by piece.
 *
 * @throws {Error} when the file changed size while it was read
 */
export async function hashFile(
  path: string,
  options: { pieceLength: number; signal?: AbortSignal },
): Promise<FileHashes> {
  // node's stat, as every later check of the file (its mtimeMs keeps the sub-millisecond part).
  const { size, mtimeMs } = await stat(path);
  const hashes = size >= PARALLEL_MIN_BYTES
    ? await hashOnTwoThreads(path, size, options)
    : await hashHere(path, size, options);
  return {
    size,
    pieceLength: options.pieceLength,
    pieceHashes: hashes.pieceHashes,
    sha1: hashes.sha1,
    fileId: computeFileId(size, options.pieceLength, hashes.pieceHashes),
    mtimeMs,
  };
}

interface Hashes {
  pieceHashes: Uint8Array;
  sha1: string;
}

async function hashHere(
  path: string,
  size: number,
  options: { pieceLength: number; signal?: AbortSignal },
): Promise<Hashes> {
  const { pieceLength } = options;
  await using handle = await open(path, "r");
  const count = pieceCount(size, pieceLength);
  const pieceHashes = new Uint8Array(count * SHA1_BYTES);
  const whole = createSha1();
  const buffer = new Uint8Array(Math.min(pieceLength, Math.max(size, 1)));
  for (let index = 0; index < count; index++) {
    options.signal?.throwIfAborted();
    const position = index * pieceLength;
    const length = Math.min(pieceLength, size - position);
    const piece = buffer.subarray(0, length);
    for (let read = 0; read < length;) {
      const { bytesRead } = await handle.read(piece, read, length - read, position + read);
      if (bytesRead === 0) throw new Error(`File "${path}" shrank while it was hashed`);
      read += bytesRead;
    }
    pieceHashes.set(sha1(piece), index * SHA1_BYTES);
    whole.update(piece);
  }
  return { pieceHashes, sha1: toHex(whole.digest()) };
}

function hashOnTwoThreads(
  path: string,
  size: number,
  options: { pieceLength: number; signal?: AbortSignal },
): Promise<Hashes> {
  const { pieceLength, signal } = options;
  signal?.throwIfAborted();
  // Stops this thread's pass when the caller aborts or the worker fails.
  const local = new AbortController();
  const onAbort = () => local.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const worker = new Worker(new URL("./file_hash_worker.ts", import.meta.url), { type: "module" });
  const { promise: pieces, resolve, reject } = Promise.withResolvers<Uint8Array>();
  const stop = (error: unknown) => {
    worker.terminate();
    reject(error);
    local.abort(error);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    stop(new Error(`The hashing thread stopped: ${event.message}`));
  };
  worker.onmessage = (event: MessageEvent<FromHashWorker>) => {
    const message = event.data;
    if (message.type === "error") return stop(new Error(message.message));
    worker.terminate();
    resolve(message.pieceHashes);
  };
  const start: ToHashWorker = { path, size, pieceLength };
  worker.postMessage(start);
  const whole = hashWhole(path, size, local.signal).catch((error) => {
    worker.terminate();
    throw error;
  });
  return Promise.all([pieces, whole])
    .then(([pieceHashes, sha1]) => ({ pieceHashes, sha1 }))
    .finally(() => signal?.removeEventListener("abort", onAbort));
}

/**
 * The whole file's SHA-1, read here with blocking reads of `CHUNK_BYTES` (from the page cache a
 * thread-pool read costs more than the read itself), yielding to the event loop after each so
 * the peer goes on serving while it hashes.
 */
async function hashWhole(path: string, size: number, signal?: AbortSignal): Promise<string> {
  using file = await Deno.open(path, { read: true });
  const whole = createSha1();
  const buffer = new Uint8Array(CHUNK_BYTES);
  for (let read = 0; read < size;) {
    signal?.throwIfAborted();
    const n = file.readSync(buffer.subarray(0, Math.min(CHUNK_BYTES, size - read)));
    if (n === null || n === 0) throw new Error(`File "${path}" shrank while it was hashed`);
    whole.update(buffer.subarray(0, n));
    read += n;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return toHex(whole.digest());
}
