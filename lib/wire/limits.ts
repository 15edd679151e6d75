/**
 * Frame types and the size limit of each, checked against the length prefix before a single
 * payload byte is allocated. docs/PROTOCOL.md lists the same numbers.
 */

/** 4 bytes that open every connection, before any frame: ASCII "PSHR". */
export const MAGIC = new Uint8Array([0x50, 0x53, 0x48, 0x52]);

/** The protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;

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
