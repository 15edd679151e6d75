import assert from "node:assert/strict";
import { sha1 } from "../../common/hash.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import { tempDir } from "../../common/test_util.ts";
import { PartFile } from "./part_file.ts";
import { isGoodPiece, verifyPieces, wholeFileMismatch } from "./verify.ts";

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

Deno.test("verifyPieces() keeps only the listed pieces that still match their hash", async () => {
  await using dir = await tempDir();
  const content = new TextEncoder().encode("abcdefghij");
  const hashes = new Uint8Array(60);
  for (let i = 0; i < 3; i++) hashes.set(sha1(content.subarray(i * 4, i * 4 + 4)), i * 20);
  content[5] = 0x58; // piece 1 corrupted on disk
  await Deno.writeFile(`${dir.path}/x.part`, content);
  await using part = await PartFile.open(`${dir.path}/x.part`, 10, { isFresh: false });
  const listed = Bitfield.full(3);
  const seen: number[] = [];
  const kept = await verifyPieces(part, listed, {
    pieceLength: 4,
    pieceHashes: hashes,
    onVerified: (index) => {
      seen.push(index);
    },
  });
  assert.deepEqual([kept.has(0), kept.has(1), kept.has(2)], [true, false, true]);
  assert.deepEqual(seen, [0, 2]);
});
