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
