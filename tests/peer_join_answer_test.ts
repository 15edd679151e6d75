/**
 * The answer to a join request reaches the user who asked (issue 10, item 12), with real
 * tracker and peer processes: the owner on one tracker, the requester on another, so the
 * answer travels by replication before the requester's tracker can tell it.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, type JsonLine, PeerProcess } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";
import { eventWith, waitUntil } from "./helpers/swarm.ts";

/** The join watch asks every 5 s; replication adds little; a loaded machine adds the rest. */
const ANSWER_DEADLINE_MS = 20_000;

Deno.test("a rejected requester sees group_rejected; asking again and being let in, group_joined", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const ownerTrackers = await cluster.writeFirst(1);
  const requesterTrackers = `${dir.path}/second.txt`;
  await Deno.writeTextFile(requesterTrackers, `127.0.0.1:${cluster.ports[1]}\n`);
  await using alice = await PeerProcess.startLoggedIn(ownerTrackers, `${dir.path}/alice`, {
    user: "alice",
  });
  await assertOk(alice, "create_group g");
  await using bob = await PeerProcess.startLoggedIn(requesterTrackers, `${dir.path}/bob`, {
    user: "bob",
  });
  await waitUntil("tracker 2 holds the group", async () => {
    const { groups } = await bob.command("list_groups");
    return (groups as JsonLine[]).some((group) => group.id === "g");
  });

  await assertOk(bob, "join_group g");
  await waitUntilRequested(alice, "bob");
  await assertOk(alice, "reject_request g bob");
  const rejected = await eventWith(bob, "group_rejected", { group: "g" }, ANSWER_DEADLINE_MS);
  deepStrictEqual(rejected, { event: "group_rejected", group: "g" });
  ok(!bob.events.some((event) => event.event === "group_joined"), bob.transcript());

  // Asking again forgets the rejection: the new request waits, then the owner lets bob in.
  await assertOk(bob, "join_group g");
  await waitUntilRequested(alice, "bob");
  await assertOk(alice, "accept_request g bob");
  await eventWith(bob, "group_joined", { group: "g" }, ANSWER_DEADLINE_MS);
  const answers = bob.events.filter((event) => /^group_(joined|rejected)$/.test(`${event.event}`));
  deepStrictEqual(answers.map((event) => event.event), ["group_rejected", "group_joined"]);
});

async function waitUntilRequested(owner: PeerProcess, user: string): Promise<void> {
  await waitUntil(`the owner sees ${user}'s request`, async () => {
    const { requests } = await owner.command("list_requests g");
    return (requests as string[]).includes(user);
  });
}
