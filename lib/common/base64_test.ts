import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeBase64Url, encodeBase64Url, toHex } from "./base64.ts";

const bytesOf = (text: string) => new TextEncoder().encode(text);

Deno.test("encodeBase64Url() matches the RFC 4648 test vectors, unpadded", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "Zg"],
    ["fo", "Zm8"],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg"],
    ["fooba", "Zm9vYmE"],
    ["foobar", "Zm9vYmFy"],
  ];
  for (const [text, encoded] of vectors) {
    assert.equal(encodeBase64Url(bytesOf(text)), encoded);
    assert.deepStrictEqual(decodeBase64Url(encoded), bytesOf(text));
  }
});

Deno.test("encodeBase64Url() uses - and _ instead of + and /", () => {
  assert.equal(encodeBase64Url(new Uint8Array([0xfb, 0xff, 0xbf])), "-_-_");
  assert.deepStrictEqual(decodeBase64Url("-_-_"), new Uint8Array([0xfb, 0xff, 0xbf]));
});

Deno.test("decodeBase64Url() reads back what encodeBase64Url() wrote", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const text = encodeBase64Url(bytes);
      assert.match(text, /^[A-Za-z0-9_-]*$/);
      assert.deepStrictEqual(decodeBase64Url(text), bytes);
    }),
    { numRuns: 500 },
  );
});

Deno.test("decodeBase64Url() rejects text that is not base64url with SyntaxError", () => {
  for (const text of ["Zm9v+", "Zm9v/", "Zg==", "Zm 9v", "Z", "Zm9vY", "é"]) {
    assert.throws(() => decodeBase64Url(text), {
      name: "SyntaxError",
      message: "Invalid base64url text",
    }, text);
  }
});

Deno.test("toHex() writes two lowercase digits per byte", () => {
  assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), "0001abff");
  assert.equal(toHex(new Uint8Array(0)), "");
});
