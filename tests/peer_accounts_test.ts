/**
 * Accounts and sessions through real peer processes: login throttling, session renewal,
 * logout, and the end of input.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, assertRefused, PeerProcess } from "./helpers/peer.ts";
import { tempDir } from "./helpers/processes.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("login is throttled after --login-max-failures wrong passwords, until the window ends", async () => {
  await using dir = await tempDir();
  const flags = ["--login-max-failures", "3", "--login-window-ms", "3000"];
  await using cluster = await Cluster.create(dir.path, 1, flags);
  await cluster.start(1);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  await assertOk(alice, "create_user alice right");

  await assertRefused(alice, "login alice wrong1", "wrong_password");
  // The tracker opened its window before it answered: the window ends before this + 3 s.
  // (3 s, not less, so that a loaded machine still makes the next three tries within it.)
  const windowEnds = Date.now() + 3000;
  await assertRefused(alice, "login alice wrong2", "wrong_password");
  await assertRefused(alice, "login alice wrong3", "wrong_password");
  const throttled = await assertRefused(alice, "login alice wrong4", "throttled");
  match(String(throttled.error), /try again in \d+s/);
  // Even the right password is refused while throttled: no guessing at full speed.
  await assertRefused(alice, "login alice right", "throttled");
  // The peer is not logged in, and the shell goes on.
  await assertRefused(alice, "list_groups", "not_logged_in");

  await sleep(Math.max(0, windowEnds - Date.now()) + 200);
  deepStrictEqual((await assertOk(alice, "login alice right")).user, "alice");
  await assertOk(alice, "create_group g1");
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("a logged-in peer renews its session past --session-ttl-ms; logout ends it", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 1, ["--session-ttl-ms", "2000"]);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  await assertOk(alice, "create_group g1");

  // Two and a half token lifetimes with no command: only renewals keep the session alive.
  await sleep(5000);
  deepStrictEqual((await assertOk(alice, "list_groups")).groups, [
    { id: "g1", owner: "alice", members: 1 },
  ]);
  await assertOk(alice, "create_group g2");
  deepStrictEqual(alice.events.map((e) => e.event), ["listening"], "no session_lost event");

  await assertOk(alice, "logout");
  await assertRefused(alice, "list_groups", "not_logged_in");
  await assertRefused(alice, "logout", "not_logged_in");
  // Logged out, the peer logs in again as anyone.
  await assertOk(alice, "login alice pw");
  equal((await assertOk(alice, "list_groups") as { groups: unknown[] }).groups.length, 2);
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("logout on one peer leaves the same user's session on another peer", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using laptop = await PeerProcess.start(cluster.infoPath, `${dir.path}/laptop`);
  await using desktop = await PeerProcess.start(cluster.infoPath, `${dir.path}/desktop`);
  await assertOk(laptop, "create_user alice pw");
  await assertOk(laptop, "login alice pw");
  await assertOk(desktop, "login alice pw");
  await assertOk(laptop, "create_group g1");
  await assertOk(laptop, "logout");
  await assertRefused(laptop, "list_groups", "not_logged_in");
  deepStrictEqual((await desktop.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 1 },
  ]);
  await assertOk(desktop, "create_group g2");
  for (const peer of [laptop, desktop]) equal((await peer.endInput()).code, 0, peer.transcript());
});

Deno.test("a session that no tracker renews expires after --session-ttl-ms: session_lost event", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 1, ["--session-ttl-ms", "2000"]);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  await cluster.kill(1);
  // The renewals fail while the tracker is down, so the token runs out (the contrast to the
  // test above: there, only renewals kept the session).
  const lost = await alice.event("session_lost", 10_000);
  equal(lost.user, "alice");
  equal(lost.code, "session_expired");
  await cluster.start(1);
  await assertRefused(alice, "list_groups", "not_logged_in");
  await assertOk(alice, "login alice pw");
  await assertOk(alice, "list_groups");
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("end of input: the peer finishes the queued commands, logs out and exits 0", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  // Everything written at once, then the end of input before any answer.
  for (const line of ["create_user alice pw", "login alice pw", "create_group g1", "list_groups"]) {
    await alice.write(line);
  }
  const status = await alice.endInput();
  equal(status.code, 0, alice.transcript());
  const results = alice.lines.map((line) => JSON.parse(line));
  deepStrictEqual(results.slice(1).map((r) => [r.command ?? r.event, r.ok]), [
    ["create_user", true],
    ["login", true],
    ["create_group", true],
    ["list_groups", true],
    ["logged_out", undefined],
  ]);
  deepStrictEqual(results.at(-1), { event: "logged_out", user: "alice" });
  equal(alice.child.stderr.text(), "");

  // The group was committed; the same state folder starts again (the lock was released).
  await using again = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  equal(again.events[0]?.peerId, results[0].peerId, "same identity from the same folder");
  await assertOk(again, "login alice pw");
  deepStrictEqual((await again.command("list_groups")).groups, [
    { id: "g1", owner: "alice", members: 1 },
  ]);
  equal((await again.endInput()).code, 0);
});

Deno.test("SIGTERM makes a logged-in peer log out and exit 0", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  alice.child.kill("SIGTERM");
  equal((await alice.exited()).code, 0, alice.transcript());
  deepStrictEqual(alice.events.at(-1), { event: "logged_out", user: "alice" });
  equal(alice.child.stderr.text(), "");
});

Deno.test("quit logs out and exits 0 without running the lines after it", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  await alice.write("quit");
  await alice.write("create_group never");
  deepStrictEqual(await alice.nextResult(), { ok: true, command: "quit" });
  equal((await alice.exited()).code, 0, alice.transcript());
  deepStrictEqual(alice.events.at(-1), { event: "logged_out", user: "alice" });
  ok(!alice.lines.some((line) => line.includes("create_group")), alice.transcript());
  // An end of input without a session prints no logged_out event.
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`);
  await assertOk(bob, "login alice pw");
  await assertOk(bob, "list_groups");
  await assertOk(bob, "logout");
  equal((await bob.endInput()).code, 0);
  deepStrictEqual(bob.events.map((e) => e.event), ["listening"]);
});
