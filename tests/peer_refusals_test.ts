/**
 * Every refusal of issue 3 through real peer processes: one JSON line with a stable code, and
 * the shell goes on.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, assertRefused, PeerProcess } from "./helpers/peer.ts";
import { freePort, tempDir } from "./helpers/processes.ts";

/** Every command that needs a session, with well-formed arguments. */
const SESSION_COMMANDS = [
  "logout",
  "create_group g1",
  "join_group g1",
  "leave_group g1",
  "list_requests g1",
  "accept_request g1 bob",
  "reject_request g1 bob",
  "list_groups",
  "list_files g1",
];

Deno.test("peer refuses every command but create_user and login before login: not_logged_in", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  for (const line of SESSION_COMMANDS) await assertRefused(alice, line, "not_logged_in");
  await assertOk(alice, "create_user alice pw");
  await assertOk(alice, "login alice pw");
  await assertOk(alice, "logout");
  for (const line of SESSION_COMMANDS) await assertRefused(alice, line, "not_logged_in");
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("tracker refusals reach the peer with their codes: membership, ownership, requests, names", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`);
  await using carol = await PeerProcess.start(cluster.infoPath, `${dir.path}/carol`);
  for (const [peer, user] of [[alice, "alice"], [bob, "bob"], [carol, "carol"]] as const) {
    await assertOk(peer, `create_user ${user} pw-${user}`);
  }
  // Accounts. Three failed logins in all: under the default throttle of 5.
  await assertRefused(carol, "create_user alice other", "user_exists");
  await assertRefused(carol, "login alice pw-carol", "wrong_password");
  await assertRefused(carol, "login nobody pw", "no_such_user");
  await assertRefused(carol, "login ALICE pw-alice", "no_such_user");
  for (const [peer, user] of [[alice, "alice"], [bob, "bob"], [carol, "carol"]] as const) {
    await assertOk(peer, `login ${user} pw-${user}`);
  }
  await assertRefused(alice, "login alice pw-alice", "already_logged_in");
  await assertRefused(alice, "login bob pw-bob", "already_logged_in");
  await assertRefused(alice, "create_user alice x", "user_exists");
  await assertOk(alice, "list_groups"); // still logged in as alice
  await assertOk(alice, "create_group g1");

  // Membership and ownership.
  await assertRefused(bob, "create_group g1", "group_exists");
  await assertRefused(bob, "list_files g1", "not_member");
  await assertRefused(bob, "leave_group g1", "not_member");
  await assertRefused(bob, "list_requests g1", "not_owner");
  await assertRefused(bob, "accept_request g1 carol", "not_owner");
  await assertRefused(bob, "reject_request g1 carol", "not_owner");

  // Requests.
  await assertRefused(alice, "accept_request g1 bob", "no_such_request");
  await assertRefused(alice, "reject_request g1 bob", "no_such_request");
  await assertRefused(alice, "accept_request g1 alice", "no_such_request");
  await assertRefused(alice, "join_group g1", "already_member");
  await assertOk(bob, "join_group g1");
  await assertRefused(bob, "join_group g1", "request_pending");
  await assertRefused(bob, "list_files g1", "not_member"); // pending is not a member
  await assertRefused(alice, "accept_request g1 carol", "no_such_request");
  await assertOk(alice, "accept_request g1 bob");
  await assertRefused(alice, "accept_request g1 bob", "no_such_request");
  await assertRefused(alice, "reject_request g1 bob", "no_such_request");
  await assertRefused(bob, "join_group g1", "already_member");
  // A member who is not the owner still cannot act as one.
  await assertRefused(bob, "list_requests g1", "not_owner");
  await assertOk(carol, "join_group g1");
  await assertRefused(bob, "accept_request g1 carol", "not_owner");
  await assertOk(alice, "reject_request g1 carol");
  await assertRefused(alice, "reject_request g1 carol", "no_such_request");
  await assertRefused(carol, "list_files g1", "not_member");

  // A group that does not exist.
  for (
    const line of [
      "join_group nope",
      "leave_group nope",
      "list_requests nope",
      "accept_request nope bob",
      "reject_request nope bob",
      "list_files nope",
    ]
  ) {
    await assertRefused(bob, line, "no_such_group");
  }

  // None of this changed anything.
  deepStrictEqual((await carol.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 2 },
  ]);
  for (const peer of [alice, bob, carol]) {
    equal((await peer.endInput()).code, 0, peer.transcript());
    equal(peer.child.stderr.text(), "", "no log line for a refusal");
  }
});

/** Values that are not ids: too long, a space and a `!`, empty, non-ASCII, a slash. */
const BAD_IDS = ["x".repeat(65), '"bad name!"', '""', "grüppe", "a/b", "'a b'", "..\\x"];

/** Every command that takes an id, with `$` where a bad id goes. */
const ID_COMMANDS = [
  "create_user $ pw",
  "login $ pw",
  "create_group $",
  "join_group $",
  "leave_group $",
  "list_requests $",
  "accept_request $ bob",
  "accept_request g1 $",
  "reject_request $ bob",
  "reject_request g1 $",
  "list_files $",
];

Deno.test("peer refuses invalid ids itself with bad_arguments, before any tracker is asked", async () => {
  await using dir = await tempDir();
  // Nobody listens there: an id that reached for the tracker would get tracker_unreachable.
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
  await using peer = await PeerProcess.start(info, `${dir.path}/peer`);
  for (const template of ID_COMMANDS) {
    for (const id of BAD_IDS) await assertRefused(peer, template.replace("$", id), "bad_arguments");
  }
  // Passwords: empty or over 256 characters.
  await assertRefused(peer, 'login alice ""', "bad_arguments");
  await assertRefused(peer, `create_user alice ${"p".repeat(257)}`, "bad_arguments");
  // A 64-character id is fine: it goes to the tracker (which is not there).
  await assertRefused(peer, `create_user ${"u".repeat(64)} pw`, "tracker_unreachable");
  equal((await peer.endInput()).code, 0, peer.transcript());
});

Deno.test("peer refuses unknown commands and wrong argument counts, and goes on", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  for (const line of ["bogus", "LIST_GROUPS", "list-groups g1", "upload_everything now", "é"]) {
    await assertRefused(alice, line, "unknown_command");
  }
  await assertRefused(alice, "help bogus", "unknown_command");
  for (
    const line of [
      "create_user",
      "create_user alice",
      "login alice",
      "login a b c",
      "logout now",
      "create_group",
      "create_group a b",
      "join_group",
      "leave_group a b",
      "list_requests",
      "accept_request g1",
      "accept_request g1 bob carol",
      "reject_request",
      "list_groups all",
      "list_files",
      "quit now",
      "help a b",
      'create_group "g1',
    ]
  ) {
    await assertRefused(alice, line, "bad_arguments");
  }
  // Hostile lines: a huge one, control characters, a lone quote. Refused, never a crash.
  await assertRefused(alice, "a".repeat(100_000), "unknown_command");
  await assertRefused(alice, "create_group \u0000\u0007\u001b[2J", "bad_arguments");
  await assertRefused(alice, `create_group ${"g".repeat(100_000)}`, "bad_arguments");
  await assertRefused(alice, "'", "bad_arguments");
  // Blank lines print nothing: the next line's answer is the next one out.
  await alice.write("");
  await alice.write("   \t ");
  // A CRLF line (a script saved on Windows) is the same command.
  deepStrictEqual(await alice.command("create_group g1\r"), { ok: true, command: "create_group" });
  // Still logged in and serving after all that.
  deepStrictEqual((await alice.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 1 },
  ]);
  ok((await assertOk(alice, "help list_files")).commands);
  equal((await alice.endInput()).code, 0, alice.transcript());
  equal(alice.child.stderr.text(), "");
});
