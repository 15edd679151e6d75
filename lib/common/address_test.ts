import assert from "node:assert/strict";
import fc from "fast-check";
import { formatAddress, parseAddress } from "./address.ts";

Deno.test("parseAddress() reads IP:PORT, IP PORT and [v6]:PORT", () => {
  assert.deepStrictEqual(parseAddress("127.0.0.1:7001"), { host: "127.0.0.1", port: 7001 });
  assert.deepStrictEqual(parseAddress("127.0.0.1 7001"), { host: "127.0.0.1", port: 7001 });
  assert.deepStrictEqual(parseAddress("10.0.0.2\t65535"), { host: "10.0.0.2", port: 65535 });
  assert.deepStrictEqual(parseAddress("[::1]:8080"), { host: "::1", port: 8080 });
  assert.deepStrictEqual(parseAddress("localhost:1"), { host: "localhost", port: 1 });
});

Deno.test("parseAddress() ignores surrounding whitespace", () => {
  assert.deepStrictEqual(parseAddress("  127.0.0.1:7001 \r"), { host: "127.0.0.1", port: 7001 });
  assert.deepStrictEqual(parseAddress("\t127.0.0.1   7001  "), { host: "127.0.0.1", port: 7001 });
});

Deno.test("parseAddress() rejects text that is not an address with SyntaxError", () => {
  const cases: [string, string][] = [
    ["", 'Invalid address "": expected IP:PORT'],
    ["127.0.0.1", 'Invalid address "127.0.0.1": expected IP:PORT'],
    [":7001", 'Invalid address ":7001": expected IP:PORT'],
    ["127.0.0.1:", 'Invalid address "127.0.0.1:": port "" is not a number'],
    ["127.0.0.1:http", 'Invalid address "127.0.0.1:http": port "http" is not a number'],
    ["127.0.0.1:-1", 'Invalid address "127.0.0.1:-1": port "-1" is not a number'],
    ["127.0.0.1:123456", 'Invalid address "127.0.0.1:123456": port "123456" is not a number'],
    ["127.0.0.1 70 01", 'Invalid address "127.0.0.1 70 01": expected IP:PORT'],
    ["127.0.0.1 :80", 'Invalid address "127.0.0.1 :80": port ":80" is not a number'],
    ["a/b:80", 'Invalid address "a/b:80": bad host'],
    ["[::1]8080", 'Invalid address "[::1]8080": bad host'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseAddress(text), { name: "SyntaxError", message }, text);
  }
});

Deno.test({
  // The host of IP:PORT is what precedes the last colon, so without this check "::1" would parse
  // as host ":" port 1 and a tracker_info.txt line with it would name some other tracker.
  name: "parseAddress() rejects an unbracketed IPv6 host or a doubled port with SyntaxError",
  fn() {
    for (const text of ["::1", "::1:7001", "1.2.3.4:80:90"]) {
      assert.throws(() => parseAddress(text), SyntaxError, text);
    }
  },
});

Deno.test("parseAddress() rejects a port outside 1..65535 with RangeError", () => {
  assert.throws(() => parseAddress("127.0.0.1:65536"), {
    name: "RangeError",
    message: 'Invalid address "127.0.0.1:65536": port must be 1..65535',
  });
  assert.throws(() => parseAddress("127.0.0.1:0"), {
    name: "RangeError",
    message: 'Invalid address "127.0.0.1:0": port must be 1..65535',
  });
});

Deno.test("parseAddress() accepts port 0 only when allowPortZero is set", () => {
  assert.deepStrictEqual(parseAddress("127.0.0.1:0", { allowPortZero: true }), {
    host: "127.0.0.1",
    port: 0,
  });
  assert.throws(() => parseAddress("127.0.0.1:65536", { allowPortZero: true }), {
    name: "RangeError",
    message: 'Invalid address "127.0.0.1:65536": port must be 0..65535',
  });
});

Deno.test("formatAddress() writes IP:PORT, and [v6]:PORT for IPv6", () => {
  assert.equal(formatAddress({ host: "127.0.0.1", port: 7001 }), "127.0.0.1:7001");
  assert.equal(formatAddress({ host: "::1", port: 7001 }), "[::1]:7001");
  assert.equal(formatAddress({ host: "fe80::1:2", port: 1 }), "[fe80::1:2]:1");
});

Deno.test("parseAddress() reads back what formatAddress() wrote", () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
  const v6 = fc.ipV6().filter((host) => !host.includes("."));
  fc.assert(
    fc.property(fc.oneof(v4, v6), fc.integer({ min: 1, max: 65535 }), (host, port) => {
      assert.deepStrictEqual(parseAddress(formatAddress({ host, port })), { host, port });
    }),
    { numRuns: 500 },
  );
});
