import { equal, rejects } from "node:assert/strict";
import { encodeMessage, encodeResult, shareEncoding } from "../lib/wire/codec.ts";
import { Cluster } from "../tests/helpers/cluster.ts";
import { LeanClient, responseHead } from "./lean_client.ts";

Deno.test("responseHead() reads rid and ok off the front of every response the tracker encodes", () => {
  for (const rid of [1, 127, 128, 255, 256, 65_535, 65_536, 0xffffffff]) {
    equal(responseHead(encodeResult(rid, { groups: [] }))?.rid, rid);
    equal(responseHead(encodeResult(rid, shareEncoding({ groups: ["g"] })))?.ok, true);
    const refused = encodeMessage({ rid, ok: false, code: "group_exists", message: "m" });
    equal(responseHead(refused)?.ok, false);
    equal(responseHead(refused)?.rid, rid);
  }
  equal(responseHead(encodeMessage({ ok: true, rid: 1 })), null, "other key order: not read");
  equal(responseHead(encodeMessage([1, 2])), null);
  equal(responseHead(new Uint8Array()), null);
});

Deno.test("LeanClient: reads and writes on a real tracker, and a refusal named in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peershare-lean-" });
  try {
    await using cluster = await Cluster.create(dir, 1);
    await cluster.start(1);
    const client = await LeanClient.open(cluster.ports[0]!, "lean-user");
    try {
      await client.quick("list_groups", {}, false);
      await client.quick("create_group", { group: "lean-made" }, true);
      await rejects(
        client.quick("create_group", { group: "lean-made" }, true),
        /^Error: group_exists: /,
      );
      await client.quick("list_groups", {}, false);
    } finally {
      client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
