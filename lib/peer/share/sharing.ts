/**
 * What this peer shares, complete files only (downloads serve their own partial files): the
 * records in shares.json, one {@linkcode FileSource} per shared (group, file) in ServedFiles, and
 * the tracker calls that go with them (upload_file, announce, stop_share).
 */
import { stat } from "node:fs/promises";
import { CommandError, describeError } from "../../common/errors.ts";
import type { Logger } from "../../common/logger.ts";
import { ErrorCode } from "../../wire/messages.ts";
import { PeerErrorCode } from "../support/codes.ts";
import type { TrackerApi } from "../client/api.ts";
import type { FileHandles } from "../support/file_handles.ts";
import { FileSource } from "./file_source.ts";
import type { PieceSource, ServedFiles } from "../seeder/served_files.ts";
import type { ShareRecord, ShareStore } from "./share_store.ts";
import type { EventSink } from "../client/tracker_client.ts";
import { hashForShare, registerFile, uploadArgs } from "./uploader.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";

/** One line of show_shares. */
export interface ShareStatus {
  readonly group: string;
  readonly file: string;
  readonly state: "complete" | "partial";
  /** The file's size in bytes. */
  readonly size: number;
  /** Bytes sent to other peers this run. */
  readonly uploaded: number;
  readonly fileId: string;
}

/** Options of {@linkcode Sharing}. */
export interface SharingOptions {
  tracker: TrackerApi;
  store: ShareStore;
  served: ServedFiles;
  handles: FileHandles;
  /** Where warnings for the user go (a file changed on disk). */
  onEvent: EventSink;
  logger?: Logger;
}

/** A finished download, to be shared like an uploaded file. */
export type FinishedFile = Omit<ShareRecord, "user" | "mtimeMs">;

/** Bytes a source has uploaded, when it counts them (sources of downloads may not). */
export function uploadedOf(source: PieceSource | undefined): number {
  const uploaded = (source as { uploaded?: unknown } | undefined)?.uploaded;
  return typeof uploaded === "number" ? uploaded : 0;
}

function sourceKey(group: string, fileId: string): string {
  return `${group}/${fileId}`;
}

/** Shares of complete files: upload_file, stop_share, sharing again at login. */
export class Sharing {
  readonly #options: SharingOptions;
  /** The sources this object put in ServedFiles, by group and file id. */
  readonly #sources = new Map<string, FileSource>();
  /** Uploads of sources taken down at a logout, so a later login keeps counting. */
  readonly #uploadedBefore = new Map<string, number>();

  constructor(options: SharingOptions) {
    this.#options = options;
  }

  /** The share records (for re-sharing at login). */
  get store(): ShareStore {
    return this.#options.store;
  }

