import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { computeFileId, PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { fakeFileTracker } from "../testing/fake_files.ts";
import { hashForShare, registerFile, shareNameOf } from "./uploader.ts";
import { tempDir } from "../../common/test_util.ts";

const signal = new AbortController().signal;

Deno.test("shareNameOf() takes the base name and refuses one that could escape a folder", () => {
  assert.equal(shareNameOf("/tmp/some dir/f.bin"), "f.bin");
  for (const bad of ["/tmp/..", "/tmp/a\nb", "/tmp/x\u0007y", "/"]) {
    assert.throws(
      () => shareNameOf(bad),
      (error: CommandError) =>
        error.code === "bad_file_name" && error.message.includes("Cannot share"),
    );
  }
});

Deno.test("hashForShare() hashes a file in 512 KiB pieces and keeps its size and mtime", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  const path = `${dir}/two.bin`;
  await Deno.writeFile(path, new Uint8Array(PIECE_SIZE_BYTES + 1).fill(7));
  const file = await hashForShare(path);
  assert.equal(file.name, "two.bin");
  assert.equal(file.path, path);
  assert.equal(file.size, PIECE_SIZE_BYTES + 1);
  assert.equal(file.pieceHashes.length, 40);
  assert.equal(file.fileId, computeFileId(file.size, PIECE_SIZE_BYTES, file.pieceHashes));
});

Deno.test("hashForShare() refuses a missing path or a folder with one line naming it", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  await assert.rejects(
    hashForShare(`${dir}/missing.bin`),
    (error: CommandError) =>
      error.code === "no_such_path" && error.message.includes(`${dir}/missing.bin`),
  );
  await assert.rejects(hashForShare(dir), (error: CommandError) => error.code === "not_a_file");
});

Deno.test("registerFile() stages the hashes in chunks of 1024 on need_hashes, then retries", async () => {
  const { api, ops, staged } = fakeFileTracker();
  const pieces = 2500;
  const hashes = Uint8Array.from({ length: pieces * 20 }, (_, i) => i % 256);
  const size = pieces * PIECE_SIZE_BYTES;
  const fileId = computeFileId(size, PIECE_SIZE_BYTES, hashes);
  let asked = 0;
  const args = {
    group: "g1",
    name: "big.bin",
    fileId,
    size,
    pieceLength: PIECE_SIZE_BYTES,
    sha1: fileId,
  };
  const result = await registerFile(api, args, {
    pieceHashes: () => Promise.resolve((asked++, hashes)),
    signal,
  });
  assert.deepEqual(result, { added: true });
  assert.equal(asked, 1);
  assert.deepEqual(ops(), [
    "upload_file",
    "stage_hashes",
    "stage_hashes",
    "stage_hashes",
    "upload_file",
  ]);
  const sizes = api.calls.filter((call) => call.op === "stage_hashes")
    .map((call) => (call.args.hashes as Uint8Array).length);
  assert.deepEqual(sizes, [1024 * 20, 1024 * 20, 452 * 20]);
  assert.equal(staged.size, 0);
  // Known hashes: the next upload of the same content asks for nothing.
  const again = await registerFile(api, { ...args, group: "g2" }, {
    pieceHashes: () => Promise.reject(new Error("not needed")),
    signal,
  });
  assert.deepEqual(again, { added: true });
});

Deno.test("registerFile() passes on the tracker's name_exists refusal", async () => {
  const { api } = fakeFileTracker();
  const args = {
    group: "g1",
    name: "f.bin",
    fileId: "1".repeat(40),
    size: 0,
    pieceLength: PIECE_SIZE_BYTES,
    sha1: "2".repeat(40),
  };
  await registerFile(api, args, { pieceHashes: () => Promise.resolve(new Uint8Array()), signal });
  await assert.rejects(
    registerFile(api, { ...args, fileId: "3".repeat(40) }, {
      pieceHashes: () => Promise.resolve(new Uint8Array()),
      signal,
    }),
    (error: CommandError) => error.code === "name_exists",
  );
});
