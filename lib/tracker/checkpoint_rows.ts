/**
 * The trimmed log's checkpoint as the tracker's database holds it (store.ts): the rows in table
 * `checkpoint`, the request ids folded into it in `checkpoint_requests`, and in `meta` the point
 * it was trimmed at, its last order key and the base vector. Read back whole; saved whole (a
 * snapshot from another tracker) or as what a trim changed. Called inside the store's
 * transaction.
 */
import { decode, Encoder } from "@msgpack/msgpack";
import type { DatabaseSync } from "node:sqlite";
import { type Entity, type Operation, State } from "./state/mod.ts";

/** One encoder for every stored row and body (the library's encode() makes one per call). */
const encoder = new Encoder();

/** The MessagePack of a row or an operation body, as the store keeps it. */
export function encodeRow(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** The checkpoint saved last. */
export function loadCheckpoint(db: DatabaseSync, lastOrderKey: string): State {
  const rows = db.prepare("SELECT key, value FROM checkpoint").all()
    .map((row) => [String(row.key), decode(row.value as Uint8Array) as Entity] as [string, Entity]);
  const ids = db.prepare("SELECT request_id FROM checkpoint_requests").all()
    .map((row) => String(row.request_id));
  return State.load(rows, ids, lastOrderKey);
}

/** Where a checkpoint stands: the trim point and, per origin, the last sequence number in it. */
export interface CheckpointPoint {
  point: string;
  base: Record<string, number>;
}

/** Replace the saved checkpoint by `checkpoint`, every row. */
export function saveCheckpoint(db: DatabaseSync, checkpoint: State, at: CheckpointPoint): void {
  db.exec("DELETE FROM checkpoint; DELETE FROM checkpoint_requests;");
  const putRow = db.prepare("INSERT INTO checkpoint (key, value) VALUES (?, ?)");
  for (const [key, entity] of checkpoint.rows()) putRow.run(key, encodeRow(entity));
  const putId = db.prepare("INSERT INTO checkpoint_requests (request_id) VALUES (?)");
  for (const id of checkpoint.requestIds()) putId.run(id);
  savePoint(db, { ...at, lastOrderKey: checkpoint.lastOrderKey });
  checkpoint.takeDirty();
}

/**
 * Save what folding changed in the checkpoint: its dirty rows, and `requestIds`, the ids of the
 * operations folded in.
 */
export function saveCheckpointChanges(
  db: DatabaseSync,
  checkpoint: State,
  requestIds: readonly string[],
  at: CheckpointPoint,
): void {
  const rows = checkpoint.takeDirty();
  saveCheckpointRows(db, rows, requestIds, { ...at, lastOrderKey: checkpoint.lastOrderKey });
}

/**
 * The checkpoint becomes the live state, when every operation folds into it: the rows at `keys`
 * (those changed since it last was) copied from table `entities`, which holds the live state
 * then, and every operation's request id; the log is emptied.
 */
export function copyLiveRows(
  db: DatabaseSync,
  keys: Iterable<string>,
  at: CheckpointPoint & { lastOrderKey: string },
): void {
  const copyRow = db.prepare(
    "INSERT OR REPLACE INTO checkpoint (key, value) SELECT key, value FROM entities WHERE key = ?",
  );
  const dropRow = db.prepare("DELETE FROM checkpoint WHERE key = ?");
  for (const key of [...keys].sort()) {
    if (copyRow.run(key).changes === 0) dropRow.run(key);
  }
  db.exec(`INSERT OR IGNORE INTO checkpoint_requests (request_id)
    SELECT request_id FROM ops WHERE request_id IS NOT NULL ORDER BY request_id;
    DELETE FROM ops;`);
  savePoint(db, at);
}

/**
 * Save changed rows of the checkpoint (null: deleted), the ids of the operations folded in, and
 * where it now stands, its last order key among it.
 */
function saveCheckpointRows(
  db: DatabaseSync,
  rows: Iterable<readonly [string, Entity | null]>,
  requestIds: readonly string[],
  at: CheckpointPoint & { lastOrderKey: string },
): void {
  const putRow = db.prepare("INSERT OR REPLACE INTO checkpoint (key, value) VALUES (?, ?)");
  const dropRow = db.prepare("DELETE FROM checkpoint WHERE key = ?");
  for (const [key, entity] of byKey(rows)) {
    if (entity === null) dropRow.run(key);
    else putRow.run(key, encodeRow(entity));
  }
  const putId = db.prepare("INSERT OR IGNORE INTO checkpoint_requests (request_id) VALUES (?)");
  for (const id of [...requestIds].sort()) putId.run(id);
  savePoint(db, at);
}

/**
 * Rows in key order: B-tree inserts at scattered keys cost 2-3 times as much as the same
 * inserts sorted (20,000 rows into a table of 100,000: 9-11 µs each against 4).
 */
export function byKey<T>(rows: Iterable<readonly [string, T]>): Array<readonly [string, T]> {
  return [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function savePoint(
  db: DatabaseSync,
  { point, base, lastOrderKey }: CheckpointPoint & { lastOrderKey: string },
): void {
  const putMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  putMeta.run("checkpoint_point", point);
  putMeta.run("checkpoint_order_key", lastOrderKey);
  putMeta.run("base_vector", JSON.stringify(base));
}

/**
 * Delete the folded operations from the log: per origin one range (`seq <= highest folded`)
 * where every operation of that origin up to it was folded (an origin's clock only moves
 * forward, so it always is), else one by one. A trim folds tens of thousands of operations:
 * a statement for each cost a sixth of it.
 */
export function dropFolded(
  db: DatabaseSync,
  folded: readonly Operation[],
  kept: readonly Operation[],
): void {
  const highestFolded = new Map<string, number>();
  for (const op of folded) {
    highestFolded.set(op.origin, Math.max(highestFolded.get(op.origin) ?? 0, op.seq));
  }
  const interleaved = new Set<string>();
  for (const op of kept) {
    if (op.seq < (highestFolded.get(op.origin) ?? 0)) interleaved.add(op.origin);
  }
  const dropUpTo = db.prepare("DELETE FROM ops WHERE origin = ? AND seq <= ?");
  for (const [origin, seq] of highestFolded) {
    if (!interleaved.has(origin)) dropUpTo.run(origin, seq);
  }
  const drop = db.prepare("DELETE FROM ops WHERE origin = ? AND seq = ?");
  for (const op of folded) if (interleaved.has(op.origin)) drop.run(op.origin, op.seq);
}
