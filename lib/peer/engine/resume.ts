/**
 * Resume records: which pieces of a `.part` file are verified, kept beside it as
 * `<destination>.part.resume` (JSON: file id, size, piece length, bitfield in base64url). A
 * record is written atomically (temp file, then rename), so a crash leaves the old one or the
 * new one, never half of one. A record only says what to re-check: at start every piece it
 * lists is read back and hashed again, and only the ones that still match are kept.
 */
import { decodeBase64Url, encodeBase64Url } from "../../common/base64.ts";
import { REAL_TIMERS, type Timers } from "../../common/async.ts";
import { writeFileAtomic } from "../../common/fs.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import { removeIfPresent } from "./part_file.ts";

/** Suffix of the resume record beside the `.part` file. */
export const RESUME_SUFFIX = ".resume";
/** Progress is saved at most this often while downloading (and always at pause and stop). */
export const RESUME_SAVE_INTERVAL_MS = 1000;

const RECORD_VERSION = 1;

/** What identifies the file a record belongs to. */
export interface ResumeKey {
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
}

/**
 * Read the record at `path` if it is for the file `key` names.
 *
 * @returns its bitfield, or null when there is no record, it is unreadable or for another file
 */
export async function loadResume(path: string, key: ResumeKey): Promise<Bitfield | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return parseResume(text, key);
}

/**
 * {@linkcode loadResume} with a synchronous read, for a figure needed before anything can be
 * awaited (show_downloads right after start-up); records are a few hundred bytes.
 */
export function loadResumeSync(path: string, key: ResumeKey): Bitfield | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  return parseResume(text, key);
}

function parseResume(text: string, key: ResumeKey): Bitfield | null {
  try {
    const record = JSON.parse(text);
    if (
      record?.version !== RECORD_VERSION || record.fileId !== key.fileId ||
      record.size !== key.size || record.pieceLength !== key.pieceLength ||
      typeof record.bitfield !== "string"
    ) return null;
    const count = Math.ceil(key.size / key.pieceLength);
    return new Bitfield(count, decodeBase64Url(record.bitfield));
  } catch (error) {
    // A damaged record is no record: every piece is fetched again, which is always safe.
    if (error instanceof Error) return null;
    throw error;
  }
}

/** Write a record atomically: a temp file beside it, then a rename over it. */
export async function saveResume(path: string, key: ResumeKey, bitfield: Bitfield): Promise<void> {
  const record = {
    version: RECORD_VERSION,
    fileId: key.fileId,
    size: key.size,
    pieceLength: key.pieceLength,
    bitfield: encodeBase64Url(bitfield.bytes),
  };
  await writeFileAtomic(path, JSON.stringify(record) + "\n");
}

/** Remove a record (and a temp file a crash may have left). */
export async function removeResume(path: string): Promise<void> {
  await removeIfPresent(`${path}.tmp`);
  await removeIfPresent(path);
}

/** Options of {@linkcode ResumeSaver}. */
export interface ResumeSaverOptions {
  /** Least time between two saves; `RESUME_SAVE_INTERVAL_MS` by default. */
  intervalMs?: number;
  /** Clock of the interval, in ms. */
  now?: () => number;
  /** Receives a failed background save. */
  onError?: (error: unknown) => void;
  /** Where the timer of a deferred save comes from; the real timers by default. */
  timers?: Timers;
}

/**
 * Saves a download's progress at most every `intervalMs`: `markDirty()` after each piece saves
 * at once when the last save is old enough, else arms a timer for when it is; `flush()` at
 * pause and stop saves now and disarms it. Saves never overlap; a failed background save goes
 * to `onError` and is tried again at the next one.
 */
export class ResumeSaver {
  readonly #path: string;
  readonly #key: ResumeKey;
  readonly #bitfield: Bitfield;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #timers: Timers;
  #isDirty = false;
  #lastSave = Number.NEGATIVE_INFINITY;
  #saving: Promise<void> = Promise.resolve();
  #timer: unknown;

  constructor(path: string, key: ResumeKey, bitfield: Bitfield, options: ResumeSaverOptions = {}) {
    this.#path = path;
    this.#key = key;
    this.#bitfield = bitfield;
    this.#intervalMs = options.intervalMs ?? RESUME_SAVE_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
    this.#timers = options.timers ?? REAL_TIMERS;
  }

  /** Progress changed; it is saved now if the last save is old enough, else soon. */
  markDirty(): void {
    this.#isDirty = true;
    this.saveIfDue();
  }

  /** Save in the background when something changed and the last save is old enough. */
  saveIfDue(): void {
    if (!this.#isDirty || this.#timer !== undefined) return;
    const waitMs = this.#lastSave + this.#intervalMs - this.#now();
    if (waitMs > 0) {
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        this.saveIfDue();
      }, waitMs);
      return;
    }
    this.flush().catch(this.#onError);
  }

  /**
   * Save now if anything changed since the last save (after any save under way).
   *
   * @throws {Error} when the record cannot be written
   */
  flush(): Promise<void> {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const save = this.#saving.then(async () => {
      if (!this.#isDirty) return;
      this.#isDirty = false;
      this.#lastSave = this.#now();
      try {
        await saveResume(this.#path, this.#key, this.#bitfield);
      } catch (error) {
        this.#isDirty = true;
        throw error;
      }
    });
    // The next save waits for this one, whether it failed or not.
    this.#saving = save.catch(() => {});
    return save;
  }
}
