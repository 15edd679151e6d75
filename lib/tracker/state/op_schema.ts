/**
 * Schemas of operations, the single source of their types (`OpBody`, `Operation` are inferred
 * from them). Operations that arrive from other trackers are checked against them: even an
 * authenticated tracker's bytes are checked before they touch the log or the state.
 */
import { type Infer, is } from "../../common/schema.ts";
import { NAME_PATTERN } from "../../common/ids.ts";

const name = is.string().regex(NAME_PATTERN);
const id = is.string().min(1).max(200);
const fileId = is.string().regex(/^[0-9a-f]{40}$/);
const bin = is.bytes();

/** scrypt cost parameters stored beside each password hash, so they can be raised later. */
export const ScryptParamsSchema = is.strictObject({
  N: is.number().int().min(2).max(1 << 20),
  r: is.number().int().min(1).max(32),
  p: is.number().int().min(1).max(16),
});
/** scrypt cost parameters (`N`, `r`, `p`). */
export type ScryptParams = Readonly<Infer<typeof ScryptParamsSchema>>;

/** Every operation body type: what an operation does. */
export const OpBodySchema = is.discriminatedUnion("type", [
  is.strictObject({
    type: is.literal("create_user"),
    user: name,
    salt: is.string().max(200),
    hash: is.string().max(200),
    params: ScryptParamsSchema,
  }),
  is.strictObject({
    type: is.literal("create_group"),
    group: name,
    owner: name,
    ownerCreation: id,
  }),
  is.strictObject({
    type: is.literal("join_request"),
    group: name,
    groupCreation: id,
    user: name,
    userCreation: id,
  }),
  is.strictObject({
    type: is.literal("resolve_request"),
    group: name,
    groupCreation: id,
    user: name,
    accept: is.boolean(),
    /**
     * Who answered, checked to own the group at the operation's place in the merged order
     * (absent in operations logged before it was recorded: those are not checked).
     */
    owner: name.optional(),
    ownerCreation: id.optional(),
  }),
  is.strictObject({
    type: is.literal("leave_group"),
    group: name,
    groupCreation: id,
    user: name,
    userCreation: id,
  }),
  /** A chunk of a file's piece hashes (content-addressed by the file id, so immutable). */
  is.strictObject({
    type: is.literal("add_hashes"),
    fileId,
    chunk: is.number().int().min(0),
    hashes: bin.refine((b) => b.length <= 1024 * 20 && b.length % 20 === 0),
  }),
  /** A member shares a file with a group from one of their peers. */
  is.strictObject({
    type: is.literal("share_file"),
    group: name,
    groupCreation: id,
    name: is.string().min(1).max(255),
    fileId,
    size: is.number().int().min(0),
    pieceLength: is.number().int().min(1),
    sha1: fileId,
    user: name,
    userCreation: id,
    peerId: id,
  }),
  is.strictObject({
    type: is.literal("unshare_file"),
    group: name,
    groupCreation: id,
    name: is.string().min(1).max(255),
    fileId,
    user: name,
    peerId: id,
  }),
  /** A tracker's public key for tickets, so every tracker and seeder can check them. */
  is.strictObject({
    type: is.literal("tracker_key"),
    trackerId: id,
    publicKey: is.bytes().length(32),
  }),
  /**
   * Where a tracker listens (its tracker_info.txt line), so every tracker links to it and peers
   * learn it from whichever tracker they reach. A later one replaces an earlier one.
   */
  is.strictObject({
    type: is.literal("tracker_address"),
    trackerId: id,
    address: is.string().min(3).max(64),
  }),
  /**
   * A tracker gone for good (an operator said so): no tracker links to it, waits for it before
   * trimming, or hands it out to peers any more.
   */
  is.strictObject({ type: is.literal("tracker_removed"), trackerId: id }),
  /** Ends every session of (user, peer) issued before this operation's time. */
  is.strictObject({ type: is.literal("logout"), user: name, userCreation: id, peerId: id }),
]);
/** What an operation does (one variant per `type`). */
export type OpBody = Readonly<Infer<typeof OpBodySchema>>;

/** An operation as kept in the log and on the replication wire (body already decoded). */
export const OperationSchema = is.strictObject({
  /** Id of the tracker that made it. */
  origin: id,
  /** Per-origin sequence number, from 1. */
  seq: is.number().int().min(1),
  /** Its hybrid logical timestamp. */
  hlc: is.strictObject({
    wall: is.number().int().min(0),
    counter: is.number().int().min(0),
  }),
  /** The one entity it changes, e.g. `group/g1`. */
  key: is.string().min(1).max(600),
  /** The client's cluster-unique request id, or null. */
  requestId: is.string().min(1).max(128).nullable(),
  body: OpBodySchema,
});
/** One operation, as kept in the log and replicated. */
export type Operation = Readonly<Infer<typeof OperationSchema>>;

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
