/**
 * Schemas: runtime checks of untrusted values (decoded frames, JSON state files) that also give
 * the value its TypeScript type. `is.strictObject({ user: is.string().max(64) })` checks a value
 * and `Infer<typeof thatSchema>` is `{ user: string }`.
 *
 * Ours rather than zod's because every peer and tracker process loads them: zod cost a peer 9 MiB
 * of its resident memory (docs/PERFORMANCE.md), and these checks are all the protocol needs.
 * A check never changes a value, except that objects come back as fresh objects holding only the
 * fields their schema names (so a value that passed is safe to keep). A value that fails gives
 * the first issue found: where (the path of keys and indexes) and a message fit to show a user;
 * a message never quotes the offending value (an unknown field's name is quoted, clipped to 40
 * characters).
 *
 * @module
 */

/** Where a value failed its schema, and why. */
export interface Issue {
  /** Keys and indexes from the checked value down to the failing one; empty for the value itself. */
  readonly path: readonly (string | number)[];
  /** What the failing value must be, e.g. "must be at most 64 characters". */
  readonly message: string;
}

/** A value that failed its schema, thrown by {@linkcode Schema.parse}. */
export class SchemaError extends Error {
  /** The first issue found (there is one). */
  readonly issues: readonly Issue[];

  /** The error for `issue`; its message starts with the quoted path, when there is one. */
  constructor(issue: Issue) {
    super(issue.path.length ? `"${issue.path.join(".")}": ${issue.message}` : issue.message);
    this.name = "SchemaError";
    this.issues = [issue];
  }
}

/** What {@linkcode Schema.safeParse} answers. */
export type Parsed<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: SchemaError };

/** Thrown inside a check and caught by safeParse; containers add their key on the way out. */
class Invalid {
  readonly path: (string | number)[] = [];
  constructor(readonly message: string) {}
}

/** Add `key` in front of the path of a failure from inside a container. */
function within(key: string | number, error: unknown): never {
  if (error instanceof Invalid) error.path.unshift(key);
  throw error;
}

/** A check of an unknown value that, when it passes, makes it a `T`. */
export abstract class Schema<T = unknown> {
  /** The checked value's type, for {@linkcode Infer}; no such field exists at run time. */
  declare readonly _output: T;

  /** Check `value`: the value (objects copied), or throw Invalid. */
  protected abstract run(value: unknown): T;

  /** Check `value`; the checked value. @throws {SchemaError} with the first issue */
  parse(value: unknown): T {
    const parsed = this.safeParse(value);
    if (!parsed.success) throw parsed.error;
    return parsed.data;
  }

  /** Check `value`: the checked value, or the first issue found. */
  safeParse(value: unknown): Parsed<T> {
    try {
      return { success: true, data: this.run(value) };
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      return { success: false, error: new SchemaError(error) };
    }
  }

  /** This schema, or `undefined` (an object field that may be left out). */
  optional(): Schema<T | undefined> {
    return new Either(this, undefined);
  }

  /** This schema, or `null`. */
  nullable(): Schema<T | null> {
    return new Either(this, null);
  }

  /** This schema, and then `test` must hold of the checked value. */
  refine(test: (value: T) => boolean, message = "is not valid"): Schema<T> {
    return new Refined(this, test, message);
  }

  /** Run another schema's check (for containers). */
  protected static check<U>(schema: Schema<U>, value: unknown): U {
    return schema.run(value);
  }
}

/** The type a schema's checked values have. */
export type Infer<S extends Schema<unknown>> = S["_output"];

class Either<T, E extends undefined | null> extends Schema<T | E> {
  constructor(readonly inner: Schema<T>, readonly other: E) {
    super();
  }
  protected run(value: unknown): T | E {
    return value === this.other ? this.other : Schema.check(this.inner, value);
  }
}

class Refined<T> extends Schema<T> {
  constructor(
    readonly inner: Schema<T>,
    readonly test: (value: T) => boolean,
    readonly message: string,
  ) {
    super();
  }
  protected run(value: unknown): T {
    const checked = Schema.check(this.inner, value);
    if (!this.test(checked)) throw new Invalid(this.message);
    return checked;
  }
}

