/** Most items one list command collects by following cursors; the rest is reported as cut. */
export const MAX_LIST_ITEMS = 10_000;
/** Most pages one list command fetches, so a tracker that repeats empty pages cannot loop us. */
export const MAX_LIST_PAGES = 500;

/** One page of a paginated list: its items and the cursor of the next page, if any. */
export interface Page<T> {
  /** The items of this page. */
  readonly items: readonly T[];
  /** The cursor of the next page; absent on the last page. */
  readonly next?: string | undefined;
}

/** The items of every page, and whether a limit cut the list short. */
export interface Collected<T> {
  /** Every item collected, in the tracker's order. */
  readonly items: T[];
  /** Whether a limit stopped the collection before the last page. */
  readonly isTruncated: boolean;
}

/**
 * Fetch pages by following `next` cursors until there are none, or a limit is reached.
 *
 * @param fetchPage fetches the page at `cursor` (undefined for the first)
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  options: { maxItems?: number; maxPages?: number } = {},
): Promise<Collected<T>> {
  const maxItems = options.maxItems ?? MAX_LIST_ITEMS;
  const maxPages = options.maxPages ?? MAX_LIST_PAGES;
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await fetchPage(cursor);
    for (const item of page.items) {
      if (items.length >= maxItems) return { items, isTruncated: true };
      items.push(item);
    }
    if (page.next === undefined) return { items, isTruncated: false };
    cursor = page.next;
  }
  return { items, isTruncated: true };
}
