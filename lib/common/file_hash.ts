/**
 * Hashing a whole file for sharing it: every piece's SHA-1, the whole file's SHA-1 and the file
 * id. Piece hashes are independent, the whole-file hash is one sequential pass: a file of
 * `PARALLEL_MIN_BYTES` or more is read and piece-hashed on a worker thread
 * (file_hash_worker.ts) while this thread hashes the whole file from the same buffers, so the
 * two SHA-1 passes run on two cores; a smaller one is hashed here, where a worker's start-up
 * would cost more than it saves. Either way at most `BUFFERS` pieces are in memory.
 */
import { open, stat } from "node:fs/promises";
import { toHex } from "./base64.ts";
import { createSha1 } from "./sha1.ts";
import { computeFileId, type FileHashes, pieceCount, sha1, SHA1_BYTES } from "./hash.ts";

/** Files from this size on are hashed on two threads. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
/** Piece buffers between the two threads (4 MiB of 512 KiB pieces). */
const BUFFERS = 8;

/** Messages to the hashing worker. */
export type ToHashWorker =
  | { type: "start"; path: string; size: number; pieceLength: number; buffers: ArrayBuffer[] }
  | { type: "buffer"; buffer: ArrayBuffer };

/** The hashing worker's messages: pieces in file order, then done (or an error). */
export type FromHashWorker =
  | { type: "piece"; index: number; length: number; digest: Uint8Array; buffer: ArrayBuffer }
  | { type: "done" }
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
  const worker = new Worker(new URL("./file_hash_worker.ts", import.meta.url), { type: "module" });
  const pieceHashes = new Uint8Array(pieceCount(size, pieceLength) * SHA1_BYTES);
  const whole = createSha1();
  const { promise, resolve, reject } = Promise.withResolvers<Hashes>();
  const stop = (error: unknown) => {
    worker.terminate();
    reject(error);
  };
  const onAbort = () => stop(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  worker.onerror = (event) => {
    event.preventDefault();
    stop(new Error(`The hashing thread stopped: ${event.message}`));
  };
  worker.onmessage = (event: MessageEvent<FromHashWorker>) => {
    const message = event.data;
    if (message.type === "error") return stop(new Error(message.message));
    if (message.type === "done") {
      worker.terminate();
      return resolve({ pieceHashes, sha1: toHex(whole.digest()) });
    }
    whole.update(new Uint8Array(message.buffer, 0, message.length));
    pieceHashes.set(message.digest, message.index * SHA1_BYTES);
    const back: ToHashWorker = { type: "buffer", buffer: message.buffer };
    worker.postMessage(back, [message.buffer]);
  };
  const buffers = Array.from({ length: BUFFERS }, () => new ArrayBuffer(pieceLength));
  const start: ToHashWorker = { type: "start", path, size, pieceLength, buffers };
  worker.postMessage(start, buffers);
  return promise.finally(() => signal?.removeEventListener("abort", onAbort));
}
