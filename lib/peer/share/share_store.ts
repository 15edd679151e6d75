/**
 * What this peer shares, kept in `shares.json` in its state folder, so that after a restart and
 * a login the same files are shared again, unchanged ones without hashing them again (their size
 * and modification time are kept beside the file id).
 */
import { type Infer, is } from "../../common/schema.ts";
import { JsonFile } from "../support/json_file.ts";

/** The file in the state folder that lists the shares. */
export const SHARES_FILE = "shares.json";
const SHARES_VERSION = 1;

/** One shared file: who shares it in which group, where it is, and what it was when hashed. */
export interface ShareRecord {
  /** The user who shared it: only that user's login shares it again. */
  readonly user: string;
  readonly group: string;
  /** The name in the group: the file's base name. */
  readonly name: string;
  /** Absolute path on this machine. */
  readonly path: string;
  readonly fileId: string;
  readonly size: number;
  /** Modification time when it was hashed (node:fs `mtimeMs`). */
  readonly mtimeMs: number;
  /** Hex SHA-1 of the whole file. */
  readonly sha1: string;
}

const ShareRecordSchema = is.strictObject({
  user: is.string().min(1),
  group: is.string().min(1),
  name: is.string().min(1),
  path: is.string().min(1),
  fileId: is.string().regex(/^[0-9a-f]{40}$/),
  size: is.number().int().min(0),
  mtimeMs: is.number(),
  sha1: is.string().regex(/^[0-9a-f]{40}$/),
});

const SharesFileSchema = is.strictObject({
  version: is.literal(SHARES_VERSION),
  shares: is.array(ShareRecordSchema),
});

function key(user: string, group: string, name: string): string {
  return JSON.stringify([user, group, name]);
}

/** The share records, in memory and in `shares.json`. */
export class ShareStore {
  readonly #file: JsonFile<Infer<typeof SharesFileSchema>>;
  readonly #records = new Map<string, ShareRecord>();

  private constructor(file: JsonFile<Infer<typeof SharesFileSchema>>) {
    this.#file = file;
  }

  /**
   * Load `dir/shares.json` (none yet: no shares).
   *
   * @throws {Error} with one line naming the file when it is unusable
   */
  static async open(dir: string): Promise<ShareStore> {
    const store = new ShareStore(new JsonFile(`${dir}/${SHARES_FILE}`, SharesFileSchema));
    const content = await store.#file.load({ version: SHARES_VERSION, shares: [] });
    for (const record of content.shares) {
      store.#records.set(key(record.user, record.group, record.name), record);
    }
    return store;
  }

  /** The record of a user's share, if any. */
  get(user: string, group: string, name: string): ShareRecord | undefined {
    return this.#records.get(key(user, group, name));
  }

  /** Every record of one user, or of everyone. */
  list(user?: string): ShareRecord[] {
    const all = [...this.#records.values()];
    return user === undefined ? all : all.filter((record) => record.user === user);
  }

  /** Add or replace a record, and save. */
  async put(record: ShareRecord): Promise<void> {
    this.#records.set(key(record.user, record.group, record.name), record);
    await this.#save();
  }

  /** Remove a record, and save; returns whether there was one. */
  async remove(user: string, group: string, name: string): Promise<boolean> {
    if (!this.#records.delete(key(user, group, name))) return false;
    await this.#save();
    return true;
  }

  async #save(): Promise<void> {
    await this.#file.save({ version: SHARES_VERSION, shares: [...this.#records.values()] });
  }
}
