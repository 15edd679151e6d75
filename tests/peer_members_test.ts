/**
 * list_members through real peer and tracker processes: who is listed (members only, the owner
 * marked) as people join and leave, in --json and in human mode.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, assertRefused, type JsonLine, PeerProcess } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";

/** The (user, role) pairs of a list_members reply. */
function roles(reply: JsonLine): string[][] {
  return (reply.members as { user: string; role: string }[]).map((m) => [m.user, m.role]);
}

Deno.test("list_members lists a group's members to its members, the owner marked", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const start = (user: string) =>
    PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/${user}`, { user });
  await using alice = await start("alice");
  await using bob = await start("bob");
  await using carol = await start("carol");
  const before = Date.now();
  await assertOk(alice, "create_group g1");
  const created = await assertOk(alice, "list_members g1");
  deepStrictEqual(roles(created), [["alice", "owner"]]);
  const since = (created.members as { since: number }[])[0]!.since;
  ok(since >= before - 1_000 && since <= Date.now() + 1_000, `since ${since}`);

  await assertOk(bob, "join_group g1");
  await assertRefused(bob, "list_members g1", "not_member"); // asked, not yet let in
  await assertOk(alice, "accept_request g1 bob");
  const afterAccept = await assertOk(bob, "list_members g1");
  deepStrictEqual(roles(afterAccept), [["alice", "owner"], ["bob", "member"]]);
  deepStrictEqual(Object.keys(afterAccept).sort(), ["command", "members", "ok"]);
  await assertRefused(carol, "list_members g1", "not_member");
  await assertRefused(carol, "list_members nope", "no_such_group");

  // The owner leaves: the member who stays is the owner now, and the leaver may not look.
  await assertOk(alice, "leave_group g1");
  deepStrictEqual(roles(await assertOk(bob, "list_members g1")), [["bob", "owner"]]);
  await assertRefused(alice, "list_members g1", "not_member");
  const help = await assertOk(bob, "help list_members");
  equal((help.commands as { usage: string }[])[0]?.usage, "list_members <group_id>");
  for (const peer of [alice, bob, carol]) equal((await peer.endInput()).code, 0, peer.transcript());
});

Deno.test("list_members without --json prints one member a line, the owner marked", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const human = { isJson: false };
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`, human);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`, human);
  await alice.expect("create_user alice pw", /created$/);
  await alice.expect("login alice pw", /^Logged in as alice\b/);
  await alice.expect("create_group team", /^Group "team" created$/);
  await bob.expect("create_user bob pw", /created$/);
  await bob.expect("login bob pw", /^Logged in as bob\b/);
  await bob.expect("join_group team", /^Asked to join/);
  await bob.expect("list_members team", /^Error: Not a member of group "team"$/);
  await alice.expect("accept_request team bob", /^Accepted bob/);
  deepStrictEqual(await bob.expect("list_members team", /^ {2}bob$/), [
    'Members of group "team":',
    "  alice (owner)",
    "  bob",
  ]);
  for (const peer of [alice, bob]) equal((await peer.endInput()).code, 0, peer.transcript());
});
