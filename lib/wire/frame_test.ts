import assert from "node:assert/strict";
import fc from "fast-check";
import { ProtocolError } from "../common/errors.ts";
import { checkFrameHeader, encodeFrame, type Frame, FrameReader } from "./frame.ts";
import { CONTROL_FRAME_LIMIT_BYTES, FRAME_LIMIT_BYTES, FrameType, MAGIC } from "./limits.ts";

/** How long a read may take before a test calls it stuck: far above any in-memory read. */
const STUCK_AFTER_MS = 2_000;

/**
 * A byte stream that hands out `chunks` the way a Deno socket does: each pull copies what fits
 * into the reader's buffer, and the end is a `close()` followed by `respond(0)`. It ends after
 * the last chunk unless `end` is false, in which case it stays open forever.
 */
function byteStream(chunks: Uint8Array[], options: { end?: boolean } = {}) {
  const queue = chunks.map((chunk) => chunk.slice());
  return new ReadableStream({
    type: "bytes",
    pull(controller: ReadableByteStreamController) {
      const request = controller.byobRequest!;
      const view = new Uint8Array(request.view!.buffer, request.view!.byteOffset);
      const chunk = queue[0];
      if (chunk === undefined) {
        if (options.end ?? true) {
          controller.close();
          request.respond(0);
        }
        return;
      }
      const n = Math.min(chunk.length, request.view!.byteLength);
      view.set(chunk.subarray(0, n));
      if (n === chunk.length) queue.shift();
      else queue[0] = chunk.subarray(n);
      request.respond(n);
    },
  });
}

/** A byte stream with every chunk already queued and its close requested. */
function queuedStream(chunks: Uint8Array[]) {
  return new ReadableStream({
    type: "bytes",
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk.slice());
      controller.close();
    },
  });
}

/** A 5-byte header claiming `length` payload bytes of `type`. */
function header(type: number, length: number): Uint8Array {
  const bytes = new Uint8Array(5);
  new DataView(bytes.buffer).setUint32(0, length);
  bytes[4] = type;
  return bytes;
}

/** Settle `promise`, or fail the test if it takes longer than `ms` (it would hang otherwise). */
async function settleWithin<T>(promise: Promise<T>, ms = STUCK_AFTER_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

function isProtocolError(code: string) {
  return (error: unknown) => error instanceof ProtocolError && error.code === code;
}

async function readAll(reader: FrameReader): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let frame = await reader.read(); frame !== null; frame = await reader.read()) {
    frames.push(frame);
  }
  return frames;
}

Deno.test("encodeFrame() lays out u32 big-endian length, u8 type, then the payload", () => {
  assert.deepStrictEqual(
    encodeFrame(FrameType.REQUEST, new Uint8Array([7, 8, 9])),
    new Uint8Array([0, 0, 0, 3, 0x03, 7, 8, 9]),
  );
  assert.deepStrictEqual(
    encodeFrame(FrameType.HELLO, new Uint8Array(0x0102)).subarray(0, 5),
    new Uint8Array([0, 0, 0x01, 0x02, 0x01]),
  );
});

Deno.test("FrameReader.read() returns what encodeFrame() wrote, then null at a clean end", async () => {
  const payload = crypto.getRandomValues(new Uint8Array(300));
  const reader = new FrameReader(byteStream([
    encodeFrame(FrameType.HELLO, payload),
    encodeFrame(FrameType.RESPONSE, new Uint8Array(0)),
  ]));
  assert.deepStrictEqual(await reader.read(), { type: FrameType.HELLO, payload });
  assert.deepStrictEqual(await reader.read(), {
    type: FrameType.RESPONSE,
    payload: new Uint8Array(0),
  });
  assert.equal(await reader.read(), null);
});

Deno.test("FrameReader.read() accepts a frame of exactly its type's limit", async () => {
  const payload = new Uint8Array(CONTROL_FRAME_LIMIT_BYTES).fill(0xab);
  const reader = new FrameReader(byteStream([encodeFrame(FrameType.REQUEST, payload)]));
  const frame = await reader.read();
  assert.equal(frame?.payload.length, CONTROL_FRAME_LIMIT_BYTES);
  assert.deepStrictEqual(frame?.payload, payload);
});

