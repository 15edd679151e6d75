import assert from "node:assert/strict";
import { Bitfield } from "../../wire/peer_frames.ts";
import { tempDir } from "../../common/test_util.ts";
import { PartialSource } from "./partial_source.ts";

Deno.test("PartialSource serves only verified pieces, tells listeners, then serves the final file", async () => {
  await using dir = await tempDir();
  await Deno.writeFile(`${dir.path}/f.part`, new Uint8Array([1, 2, 3, 4, 5]));
  const bitfield = new Bitfield(3);
  const source = new PartialSource({
    group: "g1",
    fileId: "f".repeat(40),
    size: 5,
    pieceLength: 2,
    path: `${dir.path}/f.part`,
    bitfield,
  });
  const heard: number[] = [];
  const stop = source.onPiece((index) => heard.push(index));
  await assert.rejects(source.readPiece(2, new Uint8Array(1)), RangeError);
  bitfield.set(2);
  source.addPiece(2);
  const last = new Uint8Array(1);
  await source.readPiece(2, last);
  assert.deepEqual(last, new Uint8Array([5]));
  await assert.rejects(source.readPiece(2, new Uint8Array(2)), RangeError);
  stop();
  source.addPiece(1);
  assert.deepEqual(heard, [2]);
  await Deno.writeFile(`${dir.path}/f`, new Uint8Array([9, 9, 9, 9, 7]));
  source.complete(`${dir.path}/f`);
  assert.equal(source.isComplete, true);
  await source.readPiece(2, last);
  assert.deepEqual(last, new Uint8Array([7]));
});

Deno.test("PartialSource.addUploaded() counts the total and the bytes sent to each peer id", () => {
  const source = new PartialSource({
    group: "g1",
    fileId: "f".repeat(40),
    size: 5,
    pieceLength: 2,
    path: "/nowhere/f.part",
    bitfield: new Bitfield(3),
  });
  source.addUploaded(2, "p1");
  source.addUploaded(2, "p2");
  source.addUploaded(1, "p1");
  source.addUploaded(4);
  assert.equal(source.uploaded, 9);
  assert.deepEqual([...source.uploadedTo], [["p1", 3], ["p2", 2]]);
});
