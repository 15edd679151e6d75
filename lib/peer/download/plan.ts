/**
 * What a download needs from the tracker before it starts: the file's size, piece length and
 * whole-file SHA-1 (file_info), then every piece hash, fetched in chunks of 1024 (file_hashes)
 * and checked against the file id, so a tracker cannot hand out hashes for other content.
 */
import { CommandError } from "../../common/errors.ts";
import { computeFileId, HASH_CHUNK_BYTES, SHA1_BYTES } from "../../common/hash.ts";
import type { ResultOf } from "../../wire/messages.ts";
import { PeerErrorCode } from "../support/codes.ts";
import type { TrackerApi } from "../client/api.ts";
import type { DownloadPlan } from "../engine/types.ts";

/** What file_info says of a file. */
export type FileInfo = ResultOf<"file_info">;

/** Where a download goes and what it is called. */
export interface PlanTarget {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  /** The final path (absolute). */
  readonly destination: string;
}

/**
 * Fetch every piece hash of a file and build its plan.
 *
 * @throws {CommandError} `bad_response` when the hashes do not match the file id
 */
export async function fetchPlan(
  tracker: TrackerApi,
  target: PlanTarget,
  info: FileInfo,
  signal: AbortSignal,
): Promise<DownloadPlan> {
  const pieceHashes = new Uint8Array(info.pieces * SHA1_BYTES);
  for (let chunk = 0; chunk * HASH_CHUNK_BYTES < pieceHashes.length; chunk++) {
    const { hashes } = await tracker.request(
      "file_hashes",
      { group: target.group, fileId: info.fileId, chunk },
      { signal },
    );
    const expected = Math.min(HASH_CHUNK_BYTES, pieceHashes.length - chunk * HASH_CHUNK_BYTES);
    if (hashes.length !== expected) {
      throw badHashes(target, `chunk ${chunk} has ${hashes.length} bytes, not ${expected}`);
    }
    pieceHashes.set(hashes, chunk * HASH_CHUNK_BYTES);
  }
  if (computeFileId(info.size, info.pieceLength, pieceHashes) !== info.fileId) {
    throw badHashes(target, "they do not match the file id");
  }
  return {
    ...target,
    fileId: info.fileId,
    size: info.size,
    pieceLength: info.pieceLength,
    pieceHashes,
    sha1: info.sha1,
  };
}

function badHashes(target: PlanTarget, detail: string): CommandError {
  return new CommandError(
    PeerErrorCode.BAD_RESPONSE,
    `The tracker sent bad piece hashes for "${target.name}" in group "${target.group}": ${detail}`,
  );
}
