import assert from "node:assert/strict";
import { sha1 } from "../../common/hash.ts";
import { isGoodPiece, wholeFileMismatch } from "./verify.ts";

function fileOf(pieces: Uint8Array[], pieceLength: number) {
  const pieceHashes = new Uint8Array(pieces.length * 20);
  pieces.forEach((piece, i) => pieceHashes.set(sha1(piece), i * 20));
  const size = pieces.reduce((sum, piece) => sum + piece.length, 0);
  return { size, pieceLength, pieceHashes };
}

Deno.test("isGoodPiece() accepts each piece and refuses a changed byte, a short piece or another index", () => {
  const pieces = [new Uint8Array(8).fill(1), new Uint8Array(8).fill(2), new Uint8Array(3).fill(3)];
  const file = fileOf(pieces, 8);
  pieces.forEach((piece, i) => assert.ok(isGoodPiece(file, i, piece)));
  const changed = pieces[0]!.slice();
  changed[7] = 9;
  assert.equal(isGoodPiece(file, 0, changed), false);
  assert.equal(isGoodPiece(file, 2, pieces[2]!.subarray(0, 2)), false);
  assert.equal(isGoodPiece(file, 1, pieces[0]!), false);
  assert.equal(isGoodPiece(file, 3, pieces[2]!), false);
});

Deno.test("wholeFileMismatch() names both digests, or is null when they agree", () => {
  assert.equal(wholeFileMismatch("ab", "ab"), null);
  assert.match(wholeFileMismatch("ab", "cd") ?? "", /expected ab, got cd/);
});
