/**
 * What each of the last operations applied to a {@linkcode State} read and changed, so that an
 * operation arriving late (it sorts before some already applied, as two trackers writing at once
 * make them) costs little. When it touches nothing the operations after it touch, it is applied
 * where it stands and its entry placed at its place in the order ({@linkcode Journal.clashes}
 * says whether it may be); otherwise the operations after it are undone and redone around it, which
 * is still far less than folding the whole log again.
 */
import type { Entity } from "./entities.ts";
import type { Operation } from "./op_schema.ts";

/** What applying one operation read and changed. */
export interface JournalEntry {
  readonly op: Operation;
  /** Its order key. */
  readonly key: string;
  /** The order key of the entry before it (the state's last order key before it, in order). */
  previousOrderKey: string;
  /** Whether it added its request id (a duplicate adds none). */
  addedRequest: boolean;
  /** Every row it changed, as it was before (undefined: there was none). */
  readonly before: Map<string, Entity | undefined>;
  /** The keys of the rows it read, and the marks of what else it read (an index, a request id). */
  readonly reads: string[];
  /** The marks of what it changed besides its rows. */
  readonly marks: string[];
}

/** Entries kept; past twice this many, the oldest are dropped down to this many. */
export const JOURNAL_ENTRIES = 10_000;

/** The entries of the last operations applied, in order (by key). */
export class Journal {
  #entries: JournalEntry[] = [];
  #current: JournalEntry | undefined;
  /** Whether the current entry sorts after every entry held (then it is the last to touch). */
  #currentIsLast = false;
  /**
   * By row key (or mark), the last order key of an entry that changed it, and of one that read
   * it. An entry taken away or dropped may still be counted: that only ever says "clash" where
   * there is none, and sends the late operation the longer, always correct way.
   */
  readonly #lastChanged = new Map<string, string>();
  readonly #lastRead = new Map<string, string>();

  /**
   * Start the entry of `op`, the last in the order; what it reads and changes is noted until
   * {@linkcode end}.
   */
  begin(op: Operation, key: string, previousOrderKey: string): JournalEntry {
    const entry = this.beginAside(op, key);
    entry.previousOrderKey = previousOrderKey;
    this.#currentIsLast = true;
    this.#entries.push(entry);
    if (this.#entries.length > 2 * JOURNAL_ENTRIES) {
      this.#entries = this.#entries.slice(-JOURNAL_ENTRIES);
      this.#recount();
    }
    return entry;
  }

  /** Start the entry of `op`, which sorts before the last: {@linkcode place} it, or undo it. */
  beginAside(op: Operation, key: string): JournalEntry {
    const entry: JournalEntry = {
      op,
      key,
      previousOrderKey: "",
      addedRequest: false,
      before: new Map(),
      reads: [],
      marks: [],
    };
    this.#current = entry;
    this.#currentIsLast = false;
    return entry;
  }

  end(): void {
    this.#current = undefined;
  }

  /** A row is about to change: keep its value before the current operation, once. */
  note(key: string, before: Entity | undefined): void {
    const entry = this.#current;
    if (entry === undefined || entry.before.has(key)) return;
    entry.before.set(key, before);
    this.#count(this.#lastChanged, key, entry.key);
  }

  /** The current operation reads row `key`, or what mark `key` names. */
  noteRead(key: string): void {
    const entry = this.#current;
    if (entry === undefined) return;
    entry.reads.push(key);
    this.#count(this.#lastRead, key, entry.key);
  }

  /** The current operation changes what mark `key` names (besides rows). */
  noteMark(key: string): void {
    const entry = this.#current;
    if (entry === undefined) return;
    entry.marks.push(key);
    this.#count(this.#lastChanged, key, entry.key);
  }

  /**
   * Whether `entry`, applied after the entries that sort after it, touches what one of them
   * touched: reads what one changed, or changes what one read or changed. When it does not, it
   * ends the rows the same as applied before them, in order.
   */
  clashes(entry: JournalEntry): boolean {
    const changedAfter = (key: string) => (this.#lastChanged.get(key) ?? "") > entry.key;
    const readAfter = (key: string) => (this.#lastRead.get(key) ?? "") > entry.key;
    for (const key of entry.reads) if (changedAfter(key)) return true;
    for (const key of entry.before.keys()) if (changedAfter(key) || readAfter(key)) return true;
    for (const key of entry.marks) if (changedAfter(key) || readAfter(key)) return true;
    return false;
  }

  /** Whether every operation applied after order key `key` has its entry here. */
  reaches(key: string): boolean {
    const oldest = this.#entries[0];
    return oldest !== undefined && oldest.previousOrderKey < key;
  }

  /**
   * Put entries begun with {@linkcode beginAside} (in order, each sorting before the last held)
   * at their places in the order, once each was found to touch nothing the entries after it
   * touch: undoing them all in order is then as good as undoing in the order they were applied.
   */
  place(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    const tail = this.#entries.splice(this.#firstAfter(entries[0]!.key));
    const last = tail.at(-1);
    if (last === undefined || last.key < entries.at(-1)!.key) {
      throw new RangeError("Entries placed aside must sort before the last");
    }
    let previous = this.#entries.at(-1)?.key ?? tail[0]!.previousOrderKey;
    let t = 0;
    let e = 0;
    while (t < tail.length || e < entries.length) {
      const next = e < entries.length && entries[e]!.key < tail[t]!.key
        ? entries[e++]!
        : tail[t++]!;
      next.previousOrderKey = previous;
      previous = next.key;
      this.#entries.push(next);
    }
  }

  /** Take the entries of the operations that sort after `key`, newest first. */
  takeAfter(key: string): JournalEntry[] {
    return this.#entries.splice(this.#firstAfter(key)).reverse();
  }

  clear(): void {
    this.#entries = [];
    this.#current = undefined;
    this.#recount();
  }

  /** The index of the first entry that sorts after `key` (the length when none does). */
  #firstAfter(key: string): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.key > key) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** Note that the current entry, of `orderKey`, touched `key`. */
  #count(last: Map<string, string>, key: string, orderKey: string): void {
    // The last entry is the greatest: what it replaces can only be an entry taken away.
    if (this.#currentIsLast) last.set(key, orderKey);
    else count(last, key, orderKey);
  }

  /** Count again what the entries kept touched, forgetting those dropped. */
  #recount(): void {
    this.#lastChanged.clear();
    this.#lastRead.clear();
    for (const entry of this.#entries) {
      for (const key of entry.before.keys()) count(this.#lastChanged, key, entry.key);
      for (const key of entry.marks) count(this.#lastChanged, key, entry.key);
      for (const key of entry.reads) count(this.#lastRead, key, entry.key);
    }
  }
}

/** Keep the greater of `orderKey` and what `last` holds for `key`. */
function count(last: Map<string, string>, key: string, orderKey: string): void {
  if ((last.get(key) ?? "") < orderKey) last.set(key, orderKey);
}
