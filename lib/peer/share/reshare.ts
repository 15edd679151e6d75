/**
 * At login, share again what the user shared before (shares.json). A file whose size and
 * modification time are unchanged is registered again under its known file id without hashing
 * it (the tracker asks for the hashes only if it lost them); a file that changed or disappeared
 * is not shared again, and the user is told so. A failure that may pass (no tracker, no read
 * permission in this run) keeps the record for the next login.
 */
import { stat } from "node:fs/promises";
import { CommandError } from "../../common/errors.ts";
import { ErrorCode } from "../../wire/messages.ts";
import { PeerErrorCode } from "../support/codes.ts";
import type { TrackerApi } from "../client/api.ts";
import { fileError } from "../support/file_errors.ts";
import type { ShareRecord } from "./share_store.ts";
import type { Sharing } from "./sharing.ts";
import type { EventSink } from "../client/tracker_client.ts";
import { registerFile } from "./uploader.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";

/** Refusals after which a record is dropped: sharing it again would fail the same way. */
const FINAL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.NOT_MEMBER,
  ErrorCode.NO_SUCH_GROUP,
  ErrorCode.NAME_EXISTS,
  ErrorCode.BAD_FILE,
  PeerErrorCode.FILE_CHANGED,
  PeerErrorCode.NO_SUCH_PATH,
  PeerErrorCode.NOT_A_FILE,
]);

/** What sharing again did. */
export interface ReshareReport {
  /** Shared again and announced. */
  readonly shared: number;
  /** Not shared again, and forgotten (changed, gone, no longer a member…). */
  readonly dropped: number;
  /** Not shared again this time, kept for the next login. */
  readonly kept: number;
}

/** Options of {@linkcode shareAgain}. */
export interface ReshareOptions {
  tracker: TrackerApi;
  onEvent: EventSink;
  signal: AbortSignal;
}

/** Share again every file `user` shared before; never throws for one file. */
export async function shareAgain(
  sharing: Sharing,
  user: string,
  options: ReshareOptions,
): Promise<ReshareReport> {
  const report = { shared: 0, dropped: 0, kept: 0 };
  for (const record of sharing.store.list(user)) {
    options.signal.throwIfAborted();
    try {
      await shareOne(sharing, record, options);
      report.shared++;
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      const refusal = error instanceof CommandError ? error : fileError(error, record.path, "read");
      const isFinal = FINAL_CODES.has(refusal.code);
      if (isFinal) {
        report.dropped++;
        await sharing.forget(record);
      } else {
        report.kept++;
      }
      warn(record, refusal.message, isFinal, options.onEvent);
    }
  }
  return report;
}

async function shareOne(sharing: Sharing, record: ShareRecord, options: ReshareOptions) {
  const now = await stat(record.path);
  if (now.size !== record.size || now.mtimeMs !== record.mtimeMs) {
    throw new CommandError(
      PeerErrorCode.FILE_CHANGED,
      `${JSON.stringify(record.path)} changed on disk since it was shared ` +
        `(size or modification time differ); upload it again to share the new content`,
    );
  }
  const { group, name, fileId, size, sha1 } = record;
  const { signal } = options;
  await registerFile(
    options.tracker,
    { group, name, fileId, size, sha1, pieceLength: PIECE_SIZE_BYTES },
    { pieceHashes: () => sharing.rehash(record.path, fileId, signal), signal },
  );
  await sharing.serve(record, signal);
}

function warn(record: ShareRecord, reason: string, isDropped: boolean, onEvent: EventSink) {
  const { group, name: file, path } = record;
  const what = isDropped ? "no longer shared" : "not shared again this time";
  onEvent(
    isDropped ? "share_stopped" : "share_not_restored",
    { group, file, path, reason },
    `Warning: "${file}" in group "${group}" is ${what}: ${reason}`,
  );
}
