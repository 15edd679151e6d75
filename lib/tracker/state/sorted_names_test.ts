import assert from "node:assert/strict";
import fc from "fast-check";
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

Deno.test("SortedNames agrees with a sorted array over thousands of names, chunks split and emptied", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(4000), fc.boolean()), {
        minLength: 3000,
        maxLength: 6000,
        size: "max",
      }),
      fc.array(fc.tuple(fc.option(fc.nat(4000)), fc.integer({ min: 1, max: 700 })), {
        maxLength: 20,
      }),
      (changes, pages) => {
        const names = new SortedNames();
        const model = new Set<string>();
        // Mostly adds at first, then mostly removes, so chunks both split and empty.
        for (const [i, [n, flip]] of changes.entries()) {
          const name = `g${String(n).padStart(4, "0")}`;
          const adding = i < changes.length * 0.6 ? !flip || n % 3 > 0 : flip && n % 3 === 0;
          if (adding) {
            names.add(name);
            model.add(name);
          } else {
            names.remove(name);
            model.delete(name);
          }
        }
        const sorted = [...model].sort();
        assert.deepEqual([...names.all], sorted);
        assert.equal(names.size, sorted.length);
        for (const [n, limit] of pages) {
          const cursor = n === null ? undefined : `g${String(n).padStart(4, "0")}`;
          const start = cursor === undefined ? 0 : sorted.filter((x) => x <= cursor).length;
          const expected = sorted.slice(start, start + limit);
          assert.deepEqual(names.after(cursor, limit), {
            names: expected,
            hasMore: start + limit < sorted.length,
          });
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("SortedNames drops a chunk that empties and pages across the gap it leaves", () => {
  const names = new SortedNames();
  const all = Array.from({ length: 2000 }, (_, i) => `g${String(i).padStart(4, "0")}`);
  for (const name of all) names.add(name);
  // Remove a run wider than any chunk, from its middle outwards.
  const gone = all.slice(700, 1500);
  for (let i = 0; i < gone.length; i++) names.remove(gone[(i * 7) % gone.length]!);
  const kept = [...all.slice(0, 700), ...all.slice(1500)];
  assert.deepEqual([...names.all], kept);
  assert.deepEqual(names.after("g0698", 3), { names: ["g0699", "g1500", "g1501"], hasMore: true });
  names.add("g1000");
  assert.deepEqual(names.after("g0699", 2), { names: ["g1000", "g1500"], hasMore: true });
});
