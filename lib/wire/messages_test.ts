import assert from "node:assert/strict";
import fc from "fast-check";
import type { Schema } from "../common/schema.ts";
import { ProtocolError } from "../common/errors.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import {
  FRAME_LIMIT_BYTES,
  FrameType,
  MAX_PAGE_ITEMS,
  SeederRefusal,
  WireErrorCode,
} from "./limits.ts";
import {
  type ArgsOf,
  ErrorCode,
  ErrorFrameSchema,
  HelloSchema,
  type Op,
  PUBLIC_OPS,
  REQUEST_ARGS,
  RequestSchema,
  ResponseSchema,
  type ResultOf,
  RESULTS,
  ROLES,
  WRITE_OPS,
} from "./messages.ts";
import { PEER_FRAME_LIMIT_BYTES } from "./peer_frames.ts";
import { REPL_FRAME_LIMIT_BYTES } from "./repl_frames.ts";
import { decodeRequest } from "./rpc.ts";

const OPS = Object.keys(REQUEST_ARGS) as Op[];
const FILE_ID = "0123456789abcdef0123456789abcdef01234567";
const SHA1 = "89abcdef0123456789abcdef0123456789abcdef";
const PIECE = 512 * 1024;

/** One valid argument object per op; the type makes a new op fail to compile until added. */
const VALID_ARGS: { [O in Op]: ArgsOf<O> } = {
  status: {},
  create_user: { user: "ana", password: "s3cret pass" },
  login: { user: "ana", password: "s3cret pass", peerId: "peer-1", port: 7000 },
  renew: {},
  logout: {},
  create_group: { group: "g1" },
  join_group: { group: "g1" },
  leave_group: { group: "g1" },
  list_requests: { group: "g1", cursor: "bob" },
  list_members: { group: "g1", cursor: "ana" },
  accept_request: { group: "g1", user: "bob" },
  reject_request: { group: "g1", user: "bob" },
  my_requests: { cursor: "g1" },
  list_groups: {},
  list_files: { group: "g1" },
  tracker_keys: {},
  heartbeat: { port: 7000 },
  stage_hashes: { fileId: FILE_ID, chunk: 0, hashes: new Uint8Array(40).fill(7) },
  upload_file: {
    group: "g1",
    name: "a movie (2024).mkv",
    fileId: FILE_ID,
    size: 3 * PIECE + 1,
    pieceLength: PIECE,
    sha1: SHA1,
  },
  file_info: { group: "g1", name: "a movie (2024).mkv" },
  file_hashes: { group: "g1", fileId: FILE_ID, chunk: 1 },
  get_peers: { group: "g1", fileId: FILE_ID },
  get_ticket: { group: "g1", fileId: FILE_ID, publicKey: new Uint8Array(32).fill(1) },
  announce: { group: "g1", fileId: FILE_ID, complete: false },
  withdraw: { group: "g1", fileId: FILE_ID },
  stop_share: { group: "g1", name: "a movie (2024).mkv" },
};

const UPLOAD = VALID_ARGS.upload_file;
const STAGE = VALID_ARGS.stage_hashes;

