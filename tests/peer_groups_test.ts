/**
 * The account and group flow of issue 3 as a new user types it: real tracker processes, real
 * peer processes driven through their stdin, in --json and in human mode.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, assertRefused, type JsonLine, PeerProcess, STACK_LINE } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";

/** Check that every stdout line is JSON and that there is one command line per command sent. */
function assertOneJsonLinePerCommand(peer: PeerProcess): void {
  const parsed: JsonLine[] = peer.lines.map((line) => JSON.parse(line));
  const results = parsed.filter((json) => "command" in json);
  equal(results.length, peer.commandsSent, peer.transcript());
  ok(parsed.every((json) => "command" in json || "event" in json), peer.transcript());
}

Deno.test("peer --json runs the whole account and group flow, one JSON line per command", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const tracker = `127.0.0.1:${cluster.ports[0]}`;
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`);
  await using carol = await PeerProcess.start(cluster.infoPath, `${dir.path}/carol`);

  deepStrictEqual(await alice.command("create_user alice pw1"), {
    ok: true,
    command: "create_user",
  });
  deepStrictEqual(loginFields(await alice.command("login alice pw1")), {
    ok: true,
    command: "login",
    user: "alice",
    tracker,
  });
  deepStrictEqual(await alice.command("create_group g1"), { ok: true, command: "create_group" });
  deepStrictEqual(await alice.command("list_groups"), {
    ok: true,
    command: "list_groups",
    groups: [{ id: "g1", owner: "alice", members: 1 }],
  });

  await assertOk(bob, "create_user bob 'pass word'");
  await assertOk(bob, 'login bob "pass word"');
  deepStrictEqual(await bob.command("join_group g1"), { ok: true, command: "join_group" });
  deepStrictEqual(await alice.command("list_requests g1"), {
    ok: true,
    command: "list_requests",
    requests: ["bob"],
  });
  deepStrictEqual(await alice.command("accept_request g1 bob"), {
    ok: true,
    command: "accept_request",
  });
  deepStrictEqual(await alice.command("list_requests g1"), {
    ok: true,
    command: "list_requests",
    requests: [],
  });
  deepStrictEqual(await bob.command("list_groups"), {
    ok: true,
    command: "list_groups",
    groups: [{ id: "g1", owner: "alice", members: 2 }],
  });
  deepStrictEqual(await bob.command("list_files g1"), {
    ok: true,
    command: "list_files",
    files: [],
  });
  deepStrictEqual(await bob.command("leave_group g1"), {
    ok: true,
    command: "leave_group",
    removed: false,
  });
  deepStrictEqual((await alice.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 1 },
  ]);

  await assertOk(carol, "create_user carol pw3");
  await assertOk(carol, "login carol pw3");
  await assertOk(carol, "join_group g1");
  deepStrictEqual((await alice.command("list_requests g1")).requests, ["carol"]);
  deepStrictEqual(await alice.command("reject_request g1 carol"), {
    ok: true,
    command: "reject_request",
  });
  deepStrictEqual((await alice.command("list_requests g1")).requests, []);
  await assertRefused(carol, "list_files g1", "not_member");
  deepStrictEqual((await carol.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 1 },
  ]);

  deepStrictEqual(await alice.command("logout"), { ok: true, command: "logout" });
  await assertRefused(alice, "list_groups", "not_logged_in");

  for (const peer of [alice, bob, carol]) {
    const status = await peer.endInput();
    equal(status.code, 0, peer.transcript());
    equal(peer.child.stderr.text(), "", "nothing on stderr");
    assertOneJsonLinePerCommand(peer);
  }
  // bob and carol were still logged in at the end of their input: they log out on their way.
  for (const peer of [bob, carol]) equal(peer.events.at(-1)?.event, "logged_out");
});

Deno.test("peer without --json prints the same flow as readable lines, no JSON, no stack trace", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const human = { isJson: false };
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`, human);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`, human);
  await using carol = await PeerProcess.start(cluster.infoPath, `${dir.path}/carol`, human);

  await alice.expect("create_user alice pw1", /^User "alice" created$/);
  await alice.expect("login alice nope", /^Error: Wrong password for user "alice"$/);
  await alice.expect("login alice pw1", /^Logged in as alice\b/);
  await alice.expect("create_group g1", /^Group "g1" created$/);
  deepStrictEqual(await alice.expect("list_groups", /^g1\s+alice\s+1$/), [
    "GROUP  OWNER  MEMBERS",
    "g1     alice  1",
  ]);
  await bob.expect("create_user bob pw2", /^User "bob" created$/);
  await bob.expect("login bob pw2", /^Logged in as bob\b/);
  await bob.expect("join_group g1", /^Asked to join group "g1"$/);
  deepStrictEqual(await alice.expect("list_requests g1", /^\s+bob$/), [
    'Requests to join group "g1":',
    "  bob",
  ]);
  await alice.expect("accept_request g1 bob", /^Accepted bob into group "g1"$/);
  await alice.expect("list_groups", /^g1\s+alice\s+2$/);
  await bob.expect("list_files g1", /^No files shared in group "g1"$/);
  await bob.expect("leave_group g1", /^Left group "g1"$/);
  await carol.expect("create_user carol pw3", /created/);
  await carol.expect("login carol pw3", /^Logged in as carol\b/);
  await carol.expect("join_group g1", /^Asked to join/);
  await alice.expect("reject_request g1 carol", /^Rejected the request of carol .*"g1"$/);
  await alice.expect("list_requests g1", /^No pending requests to join group "g1"$/);
  await carol.expect("list_files g1", /^Error: Not a member of group "g1"$/);
  await alice.expect("create_group g1", /^Error: .*already exists/);
  await alice.expect("bogus", /^Error: Unknown command "bogus"/);
  await alice.expect("accept_request g1", /^Error: accept_request takes 2 arguments, got 1/);
  await alice.expect("logout", /^Logged out alice$/);
  await alice.expect("list_groups", /^Error: Not logged in/);

  for (const peer of [alice, bob, carol]) {
    equal((await peer.endInput()).code, 0, peer.transcript());
    const stdout = peer.child.stdout.text();
    ok(!peer.lines.some((line) => /^\s*[{[]/.test(line)), `JSON in human output:\n${stdout}`);
    ok(!STACK_LINE.test(stdout + "\n" + peer.child.stderr.text()), peer.transcript());
  }
});

Deno.test("leave_group passes ownership to the longest-standing member; the last one removes the group", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  const peers = new Map<string, PeerProcess>();
  try {
    for (const user of ["alice", "dave", "bob", "erin"]) {
      const peer = await PeerProcess.start(cluster.infoPath, `${dir.path}/${user}`);
      peers.set(user, peer);
      await assertOk(peer, `create_user ${user} pw`);
      await assertOk(peer, `login ${user} pw`);
    }
    const [alice, dave, bob, erin] = ["alice", "dave", "bob", "erin"].map((user) =>
      peers.get(user)!
    ) as [PeerProcess, PeerProcess, PeerProcess, PeerProcess];
    await assertOk(alice, "create_group g1");
    await assertOk(alice, "create_group solo");
    // bob asks first, but dave is let in first: dave is the longest-standing member (member
    // since acceptance), though bob asked earlier and "bob" sorts first.
    await assertOk(bob, "join_group g1");
    await assertOk(dave, "join_group g1");
    await assertOk(alice, "accept_request g1 dave");
    await assertOk(alice, "accept_request g1 bob");
    await assertOk(erin, "join_group g1"); // pending when the owner leaves

    deepStrictEqual(await alice.command("leave_group g1"), {
      ok: true,
      command: "leave_group",
      removed: false,
      newOwner: "dave",
    });
    deepStrictEqual((await bob.command("list_groups")).groups, [
      { id: "g1", owner: "dave", members: 2 },
      { id: "solo", owner: "alice", members: 1 },
    ]);
    // The new owner can do what only an owner can, pending requests included; the old one is
    // not even a member.
    deepStrictEqual((await dave.command("list_requests g1")).requests, ["erin"]);
    await assertRefused(alice, "list_requests g1", "not_owner");
    await assertRefused(alice, "list_files g1", "not_member");
    await assertRefused(bob, "list_requests g1", "not_owner");

    // A member who is not the owner leaves: the owner stays.
    await assertOk(alice, "join_group g1");
    await assertOk(dave, "accept_request g1 alice");
    deepStrictEqual((await dave.command("list_requests g1")).requests, ["erin"]);
    deepStrictEqual(await alice.command("leave_group g1"), {
      ok: true,
      command: "leave_group",
      removed: false,
    });
    deepStrictEqual(await dave.command("leave_group g1"), {
      ok: true,
      command: "leave_group",
      removed: false,
      newOwner: "bob",
    });
    deepStrictEqual((await bob.command("list_groups")).groups, [
      { id: "g1", owner: "bob", members: 1 },
      { id: "solo", owner: "alice", members: 1 },
    ]);
    deepStrictEqual(await bob.command("leave_group g1"), {
      ok: true,
      command: "leave_group",
      removed: true,
    });
    deepStrictEqual((await bob.command("list_groups")).groups, [
      { id: "solo", owner: "alice", members: 1 },
    ]);
    await assertRefused(bob, "list_files g1", "no_such_group");
    await assertRefused(dave, "join_group g1", "no_such_group");
    deepStrictEqual((await alice.command("leave_group solo")).removed, true);
    deepStrictEqual((await alice.command("list_groups")).groups, []);
    // The name is free again: a new group of that name starts afresh, without the old one's
    // members or pending requests.
    await assertOk(dave, "create_group g1");
    deepStrictEqual((await bob.command("list_groups")).groups, [
      { id: "g1", owner: "dave", members: 1 },
    ]);
    deepStrictEqual((await dave.command("list_requests g1")).requests, []);
    await assertRefused(bob, "list_files g1", "not_member");
    await assertOk(erin, "join_group g1");
    deepStrictEqual((await dave.command("list_requests g1")).requests, ["erin"]);
  } finally {
    for (const peer of peers.values()) await peer[Symbol.asyncDispose]();
  }
});

Deno.test("peer commands acknowledged before kill -9 of the tracker are there after its restart", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`);
  await assertOk(alice, "create_user alice pw");
  await assertOk(alice, "login alice pw");
  await assertOk(bob, "create_user bob pw");
  await assertOk(bob, "login bob pw");
  await assertOk(alice, "create_group g1");
  await assertOk(alice, "create_group g2");
  await assertOk(bob, "join_group g1");
  await assertOk(bob, "join_group g2");
  await assertOk(alice, "accept_request g1 bob");
  await using carol = await PeerProcess.start(cluster.infoPath, `${dir.path}/carol`);
  await assertOk(carol, "create_user carol pw");

  await cluster.kill(1);
  // The tracker is gone: one clear refusal, and the shell goes on.
  await assertRefused(alice, "list_groups", "tracker_unreachable");
  await cluster.start(1);

  // Both peers reconnect on their own, with the sessions they had (bob without a failed try).
  const expected = [
    { id: "g1", owner: "alice", members: 2 },
    { id: "g2", owner: "alice", members: 1 },
  ];
  deepStrictEqual((await alice.command("list_groups")).groups, expected);
  deepStrictEqual((await bob.command("list_groups")).groups, expected);
  deepStrictEqual((await alice.command("list_requests g2")).requests, ["bob"]);
  deepStrictEqual((await bob.command("list_files g1")).files, []);
  await assertOk(carol, "login carol pw"); // created just before the kill
  await assertRefused(carol, "create_user carol pw", "user_exists");

  // Acknowledged, then killed at once: still there.
  await assertOk(alice, "accept_request g2 bob");
  await cluster.kill(1);
  await cluster.start(1);
  deepStrictEqual((await bob.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 2 },
    { id: "g2", owner: "alice", members: 2 },
  ]);
  await assertOk(bob, "leave_group g2");
  await cluster.kill(1);
  await cluster.start(1);
  deepStrictEqual((await alice.command("list_groups")).groups, expected);

  for (const peer of [alice, bob, carol]) {
    equal((await peer.endInput()).code, 0, peer.transcript());
  }
});

Deno.test("list_groups follows the tracker's pages: every group once, in order", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  // More than two tracker pages (100 each), with names that sort by code unit, not by locale.
  const prefixes = ["A", "a", "Z.", "z-", "0_", "9"];
  const names = Array.from({ length: 230 }, (_, i) => `${prefixes[i % prefixes.length]}g${i}`);
  for (const name of names) await assertOk(alice, `create_group ${name}`);
  const reply = await assertOk(alice, "list_groups");
  const listed = (reply.groups as Array<{ id: string }>).map((group) => group.id);
  deepStrictEqual(listed, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  equal(reply.truncated, undefined);
  equal((await alice.endInput()).code, 0, alice.transcript());
});

/** The fields of a login reply that this flow checks (it also reports what it resumed). */
function loginFields(reply: Record<string, unknown>) {
  const { ok, command, user, tracker } = reply;
  return { ok, command, user, tracker };
}
