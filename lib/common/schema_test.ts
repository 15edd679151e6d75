import assert from "node:assert/strict";
import { type Infer, is, type Schema, SchemaError } from "./schema.ts";

/** The first issue of a value that must fail, as `path: message`. */
function failure(schema: Schema, value: unknown): string {
  const parsed = schema.safeParse(value);
  assert.ok(!parsed.success, `${Deno.inspect(value)} passed`);
  const [issue] = parsed.error.issues;
  return `${issue!.path.join(".")}: ${issue!.message}`;
}

const User = is.strictObject({
  user: is.string().min(1).max(8),
  age: is.number().int().min(0).max(150).optional(),
  tags: is.array(is.string().regex(/^[a-z]+$/, "must be lowercase letters")).max(2),
});

Deno.test("a strict object gives back a fresh object with its fields; its type follows the shape", () => {
  const input = { user: "ann", tags: ["a"] };
  const checked: Infer<typeof User> = User.parse(input);
  assert.deepStrictEqual(checked, { user: "ann", tags: ["a"] });
  assert.notEqual(checked, input);
  assert.ok(!("age" in checked), "an optional field left out stays out");
  const typed: { user: string; age?: number | undefined; tags: string[] } = checked;
  assert.equal(typed.user, "ann");
});

Deno.test("each failure names where it is and what the value must be", () => {
  assert.equal(failure(User, { user: "", tags: [] }), "user: must not be empty");
  assert.equal(
    failure(User, { user: "annabelle", tags: [] }),
    "user: must be at most 8 characters",
  );
  assert.equal(failure(User, { tags: [] }), "user: is missing");
  assert.equal(failure(User, { user: "a", age: 1.5, tags: [] }), "age: must be an integer");
  assert.equal(failure(User, { user: "a", age: -1, tags: [] }), "age: must be at least 0");
  assert.equal(failure(User, { user: "a", age: null, tags: [] }), "age: must be a number");
  assert.equal(
    failure(User, { user: "a", tags: ["ok", "No"] }),
    "tags.1: must be lowercase letters",
  );
  assert.equal(
    failure(User, { user: "a", tags: ["a", "b", "c"] }),
    "tags: must have at most 2 items",
  );
  assert.equal(failure(User, [1]), ": must be a map of fields");
  assert.equal(failure(User, new Uint8Array(2)), ": must be a map of fields");
});

Deno.test("a strict object refuses an unknown field, quoting at most 40 characters of its key", () => {
  assert.equal(failure(User, { user: "a", tags: [], admin: true }), ': unknown field "admin"');
  const long = failure(User, { user: "a", tags: [], ["k".repeat(5000)]: 1 });
  assert.ok(long.length < 60, long);
});

Deno.test("a field named like an Object.prototype property is read only from the object itself", () => {
  const Odd = is.strictObject({ toString: is.unknown(), constructor: is.string().optional() });
  assert.deepStrictEqual(Odd.parse({}), {});
  assert.deepStrictEqual(Odd.parse({ constructor: "c" }), { constructor: "c" });
  assert.equal(failure(Odd, { constructor: 1 }), "constructor: must be a string");
});

Deno.test("numbers are finite: NaN and Infinity fail, as do unsafe integers for int()", () => {
  const n = is.number();
  for (const bad of [NaN, Infinity, -Infinity, "1", 1n]) {
    assert.equal(failure(n, bad), ": must be a number");
  }
  assert.equal(failure(n.int(), 2 ** 53), ": must be an integer");
  assert.equal(n.int().parse(2 ** 53 - 1), 2 ** 53 - 1);
});

Deno.test("loose objects keep unknown fields, plain objects drop them, extend adds fields", () => {
  const Key = is.looseObject({ kty: is.literal("OKP") });
  assert.deepStrictEqual(Key.parse({ kty: "OKP", x: "abc" }), { kty: "OKP", x: "abc" });
  assert.deepStrictEqual(is.object({ a: is.boolean() }).parse({ a: true, b: 1 }), { a: true });
  const Private = Key.extend({ d: is.string().min(1) });
  assert.equal(failure(Private, { kty: "OKP" }), "d: is missing");
  assert.equal(Private.parse({ kty: "OKP", d: "k", x: "y" }).d, "k");
});

Deno.test("literal, enum, nullable, refine, custom, tuple and unknown", () => {
  assert.equal(failure(is.literal(1), 2), ": must be 1");
  assert.equal(failure(is.enum(["D", "P"]), "X"), ": must be one of D, P");
  assert.equal(is.string().nullable().parse(null), null);
  assert.equal(failure(is.string().optional(), null), ": must be a string");
  const even = is.number().refine((n) => n % 2 === 0, "must be even");
  assert.equal(failure(even, 3), ": must be even");
  const bytes = is.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be bytes");
  assert.equal(failure(bytes, [1, 2]), ": must be bytes");
  const pair = is.tuple([is.string(), is.boolean()]);
  const checked: [string, boolean] = pair.parse(["a", true]);
  assert.deepStrictEqual(checked, ["a", true]);
  assert.equal(failure(pair, ["a"]), ": must be a list of 2 items");
  assert.equal(failure(pair, ["a", 1]), "1: must be true or false");
  assert.deepStrictEqual(is.unknown().parse({ any: [1] }), { any: [1] });
});

Deno.test("bytes are a Uint8Array, of at most or exactly so many bytes", () => {
  assert.equal(failure(is.bytes(), "ab"), ": must be bytes");
  assert.equal(failure(is.bytes(), [1]), ": must be bytes");
  assert.equal(failure(is.bytes().max(2), new Uint8Array(3)), ": must be at most 2 bytes");
  assert.equal(failure(is.bytes().length(32), new Uint8Array(31)), ": must be 32 bytes");
  const key = new Uint8Array(32);
  assert.equal(is.bytes().length(32).parse(key), key);
});

Deno.test("a record checks every key and value and refuses a __proto__ key from JSON", () => {
  const vector = is.record(is.string().max(3), is.number().int().min(0));
  assert.deepStrictEqual(vector.parse({ a: 1, bb: 2 }), { a: 1, bb: 2 });
  assert.equal(failure(vector, { a: -1 }), "a: must be at least 0");
  assert.equal(failure(vector, { abcd: 1 }), "abcd: must be at most 3 characters");
  const parsed = vector.safeParse(JSON.parse('{"__proto__": 1}'));
  assert.ok(!parsed.success);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
});

Deno.test("a discriminated union checks the option its tag names, and names the tags otherwise", () => {
  const Op = is.discriminatedUnion("type", [
    is.strictObject({ type: is.literal("add"), n: is.number() }),
    is.strictObject({ type: is.literal("clear") }),
  ]);
  const op = Op.parse({ type: "add", n: 2 });
  assert.ok(op.type === "add" && op.n === 2);
  assert.equal(failure(Op, { type: "add" }), "n: is missing");
  assert.equal(failure(Op, { type: "drop" }), 'type: must be one of "add", "clear"');
  assert.equal(failure(Op, { type: "clear", n: 1 }), ': unknown field "n"');
});

Deno.test("parse() throws a SchemaError with the issue in its message; safeParse() never throws", () => {
  assert.throws(() => User.parse({ user: 1, tags: [] }), (error: unknown) => {
    assert.ok(error instanceof SchemaError);
    assert.equal(error.message, '"user": must be a string');
    return true;
  });
  assert.equal(is.string().safeParse(undefined).success, false);
});
