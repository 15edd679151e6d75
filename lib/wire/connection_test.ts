import assert from "node:assert/strict";
import { ProtocolError } from "../common/errors.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import {
  acceptConnection,
  closeQuietly,
  type HelloCheck,
  type HelloOptions,
  openConnection,
  RemoteError,
  type WireConnection,
} from "./connection.ts";
import { encodeFrame, FrameReader } from "./frame.ts";
import { FrameType, MAGIC, NOISE_MAGIC, PROTOCOL_VERSION } from "./limits.ts";
import { ErrorFrameSchema, type Hello, HelloSchema } from "./messages.ts";
import { CIPHER_MAGIC, secureAccept, secureConnect } from "./secure_conn.ts";
import { createTransportIdentity } from "./transport_identity.ts";
import { preferredCipher } from "./noise.ts";

const HOST = "127.0.0.1";
/** Socket tests check for leaked ops and resources even where `deno test` has them off. */
const SANITIZE = { sanitizeOps: true, sanitizeResources: true } as const;

const TRACKER_HELLO = { role: "tracker", id: "tracker-1" } as const;
const PEER_HELLO = { role: "peer", id: "peer-1" } as const;
const TRACKER: HelloOptions = { ...TRACKER_HELLO, identity: await createTransportIdentity() };
const PEER: HelloOptions = { ...PEER_HELLO, identity: await createTransportIdentity() };

type Outcome = { wire: WireConnection; error?: never } | { error: unknown; wire?: never };

/** A listener that runs acceptConnection() on its first connection. */
function listenOnce(options: HelloOptions & { check?: HelloCheck } = TRACKER) {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  let handedOut = false;
  const outcome: Promise<Outcome> = listener.accept()
    .then((conn) => acceptConnection(conn, options))
    .then((wire) => ({ wire }), (error) => ({ error }));
  return {
    port: listener.addr.port,
    /** The accepted connection, or why acceptConnection() refused it. */
    outcome,
    /** Stop listening, and close the accepted connection unless it was handed out. */
    async [Symbol.asyncDispose]() {
      listener.close();
      const { wire } = await outcome;
      if (!handedOut) wire?.close();
    },
    /** Keep the accepted connection open past dispose. */
    handOut() {
      handedOut = true;
    },
  };
}

/** A client and a server past their Hello exchange. */
async function wirePair() {
  const server = listenOnce();
  const opening = openConnection({ host: HOST, port: server.port }, PEER);
  server.handOut();
  const [client, { wire, error }] = await Promise.all([opening, server.outcome]);
  await server[Symbol.asyncDispose]();
  if (!wire) {
    client.close();
    throw error;
  }
  return {
    client,
    server: wire,
    [Symbol.dispose]() {
      client.close();
      wire.close();
    },
  };
}

/** Connect without any of the machinery, send `bytes` in clear, then read until the end. */
async function clearExchange(port: number, bytes: Uint8Array) {
  using conn = await Deno.connect({ hostname: HOST, port });
  await conn.write(bytes);
  return await readAll(conn.readable);
}

/**
 * Open the encrypted channel, send `bytes` inside it without the Hello machinery, then read
 * the plaintext until the end.
 */
async function rawExchange(
  port: number,
  bytes: Uint8Array,
  options: { closeWrite?: boolean } = {},
) {
  const secure = await secureConnect(await Deno.connect({ hostname: HOST, port }), PEER.identity);
  try {
    const writer = secure.writable.getWriter();
    await writer.write(bytes);
    writer.releaseLock();
    if (options.closeWrite) await secure.closeWrite();
    return await readAll(secure.readable);
  } finally {
    closeQuietly(secure);
  }
}

async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const received: number[] = [];
  try {
    for await (const chunk of readable) received.push(...chunk);
  } catch (error) {
    // A server that closes with our extra bytes unread resets the connection: that is its close.
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  }
  return new Uint8Array(received);
}

