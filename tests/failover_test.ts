/**
 * Client failover: a peer uses one tracker at a time and moves to the next when it stops
 * answering, with the same session; downloads and seeding go on.
 */
import { createHash, randomBytes } from "node:crypto";
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, PeerProcess } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";

const FAST = ["--request-timeout-ms", "2000", "--connect-timeout-ms", "500"];

Deno.test("peer moves to the next tracker with the same session when its tracker dies", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`, {
    extraArgs: FAST,
  });
  await assertOk(alice, "create_user alice pw");
  const login = await alice.command("login alice pw");
  equal(login.tracker, `127.0.0.1:${cluster.ports[0]}`);
  await assertOk(alice, "create_group g1");
  await cluster.converged();
  await cluster.kill(1);
  // No re-login: the next command goes to tracker 2 and succeeds.
  const groups = await alice.command("list_groups");
  deepStrictEqual(groups.groups, [{ id: "g1", owner: "alice", members: 1 }]);
  const switched = await alice.event("tracker_switched");
  deepStrictEqual([switched.from, switched.to], [
    `127.0.0.1:${cluster.ports[0]}`,
    `127.0.0.1:${cluster.ports[1]}`,
  ]);
  await assertOk(alice, "create_group g2");
  // Tracker 1 returns and catches up with what was written on tracker 2.
  await cluster.start(1);
  await cluster.converged();
});

Deno.test("with no tracker up, commands fail clearly and the peer reconnects on its own", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
    extraArgs: FAST,
  });
  await cluster.converged();
  await cluster.kill(1);
  await cluster.kill(2);
  const refused = await alice.command("list_groups");
  equal(refused.ok, false);
  ok(["tracker_unreachable", "timeout", "connection_lost"].includes(String(refused.code)));
  await cluster.start(2);
  await alice.event("tracker_connected", 20_000);
  await assertOk(alice, "create_group after");
});

Deno.test("a download goes on when the tracker both peers use is killed", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const source = `${dir.path}/big.bin`;
  const bytes = randomBytes(24 * 1024 * 1024);
  await Deno.writeFile(source, bytes);
  const limit = ["--download-limit", "8MiB/s"];
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`, {
    extraArgs: FAST,
  });
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`, {
    extraArgs: [...FAST, ...limit],
  });
  await assertOk(alice, "create_user alice pw");
  await assertOk(alice, "login alice pw");
  await assertOk(alice, "create_group g");
  await assertOk(bob, "create_user bob pw");
  await assertOk(bob, "login bob pw");
  await assertOk(bob, "join_group g");
  await assertOk(alice, "accept_request g bob");
  await assertOk(alice, `upload_file ${source} g`);
  await cluster.converged();
  await assertOk(bob, `download_file g big.bin ${dir.path}/copy.bin`);
  await new Promise((resolve) => setTimeout(resolve, 700));
  await cluster.kill(1);
  const finished = await bob.event("download_finished", 30_000);
  equal(finished.bytes, bytes.length);
  const copy = await Deno.readFile(`${dir.path}/copy.bin`);
  equal(
    createHash("sha1").update(copy).digest("hex"),
    createHash("sha1").update(bytes).digest("hex"),
  );
  // Both peers still have a working session, now on tracker 2.
  await assertOk(bob, "list_files g");
  await assertOk(alice, "show_shares");
});
