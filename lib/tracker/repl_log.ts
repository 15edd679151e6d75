/**
 * The log side of replication: what to send another tracker (a batch of what it lacks, or a
 * snapshot when that left our log), and how to take in what another tracker sends (check,
 * append, apply or rebuild, commit).
 */
import { decode, encode } from "@msgpack/msgpack";
import { ProtocolError } from "../common/errors.ts";
import type { Logger } from "../common/logger.ts";
import { decodeMessage, REPL_BATCH_BYTES, ReplSnapshotSchema } from "../wire/mod.ts";
import {
  checkRow,
  type Entity,
  hlcOfOrderKey,
  type HybridClock,
  keyOf,
  type Operation,
  orderKey,
  parseOperation,
  State,
} from "./state/mod.ts";
import type { Store, StoredOp } from "./store.ts";

/** Default: an operation stamped this far ahead of our clock is refused (and its link closed). */
export const MAX_CLOCK_SKEW_MS = 60_000;
const OPS_PER_QUERY = 2000;

/** What {@linkcode ReplicatedLog} works on. */
export interface ReplicatedLogOptions {
  store: Store;
  state: State;
  clock: HybridClock;
  logger: Logger;
  maxClockSkewMs?: number;
  /** This tracker's wall clock. */
  now: () => number;
}

/** Batches out, operations and snapshots in. */
export class ReplicatedLog {
  readonly #options: ReplicatedLogOptions;

  constructor(options: ReplicatedLogOptions) {
    this.#options = options;
  }