/** Schema-invalid argument objects per op (an extra field is tried for every op besides). */
const INVALID_ARGS: { [O in Op]: Record<string, unknown>[] } = {
  status: [{ verbose: true }],
  create_user: [
    { user: "ana" },
    { password: "p" },
    { user: "", password: "p" },
    { user: "a b", password: "p" },
    { user: "x".repeat(65), password: "p" },
    { user: "ana", password: "" },
    { user: "ana", password: "p".repeat(257) },
    { user: 7, password: "p" },
  ],
  login: [
    { user: "ana", password: "p", port: 7000 },
    { user: "ana", password: "p", peerId: "", port: 7000 },
    { user: "ana", password: "p", peerId: "x".repeat(65), port: 7000 },
    { user: "ana", password: "p", peerId: "peer-1", port: -1 },
    { user: "ana", password: "p", peerId: "peer-1", port: 65536 },
    { user: "ana", password: "p", peerId: "peer-1", port: 70.5 },
    { user: "ana", password: "p", peerId: "peer-1", port: "7000" },
    { user: "ana/x", password: "p", peerId: "peer-1", port: 7000 },
  ],
  renew: [{ token: "abc" }],
  logout: [{ all: true }],
  create_group: [{}, { group: "" }, { group: "g/1" }, { group: 5 }, { group: null }],
  join_group: [{}, { group: "bad name" }],
  leave_group: [{}, { group: "ü" }],
  list_requests: [
    { cursor: "a" },
    { group: "g1", cursor: "c".repeat(257) },
    { group: "g1", cursor: 3 },
    { group: "g1", cursor: null },
  ],
  list_members: [{}, { cursor: "a" }, { group: "g 1" }, { group: "g1", cursor: null }],
  accept_request: [{ group: "g1" }, { user: "bob" }, { group: "g1", user: "" }],
  reject_request: [{ group: "g1" }, { group: "g1", user: "b b" }],
  my_requests: [{ cursor: 1 }, { cursor: null }, { group: "g1" }],
  list_groups: [{ cursor: 1 }, { group: "g1" }],
  list_files: [{}, { group: "g1", cursor: null }],
  tracker_keys: [{ all: true }],
  heartbeat: [{}, { port: -1 }, { port: 65536 }, { port: "7000" }],
  stage_hashes: [
    { ...STAGE, fileId: FILE_ID.toUpperCase() },
    { ...STAGE, fileId: FILE_ID.slice(1) },
    { ...STAGE, chunk: -1 },
    { ...STAGE, chunk: (1 << 20) + 1 },
    { ...STAGE, hashes: new Uint8Array(21) },
    { ...STAGE, hashes: new Uint8Array(20 * 1024 + 20) },
    { ...STAGE, hashes: "00".repeat(20) },
    { ...STAGE, hashes: [1, 2, 3] },
    { fileId: FILE_ID, chunk: 0 },
  ],
  upload_file: [
    { ...UPLOAD, name: "" },
    { ...UPLOAD, name: "." },
    { ...UPLOAD, name: ".." },
    { ...UPLOAD, name: "../etc/passwd" },
    { ...UPLOAD, name: "a/b" },
    { ...UPLOAD, name: "a\\b" },
    { ...UPLOAD, name: "a\u0000b" },
    { ...UPLOAD, name: "tab\there" },
    { ...UPLOAD, name: "x".repeat(256) },
    { ...UPLOAD, size: -1 },
    { ...UPLOAD, size: 1.5 },
    { ...UPLOAD, size: 2 ** 53 },
    { ...UPLOAD, pieceLength: 0 },
    { ...UPLOAD, pieceLength: 64 * 1024 * 1024 + 1 },
    { ...UPLOAD, sha1: "not a sha1" },
    { ...UPLOAD, fileId: undefined },
    { ...UPLOAD, group: "bad name" },
  ],
  file_info: [{ group: "g1" }, { group: "g1", name: "a/b" }],
  file_hashes: [{ group: "g1", fileId: FILE_ID }, { group: "g1", fileId: FILE_ID, chunk: 0.5 }],
  get_peers: [{ group: "g1" }, { group: "g1", fileId: "xyz" }],
  get_ticket: [
    { group: "g1", fileId: FILE_ID },
    { group: "g1", fileId: FILE_ID, publicKey: new Uint8Array(33) },
    { group: "g1", fileId: FILE_ID, publicKey: "key" },
  ],
  announce: [{ group: "g1", fileId: FILE_ID }, { group: "g1", fileId: FILE_ID, complete: 1 }],
  withdraw: [{ group: "g1" }],
  stop_share: [{ group: "g1" }, { group: "g1", name: "../x" }],
};

