/**
 * The upload_file flow: check the name, hash the file piece by piece (common/file_hash.ts: on
 * two threads, a few pieces in memory), then register it with the tracker. The tracker answers `need_hashes` until it holds the
 * piece-hash list, which travels in chunks of at most 1024 hashes (`stage_hashes`), so no
 * message grows with the file.
 */
import { basename, resolve } from "node:path";
import { stat } from "node:fs/promises";
import { CommandError } from "../../common/errors.ts";
import { type FileHashes, HASH_CHUNK_BYTES, PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { hashFile } from "../../common/file_hash.ts";
import { isSafeFileName } from "../../common/ids.ts";
import { type ArgsOf, ErrorCode } from "../../wire/messages.ts";
import { PeerErrorCode } from "../support/codes.ts";
import type { TrackerApi } from "../client/api.ts";
import { fileError } from "../support/file_errors.ts";

/** Every file is cut in pieces of this size (the seed's 512 KiB). */

/** A hashed file, ready to register: its hashes, absolute path and name in the group. */
export interface HashedFile extends FileHashes {
  /** Absolute path. */
  readonly path: string;
  /** Base name: how group members refer to it. */
  readonly name: string;
}

/**
 * The name a file is shared under: its base name.
 *
 * @throws {CommandError} `bad_file_name` for a name that could escape a downloader's folder
 */
export function shareNameOf(path: string): string {
  const name = basename(path);
  if (!isSafeFileName(name)) {
    throw new CommandError(
      PeerErrorCode.BAD_FILE_NAME,
      `Cannot share ${JSON.stringify(path)}: its name ${JSON.stringify(name)} must be 1-255 ` +
        `characters with no path separator, ".." or control character`,
    );
  }
  return name;
}

/**
 * Hash a regular file for sharing, and make sure it did not change while it was read.
 *
 * @throws {CommandError} naming the path: missing, not a file, no permission, changed
 */
export async function hashForShare(
  path: string,
  options: { signal?: AbortSignal } = {},
): Promise<HashedFile> {
  const name = shareNameOf(path);
  const absolute = resolve(path);
  try {
    const before = await stat(absolute);
    if (!before.isFile()) {
      throw new CommandError(
        PeerErrorCode.NOT_A_FILE,
        `Cannot share ${JSON.stringify(path)}: not a regular file`,
      );
    }
    const hashes = await hashFile(absolute, { pieceLength: PIECE_SIZE_BYTES, ...options });
    const after = await stat(absolute);
    if (after.size !== hashes.size || after.mtimeMs !== hashes.mtimeMs) {
      throw new CommandError(
        PeerErrorCode.FILE_CHANGED,
        `File ${JSON.stringify(path)} changed while it was hashed: share it again when it is ` +
          `no longer being written`,
      );
    }
    return { ...hashes, path: absolute, name };
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw fileError(error, path, "read");
  }
}

/** Options of {@linkcode registerFile}. */
export interface RegisterOptions {
  /** The piece hashes, asked for only when the tracker does not hold them yet. */
  pieceHashes(): Promise<Uint8Array>;
  signal: AbortSignal;
}

/**
 * Call upload_file; on `need_hashes`, stage the piece hashes in chunks and call it again.
 *
 * @returns whether this peer was added as a sharer (false: it already was)
 * @throws {CommandError} the tracker's refusal, such as `name_exists` or `not_member`
 */
export async function registerFile(
  tracker: TrackerApi,
  args: ArgsOf<"upload_file">,
  options: RegisterOptions,
): Promise<{ added: boolean }> {
  const { signal } = options;
  try {
    return await tracker.request("upload_file", args, { signal });
  } catch (error) {
    if (!(error instanceof CommandError) || error.code !== ErrorCode.NEED_HASHES) throw error;
  }
  const hashes = await options.pieceHashes();
  await stageHashes(tracker, args.fileId, hashes, { signal });
  return await tracker.request("upload_file", args, { signal });
}

/** Send a file's piece hashes in chunks of at most 1024 hashes. */
export async function stageHashes(
  tracker: TrackerApi,
  fileId: string,
  pieceHashes: Uint8Array,
  options: { signal: AbortSignal },
): Promise<void> {
  for (let chunk = 0; chunk * HASH_CHUNK_BYTES < pieceHashes.length; chunk++) {
    const hashes = pieceHashes.subarray(chunk * HASH_CHUNK_BYTES, (chunk + 1) * HASH_CHUNK_BYTES);
    await tracker.request("stage_hashes", { fileId, chunk, hashes }, options);
  }
}

/** The upload_file arguments for a hashed file. */
export function uploadArgs(group: string, file: HashedFile): ArgsOf<"upload_file"> {
  return {
    group,
    name: file.name,
    fileId: file.fileId,
    size: file.size,
    pieceLength: file.pieceLength,
    sha1: file.sha1,
  };
}
