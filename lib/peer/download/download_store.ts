/**
 * The downloads of this state folder, kept in `downloads.json`: after a restart and a login,
 * unfinished downloads continue on their own (the engine re-verifies the `.part` file), and ids
 * (d1, d2, …) are never given twice.
 */
import { type Infer, is } from "../../common/schema.ts";
import { JsonFile } from "../support/json_file.ts";

/** The file in the state folder that lists the downloads. */
export const DOWNLOADS_FILE = "downloads.json";
const DOWNLOADS_VERSION = 1;

/**
 * What the user wants of a download, or how it ended: D runs (whenever its user is logged in),
 * P was paused by the user, C completed, F failed.
 */
export type RecordState = "D" | "P" | "C" | "F";

/** One download as kept on disk. */
export interface DownloadRecord {
  readonly id: string;
  /** The user who started it: only that user's login resumes it. */
  readonly user: string;
  readonly group: string;
  readonly name: string;
  /** Absolute final path. */
  readonly destination: string;
  readonly fileId: string;
  readonly size: number;
  readonly state: RecordState;
  /** Why it failed (state F). */
  readonly reason?: string;
}

const RecordSchema = is.strictObject({
  id: is.string().regex(/^d\d+$/),
  user: is.string().min(1),
  group: is.string().min(1),
  name: is.string().min(1),
  destination: is.string().min(1),
  fileId: is.string().regex(/^[0-9a-f]{40}$/),
  size: is.number().int().min(0),
  state: is.enum(["D", "P", "C", "F"]),
  reason: is.string().optional(),
});

const FileSchema = is.strictObject({
  version: is.literal(DOWNLOADS_VERSION),
  nextId: is.number().int().min(1),
  downloads: is.array(RecordSchema),
});
type Content = Infer<typeof FileSchema>;

/** The download records, in memory and in `downloads.json`. */
export class DownloadStore {
  readonly #file: JsonFile<Content>;
  readonly #records = new Map<string, DownloadRecord>();
  #nextId = 1;

  private constructor(file: JsonFile<Content>) {
    this.#file = file;
  }

  /**
   * Load `dir/downloads.json` (none yet: no downloads).
   *
   * @throws {Error} with one line naming the file when it is unusable
   */
  static async open(dir: string): Promise<DownloadStore> {
    const store = new DownloadStore(new JsonFile(`${dir}/${DOWNLOADS_FILE}`, FileSchema));
    const content = await store.#file.load({
      version: DOWNLOADS_VERSION,
      nextId: 1,
      downloads: [],
    });
    store.#nextId = content.nextId;
    for (const record of content.downloads) store.#records.set(record.id, stripUndefined(record));
    return store;
  }

  /** A new id, never given before in this state folder. */
  async newId(): Promise<string> {
    const id = `d${this.#nextId++}`;
    await this.#save();
    return id;
  }

  get(id: string): DownloadRecord | undefined {
    return this.#records.get(id);
  }

  /** Every record, oldest first. */
  list(): DownloadRecord[] {
    return [...this.#records.values()];
  }

  /** Add or replace a record, and save. */
  async put(record: DownloadRecord): Promise<void> {
    this.#records.set(record.id, record);
    await this.#save();
  }

  /** Change a record's state (and reason), and save. */
  async setState(id: string, state: RecordState, reason?: string): Promise<void> {
    const record = this.#records.get(id);
    if (!record) return;
    const { reason: _old, ...rest } = record;
    await this.put(reason === undefined ? { ...rest, state } : { ...rest, state, reason });
  }

  /** Forget a record, and save. */
  async remove(id: string): Promise<void> {
    if (this.#records.delete(id)) await this.#save();
  }

  async #save(): Promise<void> {
    await this.#file.save({
      version: DOWNLOADS_VERSION,
      nextId: this.#nextId,
      downloads: [...this.#records.values()],
    });
  }
}

/** The schema's type allows `reason: undefined`; the record type wants the key absent. */
function stripUndefined(record: Infer<typeof RecordSchema>): DownloadRecord {
  const { reason, ...rest } = record;
  return reason === undefined ? rest : { ...rest, reason };
}
