import { deepStrictEqual, equal } from "node:assert/strict";
import { type OpBody, type Operation, orderKey, State } from "./state/mod.ts";
import { Store } from "./store.ts";
import { keyOf } from "./state/ops.ts";

const PARAMS = { N: 16, r: 1, p: 1 };

/** Operation `seq` of tracker T1: users made and some logged out, every fifth with a request id. */
function op(seq: number): Operation {
  const user = `u${seq % 40}`;
  const body: OpBody = seq % 3 === 0
    ? { type: "logout", user, userCreation: `T1:${seq % 40 || 40}`, peerId: `p${seq}` }
    : { type: "create_user", user, salt: "", hash: "", params: PARAMS };
  const requestId = seq % 5 === 0 ? `r${seq}` : null;
  return {
    origin: "T1",
    seq,
    hlc: { wall: 1_000 + seq, counter: 0 },
    key: keyOf(body),
    requestId,
    body,
  };
}

Deno.test("Store.trim() saves only what changed, and a reopened store holds the same checkpoint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peershare-store-" });
  try {
    const path = `${dir}/tracker.db`;
    const store = Store.open(path);
    const live = new State();
    const ops = Array.from({ length: 300 }, (_, i) => op(i + 1));
    for (const o of ops) {
      live.apply(o);
      await store.write({ ops: [o], rows: live.takeDirty() }, live.lastOrderKey);
    }
    const points = [orderKey(ops[99]!), orderKey(ops[199]!), orderKey(ops[249]!)];
    for (const point of points) {
      const trimmed = store.trim(point);
      const expected = State.fromOperations(ops.filter((o) => orderKey(o) < point));
      equal(store.checkpoint()?.digest(), expected.digest(), `in memory at ${point}`);
      equal(trimmed > 0, true);
    }
    equal(store.opCount, 300 - 249);
    await store.close();

    const reopened = Store.open(path);
    try {
      const expected = State.fromOperations(ops.slice(0, 249));
      const checkpoint = reopened.checkpoint()!;
      equal(checkpoint.digest(), expected.digest(), "on disk");
      deepStrictEqual(checkpoint.requestIds().sort(), expected.requestIds().sort());
      equal(checkpoint.lastOrderKey, expected.lastOrderKey);
      const state = reopened.loadState();
      state.rebuild(reopened.allOperations(), reopened.checkpoint());
      equal(state.digest(), live.digest(), "checkpoint and log fold to the live state");
    } finally {
      await reopened.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Store.trim() drops exactly the folded operations, also where an origin's clock went back", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peershare-store-" });
  try {
    const store = Store.open(`${dir}/tracker.db`);
    const live = new State();
    const ops = Array.from({ length: 60 }, (_, i) => op(i + 1));
    // T2's second operation sorts after the trim point, its later ones before it.
    const t2 = [1, 2, 3, 4].map((seq) => ({
      ...op(100 + seq),
      origin: "T2",
      seq,
      hlc: { wall: seq === 2 ? 9_000 : 1_000 + seq * 10, counter: 0 },
    }));
    const all = [...ops, ...t2].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1));
    for (const o of all) {
      live.apply(o);
      await store.write({ ops: [o], rows: live.takeDirty() }, live.lastOrderKey);
    }
    const point = orderKey(ops[49]!);
    const kept = all.filter((o) => orderKey(o) >= point).map((o) => `${o.origin}/${o.seq}`);
    equal(store.trim(point), all.length - kept.length);
    const left = store.allOperations().map((o) => `${o.origin}/${o.seq}`);
    deepStrictEqual(left.sort(), kept.sort());
    equal(store.opCount, kept.length);
    await store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
