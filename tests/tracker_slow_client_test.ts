import { encode } from "@msgpack/msgpack";
import { ok } from "node:assert/strict";
import {
  closeQuietly,
  encodeFrame,
  FrameType,
  MAGIC,
  PROTOCOL_VERSION,
  secureConnect,
} from "../lib/wire/mod.ts";
import { testIdentity } from "../lib/peer/testing/identities.ts";
import { Cluster } from "./helpers/cluster.ts";
import { tempDir } from "./helpers/processes.ts";

Deno.test("tracker serves other clients while one stops reading its replies", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 1, ["--write-timeout-ms", "3000"]);
  await cluster.start(1);
  const me = await testIdentity();
  const fast = await cluster.client(1, me);
  await fast.request("create_user", { user: "alice", password: "pw" });
  const { token } = await fast.request("login", {
    user: "alice",
    password: "pw",
    peerId: fast.peerId,
    port: 1,
  });
  // Long group names make each list_groups reply ~15 KB, so unread replies fill the socket.
  await Promise.all(
    Array.from(
      { length: 120 },
      (_, i) => fast.request("create_group", { group: `${"g".repeat(60)}${1000 + i}` }, { token }),
    ),
  );

  // The same key as `fast` (a token is good only there), on a channel that stops reading.
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port: cluster.ports[0]! });
  const slow = await secureConnect(tcp, me.transport);
  const hello = encodeFrame(
    FrameType.HELLO,
    encode({ version: PROTOCOL_VERSION, role: "peer", id: "slow" }),
  );
  const requests = Array.from(
    { length: 4000 },
    (_, rid) => encodeFrame(FrameType.REQUEST, encode({ rid, op: "list_groups", args: {}, token })),
  );
  // Written in the background: once the tracker stops reading, these writes stall too.
  const flood = (async () => {
    const writer = slow.writable.getWriter();
    await writer.write(MAGIC);
    await writer.write(hello);
    for (const frame of requests) await writer.write(frame);
  })().catch((error) => error);

  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = performance.now();
  for (let i = 0; i < 50; i++) {
    const page = await fast.request("list_groups", {}, {
      token,
      signal: AbortSignal.timeout(5000),
    });
    ok(page.groups.length > 0);
  }
  const elapsed = performance.now() - started;
  ok(elapsed < 5000, `50 requests took ${elapsed.toFixed(0)} ms while another client stalled`);
  closeQuietly(slow);
  await flood;
  await fast.close();
});
