/**
 * The checkpoint the tracker's log is trimmed into (store.ts keeps the log, this the state below
 * the trim point): where it stands, the state itself (read from the database once, then kept),
 * and the two ways a trim moves it on, folding the operations below the point into it or, when
 * the point is past every operation held and the checkpoint was the live state at the last
 * trim, taking the live state whole. Each trim and snapshot commits in a transaction of its own.
 */
import type { DatabaseSync } from "node:sqlite";
import {
  copyLiveRows,
  dropFolded,
  loadCheckpoint,
  saveCheckpoint,
  saveCheckpointChanges,
} from "./checkpoint_rows.ts";
import { type Entity, type Operation, orderKey, State } from "./state/mod.ts";

/** What a trim needs of the store, with nothing queued. */
export interface TrimmedLog {
  /** The live state's last order key. */
  readonly lastOrderKey: string;
  /** Highest sequence number held per origin. */
  readonly vector: ReadonlyMap<string, number>;
  /** Every operation in the log, decoded. */
  allOperations(): Operation[];
  /**
   * Inside the trim's transaction, save every changed live row first (no operation may leave the
   * log before its rows are saved); returns what to call once it has committed.
   */
  saveRows(): () => void;
}

/** The trimmed log's checkpoint. */
export class Checkpoint {
  readonly #db: DatabaseSync;
  #kept: State | undefined;
  /**
   * The rows written since the checkpoint last was the whole live state (after a trim that left
   * nothing in the log); null when it has not been since the database was opened.
   */
  #changedSinceLive: Set<string> | null;

  /** The checkpoint in `db`; `isLogEmpty`: the state held is the checkpoint's. */
  constructor(db: DatabaseSync, isLogEmpty: boolean) {
    this.#db = db;
    this.#changedSinceLive = isLogEmpty ? new Set() : null;
  }

  /** The point the log was trimmed at ("" when never trimmed). */
  get trimmedAt(): string {
    return this.#meta("checkpoint_point") ?? "";
  }

  /** Per origin, the highest sequence number folded into the checkpoint. */
  baseVector(): Record<string, number> {
    const text = this.#meta("base_vector");
    return text === undefined ? {} : JSON.parse(text) as Record<string, number>;
  }

  /** The state at the trim point, when the log has been trimmed (kept: not to be changed). */
  state(): State | undefined {
    if (this.#kept === undefined && this.trimmedAt !== "") {
      this.#kept = loadCheckpoint(this.#db, this.#meta("checkpoint_order_key") ?? "");
    }
    return this.#kept;
  }

  /** Rows a write changed in the live state. */
  noteRows(rows: Iterable<readonly [string, Entity | null]>): void {
    if (this.#changedSinceLive) { for (const [key] of rows) this.#changedSinceLive.add(key); }
  }

  /**
   * Fold every operation of `log` that sorts below `point` into the checkpoint and drop it from
   * the log.
   *
   * @returns the operations that left the log, `"all"` when every one did
   */
  trim(point: string, log: TrimmedLog): readonly Operation[] | "all" {
    if (point <= this.trimmedAt) return [];
    if (this.#changedSinceLive !== null && log.lastOrderKey < point) {
      this.#takeLive(point, log, this.#changedSinceLive);
      return "all";
    }
    // Each key made once: made in the sort's comparisons, they cost a tenth of a trim.
    const keyed = log.allOperations().map((op) => ({ op, key: orderKey(op) }));
    const below = keyed.filter(({ key }) => key < point)
      .sort((a, b) => (a.key < b.key ? -1 : 1)).map(({ op }) => op);
    if (below.length === 0) return [];
    // Folded into the kept checkpoint itself and saved as the rows that changed: a copy and a
    // rewrite of every row on each trim (every 10 s) stopped a tracker for seconds once it held
    // tens of thousands of rows. A failed commit drops it, to be read again from the database.
    const checkpoint = this.state() ?? new State();
    const requestIds: string[] = [];
    // An operation the checkpoint already covers (a snapshot's point passed it) is not applied
    // again: applying below the last applied key would throw.
    for (const op of below) {
      if (!checkpoint.canAppend(op)) {
        checkpoint.absorbLate(op);
        continue;
      }
      checkpoint.apply(op);
      if (op.requestId !== null) requestIds.push(op.requestId);
    }
    checkpoint.clearJournal();
    const base = this.baseVector();
    for (const op of below) base[op.origin] = Math.max(base[op.origin] ?? 0, op.seq);
    this.#inTransaction(log, () => {
      dropFolded(this.#db, below, keyed.filter(({ key }) => key >= point).map(({ op }) => op));
      saveCheckpointChanges(this.#db, checkpoint, requestIds, { point, base });
    });
    this.#kept = checkpoint;
    // With nothing left above the point, the checkpoint is the live state.
    this.#changedSinceLive = below.length === keyed.length ? new Set() : null;
    return below;
  }

  /**
   * Take the live state as the checkpoint: the rows changed since it last was are copied from
   * the saved live rows, without reading the log back or folding it again (under 200 writing
   * clients a trim of ~100,000 operations took ~30 µs each folding, 10-12 µs so).
   */
  #takeLive(point: string, log: TrimmedLog, changed: ReadonlySet<string>): void {
    const base = this.baseVector();
    for (const [origin, seq] of log.vector) base[origin] = Math.max(base[origin] ?? 0, seq);
    const at = { point, base, lastOrderKey: log.lastOrderKey };
    this.#inTransaction(log, () => copyLiveRows(this.#db, changed, at));
    // Read back when next needed (a rebuild, a snapshot for another tracker).
    this.#kept = undefined;
    this.#changedSinceLive = new Set();
  }

  /** The live rows saved, then `write`, in one transaction; the kept state dropped if it fails. */
  #inTransaction(log: TrimmedLog, write: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const saved = log.saveRows();
      write();
      this.#db.exec("COMMIT");
      saved();
    } catch (error) {
      this.#db.exec("ROLLBACK");
      this.#kept = undefined;
      throw error;
    }
  }

  /**
   * Take a snapshot from another tracker (this one was behind the others' trimmed logs): it
   * becomes the checkpoint, and held operations it covers leave the log.
   *
   * @returns the new base vector
   */
  installSnapshot(
    snapshot: State,
    point: string,
    vector: Record<string, number>,
  ): Record<string, number> {
    const base = this.baseVector();
    for (const [origin, seq] of Object.entries(vector)) {
      base[origin] = Math.max(base[origin] ?? 0, seq);
    }
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const drop = this.#db.prepare("DELETE FROM ops WHERE origin = ? AND seq <= ?");
      for (const [origin, seq] of Object.entries(vector)) drop.run(origin, seq);
      saveCheckpoint(this.#db, snapshot, { point, base });
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
    this.#kept = snapshot;
    this.#changedSinceLive = null;
    return base;
  }

  #meta(key: string): string | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = ?").get(key);
    return row === undefined ? undefined : String(row.value);
  }
}