function helloBytes(hello: Record<string, unknown>): Uint8Array {
  return new Uint8Array([...MAGIC, ...encodeFrame(FrameType.HELLO, encodeMessage(hello))]);
}

function errorFrameBytes(code: string, message: string): Uint8Array {
  return encodeFrame(FrameType.ERROR, encodeMessage({ code, message }));
}

function endsWith(bytes: Uint8Array, suffix: Uint8Array): boolean {
  return bytes.length >= suffix.length &&
    suffix.every((byte, i) => byte === bytes[bytes.length - suffix.length + i]);
}

function isProtocolError(code: string) {
  return (error: unknown) => error instanceof ProtocolError && error.code === code;
}

function assertProtocolError(error: unknown, code: string): asserts error is ProtocolError {
  assert.ok(error instanceof ProtocolError, `expected ProtocolError, got ${error}`);
  assert.equal(error.code, code);
}

/** A byte stream over `bytes`, for reading what a server sent with a FrameReader. */
function streamOf(bytes: Uint8Array) {
  return new ReadableStream({
    type: "bytes",
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes.slice());
      controller.close();
    },
  });
}

Deno.test({
  name: "openConnection() and acceptConnection() exchange Hellos over a real socket",
  ...SANITIZE,
  async fn() {
    let seen: Hello | undefined;
    await using server = listenOnce({
      ...TRACKER,
      check: (hello) => {
        seen = hello;
        return null;
      },
    });
    const client = await openConnection({ host: HOST, port: server.port }, PEER);
    const { wire } = await server.outcome;
    try {
      assert.ok(wire);
      assert.deepStrictEqual(client.remote, { version: PROTOCOL_VERSION, ...TRACKER_HELLO });
      assert.deepStrictEqual(wire.remote, { version: PROTOCOL_VERSION, ...PEER_HELLO });
      assert.deepStrictEqual(client.remoteKey, TRACKER.identity.identityKey);
      assert.deepStrictEqual(wire.remoteKey, PEER.identity.identityKey);
      assert.deepStrictEqual(seen, wire.remote);
      assert.equal(client.remoteHost, HOST);
      assert.equal(wire.remoteHost, HOST);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name: "WireConnection.send() delivers frames in order both ways after the Hello",
  ...SANITIZE,
  async fn() {
    using pair = await wirePair();
    await pair.client.send(FrameType.REQUEST, { n: 1 });
    await pair.client.send(FrameType.REQUEST, { n: 2 });
    await pair.server.sendRaw(encodeFrame(FrameType.RESPONSE, encodeMessage({ n: 3 })));
    const first = await pair.server.reader.read();
    const second = await pair.server.reader.read();
    const third = await pair.client.reader.read();
    assert.deepStrictEqual(first, { type: FrameType.REQUEST, payload: encodeMessage({ n: 1 }) });
    assert.deepStrictEqual(second, { type: FrameType.REQUEST, payload: encodeMessage({ n: 2 }) });
    assert.deepStrictEqual(third, { type: FrameType.RESPONSE, payload: encodeMessage({ n: 3 }) });
    pair.client.close();
    assert.equal(await pair.server.reader.read(), null);
  },
});

Deno.test({
  name:
    "acceptConnection() answers a wrong magic with its magic, a bad_magic error frame, then close",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const http = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const received = await clearExchange(server.port, http);
    assertProtocolError((await server.outcome).error, "bad_magic");

    const reader = new FrameReader(streamOf(received));
    await reader.readMagic();
    const frame = await reader.read();
    assert.equal(frame?.type, FrameType.ERROR);
    assert.deepStrictEqual(decodeMessage(ErrorFrameSchema, frame.payload, "error frame"), {
      code: "bad_magic",
      message: "Wrong magic: this is not a PeerShare connection",
    });
    assert.equal(await reader.read(), null, "nothing after the error frame");
  },
});

Deno.test({
  // Protocol 1 spoke in clear: such a client reads our answer as it always did, and is told.
  name: "acceptConnection() answers a Hello in clear with encryption_required, in clear",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const received = await clearExchange(
      server.port,
      helloBytes({ version: 1, role: "peer", id: "old-peer" }),
    );
    assertProtocolError((await server.outcome).error, "encryption_required");
    const reader = new FrameReader(streamOf(received));
    await reader.readMagic();
    const frame = await reader.read();
    assert.equal(frame?.type, FrameType.ERROR);
    const { code, message } = decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
    assert.equal(code, "encryption_required");
    assert.match(message, /^Connections must be encrypted \(PeerShare protocol 2\)/);
    assert.equal(await reader.read(), null, "nothing after the error frame");
  },
});

