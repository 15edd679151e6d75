/**
 * The partition checker fed crafted histories and final states: it names the rule behind each
 * superseded write, and it catches a lost write, a resurrection and two owners.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { keyOf, type OpBody, type Operation, opId, State } from "../../lib/tracker/state/mod.ts";
import { checkHistory, type HistoryEntry, type TrackerFinal } from "./jepsen_checker.ts";

const PARAMS = { N: 16, r: 1, p: 1 };
/** The client command behind each operation type used here. */
const COMMANDS: Partial<Record<OpBody["type"], string>> = {
  join_request: "join_group",
  resolve_request: "accept_request",
};

/** Operations and the history that asked for them, built one command at a time. */
class Scenario {
  readonly ops: Operation[] = [];
  readonly history: HistoryEntry[] = [];
  #seq = 0;

  /** One acknowledged command on tracker `origin` ("A" is tracker 1, "B" tracker 2). */
  write(origin: "A" | "B", wall: number, body: OpBody, user: string): Operation {
    const requestId = `r${this.ops.length}`;
    const op: Operation = {
      origin,
      seq: ++this.#seq,
      hlc: { wall, counter: 0 },
      key: keyOf(body),
      requestId,
      body,
    };
    this.ops.push(op);
    const command = COMMANDS[body.type] ?? body.type;
    this.answer(command, user, {
      type: "ok",
      requestId,
      args: "group" in body ? { group: body.group } : {},
    }, origin);
    return op;
  }

  /** A command's answer in the history. */
  answer(op: string, user: string, entry: Partial<HistoryEntry>, origin: "A" | "B" = "A"): void {
    const at = this.history.length;
    this.history.push({
      index: at,
      client: `c-${user}`,
      tracker: origin === "A" ? 1 : 2,
      op,
      user,
      args: {},
      start: at,
      end: at + 0.5,
      type: "ok",
      ...entry,
    });
  }

  user(origin: "A" | "B", wall: number, user: string): string {
    return opId(
      this.write(
        origin,
        wall,
        { type: "create_user", user, salt: "", hash: "", params: PARAMS },
        user,
      ),
    );
  }

  /** Both trackers ending with the state of `ops` (all of them by default). */
  finals(ops = this.ops, second = ops): TrackerFinal[] {
    return [
      { n: 1, state: State.fromOperations(ops), ops },
      { n: 2, state: State.fromOperations(second), ops: second },
    ];
  }
}

/** ann owns g; bob is a member, carol asks to join. */
function clubScenario() {
  const s = new Scenario();
  const ann = s.user("A", 1, "ann");
  const bob = s.user("A", 2, "bob");
  const carol = s.user("A", 3, "carol");
  const g = opId(
    s.write("A", 4, { type: "create_group", group: "g", owner: "ann", ownerCreation: ann }, "ann"),
  );
  s.write("A", 5, {
    type: "join_request",
    group: "g",
    groupCreation: g,
    user: "bob",
    userCreation: bob,
  }, "bob");
  s.write("A", 6, {
    type: "resolve_request",
    group: "g",
    groupCreation: g,
    user: "bob",
    accept: true,
    owner: "ann",
    ownerCreation: ann,
  }, "ann");
  s.write("A", 7, {
    type: "join_request",
    group: "g",
    groupCreation: g,
    user: "carol",
    userCreation: carol,
  }, "carol");
  return { s, ann, bob, g };
}

Deno.test("checkHistory() names the rule behind a lost name and a former owner's accept", () => {
  const { s, ann, g } = clubScenario();
  // Cut apart: ann leaves on A (bob owns g there), and accepts carol on B, later by the clocks.
  s.write("A", 10, {
    type: "leave_group",
    group: "g",
    groupCreation: g,
    user: "ann",
    userCreation: ann,
  }, "ann");
  s.write("B", 11, {
    type: "resolve_request",
    group: "g",
    groupCreation: g,
    user: "carol",
    accept: true,
    owner: "ann",
    ownerCreation: ann,
  }, "ann");
  s.user("A", 12, "dan");
  s.history.at(-1)!.client = "c-dan-A";
  s.user("B", 13, "dan");
  s.answer("list_groups", "ann", { type: "fail", code: "not_owner" });
  s.answer("list_groups", "dan", { type: "fail", code: "name_taken" });
  const report = checkHistory(s.history, s.finals());
  deepEqual(report.problems, []);
  equal(report.superseded.length, 2, report.superseded.join("\n"));
  ok(report.superseded.some((l) => l.includes("set aside: accept by a former owner")));
  ok(
    report.superseded.some((l) =>
      /name_taken: contested create_user "dan" by dan@c-dan on tracker 2 .* lost to dan@c-dan-A on tracker 1/
        .test(l)
    ),
  );

  s.history.splice(-2); // nobody told them
  const silent = checkHistory(s.history, s.finals());
  equal(
    silent.problems.filter((p) => p.startsWith("never told")).length,
    2,
    silent.problems.join("\n"),
  );
});

