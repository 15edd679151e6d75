/**
 * Control messages: their schemas, and the TypeScript types inferred from them. Every frame
 * payload is MessagePack, decoded and then validated here before anything acts on it.
 * docs/PROTOCOL.md documents each one.
 */
import { HASH_CHUNK_BYTES } from "../common/hash.ts";
import { z } from "zod";
import { isSafeFileName, NAME_PATTERN } from "../common/ids.ts";
import { MAX_PAGE_ITEMS } from "./limits.ts";

/** Roles a connection may declare in its Hello. */
export const ROLES = ["peer", "tracker", "seeder", "status"] as const;
/** A connection role. */
export type Role = typeof ROLES[number];

/** Hello: `{ version, role, id }`, the first frame each way, after the magic. */
export const HelloSchema = z.strictObject({
  version: z.number().int().min(0).max(0xffff),
  role: z.enum(ROLES),
  id: z.string().min(1).max(128),
});
/** A decoded Hello. */
export type Hello = z.infer<typeof HelloSchema>;

/** Error frame: a fatal connection-level error, sent once before closing. */
export const ErrorFrameSchema = z.strictObject({
  code: z.string().min(1).max(64),
  message: z.string().max(1024),
});

const name = z.string().regex(NAME_PATTERN, "must be 1-64 characters of A-Z a-z 0-9 . _ -");
const password = z.string().min(1).max(256);
const cursor = z.string().max(256).optional();
const token = z.string().min(1).max(1024);
const fileId = z.string().regex(/^[0-9a-f]{40}$/, "must be 40 lowercase hex digits");
const fileName = z.string().refine(
  isSafeFileName,
  'must be a plain file name: 1-255 characters, no path separator, ".." or control character',
);
const bytes = (max: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array, "must be bytes").refine(
    (b) => b.length <= max,
    "too long",
  );
const chunk = z.number().int().min(0).max(1 << 20);

/** Arguments of each request op. */
export const REQUEST_ARGS = {
  status: z.strictObject({}),
  create_user: z.strictObject({ user: name, password }),
  login: z.strictObject({
    user: name,
    password,
    peerId: z.string().min(1).max(64),
    port: z.number().int().min(0).max(65535),
  }),
  renew: z.strictObject({}),
  logout: z.strictObject({}),
  create_group: z.strictObject({ group: name }),
  join_group: z.strictObject({ group: name }),
  leave_group: z.strictObject({ group: name }),
  list_requests: z.strictObject({ group: name, cursor }),
  list_members: z.strictObject({ group: name, cursor }),
  accept_request: z.strictObject({ group: name, user: name }),
  reject_request: z.strictObject({ group: name, user: name }),
  my_requests: z.strictObject({ cursor }),
  list_groups: z.strictObject({ cursor }),
  list_files: z.strictObject({ group: name, cursor }),
  tracker_keys: z.strictObject({}),
  heartbeat: z.strictObject({ port: z.number().int().min(0).max(65535) }),
  stage_hashes: z.strictObject({
    fileId,
    chunk,
    hashes: bytes(HASH_CHUNK_BYTES).refine((b) => b.length % 20 === 0, "not whole hashes"),
  }),
  upload_file: z.strictObject({
    group: name,
    name: fileName,
    fileId,
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    pieceLength: z.number().int().min(1).max(64 * 1024 * 1024),
    sha1: fileId,
  }),
  file_info: z.strictObject({ group: name, name: fileName }),
  file_hashes: z.strictObject({ group: name, fileId, chunk }),
  get_peers: z.strictObject({ group: name, fileId }),
  get_ticket: z.strictObject({ group: name, fileId, publicKey: bytes(32) }),
  announce: z.strictObject({ group: name, fileId, complete: z.boolean() }),
  withdraw: z.strictObject({ group: name, fileId }),
  stop_share: z.strictObject({ group: name, name: fileName }),
} as const;

/** A request op name. */
export type Op = keyof typeof REQUEST_ARGS;
/** The arguments of op `O`. */
export type ArgsOf<O extends Op> = z.infer<typeof REQUEST_ARGS[O]>;

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

/** Request envelope: `{ rid, op, args, token?, requestId? }`. */
export const RequestSchema = z.strictObject({
  rid: z.number().int().min(0).max(0xffffffff),
  op: z.enum(opNames),
  args: z.record(z.string(), z.unknown()),
  token: token.optional(),
  requestId: z.string().min(1).max(128).optional(),
});
/** A decoded request envelope (args not yet checked against the op's schema). */
export type Request = z.infer<typeof RequestSchema>;

