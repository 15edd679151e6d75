/**
 * Hostile bytes at the tracker port: at least 10,000 frames built to be invalid, each on its own
 * connection (a bad frame closes the connection it came on). Most are sent inside a real
 * encrypted channel, so they reach the frame parser; the rest break the Noise opening itself.
 * The tracker must still answer and its state digest must not change.
 */
import { encode } from "@msgpack/msgpack";
import { equal, ok } from "node:assert/strict";
import {
  closeQuietly,
  createTransportIdentity,
  encodeFrame,
  FrameType,
  MAGIC,
  NOISE_MAGIC,
  PROTOCOL_VERSION,
  type SecureConn,
  secureConnect,
} from "../lib/wire/mod.ts";
import { Cluster } from "./helpers/cluster.ts";
import { tempDir } from "./helpers/processes.ts";

const FRAMES = 10_000;
const CONCURRENCY = 16;
const IDENTITY = await createTransportIdentity();

function random(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const HELLO = concat(
  MAGIC,
  encodeFrame(FrameType.HELLO, encode({ version: PROTOCOL_VERSION, role: "peer", id: "fuzz" })),
);

function header(length: number, type: number): Uint8Array {
  const bytes = new Uint8Array(5);
  new DataView(bytes.buffer).setUint32(0, length);
  bytes[4] = type;
  return bytes;
}

/** Schema-invalid but well-formed MessagePack requests. */
const INVALID_REQUESTS: unknown[] = [
  { rid: 1, op: "create_user", args: { user: "bad name!", password: "x" } },
  { rid: 1, op: "create_user", args: { user: "a".repeat(65), password: "x" } },
  { rid: 1, op: "create_user", args: { user: "alice" } },
  { rid: 1, op: "shutdown", args: {} },
  { rid: -1, op: "status", args: {} },
  { rid: 1, op: "status", args: {}, extra: true },
  { rid: "1", op: "status", args: {} },
  { rid: 1, op: "login", args: { user: "a", password: "b", peerId: "p", port: 70000 } },
  { rid: 1, op: "create_group", args: { group: "../etc" }, token: "" },
  [1, "status", {}],
  "status",
  null,
];

/** The bytes of one invalid attempt, by kind, and whether they go inside the channel. */
function invalidAttempt(i: number): { bytes: Uint8Array; inClear?: boolean } {
  switch (i % 11) {
    case 0: // garbage instead of the magic
      return { bytes: random(1 + (i % 64)), inClear: true };
    case 1: // the Noise magic, then garbage instead of the first handshake message
      return { bytes: concat(NOISE_MAGIC, random(1 + (i % 64))), inClear: true };
    case 9: // the Noise magic and a first message of the wrong length
      return {
        bytes: concat(NOISE_MAGIC, Uint8Array.of(0, 33 + (i % 100)), random(33 + (i % 100))),
        inClear: true,
      };
    case 10: // the magic, then garbage instead of a Hello
      return { bytes: concat(MAGIC, random(1 + (i % 64))) };
    case 2: // Hello with an unsupported version
      return {
        bytes: concat(
          MAGIC,
          encodeFrame(FrameType.HELLO, encode({ version: 99, role: "peer", id: "x" })),
        ),
      };
    case 3: // oversized frame: only the header is sent
      return { bytes: concat(HELLO, header(0x7fffffff - (i % 1000), FrameType.REQUEST)) };
    case 4: // unknown frame type
      return { bytes: concat(HELLO, header(4, 0x40 + (i % 100)), random(4)) };
    case 5: // truncated frame: header promises more than is sent
      return { bytes: concat(HELLO, header(100, FrameType.REQUEST), random(i % 100)) };
    case 6: // not MessagePack at all
      return {
        bytes: concat(HELLO, encodeFrame(FrameType.REQUEST, Uint8Array.of(0xc1, ...random(8)))),
      };
    case 7: // random bytes as a request payload
      return { bytes: concat(HELLO, encodeFrame(FrameType.REQUEST, random(1 + (i % 200)))) };
    default: // well-formed MessagePack, schema-invalid
      return {
        bytes: concat(
          HELLO,
          encodeFrame(FrameType.REQUEST, encode(INVALID_REQUESTS[i % INVALID_REQUESTS.length])),
        ),
      };
  }
}

async function sendAndClose(
  port: number,
  attempt: { bytes: Uint8Array; inClear?: boolean },
): Promise<void> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  let conn: Deno.Conn | SecureConn = tcp;
  try {
    if (attempt.inClear) {
      await tcp.write(attempt.bytes);
    } else {
      conn = await secureConnect(tcp, IDENTITY);
      const writer = conn.writable.getWriter();
      await writer.write(attempt.bytes);
      writer.releaseLock();
    }
    await conn.closeWrite();
    // Read until the tracker closes: it must close every one of these connections.
    const deadline = AbortSignal.timeout(15_000);
    const reader = conn.readable.getReader();
    while (!deadline.aborted && !(await reader.read()).done) { /* drain */ }
    ok(!deadline.aborted, "the tracker kept a bad connection open");
  } catch (error) {
    // A reset from the tracker closing first is a close too (met on a read, a write or the shutdown).
    const closedFirst = error instanceof Deno.errors.ConnectionReset ||
      error instanceof Deno.errors.BrokenPipe || error instanceof Deno.errors.NotConnected;
    if (!closedFirst) throw error;
  } finally {
    closeQuietly(conn); // the end of its readable may have closed it already
  }
}

Deno.test("tracker survives 10,000 invalid frames with its state untouched", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const tracker = await cluster.start(1);
  const client = await cluster.client(1);
  await client.request("create_user", { user: "alice", password: "pw" });
  const before = await client.request("status", {});

  let next = 0;
  const worker = async () => {
    while (next < FRAMES) await sendAndClose(cluster.ports[0]!, invalidAttempt(next++));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const after = await client.request("status", {});
  equal(after.digest, before.digest);
  equal(after.ops, before.ops);
  const login = await client.request("login", {
    user: "alice",
    password: "pw",
    peerId: client.peerId,
    port: 1,
  });
  ok(login.token.length > 0);
  await client.close();
  const logLines = tracker.stderr.lines.length;
  ok(logLines < 200, `the tracker wrote ${logLines} log lines for ${FRAMES} bad frames`);
});
