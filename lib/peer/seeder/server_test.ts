import assert from "node:assert/strict";
import { signProof } from "../../common/tickets.ts";
import { RateLimiter } from "../../common/rate.ts";
import { decodeMessage } from "../../wire/codec.ts";
import { openConnection, RemoteError, type WireConnection } from "../../wire/connection.ts";
import { type Frame, FrameReader } from "../../wire/frame.ts";
import { FrameType, MAGIC } from "../../wire/limits.ts";
import { ErrorFrameSchema } from "../../wire/messages.ts";
import {
  Bitfield,
  ChallengeSchema,
  decodeIndex,
  decodePiece,
  encodeBitfieldFrame,
  encodeIndexFrame,
  PEER_FRAME_LIMIT_BYTES,
  PeerFrame,
} from "../../wire/peer_frames.ts";
import {
  GROUP,
  makeIdentity,
  memoryLogger,
  randomFile,
  startSeeder,
  tempDir,
  TestTracker,
} from "../testing/swarm_fixture.ts";
import type { DownloaderIdentity } from "../engine/types.ts";
import { PartialSource } from "../engine/partial_source.ts";
import { SeederServer } from "./server.ts";
import { ServedFiles } from "./served_files.ts";
import { testIdentity } from "../testing/identities.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { waitUntil } from "../../common/test_util.ts";

const LOCALHOST = { host: "127.0.0.1", port: 0 };
const NO_KEYS = { get: () => Promise.resolve(undefined) };
const SEEDER = await testIdentity();

async function fixture(size = 3 * PIECE_SIZE_BYTES + 100) {
  const dir = await tempDir();
  const file = await randomFile(`${dir.path}/shared.bin`, size);
  const tracker = await TestTracker.create();
  const identity = await makeIdentity();
  const content = await Deno.readFile(`${dir.path}/shared.bin`);
  return { dir, file: { ...file, path: `${dir.path}/shared.bin` }, tracker, identity, content };
}

/** Connect as a downloader and send a handshake; returns the connection after it. */
async function handshake(
  port: number,
  ticket: Uint8Array,
  identity: DownloaderIdentity,
): Promise<WireConnection> {
  const wire = await openConnection({ host: "127.0.0.1", port }, {
    role: "peer",
    id: identity.peerId,
    identity: identity.transport,
    limits: PEER_FRAME_LIMIT_BYTES,
  });
  const challenge = await wire.reader.read();
  assert.equal(challenge?.type, PeerFrame.CHALLENGE);
  const { nonce } = decodeMessage(ChallengeSchema, challenge!.payload, "challenge");
  const proof = await signProof(nonce, wire.remote.id, identity.privateKey);
  await wire.send(PeerFrame.HANDSHAKE, { ticket, proof });
  return wire;
}

/**
 * The opening after the handshake: the seeder's BITFIELD, ours (empty), then its UNCHOKE.
 *
 * @returns the seeder's bitfield
 */
async function join(wire: WireConnection, pieces: number): Promise<Bitfield> {
  const frame = await wire.reader.read();
  assert.equal(frame?.type, PeerFrame.BITFIELD);
  await wire.sendRaw(encodeBitfieldFrame(new Bitfield(pieces)));
  assert.equal((await wire.reader.read())?.type, PeerFrame.UNCHOKE);
  return new Bitfield(pieces, frame!.payload);
}

/** Every frame until the seeder closes. */
async function readAll(wire: WireConnection): Promise<Frame[]> {
  const frames: Frame[] = [];
  try {
    for (let frame = await wire.reader.read(); frame; frame = await wire.reader.read()) {
      frames.push(frame);
    }
  } finally {
    wire.close();
  }
  return frames;
}

function errorCode(frame: Frame | undefined): string {
  assert.equal(frame?.type, FrameType.ERROR);
  return decodeMessage(ErrorFrameSchema, frame!.payload, "error").code;
}