/** Response envelope: `{ rid, ok: true, result }` or `{ rid, ok: false, code, message }`. */
export const ResponseSchema = z.discriminatedUnion("ok", [
  z.strictObject({
    rid: z.number().int().min(0).max(0xffffffff),
    ok: z.literal(true),
    result: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({
    rid: z.number().int().min(0).max(0xffffffff),
    ok: z.literal(false),
    code: z.string().min(1).max(64),
    message: z.string().max(1024),
  }),
]);
/** A decoded response envelope. */
export type Response = z.infer<typeof ResponseSchema>;

const page = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_PAGE_ITEMS);

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
  status: z.strictObject({
    trackerId: z.string(),
    /** Operations held, trimmed ones included. */
    ops: z.number().int().min(0),
    /** Operations still in the log (not yet trimmed). */
    logged: z.number().int().min(0),
    digest: z.string(),
  }),
  create_user: z.strictObject({}),
  login: z.strictObject({
    token,
    expiresAt: z.number(),
    user: name,
    /** Every tracker of the cluster that said where it listens, with its key: failover targets. */
    trackers: z.array(z.strictObject({ address: z.string().max(64), publicKey: bytes(32) }))
      .max(64).optional(),
  }),
  renew: z.strictObject({ token, expiresAt: z.number() }),
  logout: z.strictObject({}),
  create_group: z.strictObject({}),
  join_group: z.strictObject({}),
  leave_group: z.strictObject({ removed: z.boolean(), newOwner: name.optional() }),
  list_requests: z.strictObject({ requests: page(name), next: cursor }),
  list_members: z.strictObject({
    members: page(z.strictObject({
      user: name,
      role: z.enum(MEMBER_ROLES),
      /** When the user became a member (created the group, or was let in), in ms since the epoch. */
      since: z.number().int().min(0),
    })),
    next: cursor,
  }),
  accept_request: z.strictObject({}),
  reject_request: z.strictObject({}),
  my_requests: z.strictObject({
    requests: page(z.strictObject({
      group: name,
      state: z.enum(REQUEST_STATES),
      /** When the request was made (pending) or answered, in ms since the Unix epoch. */
      at: z.number().int().min(0),
    })),
    next: cursor,
  }),
  list_groups: z.strictObject({
    groups: page(z.strictObject({ id: name, owner: name, members: z.number().int().min(0) })),
    next: cursor,
  }),
  list_files: z.strictObject({
    files: page(z.strictObject({
      name: z.string().max(255),
      size: z.number().int().min(0),
      sha1: z.string().max(64),
      pieces: z.number().int().min(0),
      seeders: z.number().int().min(0),
      partial: z.number().int().min(0),
      sharers: z.number().int().min(0),
    })),
    next: cursor,
  }),
  tracker_keys: z.strictObject({
    keys: z.array(z.strictObject({
      keyId: z.string().max(128),
      publicKey: bytes(32),
      /** Where that tracker listens, `IP:PORT`, when it said. */
      address: z.string().max(64).optional(),
    })).max(64),
  }),
  heartbeat: z.strictObject({ known: z.boolean(), leaseMs: z.number().int().min(1) }),
  stage_hashes: z.strictObject({}),
  upload_file: z.strictObject({ added: z.boolean() }),
  file_info: z.strictObject({
    fileId,
    size: z.number().int().min(0),
    pieceLength: z.number().int().min(1),
    pieces: z.number().int().min(0),
    sha1: fileId,
  }),
  file_hashes: z.strictObject({ hashes: bytes(HASH_CHUNK_BYTES) }),
  get_peers: z.strictObject({
    peers: page(z.strictObject({
      peerId: z.string().max(64),
      address: z.string().max(64),
      complete: z.boolean(),
    })),
  }),
  get_ticket: z.strictObject({ ticket: bytes(4096), expiresAt: z.number() }),
  announce: z.strictObject({ known: z.boolean() }),
  withdraw: z.strictObject({}),
  stop_share: z.strictObject({}),
} as const satisfies Record<Op, z.ZodType>;

/** The result of op `O`. */
export type ResultOf<O extends Op> = z.infer<typeof RESULTS[O]>;

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