/** One valid result per op. */
const VALID_RESULTS: { [O in Op]: ResultOf<O> } = {
  status: { trackerId: "t-1", ops: 3, logged: 2, digest: "9f86d081" },
  create_user: {},
  login: { token: "tok.sig", expiresAt: 1_800_000_000_000, user: "ana" },
  renew: { token: "tok2.sig", expiresAt: 1_800_000_000_000 },
  logout: {},
  create_group: {},
  join_group: {},
  leave_group: { removed: false, newOwner: "bob" },
  list_requests: { requests: ["bob", "cy"], next: "cy" },
  list_members: {
    members: [
      { user: "ana", role: "owner", since: 1_700_000_000_000 },
      { user: "bob", role: "member", since: 0 },
    ],
    next: "bob",
  },
  accept_request: {},
  reject_request: {},
  my_requests: {
    requests: [
      { group: "g1", state: "pending", at: 1_700_000_000_000 },
      { group: "g2", state: "rejected", at: 1_700_000_000_001 },
      { group: "g3", state: "accepted", at: 0 },
    ],
    next: "g3",
  },
  list_groups: { groups: [{ id: "g1", owner: "ana", members: 2 }] },
  list_files: {
    files: [{
      name: "a movie.mkv",
      size: 10,
      sha1: SHA1,
      pieces: 1,
      seeders: 1,
      partial: 2,
      sharers: 3,
    }],
  },
  tracker_keys: { keys: [{ keyId: "t-1", publicKey: new Uint8Array(32).fill(9) }] },
  heartbeat: { known: true, leaseMs: 6000 },
  stage_hashes: {},
  upload_file: { added: true },
  file_info: { fileId: FILE_ID, size: 3 * PIECE + 1, pieceLength: PIECE, pieces: 4, sha1: SHA1 },
  file_hashes: { hashes: new Uint8Array(20 * 1024).fill(3) },
  get_peers: { peers: [{ peerId: "p-2", address: "127.0.0.1:7003", complete: false }] },
  get_ticket: { ticket: new Uint8Array(180).fill(4), expiresAt: 1_800_000_000_000 },
  announce: { known: false },
  withdraw: {},
  stop_share: {},
};

const FILE_ENTRY = VALID_RESULTS.list_files.files[0]!;

/** Schema-invalid results per op (an extra field is tried for every op besides). */
const INVALID_RESULTS: { [O in Op]: Record<string, unknown>[] } = {
  status: [
    { trackerId: "t", ops: -1, logged: 0, digest: "d" },
    { trackerId: "t", ops: 1.5, logged: 0, digest: "d" },
    { trackerId: "t", ops: 1, logged: -1, digest: "d" },
    { trackerId: "t", ops: 1, digest: "d" },
    { ops: 1, logged: 0, digest: "d" },
  ],
  create_user: [],
  login: [{ expiresAt: 1, user: "ana" }, { token: "", expiresAt: 1, user: "ana" }, {
    token: "t",
    expiresAt: "soon",
    user: "ana",
  }],
  renew: [{ token: "t" }],
  logout: [],
  create_group: [],
  join_group: [],
  leave_group: [{}, { removed: "yes" }, { removed: true, newOwner: "" }],
  list_requests: [
    {},
    { requests: ["bad name"] },
    { requests: Array.from({ length: MAX_PAGE_ITEMS + 1 }, (_, i) => `u${i}`) },
  ],
  list_members: [
    {},
    { members: ["ana"] },
    { members: [{ user: "ana", role: "admin", since: 1 }] },
    { members: [{ user: "ana", role: "owner" }] },
    { members: [{ user: "ana", role: "owner", since: -1 }] },
    { members: [{ user: "bad name", role: "member", since: 1 }] },
    {
      members: Array.from(
        { length: MAX_PAGE_ITEMS + 1 },
        (_, i) => ({ user: `u${i}`, role: "member", since: 1 }),
      ),
    },
  ],
  accept_request: [],
  reject_request: [],
  my_requests: [
    {},
    { requests: [{ group: "g1", state: "maybe", at: 1 }] },
    { requests: [{ group: "g1", state: "pending", at: -1 }] },
    { requests: [{ group: "g1", state: "pending" }] },
    { requests: [{ group: "bad name", state: "rejected", at: 1 }] },
    {
      requests: Array.from(
        { length: MAX_PAGE_ITEMS + 1 },
        (_, i) => ({ group: `g${i}`, state: "pending", at: 1 }),
      ),
    },
  ],
  list_groups: [
    { groups: [{ id: "g1", owner: "ana" }] },
    { groups: [{ id: "g1", owner: "ana", members: -1 }] },
    {
      groups: Array.from(
        { length: MAX_PAGE_ITEMS + 1 },
        (_, i) => ({ id: `g${i}`, owner: "ana", members: 1 }),
      ),
    },
  ],
  list_files: [
    { files: [{ ...FILE_ENTRY, size: -1 }] },
    { files: [{ ...FILE_ENTRY, name: "x".repeat(256) }] },
    { files: [{ ...FILE_ENTRY, partial: undefined }] },
    { files: [{ ...FILE_ENTRY, sharers: -1 }] },
  ],
  tracker_keys: [
    { keys: [{ keyId: "t-1", publicKey: new Uint8Array(33) }] },
    { keys: [{ keyId: "k".repeat(129), publicKey: new Uint8Array(32) }] },
    {
      keys: Array.from(
        { length: 65 },
        (_, i) => ({ keyId: `t${i}`, publicKey: new Uint8Array(32) }),
      ),
    },
  ],
  heartbeat: [{ known: true, leaseMs: 0 }, { known: "yes", leaseMs: 10 }],
  stage_hashes: [],
  upload_file: [{}, { added: 1 }],
  file_info: [
    { ...VALID_RESULTS.file_info, pieceLength: 0 },
    { ...VALID_RESULTS.file_info, sha1: "zz" },
  ],
  file_hashes: [{ hashes: new Uint8Array(20 * 1024 + 1) }, { hashes: "ab" }],
  get_peers: [
    { peers: [{ peerId: "p", address: "x".repeat(65), complete: true }] },
    {
      peers: Array.from(
        { length: MAX_PAGE_ITEMS + 1 },
        (_, i) => ({ peerId: `p${i}`, address: "127.0.0.1:1", complete: true }),
      ),
    },
  ],
  get_ticket: [{ ticket: new Uint8Array(4097), expiresAt: 1 }, { expiresAt: 1 }],
  announce: [{}],
  withdraw: [],
  stop_share: [],
};

