/**
 * The schema of every state row, and the key each row must be stored under. A snapshot from
 * another tracker is made of such rows: they are checked here before they replace this
 * tracker's state, as operations are checked against theirs (op_schema.ts).
 */
import { z } from "zod";
import { NAME_PATTERN } from "../../common/ids.ts";
import type { Entity } from "./entities.ts";
import { ScryptParamsSchema } from "./op_schema.ts";

const name = z.string().regex(NAME_PATTERN);
const id = z.string().min(1).max(200);
const orderKey = z.string().min(1).max(200);
const fileId = z.string().regex(/^[0-9a-f]{40}$/);
const count = z.number().int().min(0);
const bin = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be bytes");
const membership = z.strictObject({ user: name, since: orderKey });

/** Every kind of row, by its `kind`. */
export const EntitySchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("user"),
    name,
    creation: id,
    salt: z.string().max(200),
    hash: z.string().max(200),
    params: ScryptParamsSchema,
  }),
  z.strictObject({
    kind: z.literal("group"),
    name,
    creation: id,
    owner: name,
    members: z.array(membership),
    requests: z.array(membership),
  }),
  z.strictObject({
    kind: z.literal("answers"),
    user: name,
    answers: z.array(z.strictObject({
      group: name,
      groupCreation: id,
      isAccepted: z.boolean(),
      at: count,
    })),
  }),
  z.strictObject({
    kind: z.literal("conflict"),
    what: z.enum(["user", "group"]),
    name,
    creation: id,
    ownerCreation: id.optional(),
  }),
  z.strictObject({
    kind: z.literal("logout"),
    user: name,
    userCreation: id,
    peerId: id,
    at: orderKey,
  }),
  z.strictObject({
    kind: z.literal("file"),
    group: name,
    groupCreation: id,
    name: z.string().min(1).max(255),
    fileId,
    size: count,
    pieceLength: z.number().int().min(1),
    pieceCount: count,
    sha1: fileId,
    sharers: z.array(z.strictObject({ user: name, peerId: id })),
  }),
  z.strictObject({ kind: z.literal("hashes"), fileId, chunk: count, hashes: bin }),
  z.strictObject({
    kind: z.literal("tracker_key"),
    trackerId: id,
    publicKey: bin.refine((b) => b.length === 32),
  }),
  z.strictObject({
    kind: z.literal("tracker_address"),
    trackerId: id,
    address: z.string().min(3).max(64),
  }),
  z.strictObject({ kind: z.literal("tracker_removed"), trackerId: id }),
  z.strictObject({
    kind: z.literal("answer_set_aside"),
    byCreation: id,
    by: name,
    group: name,
    user: name,
    accept: z.boolean(),
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
