import assert from "node:assert/strict";
import { Bitfield } from "../../wire/peer_frames.ts";
import { PiecePicker } from "./picker.ts";

function field(length: number, pieces: number[]): Bitfield {
  const bits = new Bitfield(length);
  for (const index of pieces) bits.set(index);
  return bits;
}

/** Always the first of the ties. */
const FIRST = () => 0;

Deno.test("PiecePicker.next() picks the rarest piece the peer has", () => {
  const picker = new PiecePicker(4, { random: FIRST });
  picker.addBitfield("a", field(4, [0, 1, 2, 3]));
  picker.addBitfield("b", field(4, [0, 1, 3]));
  picker.addBitfield("c", field(4, [0, 3]));
  assert.equal(picker.next("a"), 2, "piece 2: only a has it");
  assert.equal(picker.next("a"), 1, "then piece 1: two peers");
  assert.equal(picker.next("b"), 0, "0 and 3 tie at three peers; first in file order");
  assert.equal(picker.next("c"), 3);
  assert.equal(picker.isEndgame, true, "every piece is assigned");
  assert.equal(picker.next("c"), 0, "endgame: c duplicates b's piece 0");
});

Deno.test("PiecePicker.next() breaks ties at random within the window", () => {
  const seen = new Set<number>();
  for (const r of [0, 0.3, 0.6, 0.99]) {
    const picker = new PiecePicker(20, { random: () => r, tieWindow: 4 });
    picker.addBitfield("a", Bitfield.full(20));
    seen.add(picker.next("a")!);
  }
  assert.deepEqual([...seen].sort((x, y) => x - y), [0, 1, 2, 3]);
});

Deno.test("PiecePicker.next() never returns a piece that is done or assigned", () => {
  const picker = new PiecePicker(3, { random: FIRST });
  picker.markDone(0);
  picker.addBitfield("a", Bitfield.full(3));
  picker.addBitfield("b", Bitfield.full(3));
  assert.equal(picker.next("a"), 1);
  assert.equal(picker.next("b"), 2);
  assert.equal(picker.remaining, 2);
});

Deno.test("PiecePicker.addHave() makes a new piece available and counts rarity", () => {
  const picker = new PiecePicker(3, { random: FIRST });
  picker.addBitfield("a", field(3, []));
  assert.equal(picker.next("a"), null);
  picker.addHave("a", 2);
  assert.equal(picker.isInteresting("a"), true);
  assert.equal(picker.next("a"), 2);
});

Deno.test("PiecePicker.release() and removePeer() give pieces back to others", () => {
  const picker = new PiecePicker(2, { random: FIRST });
  picker.addBitfield("a", Bitfield.full(2));
  picker.addBitfield("b", Bitfield.full(2));
  assert.equal(picker.next("a"), 0);
  assert.equal(picker.next("a"), 1);
  assert.equal(picker.isEndgame, true);
  picker.release("a", 0);
  assert.equal(picker.isEndgame, false);
  assert.equal(picker.next("b"), 0, "a released 0: b gets it, not as a duplicate");
  assert.deepEqual(picker.removePeer("a"), [1]);
  assert.equal(picker.next("b"), 1);
});

Deno.test("PiecePicker in endgame asks a second peer and markDone() lists whom to cancel", () => {
  const picker = new PiecePicker(2, { random: FIRST, maxDuplicates: 2 });
  picker.addBitfield("a", Bitfield.full(2));
  picker.addBitfield("b", Bitfield.full(2));
  picker.addBitfield("c", Bitfield.full(2));
  picker.markDone(0);
  assert.equal(picker.next("a"), 1);
  assert.equal(picker.isEndgame, true);
  assert.equal(picker.next("a"), null, "never the same piece twice from one peer");
  assert.equal(picker.next("b"), 1, "a duplicate from another peer");
  assert.equal(picker.next("c"), null, "at most maxDuplicates peers per piece");
  assert.deepEqual(picker.markDone(1).sort(), ["a", "b"]);
  assert.equal(picker.remaining, 0);
  assert.equal(picker.isEndgame, false);
  assert.equal(picker.next("c"), null);
});

Deno.test("PiecePicker.dropHave() stops asking a peer that rejected a piece", () => {
  const picker = new PiecePicker(1, { random: FIRST });
  picker.addBitfield("a", Bitfield.full(1));
  assert.equal(picker.next("a"), 0);
  picker.dropHave("a", 0);
  assert.equal(picker.next("a"), null);
  assert.equal(picker.isInteresting("a"), false);
});

Deno.test("PiecePicker.removePeer() lowers availability, so rarity follows who is connected", () => {
  const picker = new PiecePicker(2, { random: FIRST });
  picker.addBitfield("a", Bitfield.full(2));
  picker.addBitfield("b", field(2, [0]));
  picker.addBitfield("c", field(2, [1]));
  picker.addBitfield("d", field(2, [1]));
  assert.equal(picker.next("a"), 0, "0 has two peers, 1 has three");
  picker.release("a", 0);
  picker.removePeer("c");
  picker.removePeer("d");
  assert.equal(picker.next("a"), 1, "now 1 is the rarer");
});

Deno.test("PiecePicker in endgame gives duplicates only to a peer with little left to receive", () => {
  const picker = new PiecePicker(4, { random: FIRST });
  picker.addBitfield("a", Bitfield.full(4));
  picker.addBitfield("b", Bitfield.full(4));
  for (let i = 0; i < 3; i++) assert.notEqual(picker.next("a"), null);
  assert.notEqual(picker.next("b"), null);
  assert.equal(picker.isEndgame, true);
  assert.equal(picker.next("a"), null, "a still waits for three pieces: no duplicates");
  assert.notEqual(picker.next("b"), null, "b waits for one: it may take over one of a's");
  assert.equal(picker.next("b"), null, "b now waits for two");
});
