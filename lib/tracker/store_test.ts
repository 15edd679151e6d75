import { encode } from "@msgpack/msgpack";
import { deepStrictEqual, equal } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { formatHlc, type OpBody, type Operation, orderKey, State } from "./state/mod.ts";
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

/** A temporary folder for one test's database, removed after `fn`. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peershare-store-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Apply each op to `live` and write it with the rows it changed, one commit each. */
async function writeEach(store: Store, live: State, ops: readonly Operation[]): Promise<void> {
  for (const o of ops) {
    live.apply(o);
    await store.write({ ops: [o], rows: live.takeDirty() }, live.lastOrderKey);
  }
}

Deno.test("Store.trim() saves only what changed, and a reopened store holds the same checkpoint", () =>
  withDir(async (dir) => {
    const path = `${dir}/tracker.db`;
    const store = Store.open(path);
    const live = new State();
    const ops = Array.from({ length: 300 }, (_, i) => op(i + 1));
    await writeEach(store, live, ops);
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
  }));

Deno.test("Store.trim() drops exactly the folded operations, also where an origin's clock went back", () =>
  withDir(async (dir) => {
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
    await writeEach(store, live, all);
    const point = orderKey(ops[49]!);
    const kept = all.filter((o) => orderKey(o) >= point).map((o) => `${o.origin}/${o.seq}`);
    equal(store.trim(point), all.length - kept.length);
    const left = store.allOperations().map((o) => `${o.origin}/${o.seq}`);
    deepStrictEqual(left.sort(), kept.sort());
    equal(store.opCount, kept.length);
    await store.close();
  }));

