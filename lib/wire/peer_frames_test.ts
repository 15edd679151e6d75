import assert from "node:assert/strict";
import fc from "fast-check";
import { ProtocolError } from "../common/errors.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import { encodeFrame, FrameReader } from "./frame.ts";
import { FrameType } from "./limits.ts";
import {
  allocatePieceFrame,
  Bitfield,
  ChallengeSchema,
  decodeIndex,
  decodePiece,
  encodeIndexFrame,
  HandshakeSchema,
  MAX_PIECES,
  PEER_FRAME_LIMIT_BYTES,
  PeerFrame,
  PIECE_DATA_OFFSET,
} from "./peer_frames.ts";
import { PIECE_SIZE_BYTES } from "../common/hash.ts";

function isProtocolError(code: string) {
  return (error: unknown) => error instanceof ProtocolError && error.code === code;
}

/** A byte stream over `bytes` that then ends. */
function streamOf(...chunks: Uint8Array[]) {
  return new ReadableStream({
    type: "bytes",
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk.slice());
      controller.close();
    },
  });
}

Deno.test("encodeIndexFrame() lays out a 4-byte big-endian index after the header", () => {
  assert.deepStrictEqual(
    encodeIndexFrame(PeerFrame.HAVE, 0x01020304),
    new Uint8Array([0, 0, 0, 4, PeerFrame.HAVE, 1, 2, 3, 4]),
  );
});

Deno.test("decodeIndex() reads back what encodeIndexFrame() wrote, over a peer connection", async () => {
  const types = [PeerFrame.HAVE, PeerFrame.REQUEST, PeerFrame.CANCEL, PeerFrame.REJECT];
  const indexes = [0, 1, 0xffff, 0xffffffff];
  const frames = types.flatMap((type) => indexes.map((index) => ({ type, index })));
  const reader = new FrameReader(
    streamOf(...frames.map((f) => encodeIndexFrame(f.type, f.index))),
    PEER_FRAME_LIMIT_BYTES,
  );
  for (const { type, index } of frames) {
    const frame = await reader.read();
    assert.equal(frame?.type, type);
    assert.equal(decodeIndex(frame.payload), index);
  }
  assert.equal(await reader.read(), null);
});

Deno.test("decodeIndex() rejects a payload that is not exactly 4 bytes", () => {
  for (const length of [0, 3, 5]) {
    assert.throws(() => decodeIndex(new Uint8Array(length)), isProtocolError("invalid_message"));
  }
});

Deno.test("allocatePieceFrame() leaves room for the data at PIECE_DATA_OFFSET", () => {
  const frame = allocatePieceFrame(7, 3);
  assert.equal(frame.length, PIECE_DATA_OFFSET + 3);
  assert.deepStrictEqual(
    frame.subarray(0, PIECE_DATA_OFFSET),
    new Uint8Array([0, 0, 0, 7, PeerFrame.PIECE, 0, 0, 0, 7]),
  );
});

Deno.test("decodePiece() reads back index and data of a full piece over a peer connection", async () => {
  const data = new Uint8Array(PIECE_SIZE_BYTES).map((_, i) => (i * 31) & 0xff);
  const frame = allocatePieceFrame(42, data.length);
  frame.set(data, PIECE_DATA_OFFSET);
  const reader = new FrameReader(streamOf(frame), PEER_FRAME_LIMIT_BYTES);
  const read = await reader.read();
  assert.equal(read?.type, PeerFrame.PIECE);
  const piece = decodePiece(read.payload);
  assert.equal(piece.index, 42);
  assert.deepStrictEqual(piece.data, data);
});

Deno.test("decodePiece() rejects a payload shorter than its index", () => {
  assert.throws(() => decodePiece(new Uint8Array(3)), isProtocolError("invalid_message"));
  assert.deepStrictEqual(decodePiece(new Uint8Array([0, 0, 0, 1])), {
    index: 1,
    data: new Uint8Array(0),
  });
});

Deno.test("PEER_FRAME_LIMIT_BYTES rejects a piece over 512 KiB and control frames from the header", async () => {
  const oversized = new Uint8Array([0, 0x08, 0, 0x05, PeerFrame.PIECE]); // 4 + 512 KiB + 1
  await assert.rejects(
    new FrameReader(streamOf(oversized), PEER_FRAME_LIMIT_BYTES).read(),
    isProtocolError("frame_too_large"),
  );
  const request = encodeFrame(FrameType.REQUEST, encodeMessage({ rid: 1 }));
  await assert.rejects(
    new FrameReader(streamOf(request), PEER_FRAME_LIMIT_BYTES).read(),
    isProtocolError("unknown_type"),
  );
  assert.equal(
    PEER_FRAME_LIMIT_BYTES.get(PeerFrame.BITFIELD),
    new Bitfield(MAX_PIECES).bytes.length,
  );
});