class Custom<T> extends Schema<T> {
  constructor(readonly test: (value: unknown) => boolean, readonly message: string) {
    super();
  }
  protected run(value: unknown): T {
    if (!this.test(value)) throw new Invalid(this.message);
    return value as T;
  }
}

/** Strings, checked for length (UTF-16 code units, as `String.length` counts) and patterns. */
export class StringSchema extends Schema<string> {
  constructor(
    readonly least = 0,
    readonly most = Infinity,
    readonly patterns: readonly { re: RegExp; message: string }[] = [],
  ) {
    super();
  }
  /** At least `n` characters. */
  min(n: number): StringSchema {
    return new StringSchema(n, this.most, this.patterns);
  }
  /** At most `n` characters. */
  max(n: number): StringSchema {
    return new StringSchema(this.least, n, this.patterns);
  }
  /** Must match `re` (anchor it to check the whole string). */
  regex(re: RegExp, message = "is not in the expected form"): StringSchema {
    return new StringSchema(this.least, this.most, [...this.patterns, { re, message }]);
  }
  protected run(value: unknown): string {
    if (typeof value !== "string") throw new Invalid("must be a string");
    if (value.length < this.least) {
      throw new Invalid(
        this.least === 1 ? "must not be empty" : `must be at least ${this.least} characters`,
      );
    }
    if (value.length > this.most) throw new Invalid(`must be at most ${this.most} characters`);
    for (const { re, message } of this.patterns) {
      re.lastIndex = 0;
      if (!re.test(value)) throw new Invalid(message);
    }
    return value;
  }
}

/** Finite numbers (never NaN or ±Infinity), optionally whole and within bounds. */
export class NumberSchema extends Schema<number> {
  constructor(readonly isInt = false, readonly least = -Infinity, readonly most = Infinity) {
    super();
  }
  /** A safe integer (within ±2^53-1). */
  int(): NumberSchema {
    return new NumberSchema(true, this.least, this.most);
  }
  /** At least `n`. */
  min(n: number): NumberSchema {
    return new NumberSchema(this.isInt, n, this.most);
  }
  /** At most `n`. */
  max(n: number): NumberSchema {
    return new NumberSchema(this.isInt, this.least, n);
  }
  protected run(value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value)) throw new Invalid("must be a number");
    if (this.isInt && !Number.isSafeInteger(value)) throw new Invalid("must be an integer");
    if (value < this.least) throw new Invalid(`must be at least ${this.least}`);
    if (value > this.most) throw new Invalid(`must be at most ${this.most}`);
    return value;
  }
}

/** Byte strings (`Uint8Array`, as MessagePack's bin decodes), optionally with bounds on their size. */
export class BytesSchema extends Schema<Uint8Array> {
  constructor(readonly least = 0, readonly most = Infinity) {
    super();
  }
  /** At most `n` bytes. */
  max(n: number): BytesSchema {
    return new BytesSchema(this.least, n);
  }
  /** Exactly `n` bytes. */
  length(n: number): BytesSchema {
    return new BytesSchema(n, n);
  }
  protected run(value: unknown): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new Invalid("must be bytes");
    if (value.length < this.least || value.length > this.most) {
      throw new Invalid(
        this.least === this.most
          ? `must be ${this.most} bytes`
          : `must be at most ${this.most} bytes`,
      );
    }
    return value;
  }
}

/** Arrays whose every item passes `item`, optionally with bounds on their length. */
export class ArraySchema<T> extends Schema<T[]> {
  constructor(readonly item: Schema<T>, readonly least = 0, readonly most = Infinity) {
    super();
  }
  /** At least `n` items. */
  min(n: number): ArraySchema<T> {
    return new ArraySchema(this.item, n, this.most);
  }
  /** At most `n` items. */
  max(n: number): ArraySchema<T> {
    return new ArraySchema(this.item, this.least, n);
  }
  protected run(value: unknown): T[] {
    if (!Array.isArray(value)) throw new Invalid("must be a list");
    if (value.length < this.least) throw new Invalid(`must have at least ${this.least} items`);
    if (value.length > this.most) throw new Invalid(`must have at most ${this.most} items`);
    const out = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        out[i] = Schema.check(this.item, value[i]);
      } catch (error) {
        within(i, error);
      }
    }
    return out;
  }
}

