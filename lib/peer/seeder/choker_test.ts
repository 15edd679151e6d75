import assert from "node:assert/strict";
import { type ChokeCandidate, Choker } from "./choker.ts";

function candidate(id: string, fields: Partial<ChokeCandidate> = {}): ChokeCandidate {
  return { id, isInterested: true, receivedFrom: 0, sentTotal: 0, ...fields };
}

Deno.test("Choker.round() while downloading unchokes the peers that upload most to us, plus one optimistic", () => {
  const choker = new Choker({ slots: 2, random: () => 0 });
  const peers = [
    candidate("slow", { receivedFrom: 10 }),
    candidate("fast", { receivedFrom: 900 }),
    candidate("medium", { receivedFrom: 500 }),
    candidate("new"),
  ];
  const unchoked = choker.round(peers, false);
  assert.ok(unchoked.has("fast") && unchoked.has("medium"), "the two best uploaders");
  assert.equal(unchoked.size, 3, "two regular slots and one optimistic");
  assert.ok(choker.optimistic === "slow" || choker.optimistic === "new");
});

Deno.test("Choker.round() as a complete seeder rotates towards the downloaders it sent least", () => {
  const choker = new Choker({ slots: 1, random: () => 0 });
  const sent = new Map([["a", 0], ["b", 0], ["c", 0]]);
  const served = new Set<string>();
  for (let round = 0; round < 6; round++) {
    const unchoked = choker.round(
      [...sent].map(([id, s]) => candidate(id, { sentTotal: s })),
      true,
    );
    for (const id of unchoked) {
      served.add(id);
      sent.set(id, sent.get(id)! + 100);
    }
  }
  assert.deepEqual([...served].sort(), ["a", "b", "c"], "every downloader got a turn");
  const totals = [...sent.values()];
  assert.ok(Math.max(...totals) - Math.min(...totals) <= 200, `fair shares: ${totals}`);
});

Deno.test("Choker.round() never unchokes a peer that wants nothing, and keeps the optimistic slot for its rounds", () => {
  const choker = new Choker({ slots: 1, optimisticRounds: 3, random: () => 0.99 });
  const peers = [
    candidate("best", { receivedFrom: 100 }),
    candidate("done", { isInterested: false, receivedFrom: 1000 }),
    candidate("x"),
    candidate("y"),
  ];
  const first = choker.round(peers, false);
  assert.equal(first.has("done"), false);
  const optimistic = choker.optimistic;
  assert.ok(optimistic === "x" || optimistic === "y");
  choker.round(peers, false);
  assert.equal(choker.optimistic, optimistic, "kept in its second round");
  choker.round(peers, false);
  choker.round(peers, false);
  assert.notEqual(choker.optimistic, optimistic, "rotated after three rounds");
});