Deno.test({
  name: "openConnection() to a server that answers in clear rejects with encryption_required",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const served = (async () => {
      using conn = await listener.accept();
      // What a protocol-1 server sends first: its magic and Hello, in clear.
      await conn.write(helloBytes({ version: 1, role: "tracker", id: "old-tracker" }));
    })();
    await assert.rejects(
      openConnection({ host: HOST, port: listener.addr.port }, PEER),
      (error: unknown) => {
        assertProtocolError(error, "encryption_required");
        assert.match(error.message, /speaks PeerShare in clear/);
        return true;
      },
    );
    await served;
  },
});

Deno.test({
  name: "openConnection() opens with the Noise magic and no plaintext Hello on the wire",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const accepted = listener.accept();
    const opening = openConnection(
      { host: HOST, port: listener.addr.port },
      { ...PEER, timeoutMs: 1000 },
    );
    using conn = await accepted;
    const first = new Uint8Array(NOISE_MAGIC.length + 2 + 32);
    let filled = 0;
    while (filled < first.length) {
      const n = await conn.read(first.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    assert.deepStrictEqual(
      first.subarray(0, NOISE_MAGIC.length),
      CIPHER_MAGIC[preferredCipher()],
    );
    // Message 1 of XX is the ephemeral key alone: 32 bytes, nothing of the Hello.
    assert.deepStrictEqual([...first.subarray(4, 6)], [0, 32]);
    conn.close();
    await assert.rejects(opening);
  },
});

Deno.test({
  name: "acceptConnection() refuses an unsupported version with one error frame, then close",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const received = await rawExchange(
      server.port,
      helloBytes({ version: PROTOCOL_VERSION + 1, role: "peer", id: "p" }),
    );
    const { error } = await server.outcome;
    assertProtocolError(error, "unsupported_version");
    assert.ok(endsWith(received, errorFrameBytes(error.code, error.message)));
  },
});

Deno.test({
  name: "acceptConnection() refuses a role that its check refuses, with the check's code",
  ...SANITIZE,
  async fn() {
    const check: HelloCheck = (hello) =>
      hello.role === "seeder" ? { code: "role_refused", message: "No seeders here" } : null;
    await using server = listenOnce({ ...TRACKER, check });
    const received = await rawExchange(
      server.port,
      helloBytes({ version: PROTOCOL_VERSION, role: "seeder", id: "s" }),
    );
    assertProtocolError((await server.outcome).error, "role_refused");
    assert.ok(endsWith(received, errorFrameBytes("role_refused", "No seeders here")));
  },
});

Deno.test({
  // Every refusal of a Hello is preceded by our MAGIC (not only bad_magic), so the client reads
  // the error frame and rejects with RemoteError and the real code, not ProtocolError
  // `bad_magic`.
  name: "openConnection() rejects with RemoteError carrying the code of a refused Hello",
  ...SANITIZE,
  async fn() {
    const check: HelloCheck = () => ({ code: "role_refused", message: "No seeders here" });
    await using server = listenOnce({ ...TRACKER, check });
    const client = openConnection({ host: HOST, port: server.port }, {
      role: "seeder",
      id: "s",
      identity: PEER.identity,
    });
    await assert.rejects(client, (error: unknown) => {
      assert.ok(error instanceof RemoteError, `expected RemoteError, got ${error}`);
      assert.equal(error.code, "role_refused");
      assert.equal(error.message, "No seeders here");
      return true;
    });
    assertProtocolError((await server.outcome).error, "role_refused");
  },
});

