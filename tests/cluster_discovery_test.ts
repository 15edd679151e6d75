/**
 * Dynamic tracker discovery: a tracker whose list names only tracker 1 becomes known to every
 * tracker (its address is a replicated operation), and a peer learns the cluster's trackers at
 * login, keeps them in its state folder and fails over to trackers its tracker_info.txt never
 * named, also after a restart.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, PeerProcess } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";
import { waitUntil } from "../lib/common/test_util.ts";

Deno.test("trackers and peers that knew only tracker 1 reach each other once it is gone", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 3);
  const [p1, p2, p3] = cluster.ports.map((port) => `127.0.0.1:${port}`);
  // Trackers 1 and 2 list each other; tracker 3 lists only tracker 1 (and itself).
  const oneAndTwo = `${dir.path}/one_two.txt`;
  const oneAndThree = `${dir.path}/one_three.txt`;
  const onlyOne = `${dir.path}/only_one.txt`;
  await Deno.writeTextFile(oneAndTwo, `${p1}\n${p2}\n`);
  await Deno.writeTextFile(oneAndThree, `${p1}\n${p3}\n`);
  await Deno.writeTextFile(onlyOne, `${p1}\n`);
  await cluster.start(1, [], oneAndTwo);
  await cluster.start(2, [], oneAndTwo);
  await cluster.start(3, [], oneAndThree, 2);
  await cluster.converged(10_000);

  // A peer that knows only tracker 1 logs in there and learns the others.
  const stateDir = `${dir.path}/peer`;
  {
    await using peer = await PeerProcess.startLoggedIn(onlyOne, stateDir, { user: "ann" });
    await assertOk(peer, "create_group club");
    const known = JSON.parse(await Deno.readTextFile(`${stateDir}/known_trackers.json`));
    deepStrictEqual(Object.keys(known).sort(), [p1, p2, p3].sort());
    await cluster.converged(10_000);
    await cluster.kill(1);
    // Its session goes on on a tracker it learned of.
    const groups = await assertOk(peer, "list_groups");
    ok(JSON.stringify(groups).includes("club"), JSON.stringify(groups));
  }
  // Restarted with the same state folder, tracker 1 still dead: it logs in elsewhere.
  await using again = await PeerProcess.start(onlyOne, stateDir);
  await assertOk(again, "login ann pw");
  await assertOk(again, "create_group after");

  // Trackers 2 and 3 hold a link of their own: a user made on one logs in on the other.
  const two = await cluster.client(2);
  await two.request("create_user", { user: "bea", password: "pw" }, { requestId: "bea-1" });
  const three = await cluster.client(3);
  const login = await waitUntil("bea can log in on tracker 3", async () => {
    try {
      return await three.request("login", {
        user: "bea",
        password: "pw",
        peerId: three.peerId,
        port: 1,
      });
    } catch {
      return undefined;
    }
  }, { timeoutMs: 5000, intervalMs: 100 });
  equal(login.user, "bea");
  await two.close();
  await three.close();
});
