/**
 * Control messages: their schemas, and the TypeScript types inferred from them. Every frame
 * payload is MessagePack, decoded and then validated here before anything acts on it.
 * docs/PROTOCOL.md documents each one.
 */
import { HASH_CHUNK_BYTES } from "../common/hash.ts";
import { type Infer, is, type Schema } from "../common/schema.ts";
import { isSafeFileName, NAME_PATTERN } from "../common/ids.ts";
import { MAX_PAGE_ITEMS } from "./limits.ts";

/** Roles a connection may declare in its Hello. */
export const ROLES = ["peer", "tracker", "seeder", "status"] as const;
/** A connection role. */
export type Role = typeof ROLES[number];

/** A decoded Hello. */
export type Hello = { version: number; role: Role; id: string };

/** Hello: `{ version, role, id }`, the first frame each way, after the magic. */
export const HelloSchema: Schema<Hello> = is.strictObject({
  version: is.number().int().min(0).max(0xffff),
  role: is.enum(ROLES),
  id: is.string().min(1).max(128),
});

/** Error frame: a fatal connection-level error, sent once before closing. */
export const ErrorFrameSchema: Schema<{ code: string; message: string }> = is.strictObject({
  code: is.string().min(1).max(64),
  message: is.string().max(1024),
});

const name = is.string().regex(NAME_PATTERN, "must be 1-64 characters of A-Z a-z 0-9 . _ -");
const password = is.string().min(1).max(256);
const cursor = is.string().max(256).optional();
const token = is.string().min(1).max(1024);
const fileId = is.string().regex(/^[0-9a-f]{40}$/, "must be 40 lowercase hex digits");
const fileName = is.string().refine(
  isSafeFileName,
  'must be a plain file name: 1-255 characters, no path separator, ".." or control character',
);
const bytes = (max: number) => is.bytes().max(max);
const chunk = is.number().int().min(0).max(1 << 20);

/** Arguments of each request op. */
export const REQUEST_ARGS = {
  status: is.strictObject({}),
  create_user: is.strictObject({ user: name, password }),
  login: is.strictObject({
    user: name,
    password,
    peerId: is.string().min(1).max(64),
    port: is.number().int().min(0).max(65535),
  }),
  renew: is.strictObject({}),
  logout: is.strictObject({}),
  create_group: is.strictObject({ group: name }),
  join_group: is.strictObject({ group: name }),
  leave_group: is.strictObject({ group: name }),
  list_requests: is.strictObject({ group: name, cursor }),
  list_members: is.strictObject({ group: name, cursor }),
  accept_request: is.strictObject({ group: name, user: name }),
  reject_request: is.strictObject({ group: name, user: name }),
  my_requests: is.strictObject({ cursor }),
  list_groups: is.strictObject({ cursor }),
  list_files: is.strictObject({ group: name, cursor }),
  tracker_keys: is.strictObject({}),
  heartbeat: is.strictObject({ port: is.number().int().min(0).max(65535) }),
  stage_hashes: is.strictObject({
    fileId,
    chunk,
    hashes: bytes(HASH_CHUNK_BYTES).refine((b) => b.length % 20 === 0, "not whole hashes"),
  }),
  upload_file: is.strictObject({
    group: name,
    name: fileName,
    fileId,
    size: is.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    pieceLength: is.number().int().min(1).max(64 * 1024 * 1024),
    sha1: fileId,
  }),
  file_info: is.strictObject({ group: name, name: fileName }),
  file_hashes: is.strictObject({ group: name, fileId, chunk }),
  get_peers: is.strictObject({ group: name, fileId }),
  get_ticket: is.strictObject({ group: name, fileId, publicKey: bytes(32) }),
  announce: is.strictObject({ group: name, fileId, complete: is.boolean() }),
  withdraw: is.strictObject({ group: name, fileId }),
  stop_share: is.strictObject({ group: name, name: fileName }),
} as const;

/** A request op name. */
export type Op = keyof typeof REQUEST_ARGS;
/** The arguments of op `O`. */
export type ArgsOf<O extends Op> = Infer<typeof REQUEST_ARGS[O]>;

/** Ops that change state: they carry a cluster-unique `requestId` so retries are idempotent. */
export const WRITE_OPS: ReadonlySet<Op> = new Set<Op>([
  "create_user",
  "logout",
  "create_group",
  "join_group",
  "leave_group",
  "accept_request",
  "reject_request",
  "upload_file",
  "stop_share",
]);

/** Ops that need no session token. */
export const PUBLIC_OPS: ReadonlySet<Op> = new Set<Op>([
  "status",
  "create_user",
  "login",
  "tracker_keys",
]);

const opNames = Object.keys(REQUEST_ARGS) as [Op, ...Op[]];

/** A decoded request envelope (args not yet checked against the op's schema). */
export type Request = {
  rid: number;
  op: Op;
  args: Record<string, unknown>;
  token?: string | undefined;
  requestId?: string | undefined;
};

/** Request envelope: `{ rid, op, args, token?, requestId? }`. */
export const RequestSchema: Schema<Request> = is.strictObject({
  rid: is.number().int().min(0).max(0xffffffff),
  op: is.enum(opNames),
  args: is.record(is.string(), is.unknown()),
  token: token.optional(),
  requestId: is.string().min(1).max(128).optional(),
});

/** A decoded response envelope. */
export type Response =
  | { rid: number; ok: true; result: Record<string, unknown> }
  | { rid: number; ok: false; code: string; message: string };

