/**
 * Schemas of operations as they arrive from other trackers: even an authenticated tracker's
 * bytes are checked before they touch the log or the state.
 */
import { z } from "zod";
import { NAME_PATTERN } from "../../common/ids.ts";
import type { Operation } from "./ops.ts";

const name = z.string().regex(NAME_PATTERN);
const id = z.string().min(1).max(200);
const fileId = z.string().regex(/^[0-9a-f]{40}$/);
const bin = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be bytes");

/** Every operation body type. */
export const OpBodySchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("create_user"),
    user: name,
    salt: z.string().max(200),
    hash: z.string().max(200),
    params: z.strictObject({
      N: z.number().int().min(2).max(1 << 20),
      r: z.number().int().min(1).max(32),
      p: z.number().int().min(1).max(16),
    }),
  }),
  z.strictObject({ type: z.literal("create_group"), group: name, owner: name, ownerCreation: id }),
  z.strictObject({
    type: z.literal("join_request"),
    group: name,
    groupCreation: id,
    user: name,
    userCreation: id,
  }),
  z.strictObject({
    type: z.literal("resolve_request"),
    group: name,
    groupCreation: id,
    user: name,
    accept: z.boolean(),
  }),
  z.strictObject({
    type: z.literal("leave_group"),
    group: name,
    groupCreation: id,
    user: name,
    userCreation: id,
  }),
  z.strictObject({
    type: z.literal("add_hashes"),
    fileId,
    chunk: z.number().int().min(0),
    hashes: bin.refine((b) => b.length <= 1024 * 20 && b.length % 20 === 0),
  }),
  z.strictObject({
    type: z.literal("share_file"),
    group: name,
    groupCreation: id,
    name: z.string().min(1).max(255),
    fileId,
    size: z.number().int().min(0),
    pieceLength: z.number().int().min(1),
    sha1: fileId,
    user: name,
    userCreation: id,
    peerId: id,
  }),
  z.strictObject({
    type: z.literal("unshare_file"),
    group: name,
    groupCreation: id,
    name: z.string().min(1).max(255),
    fileId,
    user: name,
    peerId: id,
  }),
  z.strictObject({
    type: z.literal("tracker_key"),
    trackerId: id,
    publicKey: bin.refine((b) => b.length === 32),
  }),
  z.strictObject({ type: z.literal("logout"), user: name, userCreation: id, peerId: id }),
]);

/** An operation on the replication wire (body already decoded). */
export const OperationSchema = z.strictObject({
  origin: id,
  seq: z.number().int().min(1),
  hlc: z.strictObject({
    wall: z.number().int().min(0),
    counter: z.number().int().min(0),
  }),
  key: z.string().min(1).max(600),
  requestId: z.string().min(1).max(128).nullable(),
  body: OpBodySchema,
});

/** Validate one remote operation; the key must be the one its body implies. */
export function parseOperation(value: unknown): Operation | string {
  const parsed = OperationSchema.safeParse(value);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? "invalid operation";
  return parsed.data as Operation;
}
