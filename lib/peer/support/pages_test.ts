import assert from "node:assert/strict";
import { collectPages, type Page } from "./pages.ts";

/** Pages of `size` items over 0..total-1, with the next offset as the cursor. */
function pager(total: number, size: number) {
  const cursors: (string | undefined)[] = [];
  const fetchPage = (cursor: string | undefined): Promise<Page<number>> => {
    cursors.push(cursor);
    const start = Number(cursor ?? 0);
    const end = Math.min(total, start + size);
    const items = Array.from({ length: end - start }, (_, i) => start + i);
    return Promise.resolve({ items, ...(end < total ? { next: String(end) } : {}) });
  };
  return { cursors, fetchPage };
}

Deno.test("collectPages() follows cursors until there is no next", async () => {
  const { cursors, fetchPage } = pager(5, 2);
  assert.deepEqual(await collectPages(fetchPage), { items: [0, 1, 2, 3, 4], isTruncated: false });
  assert.deepEqual(cursors, [undefined, "2", "4"]);
});

Deno.test("collectPages() stops at the item limit and says so", async () => {
  const { fetchPage } = pager(50, 10);
  const collected = await collectPages(fetchPage, { maxItems: 25 });
  assert.equal(collected.items.length, 25);
  assert.equal(collected.isTruncated, true);
  assert.deepEqual(await collectPages(pager(20, 10).fetchPage, { maxItems: 20 }), {
    items: Array.from({ length: 20 }, (_, i) => i),
    isTruncated: false,
  });
});

Deno.test("collectPages() stops a tracker that sends empty pages forever", async () => {
  let calls = 0;
  const collected = await collectPages(() => {
    calls++;
    return Promise.resolve({ items: [], next: "again" });
  }, { maxPages: 7 });
  assert.deepEqual(collected, { items: [], isTruncated: true });
  assert.equal(calls, 7);
});
