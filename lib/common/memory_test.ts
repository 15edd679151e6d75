import assert from "node:assert/strict";
import { releaseBuffer, releaseOwnedBuffer } from "./memory.ts";

Deno.test("releaseBuffer() frees a buffer of its own and leaves views of larger ones alone", () => {
  const own = new Uint8Array(1024);
  releaseBuffer(own);
  assert.equal(own.buffer.byteLength, 0, "detached");
  const shared = new Uint8Array(1024);
  const part = shared.subarray(0, 512);
  releaseBuffer(part);
  assert.equal(shared.buffer.byteLength, 1024, "a view of part of a buffer keeps it");
  const offset = shared.subarray(1);
  releaseBuffer(offset);
  assert.equal(shared[0], 0);
  assert.equal(shared.length, 1024);
  releaseBuffer(own); // already detached: nothing happens
  const sab = new Uint8Array(new SharedArrayBuffer(16));
  releaseBuffer(sab);
  assert.equal(sab.length, 16);
});

Deno.test("releaseOwnedBuffer() frees the whole buffer under a view of part of it", () => {
  const frame = new Uint8Array(1024);
  const payload = frame.subarray(4);
  releaseOwnedBuffer(payload);
  assert.equal(frame.buffer.byteLength, 0);
  assert.equal(payload.length, 0);
  const sab = new Uint8Array(new SharedArrayBuffer(16));
  releaseOwnedBuffer(sab.subarray(2));
  assert.equal(sab.length, 16);
});
