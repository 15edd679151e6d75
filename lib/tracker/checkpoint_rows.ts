/**
 * The trimmed log's checkpoint as the tracker's database holds it (store.ts): the rows in table
 * `checkpoint`, the request ids folded into it in `checkpoint_requests`, and in `meta` the point
 * it was trimmed at, its last order key and the base vector. Read back whole; saved whole (a
 * snapshot from another tracker) or as what a trim changed. Called inside the store's
 * transaction.
 */
import { decode, Encoder } from "@msgpack/msgpack";
import type { DatabaseSync } from "node:sqlite";
import { type Entity, State } from "./state/mod.ts";

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
  savePoint(db, checkpoint, at);
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
  const putRow = db.prepare("INSERT OR REPLACE INTO checkpoint (key, value) VALUES (?, ?)");
  const dropRow = db.prepare("DELETE FROM checkpoint WHERE key = ?");
  for (const [key, entity] of checkpoint.takeDirty()) {
    if (entity === null) dropRow.run(key);
    else putRow.run(key, encodeRow(entity));
  }
  const putId = db.prepare("INSERT OR IGNORE INTO checkpoint_requests (request_id) VALUES (?)");
  for (const id of requestIds) putId.run(id);
  savePoint(db, checkpoint, at);
}

function savePoint(db: DatabaseSync, checkpoint: State, { point, base }: CheckpointPoint): void {
  const putMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  putMeta.run("checkpoint_point", point);
  putMeta.run("checkpoint_order_key", checkpoint.lastOrderKey);
  putMeta.run("base_vector", JSON.stringify(base));
}
