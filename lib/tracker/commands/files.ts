/**
 * File commands: stage_hashes and upload_file (a file's piece hashes travel in chunks first),
 * stop_share, file_info, file_hashes and list_files.
 */
import { CommandError } from "../../common/errors.ts";
import { computeFileId, HASHES_PER_CHUNK, SHA1_BYTES } from "../../common/hash.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { type ArgsOf, ErrorCode, MAX_PIECES, type ResultOf } from "../../wire/mod.ts";
import type { FileEntity, GroupEntity, OpBody, State } from "../state/mod.ts";
import type { CommandCore, SessionCall } from "./context.ts";
import { page } from "./pages.ts";

/** The file of a group with this id. @throws {CommandError} `no_such_file` */
export function groupFile(core: CommandCore, group: GroupEntity, fileId: string): FileEntity {
  const file = core.ctx.state.files(group.name).find((f) => f.fileId === fileId);
  if (!file) {
    throw new CommandError(ErrorCode.NO_SUCH_FILE, `Group "${group.name}" has no such file`);
  }
  return file;
}

function namedFile(core: CommandCore, group: GroupEntity, name: string): FileEntity {
  const file = core.ctx.state.file(group.name, name);
  if (!file) {
    throw new CommandError(ErrorCode.NO_SUCH_FILE, `No file "${name}" in group "${group.name}"`);
  }
  return file;
}

/** Whether the tracker already holds every hash chunk of a file id. */
function hasAllHashes(state: State, fileId: string, pieces: number): boolean {
  const chunks = Math.ceil(pieces / HASHES_PER_CHUNK);
  for (let c = 0; c < chunks; c++) if (!state.hashes(fileId, c)) return false;
  return true;
}

/** The held piece-hash chunks of `fileId`, exactly `pieces` hashes, or null when they are not. */
function heldHashes(state: State, fileId: string, pieces: number): Uint8Array[] | null {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (let c = 0; bytes < pieces * SHA1_BYTES; c++) {
    const chunk = state.hashes(fileId, c);
    if (!chunk) return null;
    chunks.push(chunk.hashes);
    bytes += chunk.hashes.length;
    if (chunk.hashes.length < HASHES_PER_CHUNK * SHA1_BYTES) break; // the last chunk
  }
  const isExact = bytes === pieces * SHA1_BYTES &&
    !state.hashes(fileId, Math.ceil(pieces / HASHES_PER_CHUNK));
  return isExact ? chunks : null;
}

/** The whole-file SHA-1 a file id is shared with already, in any group, if any. */
function knownSha1(state: State, fileId: string): string | undefined {
  return state.firstFileWithId(fileId)?.sha1;
}

/**
 * Every field that describes a file is bound to its id: size and piece length through the id
 * itself (recomputed from the hashes), the whole-file SHA-1 to the one the id was first shared
 * with, and the size checked against the largest file a bitfield can describe before anything is
 * allocated for it.
 *
 * @throws {CommandError} `bad_file` when a field does not match
 */
function checkFileFields(state: State, args: ArgsOf<"upload_file">, pieces: number): void {
  if (pieces > MAX_PIECES) {
    throw new CommandError(
      ErrorCode.BAD_FILE,
      `A file may have at most ${MAX_PIECES} pieces (${args.size} bytes is ${pieces})`,
    );
  }
  const sha1 = knownSha1(state, args.fileId);
  if (sha1 !== undefined && sha1 !== args.sha1) {
    throw new CommandError(ErrorCode.BAD_FILE, `File ${args.fileId} has whole-file SHA-1 ${sha1}`);
  }
  if (!hasAllHashes(state, args.fileId, pieces)) return; // checked against the staged hashes
  const hashes = heldHashes(state, args.fileId, pieces);
  if (hashes === null || computeFileId(args.size, args.pieceLength, hashes) !== args.fileId) {
    throw new CommandError(
      ErrorCode.BAD_FILE,
      `File id ${args.fileId} does not match a size of ${args.size} bytes`,
    );
  }
}

/** stage_hashes: keep one chunk of a file's piece hashes in memory until its upload_file. */
export function stageHashes(
  core: CommandCore,
  { args, session }: SessionCall<"stage_hashes">,
): ResultOf<"stage_hashes"> {
  const refusal = core.ctx.staging.put(session.user, args.fileId, args.chunk, args.hashes);
  if (refusal === "user_full") {
    throw new CommandError(
      ErrorCode.THROTTLED,
      `Too many hashes staged by "${session.user}": upload_file what is staged, or wait`,
    );
  }
  if (refusal === "full") {
    throw new CommandError(ErrorCode.THROTTLED, "Too many hashes staged: try again later");
  }
  return {};
}

