/**
 * Dynamic tracker discovery: a tracker whose list names only tracker 1 becomes known to every
 * tracker (its address is a replicated operation), and a peer learns the cluster's trackers at
 * login, keeps them in its state folder and fails over to trackers its tracker_info.txt never
 * named, also after a restart.
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
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

Deno.test("a tracker removed for good is no longer waited for: the others trim their logs again", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 3, ["--trim-interval-ms", "200"]);
  for (const n of [1, 2, 3]) await cluster.start(n);
  await cluster.converged(10_000);
  const gone = (await cluster.status(3)).trackerId;
  await cluster.kill(3);
  const client = await cluster.client(1);
  for (let i = 0; i < 20; i++) {
    await client.request("create_user", { user: `u${i}`, password: "pw" }, { requestId: `u-${i}` });
  }
  await client.close();
  await cluster.converged(10_000);
  // Tracker 3 is only down so far, and the logs hold the 20 operations; what follows shows they go
  // once it is removed.
  // An id the cluster does not know is refused at start, in one line.
  await cluster.kill(2);
  await rejects(
    cluster.start(2, ["--remove-tracker", "nope"]),
    /tracker: No tracker "nope" in the cluster \(it knows /,
  );
  await cluster.start(2, ["--remove-tracker", gone]);
  // Both trim everything every remaining tracker holds, and stop handing tracker 3 out.
  await waitUntil("the logs are trimmed", async () => {
    const [one, two] = [await cluster.status(1), await cluster.status(2)];
    return one.logged <= 2 && two.logged <= 2 ? true : undefined;
  }, { timeoutMs: 10_000, intervalMs: 100 });
  const peer = await cluster.client(2);
  await peer.request("create_user", { user: "eve", password: "pw" });
  const { trackers } = await peer.request("login", {
    user: "eve",
    password: "pw",
    peerId: peer.peerId,
    port: 1,
  });
  deepStrictEqual(
    trackers?.map((t) => t.address).sort(),
    cluster.ports.slice(0, 2).map((port) => `127.0.0.1:${port}`).sort(),
  );
  await peer.close();
  // Tracker 3 coming back with its old data folder is refused, and says why.
  const ops = (await cluster.status(1)).ops;
  const back = await cluster.start(3);
  await back.stderr.waitFor((line) =>
    line.includes("is down: The other tracker refused the link") &&
    line.includes("was removed from the cluster and may not replicate")
  );
  equal((await cluster.status(1)).ops, ops, "nothing came in from it");
});
