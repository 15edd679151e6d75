/**
 * lib/common/file_hash.ts's `hashFile` alone, in a process of its own: every 512 KiB piece's
 * SHA-1 and the whole file's, as upload_file computes them (on two threads for a large file),
 * without the peer's command, tracker or registration. Prints the seconds as JSON.
 *
 * Usage: hash_file.ts <file>
 */
import { hashFile } from "../lib/common/file_hash.ts";
import { PIECE_SIZE_BYTES } from "../lib/common/hash.ts";

const [path] = Deno.args;
if (!path) throw new TypeError("Usage: hash_file.ts <file>");
const started = performance.now();
await hashFile(path, { pieceLength: PIECE_SIZE_BYTES });
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