type AnySchema = Schema<unknown>;
/** The fields of an object schema. */
export type Shape = { readonly [key: string]: AnySchema };
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends Infer<S[K]> ? K : never;
}[keyof S];
type Flat<T> = { [K in keyof T]: T[K] } & unknown;
/** The checked value of an object schema: a field that may be undefined may be left out. */
export type ObjectOf<S extends Shape> = Flat<
  & { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> }
  & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

/** What an object schema does with fields its shape does not name. */
type Unknown = "refuse" | "drop" | "keep";

/** A short, printable form of a key from outside, for a message. */
function quoteKey(key: string): string {
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  return JSON.stringify(shown);
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !ArrayBuffer.isView(value);
}

/** Objects with the fields of `shape`. */
export class ObjectSchema<S extends Shape, T> extends Schema<T> {
  /** Each field: its key, its schema, and whether plain objects inherit a property of that name. */
  readonly #fields: readonly (readonly [string, AnySchema, boolean])[];

  constructor(readonly shape: S, readonly unknownKeys: Unknown) {
    super();
    this.#fields = Object.keys(shape).map((key) => [key, shape[key]!, key in Object.prototype]);
  }

  /** The same object with more fields (or other schemas for some). */
  extend<E extends Shape>(more: E): ObjectSchema<Flat<Omit<S, keyof E> & E>, T & ObjectOf<E>> {
    return new ObjectSchema(
      { ...this.shape, ...more } as Flat<Omit<S, keyof E> & E>,
      this.unknownKeys,
    );
  }

  protected run(value: unknown): T {
    if (!isRecordLike(value)) throw new Invalid("must be a map of fields");
    const out: Record<string, unknown> = this.unknownKeys === "keep" ? { ...value } : {};
    let present = 0;
    for (const [key, schema, isInherited] of this.#fields) {
      let given = value[key];
      const isOwn = given === undefined || isInherited ? Object.hasOwn(value, key) : true;
      if (!isOwn) given = undefined;
      else present++;
      let checked: unknown;
      try {
        checked = Schema.check(schema, given);
      } catch (error) {
        within(
          key,
          given === undefined && error instanceof Invalid ? new Invalid("is missing") : error,
        );
      }
      if (checked !== undefined || isOwn) out[key] = checked;
    }
    if (this.unknownKeys === "refuse") {
      // Every own field was one of the shape's, unless there are more fields than it found.
      let fields = 0;
      for (const _ in value) fields++;
      if (fields !== present) {
        const unknown = Object.keys(value).find((key) => !Object.hasOwn(this.shape, key));
        throw new Invalid(
          unknown === undefined ? "has unknown fields" : `unknown field ${quoteKey(unknown)}`,
        );
      }
    }
    return out as T;
  }
}

/** Objects whose every key passes `key` and every value `value`. */
class RecordSchema<V> extends Schema<Record<string, V>> {
  constructor(readonly key: Schema<string>, readonly value: Schema<V>) {
    super();
  }
  protected run(value: unknown): Record<string, V> {
    if (!isRecordLike(value)) throw new Invalid("must be a map");
    const out: Record<string, V> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === "__proto__") throw new Invalid(`field ${quoteKey(key)} is not allowed`);
      try {
        Schema.check(this.key, key);
        out[key] = Schema.check(this.value, item);
      } catch (error) {
        within(key, error);
      }
    }
    return out;
  }
}

class TupleSchema<T extends unknown[]> extends Schema<T> {
  constructor(readonly items: readonly AnySchema[]) {
    super();
  }
  protected run(value: unknown): T {
    if (!Array.isArray(value) || value.length !== this.items.length) {
      throw new Invalid(`must be a list of ${this.items.length} items`);
    }
    return this.items.map((item, i) => {
      try {
        return Schema.check(item, value[i]);
      } catch (error) {
        return within(i, error);
      }
    }) as T;
  }
}

type Primitive = string | number | boolean | null;