Deno.test("Store.open() upgrades a schema 1 database: each kept answer moves onto its operation", () =>
  withDir(async (dir) => {
    const path = `${dir}/tracker.db`;
    const old = new DatabaseSync(path);
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE ops (
        origin TEXT NOT NULL, seq INTEGER NOT NULL, wall INTEGER NOT NULL, counter INTEGER NOT NULL,
        key TEXT NOT NULL, request_id TEXT, body BLOB NOT NULL, PRIMARY KEY (origin, seq)
      ) WITHOUT ROWID;
      CREATE INDEX ops_by_request ON ops (request_id) WHERE request_id IS NOT NULL;
      CREATE TABLE entities (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE answers (request_id TEXT PRIMARY KEY, result BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE checkpoint (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE checkpoint_requests (request_id TEXT PRIMARY KEY) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('tracker_id', 'T1');
      PRAGMA user_version = 1;
    `);
    const o = op(5);
    old.prepare("INSERT INTO ops VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(o.origin, o.seq, o.hlc.wall, o.hlc.counter, o.key, o.requestId, encode(o.body));
    const putAnswer = old.prepare("INSERT INTO answers (request_id, result) VALUES (?, ?)");
    putAnswer.run("r5", encode({ user: "u5" }));
    putAnswer.run("gone", encode({ user: "trimmed long ago" }));
    old.close();

    const store = Store.open(path);
    try {
      deepStrictEqual(store.answerFor("r5"), { user: "u5" });
      equal(store.answerFor("gone"), undefined, "an answer without its operation is let go");
      equal(store.opCount, 1);
      const live = new State();
      const next = op(10);
      live.apply(next);
      await store.write(
        { ops: [next], rows: live.takeDirty(), answer: { requestId: "r10", result: { ok: 1 } } },
        live.lastOrderKey,
      );
      deepStrictEqual(store.answerFor("r10"), { ok: 1 });
    } finally {
      await store.close();
    }
    const reopened = Store.open(path);
    try {
      deepStrictEqual(reopened.answerFor("r10"), { ok: 1 }, "found again after a restart");
    } finally {
      await reopened.close();
    }
  }));

/** The saved rows' vector, read straight from the database file. */
function savedRowsVector(path: string): Record<string, number> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'rows_vector'").get();
    return JSON.parse(String(row?.value ?? "{}"));
  } finally {
    db.close();
  }
}

/** Whether a save of the rows is under way in the database file. */
function isSaving(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT 1 FROM meta WHERE key = 'rows_saving'").get() !== undefined;
  } finally {
    db.close();
  }
}

Deno.test("Store: rows saved behind the log; a store opened before they were applies the operations after them", () =>
  withDir(async (dir) => {
    const path = `${dir}/tracker.db`;
    // The first store never saves by time in this test: as if killed before its next save.
    const first = Store.open(path, { rowsSaveMs: 60_000 });
    const live = new State();
    const ops = Array.from({ length: 100 }, (_, i) => op(i + 1));
    await writeEach(first, live, ops.slice(0, 60));
    first.saveRows();
    await writeEach(first, live, ops.slice(60));
    deepStrictEqual(savedRowsVector(path), { T1: 60 }, "the last 40 operations' rows are unsaved");
    const second = Store.open(path);
    try {
      const state = second.loadState();
      equal(state.digest(), live.digest(), "saved rows and the operations after them");
      deepStrictEqual(state.requestIds().sort(), live.requestIds().sort());
      equal(state.lastOrderKey, live.lastOrderKey);
      deepStrictEqual(savedRowsVector(path), { T1: 100 }, "what it applied, saved at once");
    } finally {
      await second.close();
    }
    const third = Store.open(path);
    try {
      equal(third.loadState().digest(), live.digest(), "from the rows alone");
    } finally {
      await third.close();
      await first.close();
    }
  }));

Deno.test("Store: a save of the rows cut short, or operations after them that sort before, rebuild the state", () =>
  withDir(async (dir) => {
    const path = `${dir}/tracker.db`;
    const store = Store.open(path, { rowsSaveMs: 60_000 });
    const live = new State();
    await writeEach(store, live, Array.from({ length: 30 }, (_, i) => op(i + 1)));
    store.saveRows();
    // T2's operation sorts before T1's last: applied late, as replication does.
    const late: Operation = { ...op(31), origin: "T2", seq: 1, hlc: { wall: 1_000, counter: 0 } };
    equal(live.applyLate([late]), true);
    await store.write({ ops: [late], rows: live.takeDirty() }, live.lastOrderKey);
    const reopened = Store.open(path);
    try {
      equal(reopened.loadState().digest(), live.digest(), "rebuilt: the late one sorts first");
    } finally {
      await reopened.close();
    }

    // Users in one write, more than a commit carries while saving: a save is left under way.
    const saving = Store.open(path, { rowsSaveMs: 0 });
    const state = saving.loadState();
    const users: Operation[] = Array.from({ length: 1_200 }, (_, i) => {
      const body: OpBody = {
        type: "create_user",
        user: `many${i}`,
        salt: "",
        hash: "",
        params: PARAMS,
      };
      return {
        origin: "T1",
        seq: 31 + i,
        hlc: { wall: 5_000 + i, counter: 0 },
        key: keyOf(body),
        requestId: null,
        body,
      };
    });
    for (const o of users) state.apply(o);
    await saving.write({ ops: users, rows: state.takeDirty() }, state.lastOrderKey);
    equal(isSaving(path), true, "the rows' save spans commits");
    const cut = Store.open(path);
    try {
      equal(cut.loadState().digest(), state.digest(), "rebuilt from the checkpoint and the log");
      equal(isSaving(path), false);
    } finally {
      await cut.close();
      await saving.close();
      await store.close();
    }
  }));

Deno.test("Store.trim() past every operation makes the live state the checkpoint, read back the same", () =>
  withDir(async (dir) => {
    const path = `${dir}/tracker.db`;
    const store = Store.open(path);
    const live = new State();
    const ops = Array.from({ length: 200 }, (_, i) => op(i + 1));
    await writeEach(store, live, ops.slice(0, 120));
    const past = (o: Operation) => formatHlc({ wall: o.hlc.wall + 1, counter: 0 });
    equal(store.trim(past(ops[119]!)), 120);
    equal(store.opCount, 0);
    equal(store.checkpoint()?.digest(), live.digest(), "the checkpoint is the live state");
    await writeEach(store, live, ops.slice(120));
    // A trim that keeps operations, then one past all of them again.
    equal(store.trim(orderKey(ops[149]!)), 29);
    equal(store.trim(past(ops[199]!)), 51);
    equal(store.checkpoint()?.digest(), live.digest());
    await store.close();
    const reopened = Store.open(path);
    try {
      const checkpoint = reopened.checkpoint()!;
      equal(checkpoint.digest(), live.digest(), "on disk");
      deepStrictEqual(checkpoint.requestIds().sort(), live.requestIds().sort());
      equal(checkpoint.lastOrderKey, live.lastOrderKey);
      equal(reopened.loadState().digest(), live.digest());
    } finally {
      await reopened.close();
    }
  }));