Deno.test("FrameReader.read() round-trips frames however the stream splits them", async () => {
  const types = [...FRAME_LIMIT_BYTES.keys()];
  const frameArb = fc.record({
    type: fc.constantFrom(...types),
    payload: fc.uint8Array({ maxLength: 600 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(frameArb, { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (records, cutSeeds) => {
        const frames = records.map(({ type, payload }) => ({ type, payload }));
        const bytes = new Uint8Array(
          frames.flatMap((f) => [...encodeFrame(f.type, f.payload)]),
        );
        const cuts = [...new Set(cutSeeds.map((seed) => seed % (bytes.length + 1)))]
          .sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let start = 0;
        for (const cut of [...cuts, bytes.length]) {
          if (cut > start) chunks.push(bytes.subarray(start, cut));
          start = Math.max(start, cut);
        }
        const read = await readAll(new FrameReader(byteStream(chunks)));
        assert.deepStrictEqual(read, frames);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("checkFrameHeader() rejects a frame over its limit", () => {
  for (const [type, limit] of FRAME_LIMIT_BYTES) {
    assert.equal(checkFrameHeader(type, limit), limit);
    assert.equal(checkFrameHeader(type, 0), 0);
    assert.throws(
      () => checkFrameHeader(type, limit + 1),
      (error: unknown) =>
        error instanceof ProtocolError && error.code === "frame_too_large" &&
        error.message === `Frame of type ${type} is ${limit + 1} bytes, over its limit of ${limit}`,
    );
  }
  assert.throws(
    () => checkFrameHeader(FrameType.ERROR, 0xffffffff),
    isProtocolError("frame_too_large"),
  );
});

Deno.test("checkFrameHeader() rejects a type missing from the limits as unknown", () => {
  for (const type of [0x00, 0x05, 0x7f, 0xff]) {
    assert.throws(
      () => checkFrameHeader(type, 0),
      (error: unknown) =>
        error instanceof ProtocolError && error.code === "unknown_type" &&
        error.message === `Unknown frame type ${type}`,
    );
  }
});

Deno.test("checkFrameHeader() uses the limits it is given", () => {
  const limits = new Map([[0x10, 3]]);
  assert.equal(checkFrameHeader(0x10, 3, limits), 3);
  assert.throws(() => checkFrameHeader(0x10, 4, limits), isProtocolError("frame_too_large"));
  assert.throws(
    () => checkFrameHeader(FrameType.HELLO, 1, limits),
    isProtocolError("unknown_type"),
  );
});

Deno.test("FrameReader.read() rejects an oversized frame from its header alone", async () => {
  // The stream gives the 5 header bytes and then stays open forever: a reader that waited for
  // the payload (or allocated it) before checking the length would hang here.
  const limit = FRAME_LIMIT_BYTES.get(FrameType.REQUEST)!;
  const reader = new FrameReader(
    byteStream([header(FrameType.REQUEST, limit + 1)], { end: false }),
  );
  await assert.rejects(settleWithin(reader.read()), isProtocolError("frame_too_large"));
  await reader.cancel();
});

Deno.test("FrameReader.read() never asks for a buffer the size of an oversized payload", async () => {
  const requested: number[] = [];
  const stream = new ReadableStream({
    type: "bytes",
    pull(controller: ReadableByteStreamController) {
      const view = controller.byobRequest!.view!;
      requested.push(view.byteLength);
      if (requested.length === 1) {
        new Uint8Array(view.buffer, view.byteOffset, 5).set(header(FrameType.HELLO, 0xffffffff));
        controller.byobRequest!.respond(5);
      }
      // Later pulls get nothing: the stream never ends.
    },
  });
  const reader = new FrameReader(stream);
  await assert.rejects(settleWithin(reader.read()), isProtocolError("frame_too_large"));
  assert.deepStrictEqual(requested, [5]);
  await reader.cancel();
});

Deno.test("FrameReader.read() rejects an unknown type from its header alone", async () => {
  const reader = new FrameReader(byteStream([header(0x42, 10)], { end: false }));
  await assert.rejects(settleWithin(reader.read()), isProtocolError("unknown_type"));
  await reader.cancel();
});

Deno.test("FrameReader.read() rejects a header cut short by the end of the stream", async () => {
  for (const length of [1, 2, 4]) {
    const bytes = encodeFrame(FrameType.REQUEST, new Uint8Array(3)).subarray(0, length);
    const reader = new FrameReader(byteStream([bytes]));
    await assert.rejects(reader.read(), isProtocolError("truncated"), `header of ${length} bytes`);
  }
});

Deno.test("FrameReader.read() rejects a payload cut short by the end of the stream", async () => {
  const frame = encodeFrame(FrameType.REQUEST, new Uint8Array(10).fill(1));
  for (const length of [5, 6, 14]) {
    const reader = new FrameReader(byteStream([frame.subarray(0, length)]));
    await assert.rejects(reader.read(), isProtocolError("truncated"), `${length} bytes of 15`);
  }
});

Deno.test("FrameReader.read() reads a complete frame before reporting a truncated one", async () => {
  const whole = encodeFrame(FrameType.REQUEST, new Uint8Array([1, 2]));
  const cut = encodeFrame(FrameType.REQUEST, new Uint8Array([3, 4, 5])).subarray(0, 6);
  const reader = new FrameReader(byteStream([whole, cut]));
  assert.deepStrictEqual(await reader.read(), {
    type: FrameType.REQUEST,
    payload: new Uint8Array([1, 2]),
  });
  await assert.rejects(reader.read(), isProtocolError("truncated"));
});

Deno.test("FrameReader.readMagic() accepts PSHR and leaves the next frame in place", async () => {
  const reader = new FrameReader(
    byteStream([MAGIC, encodeFrame(FrameType.HELLO, new Uint8Array([1]))]),
  );
  await reader.readMagic();
  assert.deepStrictEqual(await reader.read(), {
    type: FrameType.HELLO,
    payload: new Uint8Array([1]),
  });
});

Deno.test("FrameReader.readMagic() rejects other bytes as bad_magic", async () => {
  const http = new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n");
  const reader = new FrameReader(byteStream([http]));
  await assert.rejects(reader.readMagic(), isProtocolError("bad_magic"));
});

Deno.test("FrameReader.readMagic() rejects an empty or short stream as truncated", async () => {
  await assert.rejects(new FrameReader(byteStream([])).readMagic(), isProtocolError("truncated"));
  await assert.rejects(
    new FrameReader(byteStream([MAGIC.subarray(0, 3)])).readMagic(),
    isProtocolError("truncated"),
  );
});

Deno.test("FrameReader.readExactly() returns an empty buffer for zero bytes without reading", async () => {
  const reader = new FrameReader(byteStream([], { end: false }));
  assert.deepStrictEqual(await settleWithin(reader.readExactly(0)), new Uint8Array(0));
  await reader.cancel();
});

Deno.test("FrameReader.cancel() ends a pending read as a clean end of stream", async () => {
  const reader = new FrameReader(byteStream([], { end: false }));
  const pending = reader.read();
  await reader.cancel();
  assert.equal(await settleWithin(pending), null);
});

Deno.test("FrameReader.read() reads frames from a stream whose bytes are already queued", async () => {
  const frames = [
    { type: FrameType.REQUEST, payload: new Uint8Array([1, 2, 3]) },
    { type: FrameType.RESPONSE, payload: new Uint8Array(0) },
  ];
  const reader = new FrameReader(queuedStream(frames.map((f) => encodeFrame(f.type, f.payload))));
  assert.deepStrictEqual(await readAll(reader), frames);
});

Deno.test({
  // When a byte stream's close was requested while fewer than `min` bytes are queued, the
  // Streams spec errors the read with a TypeError; the reader turns it into ProtocolError
  // `truncated`. Deno sockets fill the pending read and then close; in-memory streams (test
  // fakes) take this path.
  name: "FrameReader.read() reports a truncated frame from a queued stream as truncated",
  async fn() {
    const frame = encodeFrame(FrameType.REQUEST, new Uint8Array(10));
    for (const length of [2, 7]) {
      const reader = new FrameReader(queuedStream([frame.subarray(0, length)]));
      await assert.rejects(reader.read(), isProtocolError("truncated"), `${length} bytes of 15`);
    }
  },
});

Deno.test("FrameReader.onFrameStart is called once per frame, after its first byte", async () => {
  const first = encodeFrame(FrameType.REQUEST, new Uint8Array([1, 2, 3]));
  const second = encodeFrame(FrameType.RESPONSE, new Uint8Array(0));
  const reader = new FrameReader(byteStream([first.subarray(0, 1), first.subarray(1), second]));
  let starts = 0;
  reader.onFrameStart = () => starts++;
  const frames = await readAll(reader);
  assert.deepStrictEqual(frames.map((f) => f.type), [FrameType.REQUEST, FrameType.RESPONSE]);
  assert.equal(starts, 2);
});

Deno.test("FrameReader.read() with onFrameStart rejects a header cut after its first byte", async () => {
  const reader = new FrameReader(byteStream([new Uint8Array([0, 0])]));
  let starts = 0;
  reader.onFrameStart = () => starts++;
  await assert.rejects(reader.read(), isProtocolError("truncated"));
  assert.equal(starts, 1);
});
