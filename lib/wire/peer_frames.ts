/**
 * Peer-to-peer frames: a downloader connects to a seeder, both send magic and Hello, then
 *
 *   seeder     → CHALLENGE  { nonce }                     MessagePack
 *   downloader → HANDSHAKE  { ticket, proof, port? }      MessagePack (port: its own seeder's)
 *   seeder     → BITFIELD   <bits, piece 0 = high bit of byte 0>
 *   downloader → BITFIELD   <bits>                        (what the downloader already has)
 *   seeder     → UNCHOKE    <empty>                       (requests will be served)
 *   seeder     → CHOKE      <empty>                       (queued requests are dropped)
 *   downloader → REQUEST    <u32 index>                   (many in flight, only when unchoked)
 *   seeder     → PIECE      <u32 index><piece bytes>      (raw, never re-encoded)
 *   either     → HAVE       <u32 index>                   (the sender got a piece)
 *   seeder     → REJECT     <u32 index>                   (cannot serve that piece now)
 *   seeder     → PEERS      { peers: [{ peerId, address }] }  MessagePack (peer exchange)
 *   downloader → CANCEL     <u32 index>
 *
 * A refusal is one ERROR frame, then close; nothing of the file is sent before the handshake.
 * A seeder starts every downloader choked; a super-seeding seeder (BEP 16) sends an empty or
 * partial BITFIELD and reveals pieces one at a time with HAVE.
 */
import { PIECE_SIZE_BYTES } from "../common/hash.ts";
import { is, type Schema } from "../common/schema.ts";
import { ProtocolError } from "../common/errors.ts";
import { FRAME_HEADER_BYTES, FrameType, WireErrorCode } from "./limits.ts";
import { Bitfield } from "./bitfield.ts";

export { Bitfield };

/** Frame type ids of the peer protocol. */
export const PeerFrame = {
  CHALLENGE: 0x10,
  HANDSHAKE: 0x11,
  BITFIELD: 0x12,
  HAVE: 0x13,
  REQUEST: 0x14,
  PIECE: 0x15,
  CANCEL: 0x16,
  REJECT: 0x17,
  CHOKE: 0x18,
  UNCHOKE: 0x19,
  PEERS: 0x1a,
} as const;

/** A PEERS frame lists at most this many peers. */
export const MAX_EXCHANGED_PEERS = 32;

/** A bitfield covers at most this many pieces (4 TiB of 512 KiB pieces). */
export const MAX_PIECES = 8 * 1024 * 1024;

/** Payload limits on a peer connection; anything else is an unknown type there. */
export const PEER_FRAME_LIMIT_BYTES: ReadonlyMap<number, number> = new Map([
  [FrameType.HELLO, 1024],
  [FrameType.ERROR, 4096],
  [PeerFrame.CHALLENGE, 256],
  [PeerFrame.HANDSHAKE, 4096],
  [PeerFrame.BITFIELD, MAX_PIECES / 8],
  [PeerFrame.HAVE, 4],
  [PeerFrame.REQUEST, 4],
  [PeerFrame.PIECE, 4 + PIECE_SIZE_BYTES],
  [PeerFrame.CANCEL, 4],
  [PeerFrame.REJECT, 4],
  [PeerFrame.CHOKE, 0],
  [PeerFrame.UNCHOKE, 0],
  [PeerFrame.PEERS, 8192],
]);

/** The CHALLENGE nonce's size. */
export const CHALLENGE_NONCE_BYTES = 32;

/** CHALLENGE: the seeder's fresh nonce, exactly 32 bytes (a downloader signs nothing else). */
export const ChallengeSchema: Schema<{ nonce: Uint8Array }> = is.strictObject({
  nonce: is.bytes().length(CHALLENGE_NONCE_BYTES),
});

/**
 * HANDSHAKE: the ticket from a tracker and the proof of the key it names; `port` is where the
 * downloader's own seeder listens, so the seeder can tell other downloaders of it (PEERS).
 */
export const HandshakeSchema: Schema<{
  ticket: Uint8Array;
  proof: Uint8Array;
  port?: number | undefined;
}> = is.strictObject({
  ticket: is.bytes(),
  proof: is.bytes(),
  port: is.number().int().min(1).max(65535).optional(),
});

/** PEERS: other peers of the same file that this seeder knows (hints: each still needs a ticket). */
export const PeersSchema: Schema<{
  peers: { peerId: string; address: string }[];
}> = is.strictObject({
  peers: is.array(
    is.strictObject({
      peerId: is.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
      address: is.string().max(64),
    }),
  ).max(MAX_EXCHANGED_PEERS),
});

/** Encode a frame whose payload is one u32 (HAVE, REQUEST, CANCEL, REJECT). */
export function encodeIndexFrame(type: number, index: number): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER_BYTES + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 4);
  view.setUint8(4, type);
  view.setUint32(5, index);
  return bytes;
}

/**
 * Decode a u32 payload.
 *
 * @throws {ProtocolError} when it is not exactly 4 bytes
 */
export function decodeIndex(payload: Uint8Array): number {
  if (payload.length !== 4) {
    throw new ProtocolError(
      WireErrorCode.INVALID_MESSAGE,
      `Index frame of ${payload.length} bytes, expected 4`,
    );
  }
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
}

/**
 * A PIECE frame buffer with room for `length` data bytes at offset {@linkcode PIECE_DATA_OFFSET},
 * so the seeder reads the file straight into the frame and nothing is copied.
 */
export function allocatePieceFrame(index: number, length: number): Uint8Array {
  const bytes = new Uint8Array(PIECE_DATA_OFFSET + length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 4 + length);
  view.setUint8(4, PeerFrame.PIECE);
  view.setUint32(5, index);
  return bytes;
}

/** A BITFIELD frame: header and bits, ready for `sendRaw`. */
export function encodeBitfieldFrame(bitfield: Bitfield): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + bitfield.bytes.length);
  new DataView(frame.buffer).setUint32(0, bitfield.bytes.length);
  frame[4] = PeerFrame.BITFIELD;
  frame.set(bitfield.bytes, FRAME_HEADER_BYTES);
  return frame;
}

/** A frame with no payload (CHOKE, UNCHOKE), ready for `sendRaw`. */
export function encodeEmptyFrame(type: number): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES);
  frame[4] = type;
  return frame;
}

/** Where piece data starts in a PIECE frame buffer. */
export const PIECE_DATA_OFFSET: number = FRAME_HEADER_BYTES + 4;

/**
 * Split a PIECE payload into index and data (a view, not a copy).
 *
 * @throws {ProtocolError} when it is shorter than its index
 */
export function decodePiece(payload: Uint8Array): { index: number; data: Uint8Array } {
  if (payload.length < 4) {
    throw new ProtocolError(WireErrorCode.INVALID_MESSAGE, "Piece frame without index");
  }
  const index = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  return { index, data: payload.subarray(4) };
}