  /** Whether a remote that holds `sent` lacks operations that left our log (new, or wiped). */
  needsSnapshot(sent: Map<string, number>): boolean {
    for (const [origin, seq] of Object.entries(this.#options.store.baseVector())) {
      if ((sent.get(origin) ?? 0) < seq) return true;
    }
    return false;
  }

  /** The checkpoint as a REPL_SNAPSHOT message; `sent` moves past what it covers. */
  snapshot(sent: Map<string, number>): Record<string, unknown> {
    const { store } = this.#options;
    const checkpoint = store.checkpoint() ?? new State();
    const vector = store.baseVector();
    for (const [origin, seq] of Object.entries(vector)) {
      if ((sent.get(origin) ?? 0) < seq) sent.set(origin, seq);
    }
    return {
      // The last operation folded, not the trim point: an operation can sort exactly at the
      // point (trim.ts's bound is an operation's own key), and the receiver takes `point` as the
      // last key its checkpoint applied, so it would count that operation as folded and drop it.
      point: checkpoint.lastOrderKey,
      vector,
      rows: checkpoint.rows().map(([key, entity]) => [key, encode(entity)]),
      requestIds: checkpoint.requestIds(),
    };
  }

  /** The next operations a remote that holds `sent` lacks, in order per origin; moves `sent`. */
  nextBatch(sent: Map<string, number>): StoredOp[] {
    const { store } = this.#options;
    const batch: StoredOp[] = [];
    let bytes = 0;
    for (const [origin, held] of store.vector()) {
      let from = sent.get(origin) ?? 0;
      while (from < held && bytes < REPL_BATCH_BYTES) {
        const rows = store.opsAfter(origin, from, OPS_PER_QUERY);
        if (rows.length === 0) break; // queued but not yet committed: next round
        for (const row of rows) {
          if (bytes >= REPL_BATCH_BYTES) break;
          batch.push(row);
          bytes += row[6].length + row[4].length + 64;
          from = row[1];
        }
      }
      sent.set(origin, from);
      if (bytes >= REPL_BATCH_BYTES) break;
    }
    return batch;
  }

  /** Take a snapshot from a tracker whose log no longer holds what we lack. */
  async installSnapshot(payload: Uint8Array): Promise<void> {
    const { store, state } = this.#options;
    const snapshot = decodeMessage(ReplSnapshotSchema, payload, "snapshot");
    if (snapshot.point <= store.trimmedAt) return; // we are past it already
    // A snapshot that covers less of some origin than our checkpoint does would forget what we
    // hold (our base vector still says we hold it, so it would never come again): keep ours.
    // Two trackers that both see a new tracker behind send it a snapshot each, at once.
    const base = store.baseVector();
    const covers = (origin: string) => (snapshot.vector[origin] ?? 0) >= (base[origin] ?? 0);
    if (!Object.keys(base).every(covers)) return;
    // Every row is checked before any replaces our state, as operations are.
    const rows = snapshot.rows.map(([key, value]) => {
      const entity = decodeBody(value);
      const why = checkRow(key, entity);
      if (why) throw new ProtocolError("invalid_operation", `Snapshot refused: ${why}`);
      return [key, entity as Entity] as [string, Entity];
    });
    const checkpoint = State.load(rows, snapshot.requestIds, snapshot.point);
    store.installSnapshot(checkpoint, snapshot.point, snapshot.vector);
    // Our next operation must sort after the snapshot, even when our wall clock is behind.
    const pointHlc = hlcOfOrderKey(snapshot.point);
    if (pointHlc) this.#options.clock.observe(pointHlc);
    state.rebuild(store.allOperations(), store.checkpoint());
    await store.write({ ops: [], rows: state.takeDirty() }, state.lastOrderKey);
    this.#options.logger.info(`Took a snapshot of ${rows.length} row(s) from another tracker`);
  }

  /**
   * Take operations from another tracker: skip those held, refuse gaps and clocks too far ahead,
   * apply the rest in order (when one sorts before the last applied, undoing and redoing those
   * after it, or rebuilding the state when the journal does not reach back that far), and
   * commit them with the rows they changed.
   *
   * @returns whether anything new was taken
   * @throws {ProtocolError} when an operation is invalid; nothing of the batch is kept then
   */
  async ingest(rows: readonly StoredOp[]): Promise<boolean> {
    const { store, state, clock } = this.#options;
    const fresh = this.#checkIncoming(rows);
    if (fresh.length === 0) return false;
    for (const op of fresh) clock.observe(op.hlc);
    fresh.sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1));
    if (state.canAppend(fresh[0]!)) {
      for (const op of fresh) state.apply(op);
    } else if (!state.applyLate(fresh)) {
      state.rebuild([...store.allOperations(), ...fresh], store.checkpoint());
    }
    await store.write({ ops: fresh, rows: state.takeDirty() }, state.lastOrderKey);
    return true;
  }

  #checkIncoming(rows: readonly StoredOp[]): Operation[] {
    const { store } = this.#options;
    const held = new Map<string, number>();
    const fresh: Operation[] = [];
    for (const row of rows) {
      const [origin, seq] = row;
      const last = held.get(origin) ?? store.heldFrom(origin);
      if (seq <= last) continue;
      if (seq !== last + 1) {
        throw new ProtocolError("gap", `Operation ${origin}:${seq} arrived before ${last + 1}`);
      }
      fresh.push(this.#parse(row));
      held.set(origin, seq);
    }
    return fresh;
  }

  #parse([origin, seq, wall, counter, key, requestId, body]: StoredOp): Operation {
    const now = this.#options.now();
    const maxSkew = this.#options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS;
    if (wall > now + maxSkew) {
      throw new ProtocolError(
        "clock_skew",
        `Operation ${origin}:${seq} is stamped ${wall - now} ms ahead of this tracker's clock`,
      );
    }
    const hlc = { wall, counter };
    const op = parseOperation({ origin, seq, hlc, key, requestId, body: decodeBody(body) });
    if (typeof op === "string" || keyOf(op.body) !== key) {
      throw new ProtocolError("invalid_operation", `Invalid operation ${origin}:${seq}`);
    }
    return op;
  }
}

function decodeBody(bytes: Uint8Array): unknown {
  try {
    return decode(bytes);
  } catch (cause) {
    throw new ProtocolError("invalid_operation", "Undecodable operation body", { cause });
  }
}
