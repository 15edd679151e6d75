import assert from "node:assert/strict";
import { stat, utimes } from "node:fs/promises";
import { FileHandles } from "../support/file_handles.ts";
import { FileSource } from "./file_source.ts";
import { tempDir } from "../../common/test_util.ts";

const PIECE_BYTES = 16;

async function withFile(bytes: Uint8Array, body: (path: string) => Promise<void>) {
  await using temp = await tempDir();
  const dir = temp.path;
  const path = `${dir}/f.bin`;
  await Deno.writeFile(path, bytes);
  await body(path);
}

function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7) % 251);
}

async function sourceOf(path: string, handles: FileHandles, changes: string[] = []) {
  const { size, mtimeMs } = await stat(path);
  return new FileSource({
    group: "g1",
    fileId: "a".repeat(40),
    path,
    size,
    pieceLength: PIECE_BYTES,
    mtimeMs,
    handles,
    onChanged: (_source, detail) => changes.push(detail),
  });
}

Deno.test("FileSource.readPiece() reads every piece at its offset, the last one short", async () => {
  const bytes = pattern(PIECE_BYTES * 3 + 5);
  await withFile(bytes, async (path) => {
    await using handles = new FileHandles();
    const source = await sourceOf(path, handles);
    assert.equal(source.bitfield.length, 4);
    assert.equal(source.bitfield.isComplete, true);
    for (const index of [3, 0, 2, 1]) {
      const length = index === 3 ? 5 : PIECE_BYTES;
      const into = new Uint8Array(length);
      await source.readPiece(index, into);
      assert.deepEqual(into, bytes.subarray(index * PIECE_BYTES, index * PIECE_BYTES + length));
    }
    assert.equal(handles.size, 1);
  });
});

Deno.test("FileSource.readPiece() refuses a piece out of range or a buffer of the wrong size", async () => {
  await withFile(pattern(PIECE_BYTES * 2), async (path) => {
    await using handles = new FileHandles();
    const source = await sourceOf(path, handles);
    await assert.rejects(source.readPiece(2, new Uint8Array(PIECE_BYTES)), RangeError);
    await assert.rejects(source.readPiece(0, new Uint8Array(3)), RangeError);
  });
});

Deno.test("FileSource.readPiece() stops serving a file modified on disk, and says so once", async () => {
  await withFile(pattern(PIECE_BYTES * 2), async (path) => {
    await using handles = new FileHandles();
    const changes: string[] = [];
    const source = await sourceOf(path, handles, changes);
    await source.readPiece(0, new Uint8Array(PIECE_BYTES));
    const later = new Date(Date.now() + 5_000);
    await utimes(path, later, later);
    await assert.rejects(source.readPiece(0, new Uint8Array(PIECE_BYTES)), /changed on disk/);
    await assert.rejects(source.readPiece(1, new Uint8Array(PIECE_BYTES)), /changed on disk/);
    assert.deepEqual(changes, ["it was modified"]);
    assert.equal(source.changed, "it was modified");
  });
});

Deno.test("FileSource.readPiece() notices a file that grew or was removed", async () => {
  await withFile(pattern(PIECE_BYTES), async (path) => {
    await using handles = new FileHandles();
    const grown: string[] = [];
    const source = await sourceOf(path, handles, grown);
    await Deno.writeFile(path, pattern(PIECE_BYTES * 2));
    await assert.rejects(source.readPiece(0, new Uint8Array(PIECE_BYTES)));
    assert.match(grown[0]!, /size went from 16 to 32 bytes|modified/);
    const removed: string[] = [];
    const again = await sourceOf(path, handles, removed);
    await Deno.remove(path);
    await assert.rejects(again.readPiece(0, new Uint8Array(PIECE_BYTES)));
    assert.deepEqual(removed, ["it was removed"]);
  });
});

Deno.test("FileSource counts the bytes uploaded, starting from a given count", async () => {
  await withFile(pattern(4), async (path) => {
    await using handles = new FileHandles();
    const { size, mtimeMs } = await stat(path);
    const source = new FileSource({
      group: "g1",
      fileId: "b".repeat(40),
      path,
      size,
      mtimeMs,
      pieceLength: PIECE_BYTES,
      handles,
      uploaded: 100,
      onChanged: () => {},
    });
    source.addUploaded(4);
    assert.equal(source.uploaded, 104);
  });
});

Deno.test("FileHandles keeps at most maxOpen idle files open, least recently used closed first", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  await using handles = new FileHandles({ maxOpen: 2 });
  const into = new Uint8Array(1);
  for (const name of ["a", "b", "c"]) await Deno.writeTextFile(`${dir}/${name}`, name);
  for (const name of ["a", "b", "c", "a"]) {
    assert.equal(await handles.read(`${dir}/${name}`, into, 0), 1);
    assert.equal(String.fromCharCode(into[0]!), name);
  }
  assert.equal(handles.size, 2);
  await assert.rejects(handles.read(`${dir}/missing`, into, 0), /ENOENT/);
  assert.equal(handles.size, 2);
  await handles.closeAll();
  assert.equal(handles.size, 0);
});
