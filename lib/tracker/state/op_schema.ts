/**
 * Schemas of operations, the single source of their types (`OpBody`, `Operation` are inferred
 * from them). Operations that arrive from other trackers are checked against them: even an
 * authenticated tracker's bytes are checked before they touch the log or the state.
 */
import { z } from "zod";
import { NAME_PATTERN } from "../../common/ids.ts";

const name = z.string().regex(NAME_PATTERN);
const id = z.string().min(1).max(200);
const fileId = z.string().regex(/^[0-9a-f]{40}$/);
const bin = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be bytes");

/** scrypt cost parameters stored beside each password hash, so they can be raised later. */
export const ScryptParamsSchema = z.strictObject({
  N: z.number().int().min(2).max(1 << 20),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
});
/** scrypt cost parameters (`N`, `r`, `p`). */
export type ScryptParams = Readonly<z.infer<typeof ScryptParamsSchema>>;

/** Every operation body type: what an operation does. */
export const OpBodySchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("create_user"),
    user: name,
    salt: z.string().max(200),
    hash: z.string().max(200),
    params: ScryptParamsSchema,
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
    /**
     * Who answered, checked to own the group at the operation's place in the merged order
     * (absent in operations logged before it was recorded: those are not checked).
     */
    owner: name.optional(),
    ownerCreation: id.optional(),
  }),
  z.strictObject({
    type: z.literal("leave_group"),
    group: name,
    groupCreation: id,
    user: name,
    userCreation: id,
  }),
  /** A chunk of a file's piece hashes (content-addressed by the file id, so immutable). */
  z.strictObject({
    type: z.literal("add_hashes"),
    fileId,
    chunk: z.number().int().min(0),
    hashes: bin.refine((b) => b.length <= 1024 * 20 && b.length % 20 === 0),
  }),
  /** A member shares a file with a group from one of their peers. */
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
  /** A tracker's public key for tickets, so every tracker and seeder can check them. */
  z.strictObject({
    type: z.literal("tracker_key"),
    trackerId: id,
    publicKey: bin.refine((b) => b.length === 32),
  }),
  /**
   * Where a tracker listens (its tracker_info.txt line), so every tracker links to it and peers
   * learn it from whichever tracker they reach. A later one replaces an earlier one.
   */
  z.strictObject({
    type: z.literal("tracker_address"),
    trackerId: id,
    address: z.string().min(3).max(64),
  }),
  /**
   * A tracker gone for good (an operator said so): no tracker links to it, waits for it before
   * trimming, or hands it out to peers any more.
   */
  z.strictObject({ type: z.literal("tracker_removed"), trackerId: id }),
  /** Ends every session of (user, peer) issued before this operation's time. */
  z.strictObject({ type: z.literal("logout"), user: name, userCreation: id, peerId: id }),
]);
/** What an operation does (one variant per `type`). */
export type OpBody = Readonly<z.infer<typeof OpBodySchema>>;

/** An operation as kept in the log and on the replication wire (body already decoded). */
export const OperationSchema = z.strictObject({
  /** Id of the tracker that made it. */
  origin: id,
  /** Per-origin sequence number, from 1. */
  seq: z.number().int().min(1),
  /** Its hybrid logical timestamp. */
  hlc: z.strictObject({
    wall: z.number().int().min(0),
    counter: z.number().int().min(0),
  }),
  /** The one entity it changes, e.g. `group/g1`. */
  key: z.string().min(1).max(600),
  /** The client's cluster-unique request id, or null. */
  requestId: z.string().min(1).max(128).nullable(),
  body: OpBodySchema,
});
/** One operation, as kept in the log and replicated. */
export type Operation = Readonly<z.infer<typeof OperationSchema>>;

/**
 * Validate one remote operation against its schema (the caller checks that its key is the one
 * its body implies).
 *
 * @returns the operation, or the first problem found
 */
export function parseOperation(value: unknown): Operation | string {
  const parsed = OperationSchema.safeParse(value);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? "invalid operation";
  return parsed.data;
}
