import { deepStrictEqual, equal } from "node:assert/strict";
import { CommandKit } from "../testing/command_kit.ts";
import { PAGE_SIZE } from "./pages.ts";

Deno.test("create_group makes the caller owner and refuses a taken name with group_exists", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  deepStrictEqual(await kit.run("create_group", { group: "g" }, { token: alice.token }), {});
  const { groups } = await kit.run("list_groups", {}, { token: bob.token });
  deepStrictEqual(groups, [{ id: "g", owner: "alice", members: 1 }]);
  await kit.refuses("group_exists", "create_group", { group: "g" }, { token: bob.token });
});

Deno.test("join_group refuses a missing group, a member, and a second pending request", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.refuses("no_such_group", "join_group", { group: "g" }, { token: bob.token });
  await kit.group("g", alice);
  await kit.refuses("already_member", "join_group", { group: "g" }, { token: alice.token });
  deepStrictEqual(await kit.run("join_group", { group: "g" }, { token: bob.token }), {});
  await kit.refuses("request_pending", "join_group", { group: "g" }, { token: bob.token });
});

Deno.test("list_requests shows pending requests to the owner only", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const carol = await kit.user("carol");
  await kit.group("g", alice);
  await kit.run("join_group", { group: "g" }, { token: carol.token });
  await kit.run("join_group", { group: "g" }, { token: bob.token });
  const listed = await kit.run("list_requests", { group: "g" }, { token: alice.token });
  deepStrictEqual(listed, { requests: ["bob", "carol"], next: undefined });
  await kit.refuses("not_owner", "list_requests", { group: "g" }, { token: bob.token });
  await kit.refuses("no_such_group", "list_requests", { group: "h" }, { token: alice.token });
});

Deno.test("accept_request makes a member; reject_request drops the request", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const carol = await kit.user("carol");
  await kit.group("g", alice);
  const owner = { token: alice.token };
  await kit.refuses("no_such_request", "accept_request", { group: "g", user: "bob" }, owner);
  await kit.run("join_group", { group: "g" }, { token: bob.token });
  await kit.run("join_group", { group: "g" }, { token: carol.token });
  await kit.refuses("not_owner", "accept_request", { group: "g", user: "carol" }, {
    token: bob.token,
  });
  deepStrictEqual(await kit.run("accept_request", { group: "g", user: "bob" }, owner), {});
  deepStrictEqual(await kit.run("reject_request", { group: "g", user: "carol" }, owner), {});
  await kit.refuses("no_such_request", "reject_request", { group: "g", user: "carol" }, owner);
  deepStrictEqual(kit.state.group("g")?.members.map((m) => m.user), ["alice", "bob"]);
  deepStrictEqual(kit.state.group("g")?.requests, []);
});

Deno.test("leave_group passes ownership on, then removes the group with its last member", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const carol = await kit.user("carol");
  await kit.group("g", alice, [bob]);
  await kit.refuses("not_member", "leave_group", { group: "g" }, { token: carol.token });
  await kit.refuses("no_such_group", "leave_group", { group: "h" }, { token: carol.token });
  const first = await kit.run("leave_group", { group: "g" }, { token: alice.token });
  deepStrictEqual(first, { removed: false, newOwner: "bob" });
  const last = await kit.run("leave_group", { group: "g" }, { token: bob.token, requestId: "l" });
  deepStrictEqual(last, { removed: true });
  equal(kit.state.group("g"), undefined);
  const retried = await kit.run("leave_group", { group: "g" }, {
    token: bob.token,
    requestId: "l",
  });
  deepStrictEqual(retried, { removed: true });
});

Deno.test("list_groups pages through every group in name order", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const names = Array.from({ length: PAGE_SIZE + 1 }, (_, i) => `g${String(i).padStart(3, "0")}`);
  for (const group of names.toReversed()) {
    await kit.run("create_group", { group }, { token: alice.token });
  }
  const first = await kit.run("list_groups", {}, { token: alice.token });
  equal(first.groups.length, PAGE_SIZE);
  equal(first.groups[0]?.id, "g000");
  equal(first.next, names[PAGE_SIZE - 1]);
  const second = await kit.run("list_groups", { cursor: first.next }, { token: alice.token });
  deepStrictEqual(second, {
    groups: [{ id: names[PAGE_SIZE]!, owner: "alice", members: 1 }],
    next: undefined,
  });
});

