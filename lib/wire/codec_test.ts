import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import fc from "fast-check";
import { is, type Schema } from "../common/schema.ts";
import { ProtocolError } from "../common/errors.ts";
import { decodeMessage, encodeMessage, encodeResult, shareEncoding } from "./codec.ts";
import { ErrorFrameSchema, HelloSchema, RequestSchema, ResponseSchema } from "./messages.ts";

const PointSchema = is.strictObject({ x: is.number().int(), label: is.string().optional() });

Deno.test("decodeMessage() returns what encodeMessage() encoded", () => {
  const value = { x: 3, label: "three" };
  assert.deepStrictEqual(decodeMessage(PointSchema, encodeMessage(value), "point"), value);
});

Deno.test("encodeMessage() writes MessagePack and leaves out undefined fields", () => {
  const bytes = encodeMessage({ x: 1, label: undefined });
  assert.deepStrictEqual(bytes, encode({ x: 1 }));
  assert.deepStrictEqual(decodeMessage(PointSchema, bytes, "point"), { x: 1 });
});

Deno.test("decodeMessage() rejects bytes that are not MessagePack as bad_encoding", () => {
  const cases = {
    empty: new Uint8Array(0),
    "never-used byte 0xc1": new Uint8Array([0xc1]),
    "a map cut short": encodeMessage({ x: 1, label: "abc" }).subarray(0, 6),
    "trailing bytes": new Uint8Array([...encodeMessage({ x: 1 }), 0x00]),
    "a str32 claiming 1 GB": new Uint8Array([0xdb, 0x40, 0x00, 0x00, 0x00, 0x61]),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    assert.throws(
      () => decodeMessage(PointSchema, bytes, "point"),
      (error: unknown) =>
        error instanceof ProtocolError && error.code === "bad_encoding" &&
        error.message === "Undecodable point: not MessagePack",
      what,
    );
  }
});

Deno.test("decodeMessage() rejects a value that does not match the schema as invalid_message", () => {
  const cases: [unknown, string][] = [
    [{ x: "1" }, 'Invalid point at "x": '],
    [{ x: 1.5 }, 'Invalid point at "x": '],
    [{}, 'Invalid point at "x": '],
    [{ x: 1, extra: true }, "Invalid point"],
    [[1], "Invalid point"],
    ["x", "Invalid point"],
    [null, "Invalid point"],
  ];
  for (const [value, prefix] of cases) {
    assert.throws(
      () => decodeMessage(PointSchema, encodeMessage(value), "point"),
      (error: unknown) =>
        error instanceof ProtocolError && error.code === "invalid_message" &&
        error.message.startsWith(prefix),
      JSON.stringify(value),
    );
  }
});

Deno.test("decodeMessage() rejects a map whose key is __proto__", () => {
  // fixmap of 1: "__proto__" → {}; must not reach the schema as a prototype change.
  const key = new TextEncoder().encode("__proto__");
  const bytes = new Uint8Array([0x81, 0xa0 | key.length, ...key, 0x80]);
  assert.throws(() => decodeMessage(is.object({}), bytes, "map"), ProtocolError);
});

Deno.test("decodeMessage() throws only ProtocolError on random bytes", () => {
  const schemas = [HelloSchema, ErrorFrameSchema, RequestSchema, ResponseSchema, PointSchema];
  fc.assert(
    fc.property(
      fc.constantFrom(...schemas),
      fc.uint8Array({ maxLength: 256 }),
      (schema: Schema, bytes) => {
        try {
          decodeMessage(schema, bytes, "fuzz");
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          assert.ok(["bad_encoding", "invalid_message"].includes(error.code), error.code);
        }
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("decodeMessage() throws only ProtocolError on random MessagePack values", () => {
  const schemas = [HelloSchema, ErrorFrameSchema, RequestSchema, ResponseSchema];
  const value = fc.anything({
    maxDepth: 3,
    withBigInt: false,
    withBoxedValues: false,
    withMap: false,
    withSet: false,
    withObjectString: false,
    withNullPrototype: false,
    withTypedArray: true,
    withDate: true,
  });
  fc.assert(
    fc.property(fc.constantFrom(...schemas), value, (schema: Schema, v) => {
      let bytes: Uint8Array;
      try {
        bytes = encodeMessage(v);
      } catch (error) {
        // A few generated values (such as symbols) have no MessagePack form: nothing to send.
        if (error instanceof Error) return;
        throw error;
      }
      try {
        decodeMessage(schema, bytes, "fuzz");
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("encodeResult() gives encodeMessage()'s bytes, with a shared result's encoding reused", () => {
  const page: { groups: object[]; next: string | undefined } = {
    groups: [{ id: "g", owner: "o", members: 2 }],
    next: undefined,
  };
  const plain = structuredClone(page);
  const marked = shareEncoding({ ...page });
  for (const rid of [0, 1, 127, 128, 65_535, 65_536, 0xffffffff]) {
    const expected = encodeMessage({ rid, ok: true, result: page });
    assert.deepEqual(encodeResult(rid, plain), expected);
    assert.deepEqual(encodeResult(rid, marked), expected, `rid ${rid}`);
    assert.deepEqual(decodeMessage(ResponseSchema, encodeResult(rid, marked), "response"), {
      rid,
      ok: true,
      result: { groups: page.groups },
    });
  }
  assert.throws(() => marked.next = "x", TypeError, "frozen");
});
