/**
 * Durable tracker storage in SQLite (`node:sqlite`, WAL, `synchronous=FULL`): the operation log,
 * the current state rows and the checkpoint the log is trimmed to. Writes queued during one turn
 * of the event loop share one transaction (group commit); each caller's promise resolves after
 * COMMIT, and an operation committed is what makes a write durable.
 *
 * The rows operations change are saved behind them (row_saver.ts), with the vector of the
 * operations they reflect. A restart loads the rows and applies the operations logged after that
 * vector (a tracker killed under load replays a second or two of them), or, when a save was cut
 * short or they do not all sort after the rows' last one, rebuilds from the checkpoint and the
 * whole log.
 */
import { decode } from "@msgpack/msgpack";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { randomId } from "../common/ids.ts";
import {
  copyLiveRows,
  encodeRow as encode,
  loadCheckpoint,
  saveCheckpoint,
  saveCheckpointChanges,
} from "./checkpoint_rows.ts";
import { ROWS_META, RowSaver } from "./row_saver.ts";
import {
  type Entity,
  type Hlc,
  type OpBody,
  type Operation,
  orderKey,
  State,
} from "./state/mod.ts";

/** An operation as stored: `[origin, seq, wall, counter, key, requestId, encoded body]`. */
export type StoredOp = [string, number, number, number, string, string | null, Uint8Array];

/** Bump when the schema changes; `PRAGMA user_version` holds it. */
export const SCHEMA_VERSION = 2;

/**
 * A write's answer, kept for a retry of its request id, is a column of the operation that carries
 * that id (schema 2): the log's key is (origin, seq), in the order writes come, where a table and
 * an index keyed by request ids (schema 1) took an insert at a scattered place each, and SQLite
 * then wrote and synced a page of each per commit (writes/s +55% without them).
 */