Deno.test("my_requests tells the requester of a pending, rejected or accepted request", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const carol = await kit.user("carol");
  const owner = { token: alice.token };
  const mine = { token: bob.token };
  await kit.group("g", alice);
  await kit.group("h", alice);
  deepStrictEqual(await kit.run("my_requests", {}, mine), { requests: [], next: undefined });
  const askedAt = kit.time.ms;
  await kit.run("join_group", { group: "g" }, mine);
  await kit.run("join_group", { group: "h" }, mine);
  await kit.run("join_group", { group: "g" }, { token: carol.token });
  deepStrictEqual(await kit.run("my_requests", {}, mine), {
    requests: [
      { group: "g", state: "pending", at: askedAt },
      { group: "h", state: "pending", at: askedAt },
    ],
    next: undefined,
  });
  kit.time.ms += 1_000;
  await kit.run("reject_request", { group: "g", user: "bob" }, owner);
  await kit.run("accept_request", { group: "h", user: "bob" }, owner);
  deepStrictEqual(await kit.run("my_requests", {}, mine), {
    requests: [
      { group: "g", state: "rejected", at: askedAt + 1_000 },
      { group: "h", state: "accepted", at: askedAt + 1_000 },
    ],
    next: undefined,
  });
  // Only the caller's own requests.
  deepStrictEqual((await kit.run("my_requests", {}, { token: carol.token })).requests, [
    { group: "g", state: "pending", at: askedAt },
  ]);
  await kit.refuses("not_logged_in", "my_requests", {});
});

Deno.test("my_requests: asking again after a rejection is pending again; leaving forgets the acceptance", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const owner = { token: alice.token };
  const mine = { token: bob.token };
  await kit.group("g", alice);
  await kit.run("join_group", { group: "g" }, mine);
  await kit.run("reject_request", { group: "g", user: "bob" }, owner);
  kit.time.ms += 5_000;
  await kit.run("join_group", { group: "g" }, mine);
  deepStrictEqual((await kit.run("my_requests", {}, mine)).requests, [
    { group: "g", state: "pending", at: kit.time.ms },
  ]);
  await kit.run("accept_request", { group: "g", user: "bob" }, owner);
  equal((await kit.run("my_requests", {}, mine)).requests[0]?.state, "accepted");
  await kit.run("leave_group", { group: "g" }, mine);
  deepStrictEqual((await kit.run("my_requests", {}, mine)).requests, []);
});

Deno.test("my_requests leaves out an answer from a removed group whose name was taken again", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const carol = await kit.user("carol");
  const mine = { token: bob.token };
  await kit.group("g", alice);
  await kit.run("join_group", { group: "g" }, mine);
  await kit.run("reject_request", { group: "g", user: "bob" }, { token: alice.token });
  await kit.run("leave_group", { group: "g" }, { token: alice.token });
  // The group is gone: its rejection is still bob's to read.
  deepStrictEqual((await kit.run("my_requests", {}, mine)).requests.map((r) => r.state), [
    "rejected",
  ]);
  await kit.run("create_group", { group: "g" }, { token: carol.token });
  deepStrictEqual((await kit.run("my_requests", {}, mine)).requests, []);
});

Deno.test("my_requests pages through the requests in group order", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const names = Array.from({ length: PAGE_SIZE + 1 }, (_, i) => `g${String(i).padStart(3, "0")}`);
  for (const group of names.toReversed()) {
    await kit.run("create_group", { group }, { token: alice.token });
    await kit.run("join_group", { group }, { token: bob.token });
  }
  const first = await kit.run("my_requests", {}, { token: bob.token });
  equal(first.requests.length, PAGE_SIZE);
  equal(first.requests[0]?.group, "g000");
  equal(first.next, names[PAGE_SIZE - 1]);
  const second = await kit.run("my_requests", { cursor: first.next }, { token: bob.token });
  deepStrictEqual(second.requests.map((r) => r.group), [names[PAGE_SIZE]]);
  equal(second.next, undefined);
});

Deno.test("list_groups answers from a kept page only while no group changes", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  await kit.group("g", alice);
  const list = async () => (await kit.run("list_groups", {}, { token: bob.token })).groups;
  const first = await kit.run("list_groups", {}, { token: bob.token });
  equal(await kit.run("list_groups", {}, { token: alice.token }), first, "the kept page");
  await kit.group("h", bob);
  deepStrictEqual((await list()).map((g) => g.id), ["g", "h"], "a new group");
  await kit.run("join_group", { group: "g" }, { token: bob.token });
  await kit.run("accept_request", { group: "g", user: "bob" }, { token: alice.token });
  deepStrictEqual((await list())[0], { id: "g", owner: "alice", members: 2 }, "a new member");
  await kit.run("leave_group", { group: "h" }, { token: bob.token });
  deepStrictEqual((await list()).map((g) => g.id), ["g"], "a removed group");
});
