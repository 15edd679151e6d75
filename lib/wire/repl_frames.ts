/**
 * Tracker-to-tracker replication frames. A tracker connects to each other tracker and pushes
 * operations to it over that connection:
 *
 *   acceptor  → REPL_CHALLENGE { nonce }
 *   connector → REPL_AUTH      { nonce, mac, port }    mac = HMAC(k, "connector", ids, nonce_a)
 *   acceptor  → REPL_WELCOME   { mac, vector, clock }  mac = HMAC(k, "acceptor", ids, nonce_c)
 *   connector → REPL_PRESENCE  { peers, dropped }      soft state: all local peers, then changes
 *   connector → REPL_SNAPSHOT  { ... }                 when the acceptor lacks trimmed operations
 *   connector → REPL_OPS       { ops: [...] }          what the acceptor lacks, then new ones
 *   acceptor  → REPL_ACK       { vector, clock }       after each OPS or SNAPSHOT: what it holds
 *
 * nonce_a and nonce_c are the acceptor's and the connector's nonces, ids the connector's and the
 * acceptor's tracker ids, in that order (lib/tracker/repl_auth.ts); `port` is
 * the connector's listen port, so a tracker missing from the acceptor's list gets a link back.
 * k is derived from the cluster secret, so only trackers that hold it can replicate; anything
 * else is refused with one error frame before a single operation is read or sent.
 */
import { is, type Schema } from "../common/schema.ts";
import { FrameType } from "./limits.ts";

/** Replication frame type ids. */
export const ReplFrame = {
  CHALLENGE: 0x20,
  AUTH: 0x21,
  WELCOME: 0x22,
  OPS: 0x23,
  ACK: 0x24,
  PRESENCE: 0x25,
  SNAPSHOT: 0x26,
} as const;

/** Most bytes of operations in one REPL_OPS frame (a batch is cut before it grows past this). */
export const REPL_BATCH_BYTES = 1024 * 1024;

/** Payload limits on a replication connection. */
export const REPL_FRAME_LIMIT_BYTES: ReadonlyMap<number, number> = new Map([
  [FrameType.HELLO, 1024],
  [FrameType.ERROR, 4096],
  [ReplFrame.CHALLENGE, 256],
  [ReplFrame.AUTH, 256],
  [ReplFrame.WELCOME, 1024 * 1024],
  [ReplFrame.OPS, 2 * REPL_BATCH_BYTES],
  [ReplFrame.ACK, 1024 * 1024],
  [ReplFrame.PRESENCE, 4 * 1024 * 1024],
  [ReplFrame.SNAPSHOT, 64 * 1024 * 1024],
]);

/**
 * Limits until the connector has proven the cluster key: only the handshake frames, small, so
 * an unauthenticated process cannot make a tracker allocate a snapshot-sized buffer.
 */
export const REPL_HANDSHAKE_LIMIT_BYTES: ReadonlyMap<number, number> = new Map([
  [FrameType.HELLO, 1024],
  [FrameType.ERROR, 4096],
  [ReplFrame.CHALLENGE, 256],
  [ReplFrame.AUTH, 256],
]);

const bin32 = is.bytes().length(32);
/** Highest contiguous sequence number held per origin tracker. */
const vector = is.record(is.string().max(200), is.number().int().min(0)).refine(
  (v) => Object.keys(v).length <= 1024,
  "too many origins",
);
const clock = is.strictObject({
  wall: is.number().int().min(0),
  counter: is.number().int().min(0),
});

/** REPL_CHALLENGE. */
export const ReplChallengeSchema: Schema<{ nonce: Uint8Array }> = is.strictObject({ nonce: bin32 });
/** REPL_AUTH. */
export const ReplAuthSchema: Schema<{
  nonce: Uint8Array;
  mac: Uint8Array;
  port: number;
}> = is.strictObject({
  nonce: bin32,
  mac: bin32,
  /** The connector's listen port, so a tracker missing from our list gets a link back. */
  port: is.number().int().min(1).max(65535),
});
/** REPL_WELCOME: the acceptor proves the secret too, and says what it holds. */
export const ReplWelcomeSchema: Schema<{
  mac: Uint8Array;
  vector: Record<string, number>;
  clock: { wall: number; counter: number };
}> = is.strictObject({ mac: bin32, vector, clock });
/** REPL_ACK. */
export const ReplAckSchema: Schema<{
  vector: Record<string, number>;
  clock: { wall: number; counter: number };
}> = is.strictObject({ vector, clock });
/** REPL_OPS: operations as `[origin, seq, wall, counter, key, requestId, body]` rows. */
export const ReplOpsSchema: Schema<{
  ops: [string, number, number, number, string, string | null, Uint8Array][];
}> = is.strictObject({
  ops: is.array(is.tuple([
    is.string().max(200),
    is.number().int().min(1),
    is.number().int().min(0),
    is.number().int().min(0),
    is.string().max(600),
    is.string().max(128).nullable(),
    is.bytes(),
  ])).max(100_000),
});
/** REPL_PRESENCE: peers online at the sender, each with its lease left and files. */
export const ReplPresenceSchema: Schema<{
  peers: {
    peerId: string;
    user: string;
    host: string;
    port: number;
    leaseMs: number;
    files: [string, string, boolean][];
  }[];
  dropped: string[];
}> = is.strictObject({
  peers: is.array(is.strictObject({
    peerId: is.string().max(64),
    user: is.string().max(64),
    host: is.string().max(64),
    port: is.number().int().min(0).max(65535),
    leaseMs: is.number().int().min(0).max(3_600_000),
    files: is.array(is.tuple([is.string().max(64), is.string().max(40), is.boolean()])).max(
      100_000,
    ),
  })).max(10_000),
  dropped: is.array(is.string().max(64)).max(10_000),
});
/** REPL_SNAPSHOT: the trimmed state, for a tracker that is behind what the log still holds. */
export const ReplSnapshotSchema: Schema<{
  point: string;
  vector: Record<string, number>;
  rows: [string, Uint8Array][];
  requestIds: string[];
}> = is.strictObject({
  /** Order key of the last operation folded in: each in the snapshot sorts at or below it. */
  point: is.string().max(300),
  /** Per origin, the highest sequence number the snapshot covers. */
  vector,
  rows: is.array(
    is.tuple([
      is.string().max(700),
      is.bytes(),
    ]),
  ),
  requestIds: is.array(is.string().max(128)),
});
