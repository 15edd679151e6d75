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
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { Checkpoint } from "./checkpoint.ts";
import { encodeRow as encode } from "./checkpoint_rows.ts";
import { ROWS_META, RowSaver } from "./row_saver.ts";
import { decodeStoredOp, openDatabase, type StoredOp, storedOpOf } from "./store_schema.ts";
import { type Entity, type Hlc, type Operation, orderKey, State } from "./state/mod.ts";

export { SCHEMA_VERSION, type StoredOp } from "./store_schema.ts";

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
  readonly #checkpoint: Checkpoint;
  /** Where the answer to a request id is kept: the operation in the log that carries it. */
  readonly #answered = new Map<string, { origin: string; seq: number }>();
  /** Rows changed by queued and committed writes, and their saving. */
  readonly #rows: RowSaver;
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
    this.#checkpoint = new Checkpoint(db, this.#opCount === 0);
    const answered = db.prepare(
      "SELECT request_id, origin, seq FROM ops WHERE answer IS NOT NULL",
    ).all();
    for (const r of answered) {
      this.#answered.set(String(r.request_id), { origin: String(r.origin), seq: Number(r.seq) });
    }
    for (const r of db.prepare("SELECT origin, MAX(seq) AS seq FROM ops GROUP BY origin").all()) {
      this.#vector.set(String(r.origin), Number(r.seq));
    }
    for (const [origin, seq] of Object.entries(this.#checkpoint.baseVector())) {
      if ((this.#vector.get(origin) ?? 0) < seq) this.#vector.set(origin, seq);
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
    ).all(origin, afterSeq, limit).map(storedOpOf);
  }

  /** The state at the trim point, when the log has been trimmed; undefined otherwise. */
  checkpoint(): State | undefined {
    return this.#checkpoint.state()?.copy();
  }

  /** Every operation in the log and in the write queue, decoded (for a rebuild of the state). */
  allOperations(): Operation[] {
    const ops = this.#db.prepare(
      "SELECT origin, seq, wall, counter, key, request_id, body FROM ops",
    ).all().map((row) => decodeStoredOp(storedOpOf(row)));
    for (const { batch } of this.#queue) ops.push(...batch.ops);
    return ops;
  }

  /**
   * Open (or create) the database at `path`.
   *
   * @throws {Error} when the file is from a newer schema version
   */
  static open(path: string, options: StoreOptions = {}): Store {
    return new Store(openDatabase(path), options);
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
      this.opsAfter(origin, saved[origin] ?? 0, Number.MAX_SAFE_INTEGER).map(decodeStoredOp)
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
    return this.#checkpoint.trimmedAt;
  }

  /** Per origin, the highest sequence number folded into the checkpoint. */
  baseVector(): Record<string, number> {
    return this.#checkpoint.baseVector();
  }

  /**
   * Fold every operation that sorts below `point` into the checkpoint and drop it from the log
   * (checkpoint.ts). Nothing is trimmed while writes are queued (they would have to be folded
   * too).
   *
   * @returns how many operations left the log
   */
  trim(point: string): number {
    if (this.#queue.length > 0) return 0;
    const left = this.#checkpoint.trim(point, {
      lastOrderKey: this.#pendingOrderKey,
      vector: this.#vector,
      allOperations: () => this.allOperations(),
      saveRows: () => this.#rows.writeAll(this.#rowsPoint()),
    });
    if (left === "all") {
      const trimmed = this.#opCount;
      this.#opCount = 0;
      this.#answered.clear();
      return trimmed;
    }
    this.#opCount -= left.length;
    // Their answers left the log with them: a retry from now on is answered from the state.
    for (const op of left) {
      if (op.requestId === null) continue;
      const at = this.#answered.get(op.requestId);
      if (at?.origin === op.origin && at.seq === op.seq) this.#answered.delete(op.requestId);
    }
    return left.length;
  }

  /**
   * Take a snapshot from another tracker (this one was behind the others' trimmed logs): it
   * becomes the checkpoint, and held operations it covers leave the log.
   */
  installSnapshot(snapshot: State, point: string, vector: Record<string, number>): void {
    const base = this.#checkpoint.installSnapshot(snapshot, point, vector);
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
      this.#checkpoint.noteRows(batch.rows);
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
