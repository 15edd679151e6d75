/**
 * The ideal pipeline's downloader: N loopback connections with several requests in flight
 * each, SHA-1 of every 512 KiB piece against the known hash, positional writes, one piece
 * buffer per connection used again for every piece (fresh memory costs page faults: on one VM a
 * first touch of 1 GiB took 3 s, a second 0.05). Prints the seconds it took as JSON. With
 * `noise`, each connection runs PeerShare's Noise handshake and cipher (as ideal_seeder.ts does).
 *
 * Usage: ideal_download.ts plain|noise <hashes file> <size> <output> <port>...
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { secureConnect } from "../lib/wire/secure_conn.ts";
import { createTransportIdentity } from "../lib/wire/transport_identity.ts";

const PIECE_BYTES = 512 * 1024;
const IN_FLIGHT = 8;
const [mode, hashesPath, sizeText, output, ...ports] = Deno.args;
if (mode !== "plain" && mode !== "noise") {
  throw new TypeError(
    "Usage: ideal_download.ts plain|noise <hashes file> <size> <output> <port>...",
  );
}
const identity = await createTransportIdentity();
const hashes = await Deno.readFile(hashesPath!);
const size = Number(sizeText);
const pieces = Math.ceil(size / PIECE_BYTES);
const out = await open(output!, "w+");
await out.truncate(size);
let next = 0;
const started = performance.now();

async function link(port: number): Promise<void> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  tcp.setNoDelay(true);
  const conn = mode === "noise" ? await secureConnect(tcp, identity) : tcp;
  const reader = conn.readable.getReader({ mode: "byob" });
  const writer = conn.writable.getWriter();
  const pending: number[] = [];
  // Each piece is hashed and written before the next is read into the same memory.
  let buffer = new ArrayBuffer(4 + PIECE_BYTES);
  const ask = async () => {
    const index = next++;
    if (index >= pieces) return;
    pending.push(index);
    const request = new Uint8Array(4);
    new DataView(request.buffer).setUint32(0, index);
    await writer.write(request);
  };
  for (let i = 0; i < IN_FLIGHT; i++) await ask();
  while (pending.length > 0) {
    const index = pending.shift()!;
    const length = Math.min(PIECE_BYTES, size - index * PIECE_BYTES);
    const { value } = await reader.read(new Uint8Array(buffer, 0, 4 + length), {
      min: 4 + length,
    });
    if (!value || value.length < 4 + length) throw new Error("Short read");
    buffer = value.buffer as ArrayBuffer; // a BYOB read moves the buffer it was given
    const data = value.subarray(4);
    const digest = createHash("sha1").update(data).digest();
    if (!digest.equals(hashes.subarray(index * 20, index * 20 + 20))) {
      throw new Error(`Piece ${index} failed its hash`);
    }
    await ask();
    await out.write(data, 0, length, index * PIECE_BYTES);
  }
  conn.close();
}

await Promise.all(ports.map((p) => link(Number(p))));
await out.close();
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
