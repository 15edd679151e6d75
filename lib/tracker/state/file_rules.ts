/**
 * The file-share rules of the state: which members share which file under which name in a
 * group. A name holds one file id; each (user, peer) shares it once; a file nobody shares any
 * more leaves the group. The membership checks stay in `state.ts`, which calls these in order.
 */
import type { FileEntity, Sharer } from "./entities.ts";
import type { OpBody } from "./op_schema.ts";

/** What the file rules may read and change of the state's rows. */
export interface FileRows {
  file(group: string, name: string): FileEntity | undefined;
  /** The files of a group, sorted by name. */
  files(group: string): FileEntity[];
  put(key: string, entity: FileEntity): void;
  delete(key: string): void;
}

/** What a member leaving a group means for its files. */
export interface MemberLeft {
  group: string;
  user: string;
  /** The group went with its last member: every file goes with it. */
  isGroupGone: boolean;
}

/**
 * Apply share_file by a current member of the current group.
 *
 * @returns false (set aside) when the name holds another file
 */
export function shareFile(rows: FileRows, body: Extract<OpBody, { type: "share_file" }>): boolean {
  const existing = rows.file(body.group, body.name);
  const sharer = { user: body.user, peerId: body.peerId };
  if (existing) {
    if (existing.fileId !== body.fileId) return false;
    if (existing.sharers.some((s) => s.user === sharer.user && s.peerId === sharer.peerId)) {
      return true;
    }
    putSharers(rows, existing, [...existing.sharers, sharer]);
    return true;
  }
  const { group, groupCreation, name, fileId, size, pieceLength, sha1 } = body;
  const pieceCount = Math.ceil(size / pieceLength);
  rows.put(`file/${group}/${name}`, {
    kind: "file",
    group,
    groupCreation,
    name,
    fileId,
    size,
    pieceLength,
    pieceCount,
    sha1,
    sharers: [sharer],
  });
  return true;
}

/**
 * Apply unshare_file.
 *
 * @returns false (set aside) unless that (user, peer) shares that file of that group creation
 */
export function unshareFile(
  rows: FileRows,
  body: Extract<OpBody, { type: "unshare_file" }>,
): boolean {
  const file = rows.file(body.group, body.name);
  if (!file || file.fileId !== body.fileId || file.groupCreation !== body.groupCreation) {
    return false;
  }
  const isSharer = (s: Sharer) => s.user === body.user && s.peerId === body.peerId;
  if (!file.sharers.some(isSharer)) return false;
  putSharers(rows, file, file.sharers.filter((s) => !isSharer(s)));
  return true;
}

/** A member left: what they shared is no longer shared; a removed group loses every file. */
export function dropMemberFiles(rows: FileRows, left: MemberLeft): void {
  for (const file of rows.files(left.group)) {
    if (left.isGroupGone) rows.delete(`file/${left.group}/${file.name}`);
    else putSharers(rows, file, file.sharers.filter((s) => s.user !== left.user));
  }
}

/** Replace a file's sharers; a file nobody shares any more leaves the group. */
function putSharers(rows: FileRows, file: FileEntity, sharers: readonly Sharer[]): void {
  const key = `file/${file.group}/${file.name}`;
  if (sharers.length === 0) rows.delete(key);
  else rows.put(key, { ...file, sharers });
}