Deno.test("checkHistory() takes name_taken as telling an owner whose own user name lost", () => {
  const s = new Scenario();
  const ann = s.user("A", 1, "ann");
  const bob = s.user("A", 2, "bob");
  const carol = s.user("A", 3, "carol");
  const g = opId(
    s.write("A", 4, { type: "create_group", group: "g", owner: "bob", ownerCreation: bob }, "bob"),
  );
  s.write("A", 5, {
    type: "join_request",
    group: "g",
    groupCreation: g,
    user: "carol",
    userCreation: carol,
  }, "carol");
  // ann answers as g's owner (as she was on her side of a cut) ...
  s.write("A", 6, {
    type: "resolve_request",
    group: "g",
    groupCreation: g,
    user: "carol",
    accept: true,
    owner: "ann",
    ownerCreation: ann,
  }, "ann");
  // ... but another "ann", created earlier by the clocks on B, wins the name: the first ann's
  // session is told name_taken at every command from then on, never the answer set aside.
  s.user("B", 0.5, "ann");
  s.history.at(-1)!.client = "c-ann-B";
  s.answer("list_groups", "ann", { type: "fail", code: "name_taken" });
  const report = checkHistory(s.history, s.finals());
  ok(report.superseded.some((l) => l.includes("set aside: accept by a former owner")));
  deepEqual(report.problems.filter((p) => p.startsWith("never told")), []);
});

Deno.test("checkHistory() catches a lost write", () => {
  const { s, bob } = clubScenario();
  const lost = s.write("B", 9, {
    type: "create_group",
    group: "h",
    owner: "bob",
    ownerCreation: bob,
  }, "bob");
  const held = s.ops.filter((op) => op !== lost);
  const report = checkHistory(s.history, s.finals(held));
  deepEqual(report.problems, [
    `lost write: create_group "h" by bob@c-bob on tracker 2 (#7) was acknowledged, not held by tracker 1, 2`,
  ]);
});

Deno.test("checkHistory() catches a resurrection: a removed group back with its old creation", () => {
  const s = new Scenario();
  const ann = s.user("A", 1, "ann");
  const g = opId(
    s.write("A", 2, { type: "create_group", group: "g", owner: "ann", ownerCreation: ann }, "ann"),
  );
  s.write("A", 3, {
    type: "leave_group",
    group: "g",
    groupCreation: g,
    user: "ann",
    userCreation: ann,
  }, "ann");
  s.history.at(-1)!.result = { removed: true };
  deepEqual(checkHistory(s.history, s.finals()).problems, []);
  // Tracker 2's state still has the group, though its log holds the leave.
  const [one] = s.finals();
  const stale: TrackerFinal = { n: 2, state: State.fromOperations(s.ops.slice(0, 2)), ops: s.ops };
  stale.state.apply({
    ...s.ops[2]!,
    body: { type: "create_user", user: "x", salt: "", hash: "", params: PARAMS },
  });
  const problems = checkHistory(s.history, [one!, stale]).problems;
  ok(
    problems.includes(
      `resurrection: tracker 2 holds group "g" removed by leave_group "g" by ann@c-ann on tracker 1 (#2)`,
    ),
    problems.join("\n"),
  );
});

Deno.test("checkHistory() accepts a group kept by a member admitted first on the other side", () => {
  const s = new Scenario();
  const ann = s.user("A", 1, "ann");
  const bob = s.user("A", 2, "bob");
  const g = opId(
    s.write("A", 3, { type: "create_group", group: "g", owner: "ann", ownerCreation: ann }, "ann"),
  );
  s.write("A", 4, {
    type: "join_request",
    group: "g",
    groupCreation: g,
    user: "bob",
    userCreation: bob,
  }, "bob");
  // Split: ann accepts bob on tracker 2, then leaves on tracker 1, which removes the group as
  // it knows it (ann its only member). Folded in order, bob was in first: the group is his.
  s.write("B", 5, {
    type: "resolve_request",
    group: "g",
    groupCreation: g,
    user: "bob",
    accept: true,
    owner: "ann",
    ownerCreation: ann,
  }, "ann");
  s.write("A", 6, {
    type: "leave_group",
    group: "g",
    groupCreation: g,
    user: "ann",
    userCreation: ann,
  }, "ann");
  s.history.at(-1)!.result = { removed: true };
  const finals = s.finals();
  equal(finals[0]!.state.group("g")?.owner, "bob");
  deepEqual(checkHistory(s.history, finals).problems, []);
});

Deno.test("checkHistory() catches two owners of one group", () => {
  const { s, ann, g } = clubScenario();
  s.write("A", 10, {
    type: "leave_group",
    group: "g",
    groupCreation: g,
    user: "ann",
    userCreation: ann,
  }, "ann");
  // Tracker 2 never applied the leave: ann still owns g there, bob on tracker 1.
  const problems = checkHistory(s.history, s.finals(s.ops, s.ops.slice(0, -1))).problems;
  ok(
    problems.includes(
      `two owners: group "g" is owned by "bob" on tracker 1, by "ann" on tracker 2`,
    ),
    problems.join("\n"),
  );
});
