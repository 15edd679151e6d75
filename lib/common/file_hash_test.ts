import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { toHex } from "./base64.ts";
import { computeFileId, sha1, SHA1_BYTES } from "./hash.ts";
import { hashFile, PARALLEL_MIN_BYTES } from "./file_hash.ts";

Deno.test("hashFile() hashes each piece, the whole file, and derives the file id", async () => {
  const path = await Deno.makeTempFile();
  try {
    for (const size of [0, 1, 7, 8, 9, 30]) {
      const content = new Uint8Array(size).map((_, i) => (i * 7 + 3) & 0xff);
      await Deno.writeFile(path, content);
      const result = await hashFile(path, { pieceLength: 8 });
      const count = Math.ceil(size / 8);
      const expected = new Uint8Array(count * SHA1_BYTES);
      for (let i = 0; i < count; i++) {
        expected.set(sha1(content.subarray(i * 8, (i + 1) * 8)), i * SHA1_BYTES);
      }
      assert.equal(result.size, size);
      assert.equal(result.pieceLength, 8);
      assert.deepStrictEqual(result.pieceHashes, expected, `size ${size}`);
      assert.equal(result.sha1, toHex(sha1(content)));
      assert.equal(result.fileId, computeFileId(size, 8, expected));
    }
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("hashFile() stops when its signal is aborted", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, new Uint8Array(64));
    await assert.rejects(
      hashFile(path, { pieceLength: 8, signal: AbortSignal.abort() }),
      (error: unknown) => (error as Error).name === "AbortError",
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("hashFile() on two threads gives what one thread gives, for a file past the threshold", async () => {
  const path = await Deno.makeTempFile();
  try {
    const pieceLength = 512 * 1024;
    const size = PARALLEL_MIN_BYTES + 5 * pieceLength + 3; // a short last piece
    const content = new Uint8Array(randomBytes(size));
    await Deno.writeFile(path, content);
    const result = await hashFile(path, { pieceLength });
    const count = Math.ceil(size / pieceLength);
    const expected = new Uint8Array(count * SHA1_BYTES);
    for (let i = 0; i < count; i++) {
      expected.set(sha1(content.subarray(i * pieceLength, (i + 1) * pieceLength)), i * SHA1_BYTES);
    }
    assert.deepStrictEqual(result.pieceHashes, expected);
    assert.equal(result.sha1, createHash("sha1").update(content).digest("hex"));
    assert.equal(result.fileId, computeFileId(size, pieceLength, expected));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("hashFile() on two threads stops when aborted", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, new Uint8Array(randomBytes(4 * PARALLEL_MIN_BYTES)));
    const abort = new AbortController();
    const hashing = hashFile(path, { pieceLength: 512 * 1024, signal: abort.signal });
    setTimeout(() => abort.abort(new DOMException("stop", "AbortError")), 5);
    await assert.rejects(hashing, (error: unknown) => (error as Error).name === "AbortError");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("hashFile() on two threads leaves this thread's event loop turning", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, new Uint8Array(randomBytes(8 * PARALLEL_MIN_BYTES)));
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 1);
    try {
      await hashFile(path, { pieceLength: 512 * 1024 });
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 5, `the timer ran ${ticks} times while 64 MiB were hashed`);
    // A chunk is ~1 ms of work; a loaded CI machine gets a wide margin.
    assert.ok(longestGap < 100, `the event loop stood still for ${longestGap.toFixed(1)} ms`);
  } finally {
    await Deno.remove(path);
  }
});