const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE ops (
  origin TEXT NOT NULL, seq INTEGER NOT NULL, wall INTEGER NOT NULL, counter INTEGER NOT NULL,
  key TEXT NOT NULL, request_id TEXT, body BLOB NOT NULL, answer BLOB, PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
CREATE TABLE entities (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoint (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE checkpoint_requests (request_id TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Schema 1 to 2: each kept answer moves onto its operation (one no longer in the log is let go). */
const UPGRADE_FROM_1 = `
ALTER TABLE ops ADD COLUMN answer BLOB;
UPDATE ops SET answer = (SELECT result FROM answers WHERE answers.request_id = ops.request_id)
  WHERE request_id IS NOT NULL;
DROP INDEX IF EXISTS ops_by_request;
DROP TABLE answers;
`;

/** One write: operations, the state rows they changed, and the answer to keep for retries. */
export interface WriteBatch {
  ops: readonly Operation[];
  rows: ReadonlyArray<readonly [string, Entity | null]>;
  /** The command's result, kept for a retry of the same request id. */
  answer?: { requestId: string; result: unknown };
}

/** How a store saves its rows (tests). */
export interface StoreOptions {
  /** How long changed rows wait before a save of them begins; `ROWS_SAVE_MS` by default. */
  rowsSaveMs?: number;
}

interface Queued {
  batch: WriteBatch;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** The tracker's database. */
export class Store {
  readonly #db: DatabaseSync;
  readonly #insertOp: StatementSync;
  readonly #putMeta: StatementSync;
  #queue: Queued[] = [];
  #flushScheduled = false;
  #failure: Error | null = null;
  /** Id of this tracker: random, made with the database, never its line number. */
  readonly trackerId: string;
  #seq: number;
  #opCount: number;
  /** Highest sequence number held per origin, including writes queued but not yet committed. */
  readonly #vector = new Map<string, number>();
  #checkpoint: State | undefined;
  /** Where the answer to a request id is kept: the operation in the log that carries it. */
  readonly #answered = new Map<string, { origin: string; seq: number }>();
  /** Rows changed by queued and committed writes, and their saving. */
  readonly #rows: RowSaver;
  /**
   * The rows written since the checkpoint last was the whole live state (after a trim that left
   * nothing in the log); null when it has not been since this store opened.
   */
  #sinceCheckpoint: Set<string> | null = null;
  #rowsTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(db: DatabaseSync, options: StoreOptions) {
    this.#db = db;
    this.#insertOp = db.prepare(
      "INSERT INTO ops (origin, seq, wall, counter, key, request_id, body, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#putMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    this.#rows = new RowSaver(db, options.rowsSaveMs);
    this.trackerId = this.getMeta("tracker_id") ?? "";
    const row = db.prepare("SELECT MAX(seq) AS seq FROM ops WHERE origin = ?").get(this.trackerId);
    this.#seq = Number(row?.seq ?? 0);
    this.#opCount = Number(db.prepare("SELECT COUNT(*) AS n FROM ops").get()?.n ?? 0);
    // With the log empty, the state is the checkpoint.
    if (this.#opCount === 0) this.#sinceCheckpoint = new Set();
    const answered = db.prepare(
      "SELECT request_id, origin, seq FROM ops WHERE answer IS NOT NULL",
    ).all();
    for (const r of answered) {
      this.#answered.set(String(r.request_id), { origin: String(r.origin), seq: Number(r.seq) });
    }
    for (const r of db.prepare("SELECT origin, MAX(seq) AS seq FROM ops GROUP BY origin").all()) {
      this.#vector.set(String(r.origin), Number(r.seq));
    }
    const base = this.getMeta("base_vector");
    if (base !== undefined) {
      for (const [origin, seq] of Object.entries(JSON.parse(base) as Record<string, number>)) {
        if ((this.#vector.get(origin) ?? 0) < seq) this.#vector.set(origin, seq);
      }
    }
    // A new database, or one whose rows were saved with every commit: they reflect everything.
    if (this.getMeta(ROWS_META.vector) === undefined) {
      this.#putMeta.run(ROWS_META.vector, this.#rowsPoint().vector);
    }
  }

  /** What the rows noted so far reflect: every operation held, up to the last order key. */
  #rowsPoint() {
    return {
      vector: JSON.stringify(Object.fromEntries(this.#vector)),
      orderKey: this.#pendingOrderKey,
    };
  }

  /** Highest sequence number held per origin (queued writes included). */
  vector(): Map<string, number> {
    return new Map(this.#vector);
  }

  /** Highest sequence number held from one origin. */
  heldFrom(origin: string): number {
    return this.#vector.get(origin) ?? 0;
  }

  /** Up to `limit` operations of `origin` after `afterSeq`, as stored (body still encoded). */
  opsAfter(origin: string, afterSeq: number, limit: number): StoredOp[] {
    return this.#db.prepare(
      "SELECT origin, seq, wall, counter, key, request_id, body FROM ops WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?",
    ).all(origin, afterSeq, limit).map((r) => [
      String(r.origin),
      Number(r.seq),
      Number(r.wall),
      Number(r.counter),
      String(r.key),
      r.request_id === null ? null : String(r.request_id),
      r.body as Uint8Array,
    ]);
  }

  /** The state at the trim point, when the log has been trimmed; undefined otherwise. */
  checkpoint(): State | undefined {
    return this.#keptCheckpoint()?.copy();
  }

  /** The checkpoint itself (read once, then kept), not a copy. */
  #keptCheckpoint(): State | undefined {
    if (this.#checkpoint === undefined && this.trimmedAt !== "") {
      this.#checkpoint = loadCheckpoint(this.#db, this.getMeta("checkpoint_order_key") ?? "");
    }
    return this.#checkpoint;
  }

  /** Every operation in the log and in the write queue, decoded (for a rebuild of the state). */
  allOperations(): Operation[] {
    const ops: Operation[] = this.#db.prepare(
      "SELECT origin, seq, wall, counter, key, request_id, body FROM ops",
    ).all().map((r) => ({
      origin: String(r.origin),
      seq: Number(r.seq),
      hlc: { wall: Number(r.wall), counter: Number(r.counter) },
      key: String(r.key),
      requestId: r.request_id === null ? null : String(r.request_id),
      body: decode(r.body as Uint8Array) as OpBody,
    }));
    for (const { batch } of this.#queue) ops.push(...batch.ops);
    return ops;
  }

  /**
   * Open (or create) the database at `path`.
   *
   * @throws {Error} when the file is from a newer schema version
   */
  static open(path: string, options: StoreOptions = {}): Store {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    const version = Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new Error(
        `Database "${path}" has schema ${version}; this build knows ${SCHEMA_VERSION}`,
      );
    }
    if (version === 0) {
      db.exec("BEGIN");
      db.exec(SCHEMA);
      db.prepare("INSERT INTO meta (key, value) VALUES ('tracker_id', ?)").run(randomId());
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
    } else if (version === 1) {
      db.exec("BEGIN");
      db.exec(UPGRADE_FROM_1);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
    }
    return new Store(db, options);
  }

  /** A value from the meta table. */
  getMeta(key: string): string | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = ?").get(key);
    return row === undefined ? undefined : String(row.value);
  }

  /** Set a meta value durably, at once (not batched). */
  setMeta(key: string, value: string): void {
    this.#putMeta.run(key, value);
  }

  /** The next sequence number for an operation of this tracker. */
  nextSeq(): number {
    this.#seq = Math.max(this.#seq, this.#vector.get(this.trackerId) ?? 0) + 1;
    return this.#seq;
  }

  /** The greatest hybrid timestamp in the log, so a restarted clock never goes back. */
  maxHlc(): Hlc | undefined {
    const row = this.#db.prepare(
      "SELECT wall, counter FROM ops ORDER BY wall DESC, counter DESC LIMIT 1",
    ).get();
    return row === undefined ? undefined : { wall: Number(row.wall), counter: Number(row.counter) };
  }

  /** Every operation this tracker holds or has folded into its checkpoint. */
  get totalOps(): number {
    let total = 0;
    for (const seq of this.#vector.values()) total += seq;
    return total;
  }

  /** Number of operations in the log. */
  get opCount(): number {
    return this.#opCount;
  }

  /**
   * The state: the saved rows, with the operations logged after them applied (saved at once,
   * so the next start does not apply them again).
   */
  loadState(): State {
    const rows = this.#db.prepare("SELECT key, value FROM entities").all().map((
      row,
    ) => [String(row.key), decode(row.value as Uint8Array) as Entity] as [string, Entity]);
    const saved = JSON.parse(this.getMeta(ROWS_META.vector) ?? "{}") as Record<string, number>;
    const isSaved = (origin: unknown, seq: unknown) => Number(seq) <= (saved[String(origin)] ?? 0);
    // The request ids the saved rows reflect: those of later operations are applied with them.
    const requestIds = this.#db.prepare(
      "SELECT origin, seq, request_id FROM ops WHERE request_id IS NOT NULL",
    ).all().filter((r) => isSaved(r.origin, r.seq)).map((r) => String(r.request_id));
    for (const r of this.#db.prepare("SELECT request_id FROM checkpoint_requests").all()) {
      requestIds.push(String(r.request_id));
    }
    const state = State.load(rows, requestIds, this.getMeta(ROWS_META.orderKey) ?? "");
    const later = [...this.#vector.keys()].flatMap((origin) =>
      this.#decoded(this.opsAfter(origin, saved[origin] ?? 0, Number.MAX_SAFE_INTEGER))
    ).sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1));
    this.#pendingOrderKey = state.lastOrderKey;
    if (later.length === 0) return state;
    // Operations the checkpoint covers left the log, so the saved rows must reflect them all;
    // a save cut short left some rows newer than the vector says.
    const base = this.baseVector();
    const isComplete = this.getMeta(ROWS_META.saving) === undefined &&
      Object.keys(base).every((origin) => isSaved(origin, base[origin]));
    if (isComplete && state.canAppend(later[0]!)) {
      for (const op of later) state.apply(op);
    } else {
      state.rebuild(this.allOperations(), this.checkpoint());
    }
    state.clearJournal();
    this.#rows.note(state.takeDirty());
    this.#pendingOrderKey = state.lastOrderKey;
    this.saveRows();
    return state;
  }

  /** Stored operations decoded. */
  #decoded(stored: readonly StoredOp[]): Operation[] {
    return stored.map(([origin, seq, wall, counter, key, requestId, body]) => ({
      origin,
      seq,
      hlc: { wall, counter },
      key,
      requestId,
      body: decode(body) as OpBody,
    }));
  }

  /**
   * Save every changed row now, in one commit (writes save them in slices as they go; a trim
   * and {@linkcode close} save them all). Call it with nothing queued.
   */
  saveRows(): void {
    if (this.#rows.isClean) return;
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const saved = this.#rows.writeAll(this.#rowsPoint());
      this.#db.exec("COMMIT");
      saved();
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The order key of a held operation, if it is still in the log. */
  orderKeyOf(origin: string, seq: number): string | undefined {
    const row = this.#db.prepare("SELECT wall, counter FROM ops WHERE origin = ? AND seq = ?")
      .get(origin, seq);
    if (row === undefined) return undefined;
    return orderKey({ origin, seq, hlc: { wall: Number(row.wall), counter: Number(row.counter) } });
  }

  /** The point the log was trimmed at ("" when never trimmed). */
  get trimmedAt(): string {
    return this.getMeta("checkpoint_point") ?? "";
  }

  /** Per origin, the highest sequence number folded into the checkpoint. */
  baseVector(): Record<string, number> {
    const text = this.getMeta("base_vector");
    return text === undefined ? {} : JSON.parse(text) as Record<string, number>;
  }

  /**
   * Fold every operation that sorts below `point` into the checkpoint and drop it from the log.
   * Nothing is trimmed while writes are queued (they would have to be folded too).
   *
   * @returns how many operations left the log
   */
  trim(point: string): number {
    if (point <= this.trimmedAt || this.#queue.length > 0) return 0;
    if (this.#sinceCheckpoint !== null && this.#pendingOrderKey < point) {
      return this.#trimEverything(point, this.#sinceCheckpoint);
    }
    // Each key made once: made in the sort's comparisons, they cost a tenth of a trim.
    const keyed = this.allOperations().map((op) => ({ op, key: orderKey(op) }));
    const below = keyed.filter(({ key }) => key < point)
      .sort((a, b) => (a.key < b.key ? -1 : 1)).map(({ op }) => op);
    if (below.length === 0) return 0;
    // Folded into the kept checkpoint itself and saved as the rows that changed: a copy and a
    // rewrite of every row on each trim (every 10 s) stopped a tracker for seconds once it held
    // tens of thousands of rows. A failed commit drops it, to be read again from the database.
    const checkpoint = this.#keptCheckpoint() ?? new State();
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
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      // Rows first: operations they do not reflect must not leave the log (loadState).
      const saved = this.#rows.writeAll(this.#rowsPoint());
      this.#dropFolded(below, keyed.filter(({ key }) => key >= point).map(({ op }) => op));
      saveCheckpointChanges(this.#db, checkpoint, requestIds, { point, base });
      this.#db.exec("COMMIT");
      saved();
    } catch (error) {
      this.#db.exec("ROLLBACK");
      this.#checkpoint = undefined;
      throw error;
    }
    this.#checkpoint = checkpoint;
    this.#opCount -= below.length;
    // Their answers left the log with them: a retry from now on is answered from the state.
    for (const op of below) {
      if (op.requestId === null) continue;
      const at = this.#answered.get(op.requestId);
      if (at?.origin === op.origin && at.seq === op.seq) this.#answered.delete(op.requestId);
    }
    // With nothing left above the point, the checkpoint is the live state.
    this.#sinceCheckpoint = below.length === keyed.length ? new Set() : null;
    return below.length;
  }

  /**
   * Trim everything, when the point is past every operation held and the checkpoint was the live
   * state at the last trim: the live state is the new checkpoint, so the rows changed since are
   * copied from the saved live rows, without reading the log back or folding it again (a tracker
   * alone always trims so; under 200 writing clients a trim of ~100,000 operations took ~30 µs
   * each folding, 10-12 µs so).
   */
  #trimEverything(point: string, changed: ReadonlySet<string>): number {
    const base = this.baseVector();
    for (const [origin, seq] of this.#vector) base[origin] = Math.max(base[origin] ?? 0, seq);
    const at = { point, base, lastOrderKey: this.#pendingOrderKey };
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      // The saved rows become the live state, and the checkpoint's changed rows copies of them.
      const saved = this.#rows.writeAll(this.#rowsPoint());
      copyLiveRows(this.#db, changed, at);
      this.#db.exec("COMMIT");
      saved();
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
    // Read back when next needed (a rebuild, a snapshot for another tracker).
    this.#checkpoint = undefined;
    const trimmed = this.#opCount;
    this.#opCount = 0;
    this.#answered.clear();
    this.#sinceCheckpoint = new Set();
    return trimmed;
  }

  /**
   * Delete the folded operations from the log: per origin one range (`seq <= highest folded`)
   * where every operation of that origin up to it was folded (an origin's clock only moves
   * forward, so it always is), else one by one. A trim folds tens of thousands of operations:
   * a statement for each cost a sixth of it.
   */
  #dropFolded(folded: readonly Operation[], kept: readonly Operation[]): void {
    const highestFolded = new Map<string, number>();
    for (const op of folded) {
      highestFolded.set(op.origin, Math.max(highestFolded.get(op.origin) ?? 0, op.seq));
    }
    const interleaved = new Set<string>();
    for (const op of kept) {
      if (op.seq < (highestFolded.get(op.origin) ?? 0)) interleaved.add(op.origin);
    }
    const dropUpTo = this.#db.prepare("DELETE FROM ops WHERE origin = ? AND seq <= ?");
    for (const [origin, seq] of highestFolded) {
      if (!interleaved.has(origin)) dropUpTo.run(origin, seq);
    }
    const drop = this.#db.prepare("DELETE FROM ops WHERE origin = ? AND seq = ?");
    for (const op of folded) if (interleaved.has(op.origin)) drop.run(op.origin, op.seq);
  }

  /**
   * Take a snapshot from another tracker (this one was behind the others' trimmed logs): it
   * becomes the checkpoint, and held operations it covers leave the log.
   */
  installSnapshot(snapshot: State, point: string, vector: Record<string, number>): void {
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
    this.#checkpoint = snapshot;
    this.#sinceCheckpoint = null;
    // Kept answers on the operations the snapshot covers left the log with them.
    for (const [requestId, at] of this.#answered) {
      if (at.seq <= (vector[at.origin] ?? 0)) this.#answered.delete(requestId);
    }
    for (const [origin, seq] of Object.entries(base)) {
      if ((this.#vector.get(origin) ?? 0) < seq) this.#vector.set(origin, seq);
    }
    this.#opCount = Number(this.#db.prepare("SELECT COUNT(*) AS n FROM ops").get()?.n ?? 0);
  }

  /**
   * The answer kept for a client request id, if this tracker answered it before (decoded, not
   * yet checked against the op's result schema).
   */
  answerFor(requestId: string): unknown {
    const at = this.#answered.get(requestId);
    if (at === undefined) return undefined;
    const row = this.#db.prepare("SELECT answer FROM ops WHERE origin = ? AND seq = ?")
      .get(at.origin, at.seq);
    return row?.answer == null ? undefined : decode(row.answer as Uint8Array);
  }

  /**
   * Queue a write; it commits with whatever else this turn of the event loop queued.
   *
   * @returns a promise that resolves after COMMIT
   */
  write(batch: WriteBatch, lastOrderKey: string): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#pendingOrderKey = lastOrderKey;
    for (const op of batch.ops) {
      if (op.seq > (this.#vector.get(op.origin) ?? 0)) this.#vector.set(op.origin, op.seq);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setTimeout(() => this.#flush(), 0);
      }
    });
  }

  #pendingOrderKey = "";

  #flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const { batch } of queue) {
      this.#rows.note(batch.rows);
      if (this.#sinceCheckpoint) { for (const [key] of batch.rows) this.#sinceCheckpoint.add(key); }
    }
    const isSaving = this.#rows.isDue;
    if (queue.length === 0 && !isSaving) return;
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      for (const { batch } of queue) this.#writeBatch(batch);
      const saved = isSaving ? this.#rows.writeSlice(this.#rowsPoint()) : () => {};
      this.#db.exec("COMMIT");
      saved();
    } catch (cause) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      // Memory is now ahead of the disk: refuse every later write too (commands then fail with
      // "internal", replicated batches close their link). The tracker keeps running and answers
      // reads from memory; a restart loads what was committed.
      this.#failure = new Error("Database write failed", { cause });
      for (const { reject } of queue) reject(this.#failure);
      return;
    }
    for (const { batch } of queue) this.#opCount += batch.ops.length;
    for (const { resolve } of queue) resolve();
    this.#armRowsTimer();
  }

  /** Go on saving changed rows when no write comes to carry them. */
  #armRowsTimer(): void {
    const wait = this.#rows.msUntilDue;
    if (wait === undefined || this.#rowsTimer !== undefined || this.#failure) return;
    const timer = setTimeout(() => {
      this.#rowsTimer = undefined;
      if (!this.#flushScheduled && !this.#failure) this.#flush();
      this.#armRowsTimer();
    }, wait);
    Deno.unrefTimer(timer as unknown as number);
    this.#rowsTimer = timer;
  }

  #writeBatch(batch: WriteBatch): void {
    const { answer } = batch;
    for (const op of batch.ops) {
      const isAnswered = answer !== undefined && op.requestId === answer.requestId;
      this.#insertOp.run(
        op.origin,
        op.seq,
        op.hlc.wall,
        op.hlc.counter,
        op.key,
        op.requestId,
        encode(op.body),
        isAnswered ? encode(answer.result) : null,
      );
      if (isAnswered) this.#answered.set(answer.requestId, { origin: op.origin, seq: op.seq });
    }
  }

  /** Wait for queued writes, save the changed rows, then close the database. */
  async close(): Promise<void> {
    while (this.#queue.length > 0 || this.#flushScheduled) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    clearTimeout(this.#rowsTimer);
    this.#rowsTimer = undefined;
    if (!this.#failure) this.saveRows();
    this.#db.close();
  }
}
