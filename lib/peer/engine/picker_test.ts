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

Deno.test("PiecePicker.next() breaks ties uniformly at random over every equally rare piece", () => {
  const counts = new Array<number>(64).fill(0);
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let round = 0; round < 6400; round++) {
    const picker = new PiecePicker(64, { random });
    picker.addBitfield("a", Bitfield.full(64));
    counts[picker.next("a")!]!++;
  }
  // Every piece, the last ones too, is chosen about 100 times: no window in file order.
  assert.ok(Math.min(...counts) > 50, `some piece is rarely chosen: ${counts}`);
  assert.ok(Math.max(...counts) < 160, `some piece is chosen too often: ${counts}`);
  const late = counts.slice(32).reduce((a, b) => a + b, 0);
  assert.ok(late > 2800 && late < 3600, `the second half got ${late} of 6400`);
});

Deno.test("PiecePicker.next() prefers a rarer piece wherever it lies in the file", () => {
  const picker = new PiecePicker(100, { random: Math.random });
  picker.addBitfield("a", Bitfield.full(100));
  picker.addBitfield("b", Bitfield.full(100));
  picker.addBitfield("c", Bitfield.full(100));
  picker.dropHave("b", 97);
  picker.dropHave("c", 97);
  assert.equal(picker.next("a"), 97, "piece 97 is on one peer only");
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

Deno.test("PiecePicker in endgame duplicates the piece asked for last, of those asked of fewest", () => {
  const picker = new PiecePicker(3, { random: FIRST });
  picker.addBitfield("a", Bitfield.full(3));
  picker.addBitfield("b", Bitfield.full(3));
  picker.addBitfield("c", Bitfield.full(3));
  assert.equal(picker.next("a"), 0);
  assert.equal(picker.next("a"), 1);
  assert.equal(picker.next("a"), 2);
  assert.equal(picker.next("b"), 2, "2 is likely still in a's queue; 0 is on its way");
  assert.equal(picker.next("c"), 1, "1 is asked of one peer, 2 of two");
});

Deno.test("PiecePicker: a piece being checked is asked of nobody, and again only if it fails", () => {
  const picker = new PiecePicker(2, { random: FIRST });
  picker.addBitfield("a", Bitfield.full(2));
  picker.addBitfield("b", Bitfield.full(2));
  picker.addBitfield("c", Bitfield.full(2));
  assert.equal(picker.next("a"), 0);
  assert.equal(picker.next("b"), 1);
  assert.equal(picker.next("c"), 1, "endgame: c duplicates b's piece 1");
  assert.deepEqual(picker.markArrived("b", 1), ["c"], "c's request can be cancelled at once");
  assert.equal(picker.isChecking(1), true);
  assert.deepEqual(picker.requested().sort(), [0, 1], "still in progress");
  assert.equal(picker.next("b"), 0, "b may duplicate a's piece, never the one being checked");
  assert.equal(picker.next("c"), 0);
  assert.deepEqual(picker.markArrived("b", 1), [], "a second copy changes nothing");
  picker.markFailed(1);
  assert.equal(picker.isEndgame, false, "the bad copy's piece is missing again");
  assert.equal(picker.next("a"), 1);
  assert.deepEqual(picker.markArrived("a", 1), []);
  assert.deepEqual(picker.markDone(1), []);
  assert.deepEqual(picker.markArrived("c", 0).sort(), ["a", "b"]);
  assert.deepEqual(picker.markDone(0), []);
  assert.equal(picker.remaining, 0);
  assert.equal(picker.isEndgame, false);
});
