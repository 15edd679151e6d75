/**
 * The plain local copy, the floor of any transfer on this machine: read the file in 512 KiB
 * pieces and write each at its offset into a new file of the full size (sparse until written),
 * as a download's `.part` is written; no network, no hashing. Durability as PeerShare's: no
 * fsync. A download writes pieces with positional writes (engine/piece_worker.ts, into the file
 * engine/part_file.ts opened and sized) and never calls fsync or fdatasync; the finished `.part`
 * is hard-linked to its name (engine/piece_store.ts `place`). So the copy only writes and closes,
 * and both leave the flush to the kernel. Prints the seconds it took as JSON.
 *
 * Usage: local_copy.ts <source> <destination>
 */
import { open } from "node:fs/promises";

const PIECE_BYTES = 512 * 1024;
const [source, destination] = Deno.args;
if (!source || !destination) throw new TypeError("Usage: local_copy.ts <source> <destination>");

const started = performance.now();
await using input = await open(source, "r");
const size = (await input.stat()).size;
{
  await using output = await open(destination, "wx+");
  await output.truncate(size);
  const buffer = new Uint8Array(PIECE_BYTES);
  for (let at = 0; at < size; at += PIECE_BYTES) {
    const length = Math.min(PIECE_BYTES, size - at);
    const { bytesRead } = await input.read(buffer, 0, length, at);
    if (bytesRead !== length) throw new Error(`Short read at ${at} of "${source}"`);
    for (let done = 0; done < length;) {
      done += (await output.write(buffer, done, length - done, at + done)).bytesWritten;
    }
  }
}
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
