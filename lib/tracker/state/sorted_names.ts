/**
 * A set of names kept in sorted order, for listing groups page by page without scanning and
 * sorting every row of the state on each request (list_groups did that: its cost grew with
 * everything the tracker holds). Adding a name past the last is the cheap, common case; others
 * are a binary search and one array splice.
 */
export class SortedNames {
  #names: string[] = [];

  /** Every name, in order (the array itself: do not change it). */
  get all(): readonly string[] {
    return this.#names;
  }

  get size(): number {
    return this.#names.length;
  }

  /** Replace every name (any order; duplicates kept once). */
  reset(names: Iterable<string>): void {
    this.#names = [...new Set(names)].sort(compare);
  }

  add(name: string): void {
    const names = this.#names;
    if (names.length === 0 || names[names.length - 1]! < name) {
      names.push(name);
      return;
    }
    const at = this.#firstNotBefore(name);
    if (names[at] !== name) names.splice(at, 0, name);
  }

  remove(name: string): void {
    const at = this.#firstNotBefore(name);
    if (this.#names[at] === name) this.#names.splice(at, 1);
  }

  /** Up to `limit` names after `cursor` (from the start without one), and whether more follow. */
  after(cursor: string | undefined, limit: number): { names: string[]; hasMore: boolean } {
    let start = 0;
    if (cursor !== undefined) {
      start = this.#firstNotBefore(cursor);
      if (this.#names[start] === cursor) start++;
    }
    const names = this.#names.slice(start, start + limit);
    return { names, hasMore: start + limit < this.#names.length };
  }

  /** The index of the first name ≥ `name` (binary search). */
  #firstNotBefore(name: string): number {
    let low = 0;
    let high = this.#names.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#names[middle]! < name) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
