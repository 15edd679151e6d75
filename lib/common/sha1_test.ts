/** SHA-1 from OpenSSL (or node:crypto where it cannot load) against node:crypto's. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { libcrypto } from "./openssl.ts";
import { createSha1, sha1Backend } from "./sha1.ts";

Deno.test("createSha1() gives node:crypto's digests, whole or in parts of any size", () => {
  // `deno task test` grants --allow-ffi: there, OpenSSL is in use unless libcrypto is missing.
  assert.equal(sha1Backend, libcrypto.symbols === null ? "node:crypto" : "openssl");
  const data = new Uint8Array(3 * 1024 * 1024 + 7);
  for (let at = 0; at < data.length; at += 65_536) {
    crypto.getRandomValues(data.subarray(at, Math.min(data.length, at + 65_536)));
  }
  for (const length of [0, 1, 55, 56, 64, 65, 524_288, data.length]) {
    const bytes = data.subarray(0, length);
    const expected = new Uint8Array(createHash("sha1").update(bytes).digest());
    assert.deepEqual(createSha1().update(bytes).digest(), expected, `${length} bytes`);
    const parts = createSha1();
    for (let at = 0, step = 1; at < length; at += step, step = step * 3 + 1) {
      parts.update(bytes.subarray(at, Math.min(length, at + step)));
    }
    assert.deepEqual(parts.digest(), expected, `${length} bytes in parts`);
  }
});

Deno.test("a SHA-1 refuses an update or a second digest after its digest", () => {
  const hash = createSha1().update(new Uint8Array(10));
  assert.equal(hash.digest().length, 20);
  if (sha1Backend === "openssl") {
    assert.throws(() => hash.update(new Uint8Array(1)), /after its digest/);
    assert.throws(() => hash.digest(), /twice/);
  } else {
    assert.throws(() => hash.update(new Uint8Array(1)));
    assert.throws(() => hash.digest());
  }
});
