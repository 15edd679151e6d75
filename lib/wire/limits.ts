/**
 * Frame types and the size limit of each, checked against the length prefix before a single
 * payload byte is allocated, and the protocol's other limits and refusal codes as named
 * constants. docs/PROTOCOL.md lists the same numbers and codes.
 */

/**
 * 4 bytes that open every connection on the wire, before the Noise handshake: ASCII "PSHN" for
 * `Noise_XX_25519_ChaChaPoly_SHA256`, or {@linkcode NOISE_AESGCM_MAGIC}. The connecting side
 * sends the magic of the cipher it asks for and the accepting side answers with the same one.
 * Everything after the handshake is encrypted (docs/PROTOCOL.md, Encryption).
 */
export const NOISE_MAGIC = new Uint8Array([0x50, 0x53, 0x48, 0x4e]);

/** ASCII "PSHA": as {@linkcode NOISE_MAGIC}, for `Noise_XX_25519_AESGCM_SHA256`. */
export const NOISE_AESGCM_MAGIC = new Uint8Array([0x50, 0x53, 0x48, 0x41]);

/**
 * ASCII "PSHU": the Noise XX handshake as {@linkcode NOISE_MAGIC}, then records that are not
 * encrypted: what a process in the benchmarks' unencrypted mode sends and takes (secure_conn.ts),
 * to measure what encryption costs. Every other process refuses it at the magic, before anything
 * is sent in clear.
 */
export const UNENCRYPTED_BENCH_MAGIC = new Uint8Array([0x50, 0x53, 0x48, 0x55]);

/**
 * 4 bytes that open the conversation inside the encrypted channel, before the Hello: ASCII
 * "PSHR". Version 1 sent them in clear as the first bytes on the wire; a remote that still does
 * is told `encryption_required`.
 */
export const MAGIC = new Uint8Array([0x50, 0x53, 0x48, 0x52]);

/** The protocol version this build speaks: 2 is version 1 inside a Noise channel. */
export const PROTOCOL_VERSION = 2;

/** Frame header: u32 payload length (big endian) + u8 type. */
export const FRAME_HEADER_BYTES = 5;

/** Frame type ids (the u8 after the length). */
export const FrameType = {
  /** Who is speaking: version, role, sender id. First frame each way. */
  HELLO: 0x01,
  /** A fatal connection-level error (wrong magic, unsupported version, bad frame); then close. */
  ERROR: 0x02,
  /** A control request with a correlation id (`rid`). */
  REQUEST: 0x03,
  /** The reply to a request, echoing its `rid`. */
  RESPONSE: 0x04,
} as const;

/** Control frames stay small: lists are paginated so no reply grows with a group or a file. */
export const CONTROL_FRAME_LIMIT_BYTES = 64 * 1024;

/** Payload limit for each frame type; a type missing here is unknown. */
export const FRAME_LIMIT_BYTES: ReadonlyMap<number, number> = new Map([
  [FrameType.HELLO, 1024],
  [FrameType.ERROR, 4096],
  [FrameType.REQUEST, CONTROL_FRAME_LIMIT_BYTES],
  [FrameType.RESPONSE, CONTROL_FRAME_LIMIT_BYTES],
]);

/** Largest page any list command returns. */
export const MAX_PAGE_ITEMS = 200;

/**
 * REQUESTs a seeder queues on one connection; more are answered with REJECT (docs/PROTOCOL.md),
 * so a downloader keeps at most this many in flight per seeder.
 */
export const MAX_QUEUED_REQUESTS = 16;

/** Codes of the ProtocolError (and error frame) for bytes that break the framing or a message. */
export const WireErrorCode = {
  /** The first 4 bytes are not {@linkcode MAGIC}. */
  BAD_MAGIC: "bad_magic",
  /** The connection ended before the magic, inside a frame, or before a Hello. */
  TRUNCATED: "truncated",
  UNKNOWN_TYPE: "unknown_type",
  /** A length prefix over the limit for its frame type. */
  FRAME_TOO_LARGE: "frame_too_large",
  /** A payload that is not MessagePack. */
  BAD_ENCODING: "bad_encoding",
  /** A payload that does not match its message's schema. */
  INVALID_MESSAGE: "invalid_message",
  /** A frame type the other side does not send at that point. */
  UNEXPECTED_FRAME: "unexpected_frame",
  /** An acceptor's first frame is not a Hello. */
  EXPECTED_HELLO: "expected_hello",
  UNSUPPORTED_VERSION: "unsupported_version",
  /** The remote spoke in clear (protocol 1): every connection must be encrypted. */
  ENCRYPTION_REQUIRED: "encryption_required",
  /** A Noise handshake message was malformed or did not authenticate. */
  HANDSHAKE_FAILED: "handshake_failed",
  /** An encrypted message failed its tag: tampered with, reordered, or the wrong key. */
  DECRYPT_FAILED: "decrypt_failed",
  /** The remote proved a key other than the one pinned for it (or its key signature is bad). */
  WRONG_KEY: "wrong_key",
  /** Not logged in, and no complete frame within the idle deadline after the Hello. */
  IDLE: "idle",
  /** A frame whose first byte arrived was not complete within the frame deadline. */
  FRAME_TIMEOUT: "frame_timeout",
  /** Closed to make room for a new connection at the cap: it was not logged in and idle. */
  EVICTED: "evicted",
  /** At the connection cap, with no idle connection that is not logged in to make room. */
  BUSY: "busy",
} as const;

/**
 * Codes of the error frame a seeder refuses a downloader with, in the order it checks
 * (docs/PROTOCOL.md); each is one error frame, then close, and no byte of the file.
 */
export const SeederRefusal = {
  /** The Hello's role is not `peer`. */
  WRONG_ROLE: "wrong_role",
  /** The first frame after the CHALLENGE is not a HANDSHAKE, or it came too late. */
  EXPECTED_HANDSHAKE: "expected_handshake",
  /** The ticket is malformed, signed by an unknown key, or its signature is wrong. */
  BAD_TICKET: "bad_ticket",
  /** The ticket's validity (with clock skew allowed) has ended or not begun. */
  EXPIRED_TICKET: "expired_ticket",
  /** This peer does not serve that file in that group, or stopped serving it. */
  NOT_SERVED: "not_served",
  /** The proof is not the ticket key's signature over this nonce and seeder id. */
  BAD_PROOF: "bad_proof",
} as const;
