import { deepStrictEqual, equal } from "node:assert/strict";
import type { OpBody, Operation } from "./op_schema.ts";
import { keyOf, opId } from "./ops.ts";
import { State } from "./state.ts";

const FILE_A = "a".repeat(40);
const FILE_B = "b".repeat(40);

/** A state where alice owns group g and bob is a member; `apply` stamps each op in turn. */
function setup() {
  const state = new State();
  let seq = 0;
  const apply = (body: OpBody) => {
    seq++;
    const op: Operation = {
      origin: "T1",
      seq,
      hlc: { wall: 1000 + seq, counter: 0 },
      key: keyOf(body),
      requestId: null,
      body,
    };
    return { outcome: state.apply(op), id: opId(op) };
  };
  const params = { N: 16, r: 1, p: 1 };
  const alice = apply({ type: "create_user", user: "alice", salt: "s", hash: "h", params }).id;
  const bob = apply({ type: "create_user", user: "bob", salt: "s", hash: "h", params }).id;
  const g = apply({ type: "create_group", group: "g", owner: "alice", ownerCreation: alice }).id;
  apply({ type: "join_request", group: "g", groupCreation: g, user: "bob", userCreation: bob });
  apply({ type: "resolve_request", group: "g", groupCreation: g, user: "bob", accept: true });
  const creations: Record<string, string> = { alice, bob };
  const share = (user: string, fileId = FILE_A, name = "a.bin") =>
    apply({
      type: "share_file",
      group: "g",
      groupCreation: g,
      name,
      fileId,
      size: 10,
      pieceLength: 4,
      sha1: fileId,
      user,
      userCreation: creations[user]!,
      peerId: `${user}-peer`,
    }).outcome;
  const unshare = (user: string, fileId = FILE_A) =>
    apply({
      type: "unshare_file",
      group: "g",
      groupCreation: g,
      name: "a.bin",
      fileId,
      user,
      peerId: `${user}-peer`,
    }).outcome;
  const leave = (user: string) =>
    apply({
      type: "leave_group",
      group: "g",
      groupCreation: g,
      user,
      userCreation: creations[user]!,
    })
      .outcome;
  const sharers = () => state.file("g", "a.bin")?.sharers.map((s) => s.user);
  return { state, share, unshare, leave, sharers };
}

Deno.test("State.apply() share_file adds each sharer once and sets aside another file id", () => {
  const { state, share, sharers } = setup();
  equal(share("alice"), "applied");
  equal(state.file("g", "a.bin")?.pieceCount, 3);
  equal(share("alice"), "applied");
  equal(share("bob"), "applied");
  deepStrictEqual(sharers(), ["alice", "bob"]);
  equal(share("bob", FILE_B), "set_aside");
  equal(state.file("g", "a.bin")?.fileId, FILE_A);
});

Deno.test("State.apply() unshare_file removes the sharer, and the file with its last one", () => {
  const { state, share, unshare, sharers } = setup();
  share("alice");
  share("bob");
  equal(unshare("bob", FILE_B), "set_aside");
  equal(unshare("bob"), "applied");
  deepStrictEqual(sharers(), ["alice"]);
  equal(unshare("bob"), "set_aside");
  equal(unshare("alice"), "applied");
  equal(state.file("g", "a.bin"), undefined);
  deepStrictEqual(state.files("g"), []);
});

Deno.test("State.apply() leave_group drops the leaver's shares, and every file with the group", () => {
  const { state, share, leave, sharers } = setup();
  share("alice");
  share("bob");
  share("bob", FILE_B, "b.bin");
  equal(leave("bob"), "applied");
  deepStrictEqual(sharers(), ["alice"]);
  equal(state.file("g", "b.bin"), undefined);
  share("alice", FILE_B, "b.bin");
  equal(leave("alice"), "applied");
  equal(state.group("g"), undefined);
  deepStrictEqual(state.files("g"), []);
  equal(state.file("g", "a.bin"), undefined);
});

Deno.test("State.firstFileWithId() follows shares, unshares and a leaving group, by name", () => {
  const { state, share, unshare, leave } = setup();
  equal(state.firstFileWithId(FILE_A), undefined);
  share("bob", FILE_A, "z.bin");
  equal(state.firstFileWithId(FILE_A)?.name, "z.bin");
  share("alice", FILE_A, "a.bin");
  equal(state.firstFileWithId(FILE_A)?.name, "a.bin", "the first by name");
  equal(unshare("alice"), "applied");
  equal(state.firstFileWithId(FILE_A)?.name, "z.bin");
  leave("alice");
  leave("bob");
  equal(state.firstFileWithId(FILE_A), undefined, "gone with the group");
  equal(State.load(state.rows(), [], "").firstFileWithId(FILE_A), undefined);
});
