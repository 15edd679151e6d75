import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { sha1 } from "../../common/hash.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import { type PieceFile, PieceWriter } from "./piece_writer.ts";

const PIECE = 16 * 1024;

async function fixture(pieces: number, last = PIECE) {
  const dir = await Deno.makeTempDir();
  const size = (pieces - 1) * PIECE + last;
  const content = new Uint8Array(randomBytes(size));
  const hashes = new Uint8Array(pieces * 20);
  for (let i = 0; i < pieces; i++) {
    hashes.set(sha1(content.subarray(i * PIECE, Math.min(size, (i + 1) * PIECE))), i * 20);
  }
  const path = `${dir}/file.part`;
  await Deno.writeFile(path, new Uint8Array(size));
  const { dev, ino } = await stat(path);
  const file: PieceFile = {
    path,
    size,
    pieceLength: PIECE,
    pieceHashes: hashes,
    identity: { dev, ino },
  };
  const piece = (i: number) => content.slice(i * PIECE, Math.min(size, (i + 1) * PIECE));
  return { dir, path, content, file, piece, pieces };
}

Deno.test("PieceWriter writes good pieces, refuses bad ones, and hashes the whole file", async () => {
  const fx = await fixture(5, 1000);
  try {
    const writer = await PieceWriter.open(fx.file, new Bitfield(fx.pieces));
    const bad = fx.piece(2);
    bad[7]! ^= 1;
    assert.equal(await writer.put(2, bad), false, "a piece with a flipped bit");
    assert.equal(await writer.put(1, fx.piece(1).subarray(1)), false, "a piece one byte short");
    // Out of order, as pieces arrive from several seeders.
    const results = await Promise.all([4, 0, 3, 2, 1].map((i) => writer.put(i, fx.piece(i))));
    assert.deepEqual(results, [true, true, true, true, true]);
    const expected = createHash("sha1").update(fx.content).digest("hex");
    assert.equal(await writer.digest(), expected);
    await writer.close();
    assert.deepEqual(await Deno.readFile(fx.path), fx.content);
  } finally {
    await Deno.remove(fx.dir, { recursive: true });
  }
});

Deno.test("PieceWriter moves the piece's buffer to its thread instead of copying it", async () => {
  const fx = await fixture(2);
  try {
    const writer = await PieceWriter.open(fx.file, new Bitfield(2));
    const frame = new Uint8Array(4 + PIECE);
    frame.set(fx.piece(0), 4);
    const put = writer.put(0, frame.subarray(4));
    assert.equal(frame.buffer.byteLength, 0, "the frame's buffer is detached here");
    assert.equal(await put, true);
    await writer.close();
  } finally {
    await Deno.remove(fx.dir, { recursive: true });
  }
});

Deno.test("PieceWriter reads back pieces already on disk for the whole-file hash", async () => {
  const fx = await fixture(4);
  try {
    const written = new Bitfield(4);
    await Deno.writeFile(fx.path, fx.content.subarray(0, 2 * PIECE), { append: false });
    await Deno.truncate(fx.path, fx.content.length);
    written.set(0);
    written.set(1);
    const writer = await PieceWriter.open(fx.file, written);
    assert.equal(await writer.put(3, fx.piece(3)), true);
    assert.equal(await writer.put(2, fx.piece(2)), true);
    assert.equal(await writer.digest(), createHash("sha1").update(fx.content).digest("hex"));
    await writer.close();
  } finally {
    await Deno.remove(fx.dir, { recursive: true });
  }
});

Deno.test("PieceWriter refuses a .part replaced after the main thread opened it", async () => {
  const fx = await fixture(2);
  try {
    // Made while the first exists, so it cannot reuse its inode; then moved over it.
    await Deno.writeFile(`${fx.path}.other`, new Uint8Array(fx.content.length));
    await Deno.rename(`${fx.path}.other`, fx.path);
    await assert.rejects(
      PieceWriter.open(fx.file, new Bitfield(2)),
      /was replaced while the download opened it/,
    );
  } finally {
    await Deno.remove(fx.dir, { recursive: true });
  }
});

Deno.test("PieceWriter rejects puts once closed, and a put that cannot be written", async () => {
  const fx = await fixture(2);
  try {
    const writer = await PieceWriter.open(fx.file, new Bitfield(2));
    await writer.close();
    await assert.rejects(writer.put(0, fx.piece(0)), /closed/);
  } finally {
    await Deno.remove(fx.dir, { recursive: true });
  }
});
