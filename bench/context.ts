/**
 * What every part of the suite shares: its temporary folder, the settings (`--quick`, rounds),
 * the random source files (made once per size and reused by every part), and the output copies'
 * check and removal.
 */
import { sha1OfFile, writeLargeFile, writeRandomFile } from "../tests/helpers/files.ts";
import type { Row } from "./report.ts";
import type { Runs } from "./stats.ts";

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

/** A source file and its SHA-1. */
export interface SourceFile {
  readonly path: string;
  readonly size: number;
  readonly sha1: string;
}

/** What a part hands back: its table rows and whatever else it measured. */
export interface PartResult {
  readonly rows: Row[];
  readonly details: unknown;
  /** Lines printed under the table (a part that skipped says why). */
  readonly notes?: string[];
}

/** "256 MiB", "1 GiB". */
export function sizeName(bytes: number): string {
  return bytes >= GIB && bytes % GIB === 0 ? `${bytes / GIB} GiB` : `${bytes / MIB} MiB`;
}

/** The suite's shared state; {@linkcode BenchContext.close} removes every file it made. */
export class BenchContext implements AsyncDisposable {
  readonly dir: string;
  readonly isQuick: boolean;
  readonly rounds: number;
  /** Transfers measured so far, by `<seeders>:<bytes>`, then pipeline: later parts reuse them. */
  readonly transfers = new Map<string, Map<string, Runs>>();
  readonly #files = new Map<string, SourceFile>();

  private constructor(dir: string, options: { isQuick: boolean; rounds: number }) {
    this.dir = dir;
    this.isQuick = options.isQuick;
    this.rounds = options.rounds;
  }

  /** A context over a fresh temporary folder. */
  static async create(options: { isQuick: boolean; rounds: number }): Promise<BenchContext> {
    return new BenchContext(await Deno.makeTempDir({ prefix: "peershare-bench-" }), options);
  }

  /**
   * A file of `size` bytes, made on first use: random bytes, or with `isCheap` one random
   * block repeated with each piece's index in it (for memory figures, where content is moot).
   */
  async file(size: number, options: { isCheap?: boolean } = {}): Promise<SourceFile> {
    const key = `${size}-${options.isCheap ? "cheap" : "random"}`;
    const known = this.#files.get(key);
    if (known) return known;
    const path = `${this.dir}/bench-${size / MIB}MiB${options.isCheap ? "-cheap" : ""}.bin`;
    console.log(`Generating ${sizeName(size)} of ${options.isCheap ? "test" : "random"} data…`);
    const sha1 = options.isCheap
      ? await writeLargeFile(path, size)
      : await writeRandomFile(path, size);
    const file = { path, size, sha1 };
    this.#files.set(key, file);
    return file;
  }

  /** Remove a source file no later part needs (a few GiB add up). */
  async forget(file: SourceFile): Promise<void> {
    for (const [key, known] of this.#files) if (known.path === file.path) this.#files.delete(key);
    await Deno.remove(file.path);
  }

  /**
   * Check a copy's SHA-1 against its source when `isChecked`, then remove it.
   *
   * @throws {Error} naming the copy when it differs
   */
  async settle(copy: string, source: SourceFile, isChecked: boolean): Promise<void> {
    const isOk = !isChecked || await sha1OfFile(copy) === source.sha1;
    await Deno.remove(copy);
    if (!isOk) {
      throw new Error(`The copy "${copy}" of ${sizeName(source.size)} has the wrong SHA-1`);
    }
  }

  async close(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
