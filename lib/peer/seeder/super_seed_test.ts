import assert from "node:assert/strict";
import { Bitfield } from "../../wire/peer_frames.ts";
import { isSpread, nextReveal, REVEAL_WINDOW_PIECES, revealWindow } from "./super_seed.ts";

function inputs(pieces: number, fields: { availability?: number[]; inFlight?: number[] } = {}) {
  return {
    ours: Bitfield.full(pieces),
    theirs: new Bitfield(pieces),
    revealed: new Bitfield(pieces),
    availability: Uint32Array.from(fields.availability ?? new Array(pieces).fill(0)),
    inFlight: Uint32Array.from(fields.inFlight ?? new Array(pieces).fill(0)),
    window: Infinity,
    random: () => 0.5,
  };
}

Deno.test("nextReveal() shows only fresh pieces: held by no connected downloader, on their way to none", () => {
  const given = inputs(4, { availability: [1, 0, 0, 2], inFlight: [0, 1, 0, 0] });
  assert.equal(nextReveal(given), 2);
  given.revealed.set(2);
  assert.equal(nextReveal(given), null, "no fresh piece is left: the swarm has the others");
});

Deno.test("nextReveal() never shows a piece the downloader has or was shown, and spreads ties", () => {
  const seen = new Set<number>();
  for (const r of [0, 0.3, 0.6, 0.9]) {
    const given = { ...inputs(8), random: () => r };
    given.theirs.set(0);
    given.revealed.set(1);
    const index = nextReveal(given);
    assert.ok(index !== null && index > 1);
    seen.add(index);
  }
  assert.ok(seen.size >= 2, `ties broken at random: ${[...seen]}`);
});

Deno.test("nextReveal() draws a lone downloader's pieces from the first fresh ones in file order", () => {
  const pieces = 4 * REVEAL_WINDOW_PIECES;
  const lone = { ...inputs(pieces), window: revealWindow(1) };
  for (let i = 0; i < 10; i++) lone.theirs.set(i); // it holds the first ten
  lone.availability[12] = 1; // another piece's copy is at a downloader gone quiet
  const drawn = new Set<number>();
  for (const r of [0, 0.25, 0.5, 0.75, 0.999]) {
    const index = nextReveal({ ...lone, random: () => r });
    assert.ok(index !== null && index >= 10 && index !== 12, `${index}`);
    drawn.add(index);
  }
  const last = Math.max(...drawn);
  assert.ok(last <= 10 + REVEAL_WINDOW_PIECES, `drawn from the first fresh pieces: ${[...drawn]}`);
  assert.ok(drawn.size >= 3, `at random among them: ${[...drawn]}`);
  // With more downloaders connected, from the whole file.
  assert.equal(revealWindow(2), Infinity);
  const crowd = { ...lone, window: revealWindow(2), random: () => 1 - 1e-9 };
  assert.equal(nextReveal(crowd), pieces - 1, "the last fresh piece replaces every earlier one");
});

Deno.test("isSpread() is true once every piece has a copy at some downloader", () => {
  const ours = Bitfield.full(3);
  assert.equal(isSpread(ours, Uint32Array.from([1, 0, 2])), false);
  assert.equal(isSpread(ours, Uint32Array.from([1, 1, 2])), true);
});
