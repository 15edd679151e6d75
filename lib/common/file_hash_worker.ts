/**
 * The thread that reads a file and hashes its pieces for {@linkcode hashFile} (file_hash.ts),
 * while the caller's thread reads the same file and hashes it whole. It reads in order from the
 * start, one piece at a time, and answers once with every piece's SHA-1. It imports no node:
 * module, so it stays ~5 MiB smaller (sha1.ts).
 */
/// <reference lib="deno.worker" />
import { describeError } from "./errors.ts";
import { pieceCount, pieceSpan, sha1, SHA1_BYTES } from "./hash.ts";
import type { FromHashWorker, ToHashWorker } from "./file_hash.ts";

function hashPieces({ path, size, pieceLength }: ToHashWorker): Uint8Array<ArrayBuffer> {
  using file = Deno.openSync(path, { read: true });
  if (file.statSync().size !== size) {
    throw new Error(`File "${path}" changed size while it was hashed`);
  }
  const count = pieceCount(size, pieceLength);
  const pieceHashes = new Uint8Array(count * SHA1_BYTES);
  const buffer = new Uint8Array(pieceLength);
  for (let index = 0; index < count; index++) {
    const piece = buffer.subarray(0, pieceSpan(index, size, pieceLength).length);
    for (let read = 0; read < piece.length;) {
      const n = file.readSync(piece.subarray(read));
      if (n === null || n === 0) throw new Error(`File "${path}" shrank while it was hashed`);
      read += n;
    }
    pieceHashes.set(sha1(piece), index * SHA1_BYTES);
  }
  return pieceHashes;
}

self.onmessage = (event: MessageEvent<ToHashWorker>) => {
  let pieceHashes: Uint8Array<ArrayBuffer>;
  try {
    pieceHashes = hashPieces(event.data);
  } catch (error) {
    const answer: FromHashWorker = { type: "error", message: describeError(error) };
    return self.postMessage(answer);
  }
  const answer: FromHashWorker = { type: "done", pieceHashes };
  self.postMessage(answer, [pieceHashes.buffer]);
};