class OneOf<T extends Primitive> extends Schema<T> {
  readonly #values: ReadonlySet<Primitive>;
  constructor(readonly values: readonly T[], readonly message: string) {
    super();
    this.#values = new Set<Primitive>(values);
  }
  protected run(value: unknown): T {
    if (!this.#values.has(value as Primitive)) throw new Invalid(this.message);
    return value as T;
  }
}

/** Values that pass exactly one of `options`, told apart by their literal field `key`. */
class Union<T> extends Schema<T> {
  readonly #byTag = new Map<unknown, AnySchema>();
  readonly #message: string;

  constructor(readonly key: string, options: readonly ObjectSchema<Shape, unknown>[]) {
    super();
    for (const option of options) {
      const tag = option.shape[key];
      if (!(tag instanceof OneOf)) throw new TypeError(`every option needs a literal "${key}"`);
      for (const value of tag.values) this.#byTag.set(value, option);
    }
    this.#message = `must be one of ${
      [...this.#byTag.keys()].map((v) => JSON.stringify(v)).join(", ")
    }`;
  }
  protected run(value: unknown): T {
    if (!isRecordLike(value)) throw new Invalid("must be a map of fields");
    const option = this.#byTag.get(Object.hasOwn(value, this.key) ? value[this.key] : undefined);
    if (option === undefined) within(this.key, new Invalid(this.#message));
    return Schema.check(option, value) as T;
  }
}

type Items<I extends readonly AnySchema[]> = { -readonly [K in keyof I]: Infer<I[K]> };
type Outputs<O extends readonly AnySchema[]> = Infer<O[number]>;

const anything = new Custom<unknown>(() => true, "");

/** The schema builders: `is.string().max(64)`, `is.strictObject({ … })`, … */
export const is = {
  /** A string. */
  string: (): StringSchema => new StringSchema(),
  /** A finite number. */
  number: (): NumberSchema => new NumberSchema(),
  /** Bytes: a `Uint8Array`. */
  bytes: (): BytesSchema => new BytesSchema(),
  /** `true` or `false`. */
  boolean: (): Schema<boolean> => new OneOf([true, false], "must be true or false"),
  /** Exactly `value`. */
  literal: <const T extends Primitive>(value: T): Schema<T> =>
    new OneOf([value], `must be ${JSON.stringify(value)}`),
  /** One of `values`. */
  enum: <const T extends string>(values: readonly T[]): Schema<T> =>
    new OneOf(values, `must be one of ${values.join(", ")}`),
  /** Any value at all. */
  unknown: (): Schema<unknown> => anything,
  /** A value for which `test` holds. */
  custom: <T>(test: (value: unknown) => boolean, message = "is not valid"): Schema<T> =>
    new Custom<T>(test, message),
  /** A list whose every item passes `item`. */
  array: <T>(item: Schema<T>): ArraySchema<T> => new ArraySchema(item),
  /** A list of exactly these items, in this order. */
  tuple: <const I extends readonly AnySchema[]>(items: I): Schema<Items<I>> =>
    new TupleSchema<Items<I>>(items),
  /** A map whose every key passes `key` and every value `value`. */
  record: <V>(key: Schema<string>, value: Schema<V>): Schema<Record<string, V>> =>
    new RecordSchema(key, value),
  /** An object with exactly the fields of `shape` (any other field fails). */
  strictObject: <S extends Shape>(shape: S): ObjectSchema<S, ObjectOf<S>> =>
    new ObjectSchema(shape, "refuse"),
  /** An object with the fields of `shape`; other fields are dropped. */
  object: <S extends Shape>(shape: S): ObjectSchema<S, ObjectOf<S>> =>
    new ObjectSchema(shape, "drop"),
  /** An object with the fields of `shape`; other fields are kept as they are. */
  looseObject: <S extends Shape>(
    shape: S,
  ): ObjectSchema<S, ObjectOf<S> & { [key: string]: unknown }> => new ObjectSchema(shape, "keep"),
  /** One of `options` (object schemas), chosen by the literal value of their field `key`. */
  discriminatedUnion: <const O extends readonly ObjectSchema<Shape, unknown>[]>(
    key: string,
    options: O,
  ): Schema<Outputs<O>> => new Union<Outputs<O>>(key, options),
};
