import { deepStrictEqual } from "node:assert/strict";
import { changedRuns, decodeRuns, encodeRuns, PieceStates } from "./piece_runs.ts";

function mapOf(done: number[], inflight: number[], sentBy: [number, string][], pieces = 8) {
  return {
    done: { length: pieces, has: (index: number) => done.includes(index) },
    inflight,
    sentBy: new Map(sentBy),
  };
}

Deno.test("encodeRuns() and decodeRuns() round-trip a map", () => {
  const states = Uint8Array.from([0, 0, 1, 3, 3, 3, 2, 0]);
  deepStrictEqual(encodeRuns(states), [0, 2, 1, 1, 3, 3, 2, 1, 0, 1]);
  deepStrictEqual(decodeRuns(encodeRuns(states), states.length), states);
});

Deno.test("changedRuns() lists only the pieces that changed, as runs of one value", () => {
  const before = Uint8Array.from([0, 0, 0, 1, 1, 3]);
  const after = Uint8Array.from([0, 3, 3, 1, 4, 3]);
  deepStrictEqual(changedRuns(before, after), [1, 2, 3, 4, 1, 4]);
  deepStrictEqual(changedRuns(after, after), []);
});

Deno.test("PieceStates.update() names each seeder once and sends only what changed", () => {
  const states = new PieceStates(8);
  const first = states.update(mapOf([0, 1], [2], [[1, "10.0.0.1:1"]]));
  deepStrictEqual(first, { changes: [0, 1, 2, 1, 1, 3, 2, 1, 1], newSources: ["10.0.0.1:1"] });
  const second = states.update(mapOf([0, 1, 2], [3], [[1, "10.0.0.1:1"], [2, "10.0.0.2:2"]]));
  deepStrictEqual(second, { changes: [2, 1, 4, 3, 1, 1], newSources: ["10.0.0.2:2"] });
  deepStrictEqual(states.update(mapOf([0, 1, 2], [3], [[1, "10.0.0.1:1"], [2, "10.0.0.2:2"]])), {
    changes: [],
    newSources: [],
  });
  deepStrictEqual([...states.states], [2, 3, 4, 1, 0, 0, 0, 0]);
});
