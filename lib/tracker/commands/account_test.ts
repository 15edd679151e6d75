import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { ACCOUNT_FACTOR, ADDRESS_FACTOR } from "../throttle.ts";
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

Deno.test("login is throttled per (user, address): others at that address still log in", async () => {
  await using kit = await CommandKit.open();
  for (const user of ["carol", "bob"]) await kit.run("create_user", { user, password: "pw" });
  const carol = { user: "carol", password: "nope", peerId: "p1", port: 7000 };
  for (let i = 0; i < KIT_MAX_FAILURES; i++) await kit.refuses("wrong_password", "login", carol);
  const refusal = await kit.run("login", { ...carol, password: "pw" }).catch((e) => e);
  equal(refusal.code, "throttled");
  match(
    refusal.message,
    /^Too many failed logins for "carol" from 127\.0\.0\.1: try again in 60s$/,
  );
  // bob's right password and dave's unknown name are judged on their own at the same address.
  const bob = await kit.run("login", { ...carol, user: "bob", password: "pw", peerId: "p2" });
  equal(bob.user, "bob");
  await kit.refuses("no_such_user", "login", { ...carol, user: "dave" });
  // carol herself, elsewhere, is not locked out by what was tried at 127.0.0.1.
  const elsewhere = { caller: { host: "10.0.0.2" } };
  equal((await kit.run("login", { ...carol, password: "pw" }, elsewhere)).user, "carol");
  kit.time.ms += 60_001;
  equal((await kit.run("login", { ...carol, password: "pw" })).user, "carol");
});

Deno.test("login is throttled per user across addresses, and per address at a much higher limit", async () => {
  await using kit = await CommandKit.open();
  for (const user of ["carol", "bob"]) await kit.run("create_user", { user, password: "pw" });
  const carol = { user: "carol", password: "nope", peerId: "p1", port: 7000 };
  for (let host = 0; host < ACCOUNT_FACTOR; host++) {
    for (let i = 0; i < KIT_MAX_FAILURES; i++) {
      await kit.refuses("wrong_password", "login", carol, { caller: { host: `10.0.1.${host}` } });
    }
  }
  const account = await kit.run("login", { ...carol, password: "pw" }, {
    caller: { host: "10.0.9.9" },
  }).catch((e) => e);
  match(account.message, /^Too many failed logins for "carol" from several addresses/);
  // Unknown names from one address count against that address alone.
  const scanner = { caller: { host: "10.0.2.1" } };
  for (let i = 0; i < KIT_MAX_FAILURES * ADDRESS_FACTOR; i++) {
    await kit.refuses("no_such_user", "login", { ...carol, user: `guess${i}` }, scanner);
  }
  const address = await kit.run("login", { ...carol, user: "bob", password: "pw" }, scanner)
    .catch((e) => e);
  match(address.message, /^Too many failed logins from 10\.0\.2\.1, over several accounts/);
  const bob = await kit.run("login", { ...carol, user: "bob", password: "pw" });
  equal(bob.user, "bob");
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