function isProtocolError(code: string) {
  return (error: unknown) => error instanceof ProtocolError && error.code === code;
}

function roundTrip<T>(schema: Schema<T>, value: unknown, what = "message"): T {
  return decodeMessage(schema, encodeMessage(value), what);
}

function assertInvalid(schema: Schema, value: unknown, what: string) {
  assert.throws(
    () => roundTrip(schema, value),
    isProtocolError("invalid_message"),
    `${what}: ${JSON.stringify(value)}`,
  );
}

function requestPayload(op: string, args: unknown, extra: Record<string, unknown> = {}) {
  return encodeMessage({ rid: 1, op, args, ...extra });
}

Deno.test("HelloSchema round-trips a Hello of every role", () => {
  for (const role of ROLES) {
    const hello = { version: 1, role, id: "id-" + role };
    assert.deepStrictEqual(roundTrip(HelloSchema, hello), hello);
  }
  const edge = { version: 0xffff, role: "peer", id: "x".repeat(128) };
  assert.deepStrictEqual(roundTrip(HelloSchema, edge), edge);
});

Deno.test("HelloSchema rejects a Hello that does not match as invalid_message", () => {
  const valid = { version: 1, role: "peer", id: "p1" };
  const cases = [
    { ...valid, version: -1 },
    { ...valid, version: 1.5 },
    { ...valid, version: 0x10000 },
    { ...valid, version: "1" },
    { ...valid, role: "admin" },
    { ...valid, id: "" },
    { ...valid, id: "x".repeat(129) },
    { ...valid, extra: 1 },
    { version: 1, role: "peer" },
    [1, "peer", "p1"],
  ];
  for (const hello of cases) assertInvalid(HelloSchema, hello, "Hello");
});

Deno.test("ErrorFrameSchema round-trips an error frame and rejects bad ones", () => {
  const frame = { code: "bad_magic", message: "Wrong magic: this is not a PeerShare connection" };
  assert.deepStrictEqual(roundTrip(ErrorFrameSchema, frame), frame);
  const edge = { code: "c".repeat(64), message: "" };
  assert.deepStrictEqual(roundTrip(ErrorFrameSchema, edge), edge);
  for (
    const bad of [
      { code: "", message: "m" },
      { code: "c".repeat(65), message: "m" },
      { code: "c", message: "m".repeat(1025) },
      { code: "c" },
      { code: "c", message: "m", extra: 1 },
    ]
  ) {
    assertInvalid(ErrorFrameSchema, bad, "error frame");
  }
});

Deno.test("decodeRequest() round-trips every op's arguments", () => {
  for (const op of OPS) {
    const args = VALID_ARGS[op];
    const request = decodeRequest(requestPayload(op, args));
    assert.deepStrictEqual(request, { rid: 1, op, args }, op);
  }
});

