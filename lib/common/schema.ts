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
import {
  BytesSchema,
  Custom,
  type Infer,
  NumberSchema,
  OneOf,
  type Primitive,
  Schema,
  StringSchema,
} from "./schema_base.ts";
import {
  type AnySchema,
  ArraySchema,
  type ObjectOf,
  ObjectSchema,
  RecordSchema,
  type Shape,
  TupleSchema,
  Union,
} from "./schema_containers.ts";

export {
  BytesSchema,
  type Infer,
  type Issue,
  NumberSchema,
  type Parsed,
  Schema,
  SchemaError,
  StringSchema,
} from "./schema_base.ts";
export { ArraySchema, type ObjectOf, ObjectSchema, type Shape } from "./schema_containers.ts";

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
