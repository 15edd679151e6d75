import assert from "node:assert/strict";
import { SortedNames } from "./sorted_names.ts";

Deno.test("SortedNames keeps names sorted and once, through adds and removes in any order", () => {
  const names = new SortedNames();
  const model = new Set<string>();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const name = `g${Math.floor(random() * 300)}`;
    if (random() < 0.7) {
      names.add(name);
      model.add(name);
    } else {
      names.remove(name);
      model.delete(name);
    }
  }
  assert.deepEqual([...names.all], [...model].sort());
  names.reset(["c", "a", "b", "a"]);
  assert.deepEqual([...names.all], ["a", "b", "c"]);
});

Deno.test("SortedNames.after pages by cursor, a cursor that is not a name included", () => {
  const names = new SortedNames();
  names.reset(["a", "b", "c", "d", "e"]);
  assert.deepEqual(names.after(undefined, 2), { names: ["a", "b"], hasMore: true });
  assert.deepEqual(names.after("b", 2), { names: ["c", "d"], hasMore: true });
  assert.deepEqual(names.after("d", 2), { names: ["e"], hasMore: false });
  assert.deepEqual(names.after("bb", 10), { names: ["c", "d", "e"], hasMore: false });
  assert.deepEqual(names.after("e", 2), { names: [], hasMore: false });
  assert.deepEqual(names.after(undefined, 5), { names: ["a", "b", "c", "d", "e"], hasMore: false });
});
