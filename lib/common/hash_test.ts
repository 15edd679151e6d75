import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toHex } from "./base64.ts";
import { computeFileId, HASHES_PER_CHUNK, pieceCount, sha1, SHA1_BYTES } from "./hash.ts";

const bytesOf = (text: string) => new TextEncoder().encode(text);

Deno.test("sha1() matches the FIPS 180 test vectors", () => {
  assert.equal(toHex(sha1(bytesOf("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(toHex(sha1(new Uint8Array(0))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(sha1(bytesOf("x")).length, SHA1_BYTES);
});

Deno.test("computeFileId() hashes the context, u64 size, u32 piece length and piece hashes", () => {
  const hashes = new Uint8Array(40).map((_, i) => i);
  const expected = createHash("sha1")
    .update(bytesOf("peershare file v1\0"))
    .update(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2, 0, 8, 0, 0]))
    .update(hashes)
    .digest("hex");
  assert.equal(computeFileId(2 ** 32 + 2, 512 * 1024, hashes), expected);
  assert.match(expected, /^[0-9a-f]{40}$/);
  assert.notEqual(computeFileId(2 ** 32 + 3, 512 * 1024, hashes), expected);
  assert.notEqual(computeFileId(2 ** 32 + 2, 256 * 1024, hashes), expected);
});

Deno.test("pieceCount() rounds up, and an empty file has no piece", () => {
  assert.equal(pieceCount(0, 4), 0);
  assert.equal(pieceCount(1, 4), 1);
  assert.equal(pieceCount(4, 4), 1);
  assert.equal(pieceCount(5, 4), 2);
  assert.equal(HASHES_PER_CHUNK * SHA1_BYTES, 20 * 1024);
});
