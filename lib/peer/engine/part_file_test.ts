import assert from "node:assert/strict";
import { tempDir } from "../../common/test_util.ts";
import { linkInPlace, PartFile, removeIfPresent } from "./part_file.ts";
import { pieceSpan } from "../../common/hash.ts";

Deno.test("pieceSpan() gives the last piece only what is left", () => {
  assert.deepEqual(pieceSpan(0, 10, 4), { position: 0, length: 4 });
  assert.deepEqual(pieceSpan(2, 10, 4), { position: 8, length: 2 });
});

Deno.test("PartFile.write() at positions from many tasks at once lands every piece in place", async () => {
  await using dir = await tempDir();
  const size = 64 * 1000 + 7;
  await using part = await PartFile.open(`${dir.path}/f.part`, size, { isFresh: true });
  assert.equal(part.isNew, true);
  const pieces = Array.from({ length: 65 }, (_, i) => pieceSpan(i, size, 1000));
  await Promise.all(
    pieces.toReversed().map(({ position, length }, i) =>
      part.write(position, new Uint8Array(length).fill(64 - i))
    ),
  );
  const bytes = await Deno.readFile(`${dir.path}/f.part`);
  assert.equal(bytes.length, size);
  for (let i = 0; i < 65; i++) assert.equal(bytes[i * 1000], i, `piece ${i}`);
  const into = new Uint8Array(7);
  await part.read(64 * 1000, into);
  assert.deepEqual(into, new Uint8Array(7).fill(64));
});

Deno.test("PartFile.open() keeps what a part held unless it is fresh", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/f.part`;
  await Deno.writeFile(path, new Uint8Array([1, 2, 3, 4]));
  const kept = await PartFile.open(path, 6, { isFresh: false });
  assert.equal(kept.isNew, false);
  await kept.close();
  assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3, 4, 0, 0]));
  const fresh = await PartFile.open(path, 3, { isFresh: true });
  await fresh.close();
  assert.deepEqual(await Deno.readFile(path), new Uint8Array(3));
});

Deno.test("PartFile.open() never writes through a symbolic link at the part's path", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/victim`, "precious");
  await Deno.symlink(`${dir.path}/victim`, `${dir.path}/f.part`);
  await assert.rejects(PartFile.open(`${dir.path}/f.part`, 4, { isFresh: false }), /symbolic link/);
  assert.equal(await Deno.readTextFile(`${dir.path}/victim`), "precious");
  const fresh = await PartFile.open(`${dir.path}/f.part`, 4, { isFresh: true });
  await fresh.close();
  assert.equal(
    await Deno.readTextFile(`${dir.path}/victim`),
    "precious",
    "the link went, not its target",
  );
  assert.equal((await Deno.lstat(`${dir.path}/f.part`)).isFile, true);
});

Deno.test("PartFile.read() past the end is a RangeError", async () => {
  await using dir = await tempDir();
  await using part = await PartFile.open(`${dir.path}/f.part`, 4, { isFresh: true });
  await assert.rejects(part.read(2, new Uint8Array(4)), RangeError);
});

Deno.test("linkInPlace() never replaces a file at the destination", async () => {
  await using dir = await tempDir();
  const part = `${dir.path}/f.part`;
  await Deno.writeTextFile(part, "new");
  await Deno.writeTextFile(`${dir.path}/taken`, "old");
  assert.equal(await linkInPlace(part, `${dir.path}/taken`), false);
  assert.equal(await Deno.readTextFile(`${dir.path}/taken`), "old");
  assert.equal(await linkInPlace(part, `${dir.path}/f`), true);
  assert.equal(await Deno.readTextFile(`${dir.path}/f`), "new");
  await removeIfPresent(part);
  await removeIfPresent(part);
  assert.equal(await Deno.readTextFile(`${dir.path}/f`), "new");
});
