/**
 * A set of names kept in sorted order, for listing groups page by page without scanning and
 * sorting every row of the state on each request (list_groups did that: its cost grew with
 * everything the tracker holds). The names are held in sorted chunks of at most `2 × CHUNK`, so
 * an add or a remove moves one chunk's names, not every name after it (one array of 50,000
 * names made each new group's splice a visible part of a tracker's time under writes).
 */
const CHUNK = 256;

export class SortedNames {
  /** Sorted, non-empty chunks; their concatenation is sorted. */
  #chunks: string[][] = [];
  #size = 0;

  /** Every name, in order (a new array). */
  get all(): readonly string[] {
    return this.#chunks.flat();
  }

  get size(): number {
    return this.#size;
  }

  /** Replace every name (any order; duplicates kept once). */
  reset(names: Iterable<string>): void {
    const sorted = [...new Set(names)].sort(compare);
    this.#chunks = [];
    for (let at = 0; at < sorted.length; at += CHUNK) {
      this.#chunks.push(sorted.slice(at, at + CHUNK));
    }
    this.#size = sorted.length;
  }

  add(name: string): void {
    if (this.#chunks.length === 0) {
      this.#chunks.push([name]);
      this.#size = 1;
      return;
    }
    // The first chunk whose last name is not before `name`, else the last chunk.
    const c = Math.min(this.#chunkFor(name), this.#chunks.length - 1);
    const chunk = this.#chunks[c]!;
    const at = firstNotBefore(chunk, name);
    if (chunk[at] === name) return;
    chunk.splice(at, 0, name);
    this.#size++;
    if (chunk.length > 2 * CHUNK) {
      this.#chunks.splice(c, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
    }
  }

  remove(name: string): void {
    const c = this.#chunkFor(name);
    const chunk = this.#chunks[c];
    if (chunk === undefined) return;
    const at = firstNotBefore(chunk, name);
    if (chunk[at] !== name) return;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(c, 1);
  }

  /** Up to `limit` names after `cursor` (from the start without one), and whether more follow. */
  after(cursor: string | undefined, limit: number): { names: string[]; hasMore: boolean } {
    let c = 0;
    let at = 0;
    if (cursor !== undefined) {
      c = this.#chunkFor(cursor);
      const chunk = this.#chunks[c];
      if (chunk !== undefined) {
        at = firstNotBefore(chunk, cursor);
        if (chunk[at] === cursor) at++;
      }
    }
    const names: string[] = [];
    for (; c < this.#chunks.length && names.length < limit; c++, at = 0) {
      const chunk = this.#chunks[c]!;
      const take = chunk.slice(at, at + limit - names.length);
      names.push(...take);
      at += take.length;
      if (names.length === limit) break;
    }
    // Past the loop `c`, `at` is where the next name would come from.
    const chunk = this.#chunks[c];
    const hasMore = chunk !== undefined && (at < chunk.length || c + 1 < this.#chunks.length);
    return { names, hasMore };
  }

  /** The index of the first chunk whose last name is ≥ `name` (the count when there is none). */
  #chunkFor(name: string): number {
    let low = 0;
    let high = this.#chunks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#chunks[middle]!.at(-1)! < name) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The index of the first name ≥ `name` in a sorted array (binary search). */
function firstNotBefore(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle]! < name) low = middle + 1;
    else high = middle;
  }
  return low;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