Deno.test({
  // As for a refused role: MAGIC first, then the error frame.
  name: "acceptConnection() sends its magic before an unsupported_version error frame",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const received = await rawExchange(
      server.port,
      helloBytes({ version: PROTOCOL_VERSION + 1, role: "peer", id: "p" }),
    );
    const reader = new FrameReader(streamOf(received));
    await reader.readMagic();
    const frame = await reader.read();
    assert.equal(frame?.type, FrameType.ERROR);
    const error = decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
    assert.equal(error.code, "unsupported_version");
    assert.equal(await reader.read(), null);
  },
});

Deno.test({
  name: "acceptConnection() refuses a first frame other than Hello with expected_hello",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const request = encodeFrame(FrameType.REQUEST, encodeMessage({ rid: 1, op: "status" }));
    const received = await rawExchange(server.port, new Uint8Array([...MAGIC, ...request]));
    const { error } = await server.outcome;
    assertProtocolError(error, "expected_hello");
    assert.ok(endsWith(received, errorFrameBytes(error.code, error.message)));
  },
});

Deno.test({
  name: "acceptConnection() refuses a schema-invalid Hello with invalid_message",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const received = await rawExchange(
      server.port,
      helloBytes({ version: PROTOCOL_VERSION, role: "admin", id: "x" }),
    );
    const { error } = await server.outcome;
    assertProtocolError(error, "invalid_message");
    assert.ok(endsWith(received, errorFrameBytes(error.code, error.message)));
  },
});

Deno.test({
  name: "acceptConnection() refuses an oversized Hello from its header, without its payload",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    // Only the header is sent and the connection stays open: the refusal cannot wait for more.
    const header = new Uint8Array([...MAGIC, 0, 0, 0x10, 0, FrameType.HELLO]);
    const received = await rawExchange(server.port, header);
    const { error } = await server.outcome;
    assertProtocolError(error, "frame_too_large");
    assert.ok(endsWith(received, errorFrameBytes(error.code, error.message)));
  },
});

Deno.test({
  name: "acceptConnection() reports a client that closes mid-Hello as truncated",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce();
    const hello = helloBytes({ version: PROTOCOL_VERSION, role: "peer", id: "p" });
    await rawExchange(server.port, hello.subarray(0, hello.length - 2), { closeWrite: true });
    assertProtocolError((await server.outcome).error, "truncated");
  },
});

Deno.test({
  name: "acceptConnection() gives up on a silent client after timeoutMs and closes it",
  ...SANITIZE,
  async fn() {
    await using server = listenOnce({ ...TRACKER, timeoutMs: 50 });
    const received = await rawExchange(server.port, new Uint8Array(0));
    assert.equal(received.length, 0);
    const { error } = await server.outcome;
    assert.ok(error instanceof DOMException && error.name === "TimeoutError", String(error));
  },
});

Deno.test({
  name: "openConnection() rejects a server that does not speak PeerShare with bad_magic",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const served = (async () => {
      using conn = await listener.accept();
      await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    })();
    await assert.rejects(
      openConnection({ host: HOST, port: listener.addr.port }, PEER),
      (error: unknown) => {
        assertProtocolError(error, "bad_magic");
        return true;
      },
    );
    await served;
  },
});

Deno.test({
  name: "openConnection() gives up on a silent server after timeoutMs",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const accepted = listener.accept();
    await assert.rejects(
      openConnection({ host: HOST, port: listener.addr.port }, { ...PEER, timeoutMs: 50 }),
      (error: unknown) => error instanceof DOMException && error.name === "TimeoutError",
    );
    (await accepted).close();
  },
});