/** Response envelope: `{ rid, ok: true, result }` or `{ rid, ok: false, code, message }`. */
export const ResponseSchema: Schema<Response> = is.discriminatedUnion("ok", [
  is.strictObject({
    rid: is.number().int().min(0).max(0xffffffff),
    ok: is.literal(true),
    result: is.record(is.string(), is.unknown()),
  }),
  is.strictObject({
    rid: is.number().int().min(0).max(0xffffffff),
    ok: is.literal(false),
    code: is.string().min(1).max(64),
    message: is.string().max(1024),
  }),
]);

const page = <T>(item: Schema<T>) => is.array(item).max(MAX_PAGE_ITEMS);

/** What became of a join request: still waiting, or the owner's answer. */
export const REQUEST_STATES = ["pending", "accepted", "rejected"] as const;
/** The state of a join request, as `my_requests` gives it. */
export type RequestState = typeof REQUEST_STATES[number];

/** A member's place in a group, as `list_members` gives it. */
export const MEMBER_ROLES = ["owner", "member"] as const;
/** The role of a group member. */
export type MemberRole = typeof MEMBER_ROLES[number];

/** Result of each op, validated by the client. */
export const RESULTS = {
  status: is.strictObject({
    trackerId: is.string(),
    /** Operations held, trimmed ones included. */
    ops: is.number().int().min(0),
    /** Operations still in the log (not yet trimmed). */
    logged: is.number().int().min(0),
    digest: is.string(),
  }),
  create_user: is.strictObject({}),
  login: is.strictObject({
    token,
    expiresAt: is.number(),
    user: name,
    /** Every tracker of the cluster that said where it listens, with its key: failover targets. */
    trackers: is.array(is.strictObject({ address: is.string().max(64), publicKey: bytes(32) }))
      .max(64).optional(),
  }),
  renew: is.strictObject({ token, expiresAt: is.number() }),
  logout: is.strictObject({}),
  create_group: is.strictObject({}),
  join_group: is.strictObject({}),
  leave_group: is.strictObject({ removed: is.boolean(), newOwner: name.optional() }),
  list_requests: is.strictObject({ requests: page(name), next: cursor }),
  list_members: is.strictObject({
    members: page(is.strictObject({
      user: name,
      role: is.enum(MEMBER_ROLES),
      /** When the user became a member (created the group, or was let in), in ms since the epoch. */
      since: is.number().int().min(0),
    })),
    next: cursor,
  }),
  accept_request: is.strictObject({}),
  reject_request: is.strictObject({}),
  my_requests: is.strictObject({
    requests: page(is.strictObject({
      group: name,
      state: is.enum(REQUEST_STATES),
      /** When the request was made (pending) or answered, in ms since the Unix epoch. */
      at: is.number().int().min(0),
    })),
    next: cursor,
  }),
  list_groups: is.strictObject({
    groups: page(is.strictObject({ id: name, owner: name, members: is.number().int().min(0) })),
    next: cursor,
  }),
  list_files: is.strictObject({
    files: page(is.strictObject({
      name: is.string().max(255),
      size: is.number().int().min(0),
      sha1: is.string().max(64),
      pieces: is.number().int().min(0),
      seeders: is.number().int().min(0),
      partial: is.number().int().min(0),
      sharers: is.number().int().min(0),
    })),
    next: cursor,
  }),
  tracker_keys: is.strictObject({
    keys: is.array(is.strictObject({
      keyId: is.string().max(128),
      publicKey: bytes(32),
      /** Where that tracker listens, `IP:PORT`, when it said. */
      address: is.string().max(64).optional(),
    })).max(64),
  }),
  heartbeat: is.strictObject({ known: is.boolean(), leaseMs: is.number().int().min(1) }),
  stage_hashes: is.strictObject({}),
  upload_file: is.strictObject({ added: is.boolean() }),
  file_info: is.strictObject({
    fileId,
    size: is.number().int().min(0),
    pieceLength: is.number().int().min(1),
    pieces: is.number().int().min(0),
    sha1: fileId,
  }),
  file_hashes: is.strictObject({ hashes: bytes(HASH_CHUNK_BYTES) }),
  get_peers: is.strictObject({
    peers: page(is.strictObject({
      peerId: is.string().max(64),
      address: is.string().max(64),
      complete: is.boolean(),
    })),
  }),
  get_ticket: is.strictObject({ ticket: bytes(4096), expiresAt: is.number() }),
  announce: is.strictObject({ known: is.boolean() }),
  withdraw: is.strictObject({}),
  stop_share: is.strictObject({}),
} as const satisfies Record<Op, Schema>;

/** The result of op `O`. */
export type ResultOf<O extends Op> = Infer<typeof RESULTS[O]>;

/** Stable error codes sent in failed responses and error frames. */
export const ErrorCode = {
  BAD_REQUEST: "bad_request",
  NOT_LOGGED_IN: "not_logged_in",
  SESSION_EXPIRED: "session_expired",
  WRONG_PASSWORD: "wrong_password",
  NO_SUCH_USER: "no_such_user",
  USER_EXISTS: "user_exists",
  THROTTLED: "throttled",
  NO_SUCH_GROUP: "no_such_group",
  GROUP_EXISTS: "group_exists",
  NOT_MEMBER: "not_member",
  NOT_OWNER: "not_owner",
  ALREADY_MEMBER: "already_member",
  REQUEST_PENDING: "request_pending",
  NO_SUCH_REQUEST: "no_such_request",
  NAME_TAKEN: "name_taken",
  NO_SUCH_FILE: "no_such_file",
  NAME_EXISTS: "name_exists",
  NEED_HASHES: "need_hashes",
  BAD_FILE: "bad_file",
  NOT_SHARING: "not_sharing",
  INTERNAL: "internal",
} as const;
