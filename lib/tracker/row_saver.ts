/**
 * The state rows, saved behind the operation log (store.ts): a write commits its operations,
 * and the rows they changed wait here, each saved once however often it changed.
 *
 * Every `ROWS_SAVE_MS` the rows changed so far become a save, written in sorted slices of
 * `ROWS_SLICE` with the commits that follow, so no commit carries more than a slice: 15,000 rows
 * written at once stopped a busy tracker for ~150 ms. While a save is under way the meta table
 * says `rows_saving`; its last slice writes the order key and the per-origin vector of the
 * operations the rows reflect and clears it. A row saved with every commit, as before, cost a
 * page of the B-tree written and synced for each, at scattered keys: ~75% of a busy tracker's
 * commit time.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { byKey, encodeRow } from "./checkpoint_rows.ts";
import type { Entity } from "./state/mod.ts";

/** How long changed rows wait before a save of them begins (the log holds their operations). */
export const ROWS_SAVE_MS = 1_000;
/** Changed rows at which a save begins, however recent the last. */
const ROWS_SAVE_MAX = 50_000;
/** Rows written with one commit while a save is under way (~10 µs each). */
export const ROWS_SLICE = 500;

/** Meta keys: the vector and order key the saved rows reflect, and a save under way. */
export const ROWS_META = {
  vector: "rows_vector",
  orderKey: "last_order_key",
  saving: "rows_saving",
} as const;

/** What the rows reflect once saved: the store's vector (as JSON) and its last order key. */
export interface RowsPoint {
  readonly vector: string;
  readonly orderKey: string;
}

interface Save {
  readonly rows: ReadonlyArray<readonly [string, Entity | null]>;
  readonly point: RowsPoint;
  next: number;
}

/** Changed rows, and the save of them under way. */
export class RowSaver {
  readonly #putRow: StatementSync;
  readonly #deleteRow: StatementSync;
  readonly #putMeta: StatementSync;
  readonly #deleteMeta: StatementSync;
  #unsaved = new Map<string, Entity | null>();
  #save: Save | null = null;
  #savedAt = performance.now();
  readonly #saveMs: number;

  /** Saves of `db`'s entities table; a save begins `saveMs` after the last one ended. */
  constructor(db: DatabaseSync, saveMs = ROWS_SAVE_MS) {
    this.#saveMs = saveMs;
    this.#putRow = db.prepare("INSERT OR REPLACE INTO entities (key, value) VALUES (?, ?)");
    this.#deleteRow = db.prepare("DELETE FROM entities WHERE key = ?");
    this.#putMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    this.#deleteMeta = db.prepare("DELETE FROM meta WHERE key = ?");
  }

  /** Rows a write changed (null: deleted), in the order writes are queued. */
  note(rows: Iterable<readonly [string, Entity | null]>): void {
    for (const [key, entity] of rows) this.#unsaved.set(key, entity);
  }

  /** Whether nothing waits to be saved. */
  get isClean(): boolean {
    return this.#save === null && this.#unsaved.size === 0;
  }

  /** Whether the next commit should carry a slice: a save is under way or one is due. */
  get isDue(): boolean {
    if (this.#save !== null) return true;
    if (this.#unsaved.size === 0) return false;
    return this.#unsaved.size >= ROWS_SAVE_MAX ||
      performance.now() - this.#savedAt >= this.#saveMs;
  }

  /** Milliseconds until {@linkcode isDue} turns true by itself; undefined when nothing waits. */
  get msUntilDue(): number | undefined {
    if (this.#save !== null) return 0;
    if (this.#unsaved.size === 0) return undefined;
    return Math.max(0, this.#savedAt + this.#saveMs - performance.now());
  }

  /**
   * Inside a transaction: the next slice of the save under way, beginning one at `point` (what
   * the rows changed so far reflect) when none is.
   *
   * @returns what to call once the transaction has committed
   */
  writeSlice(point: RowsPoint): () => void {
    if (this.#save === null) {
      if (this.#unsaved.size === 0) return () => {};
      const rows = byKey(this.#unsaved);
      this.#save = { rows, point, next: 0 };
      this.#unsaved = new Map();
    }
    const save = this.#save;
    if (save.next === 0) this.#putMeta.run(ROWS_META.saving, "1");
    const end = Math.min(save.rows.length, save.next + ROWS_SLICE);
    this.#writeRows(save.rows, save.next, end);
    if (end === save.rows.length) this.#writePoint(save.point);
    return () => {
      save.next = end;
      if (end < save.rows.length) return;
      this.#save = null;
      this.#savedAt = performance.now();
    };
  }

  /**
   * Inside a transaction: every row still unsaved, the save under way first, at `point` (what
   * every row noted reflects).
   *
   * @returns what to call once the transaction has committed
   */
  writeAll(point: RowsPoint): () => void {
    if (this.isClean) return () => {};
    const save = this.#save;
    if (save) this.#writeRows(save.rows, save.next, save.rows.length);
    const rows = [...this.#unsaved];
    this.#writeRows(rows, 0, rows.length);
    this.#writePoint(point);
    return () => {
      this.#save = null;
      this.#unsaved.clear();
      this.#savedAt = performance.now();
    };
  }

  #writeRows(rows: ReadonlyArray<readonly [string, Entity | null]>, from: number, to: number) {
    for (let i = from; i < to; i++) {
      const [key, entity] = rows[i]!;
      if (entity === null) this.#deleteRow.run(key);
      else this.#putRow.run(key, encodeRow(entity));
    }
  }

  #writePoint(point: RowsPoint): void {
    this.#putMeta.run(ROWS_META.orderKey, point.orderKey);
    this.#putMeta.run(ROWS_META.vector, point.vector);
    this.#deleteMeta.run(ROWS_META.saving);
  }
}