Deno.test({
  name: "openConnection() rejects with the signal's reason when it is aborted mid-Hello",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const accepted = listener.accept();
    const controller = new AbortController();
    const opening = openConnection(
      { host: HOST, port: listener.addr.port },
      { ...PEER, signal: controller.signal },
    );
    const conn = await secureAccept(await accepted, TRACKER.identity);
    // Once our Hello has arrived the client is waiting for the answer: abort it there.
    const reader = new FrameReader(conn.readable);
    await reader.readMagic();
    await reader.read();
    controller.abort();
    await assert.rejects(
      opening,
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    assert.equal(await reader.read(), null, "the client closed its socket");
    closeQuietly(conn); // the end of its readable may have closed it already
  },
});

Deno.test({
  // The Hello write that openConnection() starts fails once the socket is closed; that rejection
  // is handled, so an abort (before or while connecting) does not end the process with
  // "Uncaught (in promise) BadResource".
  name: "openConnection() rejects an already aborted signal without an unhandled rejection",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    // It gives up before connecting at all.
    await assert.rejects(
      openConnection({ host: HOST, port: listener.addr.port }, {
        ...PEER,
        signal: AbortSignal.abort(),
      }),
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );
    // Let a stray rejection surface inside this test rather than after it.
    await new Promise((resolve) => setTimeout(resolve, 20));
  },
});

Deno.test({
  name: "openConnection() rejects with ConnectionRefused when nothing listens",
  ...SANITIZE,
  async fn() {
    const listener = Deno.listen({ hostname: HOST, port: 0 });
    const port = listener.addr.port;
    listener.close();
    await assert.rejects(openConnection({ host: HOST, port }, PEER), Deno.errors.ConnectionRefused);
  },
});

Deno.test({
  name: "WireConnection.fail() sends one error frame, then closes",
  ...SANITIZE,
  async fn() {
    using pair = await wirePair();
    await pair.server.fail("shutting_down", "Tracker is shutting down");
    assert.equal(pair.server.isClosed, true);
    const frame = await pair.client.reader.read();
    assert.equal(frame?.type, FrameType.ERROR);
    assert.deepStrictEqual(decodeMessage(ErrorFrameSchema, frame.payload, "error frame"), {
      code: "shutting_down",
      message: "Tracker is shutting down",
    });
    assert.equal(await pair.client.reader.read(), null);
  },
});

Deno.test({
  name: "WireConnection.fail() leaves no timer behind",
  ...SANITIZE,
  async fn() {
    using pair = await wirePair();
    await pair.server.fail("shutting_down", "Tracker is shutting down");
  },
});

Deno.test({
  name: "WireConnection.close() is idempotent and ends the remote's reads",
  ...SANITIZE,
  async fn() {
    using pair = await wirePair();
    assert.equal(pair.client.isClosed, false);
    pair.client.close();
    pair.client.close();
    assert.equal(pair.client.isClosed, true);
    assert.equal(await pair.server.reader.read(), null);
  },
});

Deno.test({
  name: "HelloSchema decodes the Hello that openConnection() sends",
  ...SANITIZE,
  async fn() {
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const accepted = listener.accept();
    const opening = openConnection(
      { host: HOST, port: listener.addr.port },
      { ...PEER, timeoutMs: 1000 },
    );
    const conn = await secureAccept(await accepted, TRACKER.identity);
    const reader = new FrameReader(conn.readable);
    await reader.readMagic();
    const frame = await reader.read();
    assert.equal(frame?.type, FrameType.HELLO);
    assert.deepStrictEqual(decodeMessage(HelloSchema, frame.payload, "Hello"), {
      version: PROTOCOL_VERSION,
      ...PEER_HELLO,
    });
    await reader.cancel();
    closeQuietly(conn);
    await assert.rejects(opening, isProtocolError("truncated"));
  },
});
