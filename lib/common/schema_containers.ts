/**
 * The schemas of containers (schema.ts has the builders): lists, objects, maps, tuples and
 * discriminated unions. Each checks its items with their own schemas and puts the key or index
 * in front of a failure's path.
 *
 * @module
 */
import { type Infer, Invalid, OneOf, Schema, within } from "./schema_base.ts";

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

/** Any schema. */
export type AnySchema = Schema<unknown>;
/** The fields of an object schema. */
export type Shape = { readonly [key: string]: AnySchema };
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends Infer<S[K]> ? K : never;
}[keyof S];
/** `T` with its intersections flattened, for readable types. */
export type Flat<T> = { [K in keyof T]: T[K] } & unknown;
/** The checked value of an object schema: a field that may be undefined may be left out. */
export type ObjectOf<S extends Shape> = Flat<
  & { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> }
  & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

/** What an object schema does with fields its shape does not name. */
export type Unknown = "refuse" | "drop" | "keep";

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
export class RecordSchema<V> extends Schema<Record<string, V>> {
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

/** Lists of exactly `items`, in order. */
export class TupleSchema<T extends unknown[]> extends Schema<T> {
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

/** Values that pass exactly one of `options`, told apart by their literal field `key`. */
export class Union<T> extends Schema<T> {
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
