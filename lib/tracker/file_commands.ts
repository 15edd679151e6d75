/**
 * File commands: upload_file (with staged piece hashes), stop_share, file_info, file_hashes,
 * get_peers, get_ticket, announce/withdraw/heartbeat (presence) and tracker_keys.
 */
import { computeFileId, HASHES_PER_CHUNK, SHA1_BYTES } from "../common/hash.ts";
import { CommandError } from "../common/errors.ts";
import { signTicket } from "../common/tickets.ts";
import { type ArgsOf, ErrorCode } from "../wire/mod.ts";
import type { Caller } from "./commands.ts";
import type { FileEntity, GroupEntity, OpBody, State } from "./state/mod.ts";
import { page } from "./pages.ts";
import type { Presence } from "./presence.ts";
import type { SessionClaims } from "./sessions.ts";
import type { HashStaging } from "./staging.ts";

/** The piece length every file uses (the seed's 512 KiB). */
export const PIECE_LENGTH_BYTES = 512 * 1024;
/** Ticket lifetime; downloads refresh theirs well before it ends. */
export const TICKET_TTL_MS = 5 * 60 * 1000;

/** The tracker's ticket-signing key. */
export interface TicketSigner {
  keyId: string;
  privateKey: CryptoKey;
}

/** What file commands need from the command core. */
export interface FileKit {
  state: State;
  presence: Presence;
  staging: HashStaging;
  signer: TicketSigner;
  now: () => number;
  memberGroup(name: string, session: SessionClaims): GroupEntity;
  repeated(
    requestId: string | undefined,
    fallback?: () => Record<string, unknown>,
  ): Record<string, unknown> | undefined;
  write(
    requestId: string | undefined,
    bodies: OpBody[],
    makeResult?: () => Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

type Result = Record<string, unknown>;

function groupFile(kit: FileKit, group: GroupEntity, fileId: string): FileEntity {
  const file = kit.state.files(group.name).find((f) => f.fileId === fileId);
  if (!file) {
    throw new CommandError(ErrorCode.NO_SUCH_FILE, `Group "${group.name}" has no such file`);
  }
  return file;
}

function namedFile(kit: FileKit, group: GroupEntity, name: string): FileEntity {
  const file = kit.state.file(group.name, name);
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

/** upload_file: share a file (its hashes staged first, unless the tracker knows them). */
export async function uploadFile(
  kit: FileKit,
  args: ArgsOf<"upload_file">,
  session: SessionClaims,
  requestId?: string,
): Promise<Result> {
  const repeated = kit.repeated(requestId, () => ({ added: true }));
  if (repeated) return repeated;
  const group = kit.memberGroup(args.group, session);
  if (args.pieceLength !== PIECE_LENGTH_BYTES) {
    throw new CommandError(ErrorCode.BAD_FILE, `Piece length must be ${PIECE_LENGTH_BYTES}`);
  }
  const existing = kit.state.file(group.name, args.name);
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
  const bodies: OpBody[] = [];
  if (!hasAllHashes(kit.state, args.fileId, pieces)) {
    const hashes = kit.staging.assemble(args.fileId, args.size, args.pieceLength);
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
  const result = await kit.write(requestId, bodies, () => ({ added: true }));
  kit.staging.remove(args.fileId);
  kit.presence.announce(session.peerId, group.name, args.fileId, true);
  return result;
}

/** stop_share: this peer no longer shares the file; it leaves the group with its last sharer. */
export async function stopShare(
  kit: FileKit,
  args: ArgsOf<"stop_share">,
  session: SessionClaims,
  requestId?: string,
): Promise<Result> {
  const repeated = kit.repeated(requestId);
  if (repeated) return repeated;
  const group = kit.memberGroup(args.group, session);
  const file = namedFile(kit, group, args.name);
  const isSharer = file.sharers.some((s) => s.user === session.user && s.peerId === session.peerId);
  kit.presence.withdraw(session.peerId, group.name, file.fileId);
  if (!isSharer) {
    throw new CommandError(
      ErrorCode.NOT_SHARING,
      `Not sharing "${args.name}" in group "${group.name}"`,
    );
  }
  return await kit.write(requestId, [{
    type: "unshare_file",
    group: group.name,
    groupCreation: group.creation,
    name: file.name,
    fileId: file.fileId,
    user: session.user,
    peerId: session.peerId,
  }]);
}

/** file_info: what a downloader needs before the hashes. */
export function fileInfo(kit: FileKit, args: ArgsOf<"file_info">, session: SessionClaims): Result {
  const file = namedFile(kit, kit.memberGroup(args.group, session), args.name);
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
  kit: FileKit,
  args: ArgsOf<"file_hashes">,
  session: SessionClaims,
): Result {
  groupFile(kit, kit.memberGroup(args.group, session), args.fileId);
  const chunk = kit.state.hashes(args.fileId, args.chunk);
  if (!chunk) throw new CommandError(ErrorCode.NO_SUCH_FILE, `No hash chunk ${args.chunk}`);
  return { hashes: chunk.hashes };
}

/** get_peers: online peers of members that seed the file (this peer excluded). */
export function getPeers(kit: FileKit, args: ArgsOf<"get_peers">, session: SessionClaims): Result {
  const group = kit.memberGroup(args.group, session);
  groupFile(kit, group, args.fileId);
  const members = new Set(group.members.map((m) => m.user));
  const peers = kit.presence.peersFor(group.name, args.fileId)
    .filter((p) => p.peerId !== session.peerId && members.has(p.user))
    .slice(0, 200)
    .map((p) => ({
      peerId: p.peerId,
      address: p.host.includes(":") ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`,
      complete: p.isComplete,
    }));
  return { peers };
}

/** get_ticket: a signed, short-lived permission to fetch this file, bound to the caller's key. */
export async function getTicket(
  kit: FileKit,
  args: ArgsOf<"get_ticket">,
  session: SessionClaims,
): Promise<Result> {
  const group = kit.memberGroup(args.group, session);
  groupFile(kit, group, args.fileId);
  if (args.publicKey.length !== 32) {
    throw new CommandError(ErrorCode.BAD_REQUEST, "Public key must be 32 bytes");
  }
  const issuedAt = kit.now();
  const expiresAt = issuedAt + TICKET_TTL_MS;
  const ticket = await signTicket({
    user: session.user,
    group: group.name,
    fileId: args.fileId,
    peerKey: args.publicKey,
    issuedAt,
    expiresAt,
    keyId: kit.signer.keyId,
  }, kit.signer.privateKey);
  return { ticket, expiresAt };
}

/** announce: this peer seeds a file of a group, complete or partial. */
export function announce(
  kit: FileKit,
  args: ArgsOf<"announce">,
  session: SessionClaims,
): Result {
  const group = kit.memberGroup(args.group, session);
  groupFile(kit, group, args.fileId);
  const known = kit.presence.announce(session.peerId, group.name, args.fileId, args.complete);
  return { known };
}

/** heartbeat: renew this peer's presence lease; `known: false` asks it to announce again. */
export function heartbeat(
  kit: FileKit,
  args: ArgsOf<"heartbeat">,
  session: SessionClaims,
  caller: Caller,
): Result {
  const known = kit.presence.touch(session.peerId, session.user, caller.host, args.port);
  return { known, leaseMs: kit.presence.leaseMs };
}

/** tracker_keys: every tracker's public ticket key. */
export function trackerKeys(kit: FileKit): Result {
  const keys = kit.state.trackerKeys().map((k) => ({ keyId: k.trackerId, publicKey: k.publicKey }));
  return { keys };
}

/** list_files: a page of the group's files, with online complete and partial seeders. */
export function listFiles(
  kit: FileKit,
  args: ArgsOf<"list_files">,
  session: SessionClaims,
): Result {
  const group = kit.memberGroup(args.group, session);
  const members = new Set(group.members.map((m) => m.user));
  const { items, next } = page(kit.state.files(group.name), args.cursor, (f) => f.name);
  const files = items.map((file) => {
    const online = kit.presence.peersFor(group.name, file.fileId)
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