/** upload_file: share a file (its hashes staged first, unless the tracker knows them). */
export async function uploadFile(
  core: CommandCore,
  { args, session, requestId }: SessionCall<"upload_file">,
): Promise<ResultOf<"upload_file">> {
  const repeated = core.repeated("upload_file", requestId, () => ({ added: true }));
  if (repeated) return repeated;
  const { state, staging, presence } = core.ctx;
  const group = core.memberGroup(args.group, session);
  if (args.pieceLength !== PIECE_SIZE_BYTES) {
    throw new CommandError(ErrorCode.BAD_FILE, `Piece length must be ${PIECE_SIZE_BYTES}`);
  }
  const existing = state.file(group.name, args.name);
  if (existing && existing.fileId !== args.fileId) {
    throw new CommandError(
      ErrorCode.NAME_EXISTS,
      `A different file named "${args.name}" is already shared in group "${group.name}"`,
    );
  }
  const isSharer = existing?.sharers.some((s) =>
    s.user === session.user && s.peerId === session.peerId
  );
  if (isSharer) return { added: false };
  const pieces = Math.ceil(args.size / args.pieceLength);
  checkFileFields(state, args, pieces);
  const bodies: OpBody[] = [];
  if (!hasAllHashes(state, args.fileId, pieces)) {
    const hashes = staging.assemble(session.user, args.fileId, args.size, args.pieceLength);
    if (hashes === null) {
      throw new CommandError(ErrorCode.NEED_HASHES, "Send the piece hashes first (stage_hashes)");
    }
    if (computeFileId(args.size, args.pieceLength, hashes) !== args.fileId) {
      throw new CommandError(
        ErrorCode.BAD_FILE,
        "File id does not match the size and piece hashes",
      );
    }
    const chunkBytes = HASHES_PER_CHUNK * SHA1_BYTES;
    for (let c = 0; c * chunkBytes < hashes.length; c++) {
      const slice = hashes.subarray(c * chunkBytes, (c + 1) * chunkBytes);
      bodies.push({ type: "add_hashes", fileId: args.fileId, chunk: c, hashes: slice });
    }
  }
  bodies.push({
    type: "share_file",
    group: group.name,
    groupCreation: group.creation,
    name: args.name,
    fileId: args.fileId,
    size: args.size,
    pieceLength: args.pieceLength,
    sha1: args.sha1,
    user: session.user,
    userCreation: session.userCreation,
    peerId: session.peerId,
  });
  const result = await core.write(requestId, bodies, () => ({ added: true }));
  staging.remove(session.user, args.fileId);
  presence.announce(session.peerId, group.name, args.fileId, true);
  return result;
}

/** stop_share: this peer no longer shares the file; it leaves the group with its last sharer. */
export async function stopShare(
  core: CommandCore,
  { args, session, requestId }: SessionCall<"stop_share">,
): Promise<ResultOf<"stop_share">> {
  const repeated = core.repeated("stop_share", requestId, () => ({}));
  if (repeated) return repeated;
  const group = core.memberGroup(args.group, session);
  const file = namedFile(core, group, args.name);
  const isSharer = file.sharers.some((s) => s.user === session.user && s.peerId === session.peerId);
  core.ctx.presence.withdraw(session.peerId, group.name, file.fileId);
  if (!isSharer) {
    throw new CommandError(
      ErrorCode.NOT_SHARING,
      `Not sharing "${args.name}" in group "${group.name}"`,
    );
  }
  return await core.write(requestId, [{
    type: "unshare_file",
    group: group.name,
    groupCreation: group.creation,
    name: file.name,
    fileId: file.fileId,
    user: session.user,
    peerId: session.peerId,
  }], () => ({}));
}

/** file_info: what a downloader needs before the hashes. */
export function fileInfo(
  core: CommandCore,
  { args, session }: SessionCall<"file_info">,
): ResultOf<"file_info"> {
  const file = namedFile(core, core.memberGroup(args.group, session), args.name);
  return {
    fileId: file.fileId,
    size: file.size,
    pieceLength: file.pieceLength,
    pieces: file.pieceCount,
    sha1: file.sha1,
  };
}

/** file_hashes: one chunk of piece hashes. */
export function fileHashes(
  core: CommandCore,
  { args, session }: SessionCall<"file_hashes">,
): ResultOf<"file_hashes"> {
  groupFile(core, core.memberGroup(args.group, session), args.fileId);
  const chunk = core.ctx.state.hashes(args.fileId, args.chunk);
  if (!chunk) throw new CommandError(ErrorCode.NO_SUCH_FILE, `No hash chunk ${args.chunk}`);
  return { hashes: chunk.hashes };
}

/** list_files: a page of the group's files, with online complete and partial seeders. */
export function listFiles(
  core: CommandCore,
  { args, session }: SessionCall<"list_files">,
): ResultOf<"list_files"> {
  const group = core.memberGroup(args.group, session);
  const members = new Set(group.members.map((m) => m.user));
  const { items, next } = page(core.ctx.state.files(group.name), args.cursor, (f) => f.name);
  const files = items.map((file) => {
    const online = core.ctx.presence.peersFor(group.name, file.fileId)
      .filter((p) => members.has(p.user));
    return {
      name: file.name,
      size: file.size,
      sha1: file.sha1,
      pieces: file.pieceCount,
      seeders: online.filter((p) => p.isComplete).length,
      partial: online.filter((p) => !p.isComplete).length,
      sharers: file.sharers.length,
    };
  });
  return { files, next };
}
