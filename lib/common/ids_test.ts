import assert from "node:assert/strict";
import { decodeBase64Url } from "./base64.ts";
import { isSafeFileName, NAME_PATTERN, randomId } from "./ids.ts";

Deno.test("randomId() is 16 random bytes as 22 base64url characters", () => {
  const ids = new Set(Array.from({ length: 100 }, () => randomId()));
  assert.equal(ids.size, 100);
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(decodeBase64Url(id).length, 16);
  }
});

Deno.test("NAME_PATTERN accepts 1 to 64 characters of A-Z a-z 0-9 . _ -", () => {
  for (const name of ["a", "Ana_1.x-y", "x".repeat(64)]) assert.match(name, NAME_PATTERN);
  for (const name of ["", "x".repeat(65), "a b", "a/b", "é", "a\n"]) {
    assert.doesNotMatch(name, NAME_PATTERN, JSON.stringify(name));
  }
});

Deno.test("isSafeFileName() accepts a plain file name", () => {
  for (const name of ["a", "a movie (2024).mkv", ".hidden", "x".repeat(255), "é…ü"]) {
    assert.equal(isSafeFileName(name), true, JSON.stringify(name));
  }
});

Deno.test("isSafeFileName() refuses a name that could leave its folder or is not printable", () => {
  const cases = ["", ".", "..", "../x", "a/b", "/abs", "a\\b", "a\u0000b", "tab\t", "del\u007f"];
  // Any "..", even inside a name such as "a..txt", is refused: simpler than proving it harmless.
  for (const name of [...cases, "a..txt", "x".repeat(256)]) {
    assert.equal(isSafeFileName(name), false, JSON.stringify(name));
  }
});