Deno.test("ChallengeSchema and HandshakeSchema round-trip bin fields and reject other types", () => {
  const challenge = { nonce: crypto.getRandomValues(new Uint8Array(32)) };
  assert.deepStrictEqual(
    decodeMessage(ChallengeSchema, encodeMessage(challenge), "challenge"),
    challenge,
  );
  const handshake = { ticket: new Uint8Array([1, 2]), proof: new Uint8Array(64) };
  assert.deepStrictEqual(
    decodeMessage(HandshakeSchema, encodeMessage(handshake), "handshake"),
    handshake,
  );
  for (const bad of [{ nonce: "abc" }, { nonce: [1, 2] }, {}, { nonce: new Uint8Array(1), x: 1 }]) {
    assert.throws(
      () => decodeMessage(ChallengeSchema, encodeMessage(bad), "challenge"),
      isProtocolError("invalid_message"),
    );
  }
  assert.throws(
    () => decodeMessage(HandshakeSchema, encodeMessage({ ticket: new Uint8Array(1) }), "handshake"),
    isProtocolError("invalid_message"),
  );
});

Deno.test("Bitfield puts piece 0 in the high bit of byte 0, as BitTorrent does", () => {
  const field = new Bitfield(10);
  assert.equal(field.bytes.length, 2);
  assert.equal(field.set(0), true);
  assert.equal(field.set(9), true);
  assert.deepStrictEqual(field.bytes, new Uint8Array([0x80, 0x40]));
  assert.equal(field.has(0), true);
  assert.equal(field.has(1), false);
  assert.equal(field.count, 2);
});

Deno.test("Bitfield.set() reports whether a bit is new and refuses pieces out of range", () => {
  const field = new Bitfield(3);
  assert.equal(field.set(1), true);
  assert.equal(field.set(1), false);
  assert.equal(field.count, 1);
  assert.throws(() => field.set(3), RangeError);
  assert.throws(() => field.set(-1), RangeError);
});

Deno.test("Bitfield.clear() unsets a bit once", () => {
  const field = Bitfield.full(5);
  assert.equal(field.isComplete, true);
  field.clear(4);
  field.clear(4);
  assert.equal(field.count, 4);
  assert.equal(field.isComplete, false);
  assert.equal(field.has(4), false);
});

Deno.test("Bitfield.full() sets every piece and no spare bit", () => {
  const field = Bitfield.full(12);
  assert.deepStrictEqual(field.bytes, new Uint8Array([0xff, 0xf0]));
  assert.equal(field.count, 12);
  assert.equal(Bitfield.full(0).isComplete, true);
});

Deno.test("new Bitfield(length, bytes) reads back the bytes of another bitfield", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200 }).chain((length) =>
        fc.tuple(
          fc.constant(length),
          fc.uniqueArray(fc.nat(Math.max(0, length - 1)), { maxLength: length }),
        )
      ),
      ([length, pieces]) => {
        const field = new Bitfield(length);
        for (const piece of pieces) if (piece < length) field.set(piece);
        const copy = new Bitfield(length, field.bytes);
        assert.deepStrictEqual(copy.bytes, field.bytes);
        assert.equal(copy.count, field.count);
        for (let i = 0; i < length; i++) assert.equal(copy.has(i), field.has(i));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("new Bitfield(length, bytes) rejects a wrong length or bits past the last piece", () => {
  assert.throws(() => new Bitfield(10, new Uint8Array(1)), isProtocolError("invalid_message"));
  assert.throws(() => new Bitfield(10, new Uint8Array(3)), isProtocolError("invalid_message"));
  assert.throws(
    () => new Bitfield(10, new Uint8Array([0, 0x20])),
    isProtocolError("invalid_message"),
  );
  assert.equal(new Bitfield(10, new Uint8Array([0, 0x40])).count, 1);
});

Deno.test("ChallengeSchema takes a nonce of exactly 32 bytes, so a downloader signs nothing else", () => {
  const ok = decodeMessage(ChallengeSchema, encodeMessage({ nonce: new Uint8Array(32) }), "c");
  assert.equal(ok.nonce.length, 32);
  for (const length of [0, 31, 33, 1024]) {
    assert.throws(
      () => decodeMessage(ChallengeSchema, encodeMessage({ nonce: new Uint8Array(length) }), "c"),
      (error: unknown) => error instanceof ProtocolError && error.code === "invalid_message",
    );
  }
});
