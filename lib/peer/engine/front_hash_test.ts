import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Bitfield } from "../../wire/peer_frames.ts";
import { FrontHasher } from "./front_hash.ts";

const PIECE = 4;

function fixture(content: Uint8Array, maxHeld = 2) {
  const count = Math.ceil(content.length / PIECE);
  const written = new Bitfield(count);
  const reads: number[] = [];
  const hasher = new FrontHasher({
    pieceCount: count,
    pieceLength: PIECE,
    size: content.length,
    isWritten: (index) => written.has(index),
    read: (index, into) => {
      reads.push(index);
      into.set(content.subarray(index * PIECE, index * PIECE + into.length));
      return Promise.resolve();
    },
    maxHeld,
  });
  const piece = (index: number) => content.slice(index * PIECE, (index + 1) * PIECE);
  const land = (index: number) => {
    written.set(index);
    hasher.add(index, piece(index), { canKeep: true });
  };
  return { hasher, land, reads };
}

function hexSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

const CONTENT = new TextEncoder().encode("0123456789abcdefghijklmnopqrstuvwxyz!");

Deno.test("FrontHasher hashes pieces in file order without reading back when they come in order", async () => {
  const { hasher, land, reads } = fixture(CONTENT);
  for (let i = 0; i < 10; i++) land(i);
  assert.equal(await hasher.digest(), hexSha1(CONTENT));
  assert.deepEqual(reads, []);
});

Deno.test("FrontHasher holds a few pieces ahead and reads back the ones it could not hold", async () => {
  const { hasher, land, reads } = fixture(CONTENT, 2);
  for (const i of [9, 8, 7, 6, 5, 4, 3, 2, 1]) land(i);
  assert.equal(hasher.front, 0);
  assert.equal(hasher.heldPieces, 2);
  land(0);
  assert.equal(await hasher.digest(), hexSha1(CONTENT));
  assert.ok(reads.length > 0 && reads.length <= 7, `read back ${reads.join(",")}`);
  assert.ok(
    !reads.includes(0) && !reads.includes(9) && !reads.includes(8),
    "held ones were not read",
  );
});

Deno.test("FrontHasher of an empty file is the SHA-1 of nothing", async () => {
  const { hasher } = fixture(new Uint8Array(0));
  assert.equal(await hasher.digest(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
});

Deno.test("FrontHasher.digest() rejects when a read-back fails", async () => {
  const written = Bitfield.full(2);
  const hasher = new FrontHasher({
    pieceCount: 2,
    pieceLength: PIECE,
    size: 8,
    isWritten: (index) => written.has(index),
    read: () => Promise.reject(new Error("disk gone")),
  });
  await assert.rejects(hasher.digest(), /disk gone/);
});
