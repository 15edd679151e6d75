import { deepStrictEqual, equal } from "node:assert/strict";
import { CommandKit } from "../testing/command_kit.ts";
import { type GroupEntity, orderKey } from "../state/mod.ts";
import type { CommandCore } from "./context.ts";
import { listMembers } from "./groups.ts";
import { PAGE_SIZE } from "./pages.ts";

Deno.test("list_members lists a group's members by name, the owner marked, to members only", async () => {
  await using kit = await CommandKit.open();
  const carol = await kit.user("carol");
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const dave = await kit.user("dave");
  const createdAt = kit.time.ms;
  await kit.group("g", carol);
  kit.time.ms += 1_000;
  await kit.group("h", dave, [bob]); // another group's members are not listed
  await kit.run("join_group", { group: "g" }, { token: bob.token });
  await kit.run("join_group", { group: "g" }, { token: alice.token });
  await kit.run("accept_request", { group: "g", user: "bob" }, { token: carol.token });
  const listed = await kit.run("list_members", { group: "g" }, { token: bob.token });
  deepStrictEqual(listed, {
    members: [
      { user: "bob", role: "member", since: createdAt + 1_000 },
      { user: "carol", role: "owner", since: createdAt },
    ],
    next: undefined,
  });
  // alice only asked: she is not listed, and may not list the group.
  await kit.refuses("not_member", "list_members", { group: "g" }, { token: alice.token });
  await kit.refuses("not_member", "list_members", { group: "g" }, { token: dave.token });
  await kit.refuses("no_such_group", "list_members", { group: "x" }, { token: bob.token });
  await kit.refuses("not_logged_in", "list_members", { group: "g" });
});

Deno.test("list_members follows ownership and leaving: the new owner is marked, the leaver gone", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const bob = await kit.user("bob");
  const carol = await kit.user("carol");
  await kit.group("g", alice, [carol, bob]);
  await kit.run("leave_group", { group: "g" }, { token: alice.token });
  const { members } = await kit.run("list_members", { group: "g" }, { token: bob.token });
  deepStrictEqual(members.map((m) => [m.user, m.role]), [["bob", "member"], ["carol", "owner"]]);
  await kit.refuses("not_member", "list_members", { group: "g" }, { token: alice.token });
});

Deno.test("listMembers() pages through a group of more than one page in name order", () => {
  // Over a group row of its own: a hundred real users would cost two scrypt hashes each.
  const names = Array.from({ length: PAGE_SIZE + 1 }, (_, i) => `u${String(i).padStart(3, "0")}`);
  const at = (wall: number) => orderKey({ hlc: { wall, counter: 0 }, origin: "t1", seq: wall });
  const group: GroupEntity = {
    kind: "group",
    name: "g",
    creation: "t1:1",
    owner: "owner",
    members: [
      { user: "owner", since: at(1) },
      ...names.toReversed().map((user, i) => ({
        user,
        since: at(2 + i),
      })),
    ],
    requests: [],
  };
  const core = { memberGroup: () => group } as unknown as CommandCore;
  const list = (cursor?: string) =>
    listMembers(core, {
      args: { group: "g", cursor },
      requestId: undefined,
      caller: { host: "127.0.0.1" },
      session: { user: "u000", userCreation: "t1:2", peerId: "p", issuedAt: "", expiresAt: 0 },
    });
  const first = list();
  equal(first.members.length, PAGE_SIZE);
  deepStrictEqual(first.members.slice(0, 2), [
    { user: "owner", role: "owner", since: 1 },
    { user: "u000", role: "member", since: 2 + PAGE_SIZE },
  ]);
  equal(first.next, names[PAGE_SIZE - 2]);
  const second = list(first.next);
  deepStrictEqual(second.members.map((m) => [m.user, m.role]), [
    [names[PAGE_SIZE - 1], "member"],
    [names[PAGE_SIZE], "member"],
  ]);
  equal(second.next, undefined);
});
