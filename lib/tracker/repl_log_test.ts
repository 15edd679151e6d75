import { deepStrictEqual, equal } from "node:assert/strict";
import { Logger } from "../common/logger.ts";
import { encodeMessage } from "../wire/mod.ts";
import { ReplicatedLog } from "./repl_log.ts";
import {
  formatHlc,
  hlcOfOrderKey,
  HybridClock,
  type OpBody,
  type Operation,
  orderKey,
  State,
} from "./state/mod.ts";
import { keyOf } from "./state/ops.ts";
import { Store } from "./store.ts";

const PARAMS = { N: 16, r: 1, p: 1 };

/** Operation `seq` of tracker T1: user `u<seq>` made. */
function op(seq: number): Operation {
  const body: OpBody = { type: "create_user", user: `u${seq}`, salt: "", hash: "", params: PARAMS };
  return {
    origin: "T1",
    seq,
    hlc: { wall: 1_000 + seq, counter: 0 },
    key: keyOf(body),
    requestId: null,
    body,
  };
}

/** A store, its live state and the log over them, in `dir`. */
function tracker(dir: string, name: string) {
  const store = Store.open(`${dir}/${name}.db`);
  const state = new State();
  const log = new ReplicatedLog({
    store,
    state,
    clock: new HybridClock(() => 10_000),
    logger: new Logger(name, { quiet: true }),
    now: () => 10_000,
  });
  return { store, state, log };
}

Deno.test("a snapshot taken at an operation's own order key does not swallow that operation", async () => {
  const dir = await Deno.makeTempDir({ prefix: "peershare-repl-log-" });
  const sender = tracker(dir, "sender");
  const receiver = tracker(dir, "receiver");
  try {
    const ops = Array.from({ length: 10 }, (_, i) => op(i + 1));
    for (const o of ops) {
      sender.state.apply(o);
      await sender.store.write(
        { ops: [o], rows: sender.state.takeDirty() },
        sender.state.lastOrderKey,
      );
    }
    // trim.ts's bound for an origin some tracker holds only part of is the order key of the last
    // operation all hold: everything below it is folded, that operation itself stays in the log.
    equal(sender.store.trim(orderKey(ops[5]!)), 5);
    const sent = new Map<string, number>();
    equal(sender.log.needsSnapshot(sent), true);
    await receiver.log.installSnapshot(encodeMessage(sender.log.snapshot(sent)));
    equal(sent.get("T1"), 5);
    await receiver.log.ingest(sender.log.nextBatch(sent));
    equal(receiver.store.heldFrom("T1"), 10);
    equal(receiver.state.digest(), sender.state.digest(), "u6 is on both");
    equal(receiver.state.user("u6")?.name, "u6");
  } finally {
    await sender.store.close();
    await receiver.store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hlcOfOrderKey() reads the timestamp an operation's key or a trim point starts with", () => {
  const hlc = { wall: 1_700_000_000_123, counter: 7 };
  const key = orderKey({ ...op(3), hlc });
  deepStrictEqual(hlcOfOrderKey(key), hlc);
  deepStrictEqual(hlcOfOrderKey(formatHlc(hlc)), hlc);
  equal(hlcOfOrderKey(""), undefined, "never trimmed");
  equal(hlcOfOrderKey("not-a-key-at-all-xyz"), undefined);
});
