import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { CommandKit, KIT_MAX_FAILURES, KIT_SESSION_TTL_MS } from "../testing/command_kit.ts";

Deno.test("status reports the tracker id, operation counts and the state digest", async () => {
  await using kit = await CommandKit.open();
  const before = await kit.run("status", {});
  equal(before.trackerId, kit.store.trackerId);
  equal(before.ops, 1); // this tracker's ticket key
  equal(before.logged, 1);
  equal(before.digest, kit.state.digest());
  await kit.run("create_user", { user: "alice", password: "pw" });
  const after = await kit.run("status", {});
  equal(after.ops, 2);
  notEqual(after.digest, before.digest);
});

Deno.test("create_user registers a user once and refuses the name again with user_exists", async () => {
  await using kit = await CommandKit.open();
  deepStrictEqual(await kit.run("create_user", { user: "alice", password: "pw" }), {});
  ok(kit.state.user("alice"));
  notEqual(kit.state.user("alice")?.hash, "pw");
  await kit.refuses("user_exists", "create_user", { user: "alice", password: "other" });
});

Deno.test("create_user answers a retried request id without applying it again", async () => {
  await using kit = await CommandKit.open();
  const args = { user: "alice", password: "pw" };
  await kit.run("create_user", args, { requestId: "r1" });
  const ops = kit.store.totalOps;
  deepStrictEqual(await kit.run("create_user", args, { requestId: "r1" }), {});
  equal(kit.store.totalOps, ops);
});

Deno.test("login refuses an unknown user and a wrong password", async () => {
  await using kit = await CommandKit.open();
  const login = { user: "alice", password: "pw", peerId: "p1", port: 7000 };
  await kit.refuses("no_such_user", "login", login);
  await kit.run("create_user", { user: "alice", password: "pw" });
  await kit.refuses("wrong_password", "login", { ...login, password: "nope" });
});

Deno.test("login issues a token for the session lifetime and puts the peer online", async () => {
  await using kit = await CommandKit.open();
  await kit.run("create_user", { user: "alice", password: "pw" });
  const result = await kit.run("login", { user: "alice", password: "pw", peerId: "p1", port: 7 });
  equal(result.user, "alice");
  equal(result.expiresAt, kit.time.ms + KIT_SESSION_TTL_MS);
  match(result.token, /^[\w-]+\.[\w-]+$/);
  ok(kit.presence.isOnline("p1"));
  const groups = await kit.run("list_groups", {}, { token: result.token });
  deepStrictEqual(groups.groups, []);
});

Deno.test("login is throttled after too many failures, per user and per address", async () => {
  await using kit = await CommandKit.open();
  await kit.run("create_user", { user: "alice", password: "pw" });
  const wrong = { user: "alice", password: "nope", peerId: "p1", port: 7000 };
  for (let i = 0; i < KIT_MAX_FAILURES; i++) await kit.refuses("wrong_password", "login", wrong);
  await kit.refuses("throttled", "login", { ...wrong, password: "pw" });
  const elsewhere = { caller: { host: "10.0.0.2" } };
  await kit.refuses("throttled", "login", { ...wrong, password: "pw" }, elsewhere);
  kit.time.ms += 60_001;
  const later = await kit.run("login", { ...wrong, password: "pw" }, elsewhere);
  equal(later.user, "alice");
});

Deno.test("session commands refuse a missing, forged or expired token", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  await kit.refuses("not_logged_in", "list_groups", {});
  await kit.refuses("not_logged_in", "list_groups", {}, { token: `${alice.token}x` });
  kit.time.ms += KIT_SESSION_TTL_MS;
  await kit.refuses("session_expired", "list_groups", {}, { token: alice.token });
});

Deno.test("renew gives a token that outlives the first one", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  kit.time.ms += KIT_SESSION_TTL_MS / 2;
  const renewed = await kit.run("renew", {}, { token: alice.token });
  equal(renewed.expiresAt, kit.time.ms + KIT_SESSION_TTL_MS);
  kit.time.ms += KIT_SESSION_TTL_MS / 2;
  await kit.refuses("session_expired", "list_groups", {}, { token: alice.token });
  await kit.run("list_groups", {}, { token: renewed.token });
});

Deno.test("logout ends the session and takes the peer offline", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  deepStrictEqual(await kit.run("logout", {}, { token: alice.token, requestId: "out" }), {});
  equal(kit.presence.isOnline(alice.peerId), false);
  await kit.refuses("not_logged_in", "list_groups", {}, { token: alice.token });
  const again = await kit.run("login", {
    user: "alice",
    password: "pw",
    peerId: alice.peerId,
    port: 7000,
  });
  await kit.run("list_groups", {}, { token: again.token });
});
