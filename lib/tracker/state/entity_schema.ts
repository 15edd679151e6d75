/**
 * The schema of every state row, and the key each row must be stored under. A snapshot from
 * another tracker is made of such rows: they are checked here before they replace this
 * tracker's state, as operations are checked against theirs (op_schema.ts).
 */
import { is } from "../../common/schema.ts";
import { NAME_PATTERN } from "../../common/ids.ts";
import type { Entity } from "./entities.ts";
import { ScryptParamsSchema } from "./op_schema.ts";

const name = is.string().regex(NAME_PATTERN);
const id = is.string().min(1).max(200);
const orderKey = is.string().min(1).max(200);
const fileId = is.string().regex(/^[0-9a-f]{40}$/);
const count = is.number().int().min(0);
const bin = is.bytes();
const membership = is.strictObject({ user: name, since: orderKey });

/** Every kind of row, by its `kind`. */
export const EntitySchema = is.discriminatedUnion("kind", [
  is.strictObject({
    kind: is.literal("user"),
    name,
    creation: id,
    salt: is.string().max(200),
    hash: is.string().max(200),
    params: ScryptParamsSchema,
  }),
  is.strictObject({
    kind: is.literal("group"),
    name,
    creation: id,
    owner: name,
    members: is.array(membership),
    requests: is.array(membership),
  }),
  is.strictObject({
    kind: is.literal("answers"),
    user: name,
    answers: is.array(is.strictObject({
      group: name,
      groupCreation: id,
      isAccepted: is.boolean(),
      at: count,
    })),
  }),
  is.strictObject({
    kind: is.literal("conflict"),
    what: is.enum(["user", "group"]),
    name,
    creation: id,
    ownerCreation: id.optional(),
  }),
  is.strictObject({
    kind: is.literal("logout"),
    user: name,
    userCreation: id,
    peerId: id,
    at: orderKey,
  }),
  is.strictObject({
    kind: is.literal("file"),
    group: name,
    groupCreation: id,
    name: is.string().min(1).max(255),
    fileId,
    size: count,
    pieceLength: is.number().int().min(1),
    pieceCount: count,
    sha1: fileId,
    sharers: is.array(is.strictObject({ user: name, peerId: id })),
  }),
  is.strictObject({ kind: is.literal("hashes"), fileId, chunk: count, hashes: bin }),
  is.strictObject({
    kind: is.literal("tracker_key"),
    trackerId: id,
    publicKey: is.bytes().length(32),
  }),
  is.strictObject({
    kind: is.literal("tracker_address"),
    trackerId: id,
    address: is.string().min(3).max(64),
  }),
  is.strictObject({ kind: is.literal("tracker_removed"), trackerId: id }),
  is.strictObject({
    kind: is.literal("answer_set_aside"),
    byCreation: id,
    by: name,
    group: name,
    user: name,
    accept: is.boolean(),
  }),
]);

/** The key a row is stored under: a row under any other key is not a row of this state. */
export function keyOfEntity(entity: Entity): string {
  switch (entity.kind) {
    case "user":
      return `user/${entity.name}`;
    case "group":
      return `group/${entity.name}`;
    case "answers":
      return `answers/${entity.user}`;
    case "conflict":
      return `conflict/${entity.creation}`;
    case "logout":
      return `logout/${entity.user}/${entity.peerId}`;
    case "file":
      return `file/${entity.group}/${entity.name}`;
    case "hashes":
      return `hashes/${entity.fileId}/${entity.chunk}`;
    case "tracker_key":
      return `tracker/${entity.trackerId}`;
    case "tracker_address":
      return `trackeraddr/${entity.trackerId}`;
    case "tracker_removed":
      return `trackergone/${entity.trackerId}`;
    case "answer_set_aside":
      return `setaside/${entity.byCreation}/${entity.group}/${entity.user}`;
  }
}

/**
 * A snapshot row checked: its schema, and that it sits under its own key.
 *
 * @returns why it is refused, or null when it is a valid row
 */
export function checkRow(key: string, value: unknown): string | null {
  const parsed = EntitySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `row "${key.slice(0, 100)}": ${issue?.path.join(".") || "value"} ${issue?.message}`;
  }
  const expected = keyOfEntity(parsed.data as Entity);
  if (expected !== key) return `row "${key.slice(0, 100)}" belongs under "${expected}"`;
  return null;
}