Deno.test("SeederServer.listen() on port 0 reports the port it got", async () => {
  await using seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served: new ServedFiles(),
    trackerKeys: NO_KEYS,
    logger: memoryLogger(),
  });
  assert.equal(seeder.address.host, "127.0.0.1");
  assert.ok(seeder.address.port > 0);
});

Deno.test("SeederServer.listen() names the address when its port is in use", () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assert.throws(
    () =>
      SeederServer.listen({ host: "127.0.0.1", port: taken.addr.port }, {
        peerId: SEEDER.peerId,
        transport: SEEDER.transport,
        served: new ServedFiles(),
        trackerKeys: NO_KEYS,
      }),
    new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${taken.addr.port}: the port is already in use`),
  );
});

Deno.test("SeederServer over its connection cap tells the next downloader busy, in one line", async () => {
  await using seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served: new ServedFiles(),
    trackerKeys: NO_KEYS,
    logger: memoryLogger(),
    maxConnections: 1,
  });
  const first = await openConnection(seeder.address, {
    role: "peer",
    id: "first",
    identity: SEEDER.transport,
    limits: PEER_FRAME_LIMIT_BYTES,
  });
  try {
    await assert.rejects(
      openConnection(seeder.address, {
        role: "peer",
        id: "second",
        identity: SEEDER.transport,
        limits: PEER_FRAME_LIMIT_BYTES,
      }),
      (error: unknown) => {
        assert.ok(error instanceof RemoteError, String(error));
        assert.equal(error.code, "busy");
        assert.equal(
          error.message,
          "Seeder busy: at its limit of 1 connection(s); try again later",
        );
        return true;
      },
    );
  } finally {
    first.close();
  }
});

Deno.test("SeederServer refuses a stranger with the magic and an error frame", async () => {
  const lines: string[] = [];
  await using seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served: new ServedFiles(),
    trackerKeys: NO_KEYS,
    logger: memoryLogger(lines),
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: seeder.address.port });
  try {
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    const reader = new FrameReader(conn.readable);
    assert.deepEqual(await reader.readExactly(MAGIC.length), MAGIC);
    assert.equal(errorCode((await reader.read()) ?? undefined), "bad_magic");
  } finally {
    conn.close();
  }
  await seeder.close();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /Wrong magic/);
});

Deno.test("SeederServer.close() closes connections still in their Hello", async () => {
  const seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served: new ServedFiles(),
    trackerKeys: NO_KEYS,
    logger: memoryLogger(),
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: seeder.address.port });
  try {
    await seeder.close();
    assert.equal(await conn.read(new Uint8Array(16)), null);
  } finally {
    conn.close();
  }
});

Deno.test("SeederServer serves requested pieces after a valid handshake, honours CANCEL, counts them by peer id", async () => {
  const { dir, file, tracker, identity, content } = await fixture();
  await using _dir = dir;
  await using seeder = await startSeeder(tracker, file, { uploadLimiter: new RateLimiter(8e6) });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const wire = await handshake(seeder.server.address.port, ticket, identity);
  try {
    assert.equal((await join(wire, 4)).count, 4);
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 3));
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 0));
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 1));
    await wire.sendRaw(encodeIndexFrame(PeerFrame.CANCEL, 1));
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 2));
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      const frame = await wire.reader.read();
      assert.equal(frame?.type, PeerFrame.PIECE);
      const { index, data } = decodePiece(frame!.payload);
      const start = index * PIECE_SIZE_BYTES;
      assert.deepEqual(data, content.subarray(start, start + data.length));
      got.push(index);
    }
    assert.deepEqual(got, [3, 0, 2], "piece 1 was cancelled while queued");
    assert.equal(seeder.source.uploaded, 2 * PIECE_SIZE_BYTES + 100);
    // Counted by the downloader's peer id too, for the show_download of a partial seeder.
    assert.deepEqual([...seeder.source.uploadedTo], [[
      identity.peerId,
      2 * PIECE_SIZE_BYTES + 100,
    ]]);
  } finally {
    wire.close();
  }
});

/** A real limiter that also lists what it was asked for, so a test knows a piece's turn began. */
class WatchedLimiter extends RateLimiter {
  readonly asked: number[] = [];
  override take(bytes: number, signal?: AbortSignal): Promise<void> {
    this.asked.push(bytes);
    return super.take(bytes, signal);
  }
}

Deno.test("SeederServer drops a piece cancelled while it waits for the upload limit, and gives its turn back", async () => {
  const { dir, file, tracker, identity, content } = await fixture();
  await using _dir = dir;
  const rate = 1024 * 1024;
  const limiter = new WatchedLimiter(rate);
  await using seeder = await startSeeder(tracker, file, { uploadLimiter: limiter });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const wire = await handshake(seeder.server.address.port, ticket, identity);
  try {
    await join(wire, 4);
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 0));
    await waitUntil("piece 0 waits for the limiter", () => limiter.asked.length === 1, {
      intervalMs: 5,
    });
    const started = performance.now();
    await wire.sendRaw(encodeIndexFrame(PeerFrame.CANCEL, 0));
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 1));
    const frame = await wire.reader.read();
    const seconds = (performance.now() - started) / 1000;
    assert.equal(frame?.type, PeerFrame.PIECE);
    const { index, data } = decodePiece(frame!.payload);
    assert.equal(index, 1, "piece 0 was cancelled while it waited");
    assert.deepEqual(data, content.subarray(PIECE_SIZE_BYTES, 2 * PIECE_SIZE_BYTES));
    assert.equal(seeder.source.uploaded, PIECE_SIZE_BYTES);
    // Piece 1 waits for one piece's worth of the rate, not for piece 0's turn as well.
    const one = (PIECE_SIZE_BYTES - 64 * 1024) / rate; // the bucket starts with 64 KiB
    assert.ok(seconds < one + 0.35, `${seconds.toFixed(2)} s; one piece takes ${one.toFixed(2)}`);
  } finally {
    wire.close();
  }
});

Deno.test("SeederServer refuses bad tickets and proofs before sending any piece", async () => {
  const { dir, file, tracker, identity } = await fixture(PIECE_SIZE_BYTES);
  await using _dir = dir;
  await using seeder = await startSeeder(tracker, file);
  const port = seeder.server.address.port;
  const other = await makeIdentity();
  const forger = await TestTracker.create();
  const cases: [string, Promise<{ ticket: Uint8Array }>, DownloaderIdentity, string][] = [
    ["no ticket", Promise.resolve({ ticket: new Uint8Array() }), identity, "bad_ticket"],
    [
      "expired",
      tracker.ticket(file.fileId, identity.publicKey, { issuedAt: 0, expiresAt: 1000 }),
      identity,
      "expired_ticket",
    ],
    ["other file", tracker.ticket("0".repeat(40), identity.publicKey), identity, "not_served"],
    [
      "other group",
      tracker.ticket(file.fileId, identity.publicKey, { group: "g2" }),
      identity,
      "not_served",
    ],
    ["forged", forger.ticket(file.fileId, identity.publicKey), identity, "bad_ticket"],
    [
      "replayed by another key",
      tracker.ticket(file.fileId, identity.publicKey),
      other,
      "wrong_key",
    ],
    [
      "proof signed by another key",
      tracker.ticket(file.fileId, identity.publicKey),
      { ...identity, privateKey: other.privateKey },
      "bad_proof",
    ],
  ];
  for (const [name, made, who, code] of cases) {
    const wire = await handshake(port, (await made).ticket, who);
    const frames = await readAll(wire);
    assert.equal(frames.length, 1, `${name}: one frame, then closed`);
    assert.equal(errorCode(frames[0]), code, name);
  }
  assert.equal(seeder.source.reads.length, 0, "nothing was read for anyone");
});

Deno.test("SeederServer closes a downloader that requests before its handshake", async () => {
  const { dir, file, tracker, identity } = await fixture(100);
  await using _dir = dir;
  const lines: string[] = [];
  await using seeder = await startSeeder(tracker, file, { logger: memoryLogger(lines) });
  const wire = await openConnection(seeder.server.address, {
    role: "peer",
    id: identity.peerId,
    identity: identity.transport,
    limits: PEER_FRAME_LIMIT_BYTES,
  });
  await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 0));
  const frames = await readAll(wire);
  assert.equal(frames[0]?.type, PeerFrame.CHALLENGE);
  assert.equal(errorCode(frames[1]), "expected_handshake");
  assert.equal(frames.length, 2);
  assert.equal(seeder.source.reads.length, 0);
  assert.equal(lines.length, 1);
});

Deno.test("SeederServer closes a downloader's connection when its file stops being served", async () => {
  const { dir, file, tracker, identity } = await fixture(PIECE_SIZE_BYTES);
  await using _dir = dir;
  await using seeder = await startSeeder(tracker, file);
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const wire = await handshake(seeder.server.address.port, ticket, identity);
  await join(wire, 1);
  const started = performance.now();
  seeder.served.remove(GROUP, file.fileId);
  const frames = await readAll(wire);
  assert.equal(errorCode(frames.at(-1)), "not_served");
  assert.ok(performance.now() - started < 1000, "within a second");
});

Deno.test("SeederServer sends HAVE for new pieces of a partial source and REJECTs missing ones", async () => {
  const { dir, file, tracker, identity } = await fixture(2 * PIECE_SIZE_BYTES);
  await using _dir = dir;
  const bitfield = new Bitfield(2);
  const source = new PartialSource({ group: GROUP, ...file, bitfield });
  const served = new ServedFiles();
  served.add(source);
  await using seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served,
    trackerKeys: tracker.lookup,
    logger: memoryLogger(),
  });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const wire = await handshake(seeder.address.port, ticket, identity);
  try {
    assert.equal(new Bitfield(2, (await wire.reader.read())!.payload).count, 0);
    await wire.sendRaw(encodeBitfieldFrame(new Bitfield(2)));
    // Nothing to offer yet: the downloader stays choked until the source has a piece it lacks.
    bitfield.set(1);
    source.addPiece(1);
    const have = await wire.reader.read();
    assert.equal(have?.type, PeerFrame.HAVE);
    assert.equal(decodeIndex(have!.payload), 1);
    assert.equal((await wire.reader.read())?.type, PeerFrame.UNCHOKE, "at once: a slot is free");
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 0));
    const reject = await wire.reader.read();
    assert.equal(reject?.type, PeerFrame.REJECT);
    assert.equal(decodeIndex(reject!.payload), 0);
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 1));
    assert.equal((await wire.reader.read())?.type, PeerFrame.PIECE);
  } finally {
    wire.close();
  }
});

Deno.test("SeederServer closes with not_served and warns once when a piece cannot be read", async () => {
  const { dir, file, tracker, identity } = await fixture(PIECE_SIZE_BYTES);
  await using _dir = dir;
  const lines: string[] = [];
  const source = new PartialSource({
    group: GROUP,
    ...file,
    path: `${dir.path}/gone`,
    bitfield: Bitfield.full(1),
  });
  const served = new ServedFiles();
  served.add(source);
  await using seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served,
    trackerKeys: tracker.lookup,
    logger: memoryLogger(lines),
  });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  for (let i = 0; i < 2; i++) {
    const wire = await handshake(seeder.address.port, ticket, identity);
    await join(wire, 1);
    await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, 0));
    const frames = await readAll(wire);
    assert.deepEqual(frames.map((f) => f.type), [FrameType.ERROR]);
    assert.equal(errorCode(frames[0]), "not_served");
  }
  assert.equal(lines.filter((line) => line.includes("Stopped serving")).length, 1);
});

Deno.test("SeederServer rejects requests past its queue limit", async () => {
  const { dir, file, tracker, identity } = await fixture(PIECE_SIZE_BYTES);
  await using _dir = dir;
  await using seeder = await startSeeder(tracker, file, {
    uploadLimiter: new RateLimiter(256 * 1024),
  });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const wire = await handshake(seeder.server.address.port, ticket, identity);
  try {
    await join(wire, 1);
    const burst = new Uint8Array(9 * 20);
    for (let i = 0; i < 20; i++) burst.set(encodeIndexFrame(PeerFrame.REQUEST, 0), 9 * i);
    await wire.sendRaw(burst);
    const frame = await wire.reader.read();
    assert.equal(frame?.type, PeerFrame.REJECT, "the limiter holds the first piece back");
  } finally {
    wire.close();
  }
});

Deno.test("SeederServer applies the upload limiter before each piece", async () => {
  const { dir, file, tracker, identity } = await fixture(4 * PIECE_SIZE_BYTES);
  await using _dir = dir;
  const rate = 4 * 1024 * 1024;
  await using seeder = await startSeeder(tracker, file, { uploadLimiter: new RateLimiter(rate) });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const wire = await handshake(seeder.server.address.port, ticket, identity);
  try {
    await join(wire, 4);
    const started = performance.now();
    for (let i = 0; i < 4; i++) await wire.sendRaw(encodeIndexFrame(PeerFrame.REQUEST, i));
    for (let i = 0; i < 4; i++) assert.equal((await wire.reader.read())?.type, PeerFrame.PIECE);
    const seconds = (performance.now() - started) / 1000;
    const expected = (4 * PIECE_SIZE_BYTES - 64 * 1024) / rate; // the bucket starts with 64 KiB
    assert.ok(seconds > expected * 0.8, `${seconds.toFixed(2)} s, expected about ${expected}`);
    assert.ok(seconds < expected * 3, `${seconds.toFixed(2)} s, expected about ${expected}`);
  } finally {
    wire.close();
  }
});

Deno.test("SeederServer closes idle connections and slow handshakes", async () => {
  const { dir, file, tracker, identity } = await fixture(100);
  await using _dir = dir;
  await using seeder = await startSeeder(tracker, file, {
    idleTimeoutMs: 150,
    handshakeTimeoutMs: 150,
  });
  const { ticket } = await tracker.ticket(file.fileId, identity.publicKey);
  const idle = await handshake(seeder.server.address.port, ticket, identity);
  const silent = await openConnection(seeder.server.address, {
    role: "peer",
    id: "silent",
    identity: identity.transport,
    limits: PEER_FRAME_LIMIT_BYTES,
  });
  const started = performance.now();
  const [idleFrames, silentFrames] = await Promise.all([readAll(idle), readAll(silent)]);
  assert.deepEqual(idleFrames.map((f) => f.type), [PeerFrame.BITFIELD]);
  // A handshake that never comes is answered with expected_handshake, then close.
  assert.deepEqual(silentFrames.map((f) => f.type), [PeerFrame.CHALLENGE, FrameType.ERROR]);
  assert.equal(errorCode(silentFrames[1]), "expected_handshake");
  assert.ok(performance.now() - started < 2000);
});

Deno.test("SeederServer refuses a connection that says it is not a peer", async () => {
  await using seeder = SeederServer.listen(LOCALHOST, {
    peerId: SEEDER.peerId,
    transport: SEEDER.transport,
    served: new ServedFiles(),
    trackerKeys: NO_KEYS,
    logger: memoryLogger(),
  });
  await assert.rejects(
    openConnection(seeder.address, {
      role: "tracker",
      id: "t1",
      identity: SEEDER.transport,
      limits: PEER_FRAME_LIMIT_BYTES,
    }),
    (error: Error) => error instanceof RemoteError && error.code === "wrong_role",
  );
});
