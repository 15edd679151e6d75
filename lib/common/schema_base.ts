/**
 * The core of the schemas (schema.ts has the builders and the module's story): the base class,
 * its failures, and the checks of single values: strings, numbers, bytes, literals, custom tests.
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

/**
 * Thrown inside a check and caught by safeParse; containers add their key on the way out.
 * Internal to the schema modules: schema.ts does not export it.
 */
export class Invalid {
  readonly path: (string | number)[] = [];
  constructor(readonly message: string) {}
}

/** Add `key` in front of the path of a failure from inside a container. */
export function within(key: string | number, error: unknown): never {
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

/** Values for which `test` holds (`is.custom`, `is.unknown`). */
export class Custom<T> extends Schema<T> {
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

/** What a literal may be. */
export type Primitive = string | number | boolean | null;

/** Exactly one of `values` (`is.literal`, `is.enum`, `is.boolean`). */
export class OneOf<T extends Primitive> extends Schema<T> {
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
