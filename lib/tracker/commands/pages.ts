/** Paginated lists: no reply grows with a group or the number of groups. */
import { MAX_PAGE_ITEMS } from "../../wire/mod.ts";

/** Items per page of a list command. */
export const PAGE_SIZE = Math.min(100, MAX_PAGE_ITEMS);

/** One page of `items` (sorted by `keyOf`) after `cursor`, and the cursor of the next page. */
export function page<T>(
  items: readonly T[],
  cursor: string | undefined,
  keyOf: (item: T) => string,
): { items: T[]; next: string | undefined } {
  const start = cursor === undefined ? 0 : items.findIndex((item) => keyOf(item) > cursor);
  const slice = start < 0 ? [] : items.slice(start, start + PAGE_SIZE);
  const last = slice.at(-1);
  const hasMore = start >= 0 && start + PAGE_SIZE < items.length;
  return { items: slice, next: hasMore && last !== undefined ? keyOf(last) : undefined };
}