Deno.test("decodeRequest() keeps the token and requestId of the envelope", () => {
  const payload = encodeMessage({
    rid: 0xffffffff,
    op: "create_group",
    args: { group: "g1" },
    token: "tok.sig",
    requestId: "peer-1:42",
  });
  assert.deepStrictEqual(decodeRequest(payload), {
    rid: 0xffffffff,
    op: "create_group",
    args: { group: "g1" },
    token: "tok.sig",
    requestId: "peer-1:42",
  });
});

Deno.test("decodeRequest() rejects schema-invalid arguments of every op as invalid_message", () => {
  for (const op of OPS) {
    const cases = [...INVALID_ARGS[op], { ...VALID_ARGS[op], unexpected: 1 }];
    for (const args of cases) {
      assert.throws(
        () => decodeRequest(requestPayload(op, args)),
        (error: unknown) =>
          error instanceof ProtocolError && error.code === "invalid_message" &&
          error.message.startsWith(`Invalid arguments for "${op}"`),
        `${op} ${JSON.stringify(args)}`,
      );
    }
  }
});

Deno.test("decodeRequest() rejects a schema-invalid envelope as invalid_message", () => {
  const base = { rid: 1, op: "status", args: {} };
  const cases = [
    { ...base, rid: -1 },
    { ...base, rid: 2 ** 32 },
    { ...base, rid: 1.5 },
    { ...base, rid: "1" },
    { op: "status", args: {} },
    { ...base, op: "delete_everything" },
    { ...base, op: "constructor" },
    { rid: 1, op: "status" },
    { ...base, args: [] },
    { ...base, args: null },
    { ...base, token: "" },
    { ...base, token: "t".repeat(1025) },
    { ...base, requestId: "" },
    { ...base, requestId: "r".repeat(129) },
    { ...base, extra: true },
    "status",
  ];
  for (const envelope of cases) {
    assert.throws(
      () => decodeRequest(encodeMessage(envelope)),
      isProtocolError("invalid_message"),
      JSON.stringify(envelope),
    );
  }
});

Deno.test("decodeRequest() throws only ProtocolError on random bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      try {
        decodeRequest(bytes);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
      }
    }),
    { numRuns: 3000 },
  );
});

Deno.test("decodeRequest() returns only schema-valid requests from near-valid envelopes", () => {
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 70 }),
    fc.integer({ min: -10, max: 70_000 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(FILE_ID),
    fc.uint8Array({ maxLength: 48 }),
  );
  const envelope = fc.record({
    rid: fc.oneof(fc.nat(), fc.integer(), fc.double()),
    op: fc.constantFrom(...OPS, "nope", "__proto__"),
    args: fc.dictionary(
      fc.constantFrom(
        "user",
        "group",
        "password",
        "peerId",
        "port",
        "cursor",
        "fileId",
        "chunk",
        "hashes",
        "name",
        "complete",
        "publicKey",
        "x",
      ),
      fieldValue,
    ),
    token: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    requestId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  });
  fc.assert(
    fc.property(envelope, (value) => {
      let request;
      try {
        request = decodeRequest(encodeMessage(value));
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        assert.ok(["bad_encoding", "invalid_message"].includes(error.code), error.code);
        return;
      }
      assert.ok(RequestSchema.safeParse(request).success);
      assert.ok(REQUEST_ARGS[request.op].safeParse(request.args).success);
    }),
    { numRuns: 3000 },
  );
});

Deno.test("RESULTS round-trip every op's result inside a response envelope", () => {
  for (const op of OPS) {
    const response = { rid: 9, ok: true, result: VALID_RESULTS[op] };
    const decoded = roundTrip(ResponseSchema, response, "response");
    assert.deepStrictEqual(decoded, response, op);
    assert.ok(decoded.ok);
    const schema: Schema = RESULTS[op];
    assert.deepStrictEqual(roundTrip(schema, decoded.result, op), VALID_RESULTS[op], op);
  }
});

Deno.test("RESULTS reject a schema-invalid result of every op as invalid_message", () => {
  for (const op of OPS) {
    const cases = [...INVALID_RESULTS[op], { ...VALID_RESULTS[op], unexpected: 1 }];
    for (const result of cases) assertInvalid(RESULTS[op], result, op);
  }
});

Deno.test("RESULTS accept a page of exactly MAX_PAGE_ITEMS", () => {
  const requests = Array.from({ length: MAX_PAGE_ITEMS }, (_, i) => `u${i}`);
  assert.equal(roundTrip(RESULTS.list_requests, { requests }).requests.length, MAX_PAGE_ITEMS);
});

