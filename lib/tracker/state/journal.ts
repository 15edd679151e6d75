/**
 * What each of the last operations applied to a {@linkcode State} changed, so that an operation
 * arriving late (it sorts before some already applied, as two trackers writing at once make
 * them) costs undoing and redoing the operations after it, not folding the whole log again.
 * The state rebuilt every row from every operation since the last trim for each such batch:
 * under writes at two trackers that was most of their time, and grew with the log.
 */
import type { Entity } from "./entities.ts";
import type { Operation } from "./op_schema.ts";

/** What applying one operation changed. */
export interface JournalEntry {
  readonly op: Operation;
  /** Its order key. */
  readonly key: string;
  /** The state's last order key before it. */
  readonly previousOrderKey: string;
  /** Whether it added its request id (a duplicate adds none). */
  addedRequest: boolean;
  /** Every row it changed, as it was before (undefined: there was none). */
  readonly before: Map<string, Entity | undefined>;
}

/** Entries kept; past twice this many, the oldest are dropped down to this many. */
export const JOURNAL_ENTRIES = 10_000;

/** The entries of the last operations applied, oldest first. */
export class Journal {
  #entries: JournalEntry[] = [];
  #current: JournalEntry | undefined;

  /** Start the entry of `op`; the rows it changes are noted until {@linkcode end}. */
  begin(op: Operation, key: string, previousOrderKey: string): JournalEntry {
    const entry = { op, key, previousOrderKey, addedRequest: false, before: new Map() };
    this.#entries.push(entry);
    if (this.#entries.length > 2 * JOURNAL_ENTRIES) {
      this.#entries = this.#entries.slice(-JOURNAL_ENTRIES);
    }
    this.#current = entry;
    return entry;
  }

  end(): void {
    this.#current = undefined;
  }

  /** A row is about to change: keep its value before the current operation, once. */
  note(key: string, before: Entity | undefined): void {
    const entry = this.#current;
    if (entry !== undefined && !entry.before.has(key)) entry.before.set(key, before);
  }

  /** Whether every operation applied after order key `key` has its entry here. */
  reaches(key: string): boolean {
    const oldest = this.#entries[0];
    return oldest !== undefined && oldest.previousOrderKey < key;
  }

  /** Take the entries of the operations that sort after `key`, newest first. */
  takeAfter(key: string): JournalEntry[] {
    const taken: JournalEntry[] = [];
    while (this.#entries.length > 0 && this.#entries.at(-1)!.key > key) {
      taken.push(this.#entries.pop()!);
    }
    return taken;
  }

  clear(): void {
    this.#entries = [];
    this.#current = undefined;
  }
}
