/**
 * The ideal pipeline's seeder: serves 512 KiB pieces of one file over TCP, nothing else. A
 * request is a u32 piece index; the answer is the u32 index followed by the piece, read with a
 * positional read straight into the send buffer, one per connection used again for every piece
 * (as PeerShare's seeder does). No handshake, no tickets, no limits: the floor PeerShare's seeder
 * is measured against. With `noise`, each connection first runs PeerShare's Noise handshake and
 * everything after it goes through the same cipher (lib/wire/secure_conn.ts), so the floor pays
 * what encryption costs and nothing else.
 *
 * Usage: ideal_seeder.ts plain|noise <file> <port>
 */
import { open } from "node:fs/promises";
import { secureAccept } from "../lib/wire/secure_conn.ts";
import { createTransportIdentity } from "../lib/wire/transport_identity.ts";

const PIECE_BYTES = 512 * 1024;
const [mode, path, portText] = Deno.args;
if (!path || !portText || (mode !== "plain" && mode !== "noise")) {
  throw new TypeError("Usage: ideal_seeder.ts plain|noise <file> <port>");
}
const identity = await createTransportIdentity();
const file = await open(path, "r");
const size = (await file.stat()).size;
const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(portText) });
console.log("ready");

async function serve(tcp: Deno.TcpConn): Promise<void> {
  tcp.setNoDelay(true);
  const conn = mode === "noise" ? await secureAccept(tcp, identity) : tcp;
  const reader = conn.readable.getReader({ mode: "byob" });
  const writer = conn.writable.getWriter();
  // Each piece is written (the write resolved) before the next is read into the same buffer.
  let frame = new Uint8Array(4 + PIECE_BYTES);
  try {
    while (true) {
      const { value } = await reader.read(new Uint8Array(4), { min: 4 });
      if (!value || value.length < 4) return;
      const index = new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
      const length = Math.min(PIECE_BYTES, size - index * PIECE_BYTES);
      if (frame.length !== 4 + length) frame = new Uint8Array(4 + length); // the last piece
      new DataView(frame.buffer).setUint32(0, index);
      await file.read(frame, 4, length, index * PIECE_BYTES);
      await writer.write(frame);
    }
  } catch (error) {
    // The downloader closing its end finishes this connection.
    if (!(error instanceof Error)) throw error;
  } finally {
    conn.close();
  }
}

for await (const conn of listener) serve(conn);
