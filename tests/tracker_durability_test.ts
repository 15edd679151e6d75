import { deepStrictEqual, ok } from "node:assert/strict";
import { allGroups, Cluster, type TestClient } from "./helpers/cluster.ts";
import { tempDir } from "./helpers/processes.ts";

async function loginAs(client: TestClient, user: string, create: boolean): Promise<string> {
  if (create) await client.request("create_user", { user, password: "pw" });
  const { token } = await client.request("login", {
    user,
    password: "pw",
    peerId: client.peerId,
    port: 1,
  });
  return token;
}

Deno.test("tracker keeps every acknowledged write after kill -9 mid-stream and restart", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const client = await cluster.client(1);
  const token = await loginAs(client, "alice", true);
  const acknowledged: string[] = [];
  const writer = async (w: number) => {
    for (let i = 0; i < 5000; i++) {
      const group = `g${w}-${i}`;
      try {
        await client.request("create_group", { group }, { token, requestId: group });
      } catch {
        return; // the tracker was killed: this write may or may not have committed
      }
      acknowledged.push(group);
    }
  };
  const writers = [0, 1, 2, 3, 4, 5, 6, 7].map(writer);
  await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 700));
  await cluster.kill(1);
  await Promise.all(writers);
  await client.close();
  ok(acknowledged.length > 20, `only ${acknowledged.length} writes were acknowledged`);

  await cluster.start(1);
  const again = await cluster.client(1);
  const groups = await allGroups(again, await loginAs(again, "alice", false));
  const lost = acknowledged.filter((g) => !groups.has(g));
  deepStrictEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
  await again.close();
});

Deno.test("tracker state digest is the same after a clean restart", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const client = await cluster.client(1);
  const token = await loginAs(client, "bob", true);
  await client.request("create_group", { group: "g1" }, { token, requestId: "x1" });
  const before = await client.request("status", {});
  await client.close();
  await cluster.kill(1, "SIGTERM");
  await cluster.start(1);
  const again = await cluster.client(1);
  const after = await again.request("status", {});
  deepStrictEqual(after, before);
  await again.close();
});