  /**
   * upload_file: hash the file, register it with the tracker, serve it and announce it.
   *
   * @throws {CommandError} naming the path, or the tracker's refusal (`name_exists`…)
   */
  async share(path: string, group: string, signal: AbortSignal) {
    const user = this.#requireUser();
    const file = await hashForShare(path, { signal });
    const { added } = await registerFile(this.#options.tracker, uploadArgs(group, file), {
      pieceHashes: () => Promise.resolve(file.pieceHashes),
      signal,
    });
    const { name, fileId, size, mtimeMs, sha1 } = file;
    const record: ShareRecord = { user, group, name, path: file.path, fileId, size, mtimeMs, sha1 };
    await this.serve(record, signal);
    return { record, added };
  }

  /**
   * A download finished: share the file like an uploaded one (and from now on at each login).
   * A file this peer shares already (a local copy of a share) keeps its share as it is.
   */
  async adopt(file: FinishedFile, signal: AbortSignal): Promise<void> {
    const user = this.#requireUser();
    if (this.isShared(file.group, file.fileId)) return;
    const { mtimeMs } = await stat(file.path);
    // Only the fields of upload_file: the tracker refuses a message with any other.
    const { group, name, fileId, size, sha1 } = file;
    await registerFile(
      this.#options.tracker,
      { group, name, fileId, size, sha1, pieceLength: PIECE_SIZE_BYTES },
      { pieceHashes: () => this.#rehash(file.path, fileId, signal), signal },
    );
    await this.serve({ ...file, user, mtimeMs }, signal);
  }

  /** Keep the record, serve the file, and tell the tracker this peer seeds it. */
  async serve(record: ShareRecord, signal: AbortSignal): Promise<void> {
    await this.#options.store.put(record);
    this.#addSource(record);
    const { group, fileId } = record;
    await this.#options.tracker.request("announce", { group, fileId, complete: true }, { signal });
  }

  /**
   * stop_share: the tracker stops listing this peer for the file; the seeder refuses new
   * requests for it at once.
   *
   * @throws {CommandError} the tracker's refusal (`not_sharing`, `not_member`…)
   */
  async stopShare(group: string, name: string, signal: AbortSignal): Promise<void> {
    const user = this.#requireUser();
    const record = this.#options.store.get(user, group, name);
    try {
      await this.#options.tracker.request("stop_share", { group, name }, { signal });
    } catch (error) {
      const isGone = error instanceof CommandError &&
        (error.code === ErrorCode.NOT_SHARING || error.code === ErrorCode.NO_SUCH_FILE);
      // A record the tracker no longer knows is dropped all the same.
      if (!isGone || !record) throw error;
    }
    if (record) await this.#drop(record);
  }

  /**
   * The user left a group (leave_group): forget every share of it and stop serving those files.
   * The tracker dropped them already, so it is not asked.
   *
   * @returns the names of the files no longer shared
   */
  async dropGroup(group: string): Promise<string[]> {
    const user = this.#requireUser();
    const records = this.#options.store.list(user).filter((record) => record.group === group);
    for (const record of records) {
      await this.#options.store.remove(record.user, record.group, record.name);
      const key = sourceKey(record.group, record.fileId);
      const source = this.#sources.get(key);
      if (source) this.#removeSource(key, source);
      this.#uploadedBefore.delete(key);
    }
    return records.map((record) => record.name);
  }

  /** Take every source down (logout); the records stay for the next login. */
  async unserveAll(): Promise<void> {
    for (const [key, source] of this.#sources) {
      this.#uploadedBefore.set(key, source.uploaded);
      if (this.#options.served.get(source.group, source.fileId) === source) {
        this.#options.served.remove(source.group, source.fileId);
      }
    }
    this.#sources.clear();
    await this.#options.handles.closeAll();
  }

  /** The complete files served now, for show_shares. */
  statuses(): ShareStatus[] {
    const user = this.#options.tracker.user;
    if (user === null) return [];
    return this.#options.store.list(user).flatMap((record) => {
      const source = this.#sources.get(sourceKey(record.group, record.fileId));
      if (!source) return [];
      const { group, name: file, fileId, size } = record;
      return [{ group, file, fileId, size, state: "complete" as const, uploaded: source.uploaded }];
    });
  }

  /** Whether this object serves a group's file as a complete share. */
  isShared(group: string, fileId: string): boolean {
    return this.#sources.has(sourceKey(group, fileId));
  }

  /** Forget a record and stop serving its file, unless another record shares the same one. */
  async #drop(record: ShareRecord): Promise<void> {
    await this.#options.store.remove(record.user, record.group, record.name);
    const key = sourceKey(record.group, record.fileId);
    const others = this.#options.store.list(record.user).filter((other) =>
      sourceKey(other.group, other.fileId) === key
    );
    const source = this.#sources.get(key);
    if (!source || others.some((other) => other.path === source.path)) return;
    this.#removeSource(key, source);
    if (others[0]) this.#addSource(others[0]);
  }

  #addSource(record: ShareRecord): void {
    const key = sourceKey(record.group, record.fileId);
    const previous = this.#options.served.get(record.group, record.fileId);
    const source = new FileSource({
      ...record,
      pieceLength: PIECE_SIZE_BYTES,
      handles: this.#options.handles,
      uploaded: this.#uploadedBefore.get(key) ?? 0,
      // Connections opened before this source keep serving from the previous one.
      ...(previous
        ? {
          earlier: {
            get uploaded() {
              return uploadedOf(previous);
            },
          },
        }
        : {}),
      onChanged: (changed, detail) => this.#onChanged(record, changed, detail),
    });
    this.#uploadedBefore.delete(key);
    const old = this.#sources.get(key);
    if (old) void this.#options.handles.close(old.path);
    this.#sources.set(key, source);
    this.#options.served.add(source);
  }

  #removeSource(key: string, source: FileSource): void {
    this.#sources.delete(key);
    this.#uploadedBefore.set(key, source.uploaded);
    if (this.#options.served.get(source.group, source.fileId) === source) {
      this.#options.served.remove(source.group, source.fileId);
    }
    void this.#options.handles.close(source.path);
  }

  /** A served file changed on disk: stop serving it now and stop sharing it at the tracker. */
  #onChanged(record: ShareRecord, source: FileSource, detail: string): void {
    const key = sourceKey(record.group, record.fileId);
    if (this.#sources.get(key) === source) this.#removeSource(key, source);
    this.#options.onEvent(
      "share_stopped",
      { group: record.group, file: record.name, path: record.path, reason: detail },
      `Warning: no longer sharing "${record.name}" in group "${record.group}": ` +
        `${JSON.stringify(record.path)} changed on disk (${detail})`,
    );
    void this.forget(record);
  }

  /** Drop a record and tell the tracker (when its user is logged in), without ever failing. */
  async forget(record: ShareRecord): Promise<void> {
    try {
      await this.#options.store.remove(record.user, record.group, record.name);
      if (this.#options.tracker.user !== record.user) return;
      const { group, name } = record;
      await this.#options.tracker.request("stop_share", { group, name });
    } catch (error) {
      const reason = describeError(error);
      this.#options.logger?.warn(`Could not stop sharing "${record.name}": ${reason}`);
    }
  }

  async #rehash(path: string, fileId: string, signal: AbortSignal): Promise<Uint8Array> {
    const file = await hashForShare(path, { signal });
    if (file.fileId !== fileId) {
      throw new CommandError(
        PeerErrorCode.FILE_CHANGED,
        `File ${JSON.stringify(path)} changed on disk since it was shared`,
      );
    }
    return file.pieceHashes;
  }

  /** For sharing again at login: hash again only when the tracker lost the hashes. */
  rehash(path: string, fileId: string, signal: AbortSignal): Promise<Uint8Array> {
    return this.#rehash(path, fileId, signal);
  }

  #requireUser(): string {
    const user = this.#options.tracker.user;
    if (user !== null) return user;
    throw new CommandError(
      PeerErrorCode.NOT_LOGGED_IN,
      `Not logged in: use "login <user_id> <passwd>" first`,
    );
  }
}