Deno.test("RESULTS: a full list_members page of the longest names fits a response frame", () => {
  const members = Array.from({ length: MAX_PAGE_ITEMS }, (_, i) => ({
    user: `${i}`.padStart(64, "u"),
    role: "member" as const,
    since: Number.MAX_SAFE_INTEGER,
  }));
  const response = { rid: 0xffffffff, ok: true, result: { members, next: "u".repeat(64) } };
  const limit = FRAME_LIMIT_BYTES.get(FrameType.RESPONSE) ?? 0;
  assert.ok(encodeMessage(response).length <= limit);
  assert.equal(roundTrip(RESULTS.list_members, response.result).members.length, MAX_PAGE_ITEMS);
});

Deno.test("ResponseSchema round-trips a refusal and rejects mixed envelopes", () => {
  const refusal = { rid: 3, ok: false, code: "not_member", message: 'Not a member of group "g1"' };
  assert.deepStrictEqual(roundTrip(ResponseSchema, refusal), refusal);
  const cases = [
    { rid: 3, ok: true },
    { rid: 3, ok: true, result: {}, code: "x" },
    { rid: 3, ok: false, code: "x" },
    { rid: 3, ok: false, code: "", message: "m" },
    { rid: 3, ok: false, code: "x", message: "m".repeat(1025) },
    { rid: 3, ok: false, code: "x", message: "m", result: {} },
    { rid: 3, ok: "true", result: {} },
    { rid: 3, result: {} },
    { ok: true, result: {} },
    { rid: -3, ok: true, result: {} },
    { rid: 3, ok: true, result: [] },
  ];
  for (const response of cases) assertInvalid(ResponseSchema, response, "response");
});

Deno.test("WRITE_OPS and PUBLIC_OPS name only known ops, and no write is public but create_user", () => {
  for (const op of [...WRITE_OPS, ...PUBLIC_OPS]) assert.ok(OPS.includes(op), op);
  assert.deepStrictEqual([...PUBLIC_OPS].sort(), [
    "create_user",
    "login",
    "status",
    "tracker_keys",
  ]);
  assert.deepStrictEqual([...WRITE_OPS].filter((op) => PUBLIC_OPS.has(op)), ["create_user"]);
});

Deno.test("ErrorCode values are distinct snake_case codes that fit an error frame", () => {
  const codes = Object.values(ErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    assert.match(code, /^[a-z]+(_[a-z]+)*$/);
    assert.ok(ErrorFrameSchema.safeParse({ code, message: "" }).success, code);
  }
});

Deno.test("docs/PROTOCOL.md documents every op, frame type, limit and error code", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/PROTOCOL.md", import.meta.url));
  const [rest = "", peer = ""] = doc.split("\n## Peer connections\n");
  const [control = "", repl = ""] = rest.split("\n## Tracker replication\n");
  for (const op of OPS) assert.ok(control.includes(`### \`${op}\``), `op ${op} has a section`);
  const [, afterErrors = ""] = control.split("\n## Error codes\n");
  const errors = afterErrors.split("\n## ")[0] ?? "";
  const codes = [ErrorCode, WireErrorCode, SeederRefusal].flatMap((codes) => Object.values(codes));
  for (const code of codes) {
    const row = errors.split("\n").find((line) => line.startsWith(`| \`${code}\` `));
    assert.ok(row, `error code ${code} has a row in "Error codes"`);
  }
  const checkTable = (part: string, limits: ReadonlyMap<number, number>, what: string) => {
    for (const [type, limit] of limits) {
      const hex = `0x${type.toString(16).padStart(2, "0")}`;
      const row = part.split("\n").find((line) => line.startsWith(`| ${hex} `));
      assert.ok(row, `${what} frame type ${hex} has a row`);
      assert.ok(
        row.includes(`| ${limit} `),
        `${what} frame type ${hex} row gives its limit ${limit}`,
      );
    }
  };
  checkTable(control, FRAME_LIMIT_BYTES, "control");
  checkTable(repl, REPL_FRAME_LIMIT_BYTES, "replication");
  checkTable(peer, PEER_FRAME_LIMIT_BYTES, "peer");
  for (const type of Object.values(FrameType)) assert.ok(FRAME_LIMIT_BYTES.has(type));
});
