/**
 * A small JSON file in the state folder (shares.json, downloads.json), validated on load and
 * replaced atomically on save, so a crash never leaves half a file behind.
 */
import type { Schema } from "../../common/schema.ts";
import { writeFileAtomic } from "../../common/fs.ts";

/** One JSON document on disk, checked against a schema. */
export class JsonFile<T> {
  readonly path: string;
  readonly #schema: Schema<T>;
  /** Saves run one after another, so an older snapshot never lands after a newer one. */
  #saving: Promise<void> = Promise.resolve();

  /** A file at `path` whose content must match `schema`. */
  constructor(path: string, schema: Schema<T>) {
    this.path = path;
    this.#schema = schema;
  }

  /**
   * Read and validate the file.
   *
   * @returns its content, or `fallback` when there is no file yet
   * @throws {Error} with one line naming the file when it exists but is unusable
   */
  async load(fallback: T): Promise<T> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return fallback;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`File "${this.path}" is not JSON: move it away to start afresh`);
    }
    const parsed = this.#schema.safeParse(value);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") ?? "?";
      throw new Error(`File "${this.path}" has a bad field "${where}": move it away`);
    }
    return parsed.data;
  }

  /** Write `value` aside, then rename it over the file. */
  save(value: T): Promise<void> {
    const text = JSON.stringify(value, null, 2) + "\n";
    const run = () => writeFileAtomic(this.path, text);
    const turn = this.#saving.then(run);
    // One failed save must not stop the next one; the caller of this one sees the error.
    this.#saving = turn.catch(() => {});
    return turn;
  }
}
