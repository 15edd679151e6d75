import { deepStrictEqual, equal, notEqual, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import type { Hlc } from "./hlc.ts";
import type { Entity } from "./entities.ts";
import type { OpBody, Operation } from "./op_schema.ts";
import { keyOf, opId, orderKey, wallOfOrderKey } from "./ops.ts";
import { MAX_ANSWERS_PER_USER, State } from "./state.ts";
import { checkRow } from "./entity_schema.ts";

const PARAMS = { N: 16, r: 1, p: 1 };

/** Builds operations with increasing timestamps, as one tracker would. */
class OpMaker {
  #seq = 0;
  #wall = 1_000;
  constructor(readonly origin = "T1") {}
  make(body: OpBody, requestId: string | null = null, hlc?: Hlc): Operation {
    this.#seq++;
    return {
      origin: this.origin,
      seq: this.#seq,
      hlc: hlc ?? { wall: this.#wall++, counter: 0 },
      key: keyOf(body),
      requestId,
      body,
    };
  }
}

function userOp(m: OpMaker, user: string, hlc?: Hlc): Operation {
  return m.make({ type: "create_user", user, salt: "s", hash: "h", params: PARAMS }, null, hlc);
}

/** A state with users alice, bob, carol and group g owned by alice. */
function setup() {
  const m = new OpMaker();
  const state = new State();
  const users = Object.fromEntries(
    ["alice", "bob", "carol"].map((u) => {
      const op = userOp(m, u);
      state.apply(op);
      return [u, opId(op)];
    }),
  ) as Record<string, string>;
  const groupOp = m.make({
    type: "create_group",
    group: "g",
    owner: "alice",
    ownerCreation: users.alice!,
  });
  state.apply(groupOp);
  const g = opId(groupOp);
  const join = (user: string) =>
    state.apply(m.make({
      type: "join_request",
      group: "g",
      groupCreation: g,
      user,
      userCreation: users[user]!,
    }));
  const resolve = (user: string, accept: boolean) =>
    state.apply(m.make({ type: "resolve_request", group: "g", groupCreation: g, user, accept }));
  const leave = (user: string) =>
    state.apply(m.make({
      type: "leave_group",
      group: "g",
      groupCreation: g,
      user,
      userCreation: users[user]!,
    }));
  return { m, state, users, g, join, resolve, leave };
}

Deno.test("State.apply() adds a member only through an accepted request", () => {
  const { state, join, resolve } = setup();
  equal(join("bob"), "applied");
  deepStrictEqual(state.group("g")?.requests.map((r) => r.user), ["bob"]);
  equal(join("bob"), "set_aside");
  equal(resolve("bob", true), "applied");
  deepStrictEqual(state.group("g")?.members.map((m) => m.user), ["alice", "bob"]);
  deepStrictEqual(state.group("g")?.requests, []);
  equal(resolve("bob", true), "set_aside");
});

Deno.test("State.apply() drops a rejected request without adding a member", () => {
  const { state, join, resolve } = setup();
  join("carol");
  equal(resolve("carol", false), "applied");
  deepStrictEqual(state.group("g")?.members.map((m) => m.user), ["alice"]);
  deepStrictEqual(state.group("g")?.requests, []);
});

Deno.test("State.apply() keeps a rejection for the user who asked, until they ask again", () => {
  const { state, g, join, resolve } = setup();
  join("carol");
  deepStrictEqual(state.pendingRequestsOf("carol").map((group) => group.name), ["g"]);
  resolve("carol", false);
  deepStrictEqual(state.pendingRequestsOf("carol"), []);
  const [answer, ...more] = state.answersOf("carol");
  deepStrictEqual(more, []);
  deepStrictEqual({ ...answer, at: 0 }, { group: "g", groupCreation: g, isAccepted: false, at: 0 });
  ok(answer!.at > 0, "the answer's time is its operation's wall clock");
  equal(join("carol"), "applied");
  deepStrictEqual(state.answersOf("carol"), [], "asking again forgets the rejection");
  equal(state.get("answers/carol"), undefined);
  deepStrictEqual(state.pendingRequestsOf("carol").map((group) => group.name), ["g"]);
});

Deno.test("State.apply() replaces a rejection by the acceptance, and forgets it when they leave", () => {
  const { state, join, resolve, leave } = setup();
  join("bob");
  resolve("bob", false);
  join("bob");
  resolve("bob", true);
  deepStrictEqual(state.answersOf("bob").map((a) => [a.group, a.isAccepted]), [["g", true]]);
  equal(leave("bob"), "applied");
  deepStrictEqual(state.answersOf("bob"), []);
  deepStrictEqual(state.answersOf("alice"), [], "the owner's own membership is no answer");
});

Deno.test("State.apply() keeps only the newest MAX_ANSWERS_PER_USER answers per user", () => {
  const { m, state, users } = setup();
  const count = MAX_ANSWERS_PER_USER + 3;
  for (let i = 0; i < count; i++) {
    const group = `h${String(i).padStart(2, "0")}`;
    const made = m.make({
      type: "create_group",
      group,
      owner: "alice",
      ownerCreation: users.alice!,
    });
    state.apply(made);
    const groupCreation = opId(made);
    const user = "bob";
    state.apply(
      m.make({ type: "join_request", group, groupCreation, user, userCreation: users.bob! }),
    );
    state.apply(m.make({ type: "resolve_request", group, groupCreation, user, accept: false }));
  }
  const kept = state.answersOf("bob").map((a) => a.group);
  equal(kept.length, MAX_ANSWERS_PER_USER);
  equal(kept[0], "h03");
  equal(kept.at(-1), `h${count - 1}`);
});

Deno.test("State.pendingRequestsOf() follows requests, removed groups and load()", () => {
  const { state, join, leave, resolve } = setup();
  join("bob");
  join("carol");
  resolve("carol", false);
  deepStrictEqual(state.pendingRequestsOf("bob").map((group) => group.name), ["g"]);
  const since = state.group("g")!.requests[0]!.since;
  ok(wallOfOrderKey(since) >= 1_000, since);
  const rows: Array<[string, import("./entities.ts").Entity]> = [];
  for (const [key, entity] of state.takeDirty()) if (entity) rows.push([key, entity]);
  const loaded = State.load(rows, [], state.lastOrderKey);
  deepStrictEqual(loaded.pendingRequestsOf("bob").map((group) => group.name), ["g"]);
  deepStrictEqual(loaded.answersOf("carol"), state.answersOf("carol"));
  leave("alice"); // the last member: the group goes, and bob's request with it
  deepStrictEqual(state.pendingRequestsOf("bob"), []);
});

Deno.test("State.apply() passes ownership to the longest-standing member when the owner leaves", () => {
  const { state, join, resolve, leave } = setup();
  join("carol");
  join("bob");
  resolve("carol", true);
  resolve("bob", true);
  equal(leave("alice"), "applied");
  equal(state.group("g")?.owner, "carol");
  equal(leave("carol"), "applied");
  equal(state.group("g")?.owner, "bob");
});

Deno.test("State.apply() removes a group when its last member leaves", () => {
  const { state, leave, join } = setup();
  join("bob");
  equal(leave("alice"), "applied");
  equal(state.group("g"), undefined);
  equal(join("carol"), "set_aside");
});

Deno.test("State.apply() keeps the first creation of a name and sets the second aside", () => {
  const a = new OpMaker("A");
  const b = new OpMaker("B");
  const first = userOp(a, "alice", { wall: 5, counter: 0 });
  const second = userOp(b, "alice", { wall: 6, counter: 0 });
  const state = State.fromOperations([second, first]);
  equal(state.user("alice")?.creation, opId(first));
  ok(state.get(`conflict/${opId(second)}`));
  const group = b.make(
    {
      type: "create_group",
      group: "g2",
      owner: "alice",
      ownerCreation: opId(second),
    },
    null,
    { wall: 7, counter: 0 },
  );
  const withGroup = State.fromOperations([first, second, group]);
  equal(withGroup.group("g2"), undefined, "a group made under the losing creation is set aside");
});

Deno.test("State.apply() applies a request id once", () => {
  const m = new OpMaker();
  const state = new State();
  state.apply(userOp(m, "alice"));
  const body: OpBody = { type: "create_user", user: "bob", salt: "", hash: "", params: PARAMS };
  equal(state.apply(m.make(body, "req-1")), "applied");
  equal(state.apply(m.make({ ...body, user: "dave" }, "req-1")), "duplicate");
  equal(state.user("dave"), undefined);
  ok(state.hasRequest("req-1"));
});

Deno.test("State.apply() refuses an operation that sorts before the last one applied", () => {
  const m = new OpMaker();
  const state = new State();
  const early = userOp(m, "a");
  state.apply(userOp(m, "b"));
  throws(() => state.apply(early), RangeError);
  equal(state.canAppend(early), false);
});

Deno.test("State.digest() differs for different states and matches after load()", () => {
  const { state, join } = setup();
  const before = state.digest();
  join("bob");
  const after = state.digest();
  notEqual(before, after);
  const rows: Array<[string, import("./entities.ts").Entity]> = [];
  for (const [key, entity] of state.takeDirty()) if (entity) rows.push([key, entity]);
  const loaded = State.load(rows, [], state.lastOrderKey);
  equal(loaded.digest(), after);
});

const USERS = ["u1", "u2", "u3", "u4"];
const GROUPS = ["g1", "g2", "g3"];

const FILE_IDS = ["a".repeat(40), "b".repeat(40)];

/**
 * Random operations from three trackers with colliding names, clocks and request ids: among
 * `users` and `groups` (the fewer, the more they collide).
 */
const operationsOf = (users: readonly string[], groups: readonly string[]) =>
  fc.array(
    fc.record({
      origin: fc.constantFrom("A", "B", "C"),
      jitter: fc.integer({ min: -3, max: 3 }),
      kind: fc.constantFrom(0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 6, 7),
      user: fc.constantFrom(...users),
      other: fc.constantFrom(...users),
      group: fc.constantFrom(...groups),
      file: fc.constantFrom(0, 1),
      accept: fc.boolean(),
      userPick: fc.nat(),
      groupPick: fc.nat(),
      requestId: fc.oneof(
        { weight: 8, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom("r1", "r2") },
      ),
    }),
    { maxLength: 80, size: "max" },
  ).map((specs) => {
    const seqs = new Map<string, number>();
    // A live state picks creations that are current at generation time, so most operations
    // are meaningful; the stale pick (and the clock jitter) makes some of them conflict.
    const live = new State();
    const stale = (n: number) => (n % 7 === 3 ? `X:${n}` : undefined);
    const ops: Operation[] = [];
    for (const [i, s] of specs.entries()) {
      const seq = (seqs.get(s.origin) ?? 0) + 1;
      seqs.set(s.origin, seq);
      const u = stale(s.userPick) ?? live.user(s.user)?.creation ?? "none";
      const g = stale(s.groupPick) ?? live.group(s.group)?.creation ?? "none";
      const bodies: OpBody[] = [
        { type: "create_user", user: s.user, salt: "", hash: "", params: PARAMS },
        { type: "create_group", group: s.group, owner: s.user, ownerCreation: u },
        {
          type: "join_request",
          group: s.group,
          groupCreation: g,
          user: s.user,
          userCreation: u,
        },
        {
          type: "resolve_request",
          group: s.group,
          groupCreation: g,
          user: s.other,
          accept: s.accept,
        },
        {
          type: "leave_group",
          group: s.group,
          groupCreation: g,
          user: s.user,
          userCreation: u,
        },
        { type: "logout", user: s.user, userCreation: u, peerId: "p" },
        {
          type: "share_file",
          group: s.group,
          groupCreation: g,
          name: `f${s.file}`,
          fileId: FILE_IDS[s.userPick % 2]!,
          size: 10,
          pieceLength: 4,
          sha1: FILE_IDS[s.userPick % 2]!,
          user: s.user,
          userCreation: u,
          peerId: `p${s.groupPick % 2}`,
        },
        {
          type: "unshare_file",
          group: s.group,
          groupCreation: g,
          name: `f${s.file}`,
          fileId: FILE_IDS[s.userPick % 2]!,
          user: s.user,
          peerId: `p${s.groupPick % 2}`,
        },
      ];
      const body = bodies[s.kind]!;
      const op: Operation = {
        origin: s.origin,
        seq,
        hlc: { wall: Math.max(1, i * 2 + s.jitter), counter: seq },
        key: keyOf(body),
        requestId: s.requestId,
        body,
      };
      if (live.canAppend(op)) live.apply(op);
      ops.push(op);
    }
    return ops;
  });

const operationsArb = operationsOf(USERS, GROUPS);
/** Operations that mostly touch different rows: most late ones are applied where they stand. */
const WIDE_USERS = Array.from({ length: 12 }, (_, i) => `w${i}`);
const wideOperationsArb = operationsOf(WIDE_USERS, Array.from({ length: 16 }, (_, i) => `h${i}`));

Deno.test("State.fromOperations() gives the same digest for any order of the same operations", () => {
  fc.assert(
    fc.property(operationsArb, fc.infiniteStream(fc.nat()), (ops, randoms) => {
      const shuffled = [...ops];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = randoms.next().value % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      equal(State.fromOperations(shuffled).digest(), State.fromOperations(ops).digest());
    }),
    { numRuns: 300 },
  );
});

Deno.test("State incremental apply with rebuild on late arrivals equals the sorted fold", () => {
  fc.assert(
    fc.property(operationsArb, (ops) => {
      // Deliver in origin-grouped order, as replication streams would, rebuilding when late.
      const arrival = [...ops].sort((a, b) => a.origin.localeCompare(b.origin) || a.seq - b.seq);
      let state = new State();
      const seen: Operation[] = [];
      for (const op of arrival) {
        seen.push(op);
        if (state.canAppend(op)) state.apply(op);
        else state = State.fromOperations(seen);
      }
      equal(state.digest(), State.fromOperations(ops).digest());
    }),
    { numRuns: 300 },
  );
});

Deno.test("State's pending-request index and answers agree with the groups for any operations", () => {
  fc.assert(
    fc.property(operationsArb, (ops) => {
      const state = State.fromOperations(ops);
      const rebuilt = new State();
      rebuilt.rebuild([...ops].reverse());
      for (const user of USERS) {
        const scanned = state.groups().filter((g) => g.requests.some((r) => r.user === user));
        deepStrictEqual(state.pendingRequestsOf(user), scanned, user);
        deepStrictEqual(rebuilt.pendingRequestsOf(user), scanned, `${user} after rebuild`);
        const answers = state.answersOf(user);
        ok(answers.length <= MAX_ANSWERS_PER_USER);
        const groups = answers.map((a) => a.group);
        equal(new Set(groups).size, groups.length, "one answer per group");
        for (const group of state.pendingRequestsOf(user)) {
          ok(!groups.includes(group.name), `${user} has a pending request and an answer`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("State.rebuild() takes a tracker's key that sorts below the checkpoint, as in order", () => {
  const one = new OpMaker("T1");
  const three = new OpMaker("T3");
  const late = three.make(
    { type: "tracker_key", trackerId: "T3", publicKey: new Uint8Array(32).fill(3) },
    null,
    { wall: 1_001, counter: 0 },
  );
  const ops = [userOp(one, "alice"), userOp(one, "bob"), userOp(one, "carol")];
  // Tracker 1 trimmed past wall 1_001 before it heard of tracker 3: the checkpoint is its state.
  const checkpoint = State.fromOperations(ops);
  const rebuilt = new State();
  rebuilt.rebuild([late], checkpoint);
  equal(rebuilt.digest(), State.fromOperations([...ops, late]).digest());
  ok(rebuilt.trackerKeys().some((key) => key.trackerId === "T3"));
});

Deno.test("State keeps a tracker's latest address; one below the checkpoint only fills a gap", () => {
  const m = new OpMaker("T2");
  const state = new State();
  state.apply(m.make({ type: "tracker_address", trackerId: "T2", address: "10.0.0.2:7002" }));
  state.apply(m.make({ type: "tracker_address", trackerId: "T2", address: "10.0.0.2:7102" }));
  deepStrictEqual([...state.trackerAddresses()], [["T2", "10.0.0.2:7102"]]);
  const old = m.make({ type: "tracker_address", trackerId: "T2", address: "10.0.0.9:1" }, null, {
    wall: 1,
    counter: 0,
  });
  state.absorbLate(old);
  equal(state.trackerAddresses().get("T2"), "10.0.0.2:7102", "a late one never replaces");
  const other = new State();
  other.absorbLate(old);
  equal(other.trackerAddresses().get("T2"), "10.0.0.9:1", "but fills a missing row");
});

Deno.test("every row any operations make passes the snapshot row check", () => {
  fc.assert(
    fc.property(operationsArb, (ops) => {
      for (const [key, row] of State.fromOperations(ops).rows()) {
        equal(checkRow(key, row), null, `${key}: ${JSON.stringify(row)}`);
      }
    }),
    { numRuns: 200 },
  );
});

/** applyLate on late arrivals of `arb`'s operations ends as the sorted fold, rows and dirty keys alike. */
function checkApplyLate(arb: fc.Arbitrary<Operation[]>, users: readonly string[]): void {
  fc.assert(
    fc.property(arb, fc.integer({ min: 1, max: 6 }), (ops, batch) => {
      // Origin-grouped arrival, as replication streams deliver it, in batches of `batch`.
      const arrival = [...ops].sort((a, b) => a.origin.localeCompare(b.origin) || a.seq - b.seq);
      const state = new State();
      const stored = new Map<string, Entity>();
      for (let i = 0; i < arrival.length; i += batch) {
        const fresh = arrival.slice(i, i + batch);
        const sorted = [...fresh].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1));
        if (state.canAppend(sorted[0]!)) { for (const op of sorted) state.apply(op); }
        else ok(state.applyLate(fresh), "the journal reaches back");
        // What the store would write: the dirty rows, onto what it holds.
        for (const [key, entity] of state.takeDirty()) {
          if (entity === null) stored.delete(key);
          else stored.set(key, entity);
        }
      }
      const folded = State.fromOperations(ops);
      equal(state.digest(), folded.digest());
      equal(State.load(stored, [], "").digest(), folded.digest(), "the dirty rows keep the store");
      deepStrictEqual(state.requestIds().sort(), folded.requestIds().sort());
      // The lookups kept beside the rows follow an undo as they follow a rebuild.
      const creations = new Set(ops.map((o) => `${o.origin}:${o.seq}`));
      for (const o of ops) if ("userCreation" in o.body) creations.add(o.body.userCreation);
      for (const creation of creations) {
        deepStrictEqual(state.lostGroupsOf(creation), folded.lostGroupsOf(creation), creation);
        deepStrictEqual(state.setAsideOf(creation), folded.setAsideOf(creation), creation);
      }
      for (const user of users) {
        deepStrictEqual(state.pendingRequestsOf(user), folded.pendingRequestsOf(user), user);
      }
      deepStrictEqual(state.groups(), folded.groups());
    }),
    { numRuns: 300 },
  );
}

Deno.test("State.applyLate() on late arrivals ends as the sorted fold, rows and dirty keys alike", () => {
  checkApplyLate(operationsArb, USERS);
});

Deno.test("State.applyLate() ends as the sorted fold when most late operations stand aside", () => {
  checkApplyLate(wideOperationsArb, WIDE_USERS);
});

Deno.test("State.applyLate() declines, changing nothing, when the journal does not reach", () => {
  const op = (origin: string, wall: number): Operation => {
    const body: OpBody = {
      type: "create_user",
      user: `u${wall}`,
      salt: "",
      hash: "",
      params: PARAMS,
    };
    return {
      origin,
      seq: wall,
      hlc: { wall, counter: 0 },
      key: keyOf(body),
      requestId: null,
      body,
    };
  };
  const state = State.load([], [], "");
  state.apply(op("A", 5));
  const loaded = State.load(state.rows(), state.requestIds(), state.lastOrderKey);
  const before = loaded.digest();
  equal(loaded.applyLate([op("B", 3)]), false, "a loaded state has no journal");
  equal(loaded.digest(), before);
  ok(state.applyLate([op("B", 3)]), "the state that applied A can undo it");
  equal(state.digest(), State.fromOperations([op("A", 5), op("B", 3)]).digest());
});

Deno.test("State.applyLate() applies a late operation where it stands when nothing after it touches its rows", () => {
  const a = new OpMaker("A");
  const b = new OpMaker("B");
  const state = new State();
  const alice = userOp(a, "alice", { wall: 10, counter: 0 });
  const bob = userOp(b, "bob", { wall: 11, counter: 0 });
  state.apply(alice);
  state.apply(bob);
  const group = (m: OpMaker, name: string, owner: Operation, wall: number) =>
    m.make(
      {
        type: "create_group",
        group: name,
        owner: owner.body.type === "create_user" ? owner.body.user : "",
        ownerCreation: opId(owner),
      },
      null,
      { wall, counter: 0 },
    );
  const later = [20, 30, 40].map((wall) => group(a, `a${wall}`, alice, wall));
  for (const op of later) state.apply(op);
  state.takeDirty();
  // B's group sorts between A's first and second: it touches none of their rows.
  const late = group(b, "b25", bob, 25);
  ok(state.applyLate([late]));
  deepStrictEqual(state.takeDirty().map(([key]) => key), ["group/b25"], "nothing undone");
  // One that takes the name of a later group is applied in order: the later one loses it.
  const taking = group(b, "a40", bob, 35);
  ok(state.applyLate([taking]));
  equal(state.group("a40")?.owner, "bob");
  const all = [alice, bob, ...later, late, taking];
  equal(state.digest(), State.fromOperations(all).digest());
  // Either way the journal stays in order: a later arrival still undoes what sorts after it.
  const earlier = group(b, "a30", bob, 21);
  ok(state.applyLate([earlier]));
  equal(state.group("a30")?.owner, "bob");
  equal(state.digest(), State.fromOperations([...all, earlier]).digest());
});
