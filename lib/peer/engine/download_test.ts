import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { FileHashes } from "../../common/hash.ts";
import { RateLimiter } from "../../common/rate.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import { startLyingSeeder } from "../testing/lying_seeder.ts";
import {
  FakeSwarm,
  GROUP,
  makeIdentity,
  memoryLogger,
  planFor,
  randomFile,
  startSeeder,
  tempDir,
  type TestSeeder,
  TestTracker,
} from "../testing/swarm_fixture.ts";
import { waitUntil } from "../../common/test_util.ts";
import { Download } from "./download.ts";
import type { DownloadEvent, DownloadOptions, PeerEndpoint } from "./types.ts";
import { saveResume } from "./resume.ts";
import { SeederServer } from "../seeder/server.ts";
import { ServedFiles } from "../seeder/served_files.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";

const P = PIECE_SIZE_BYTES;
/** Short timings so tests never wait long. */
const FAST = { peerRefreshMs: 50, requestTimeoutMs: 2000 };

async function sha1Of(path: string): Promise<string> {
  return createHash("sha1").update(await Deno.readFile(path)).digest("hex");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** A shared file, its seeders, and a downloader for it. */
async function swarmFixture(size: number, seeders = 1) {
  const dir = await tempDir();
  const path = `${dir.path}/shared.bin`;
  const hashes = await randomFile(path, size);
  const tracker = await TestTracker.create();
  const identity = await makeIdentity();
  const started: TestSeeder[] = [];
  for (let i = 0; i < seeders; i++) {
    started.push(await startSeeder(tracker, { path, fileId: hashes.fileId }));
  }
  const swarm = new FakeSwarm(tracker, hashes.fileId, identity, started.map((s) => s.endpoint));
  return {
    dir,
    path,
    hashes,
    tracker,
    identity,
    seeders: started,
    swarm,
    destination: `${dir.path}/out/file.bin`,
    async [Symbol.asyncDispose]() {
      for (const seeder of started) await seeder[Symbol.asyncDispose]();
      await dir[Symbol.asyncDispose]();
    },
  };
}

type Fixture = Awaited<ReturnType<typeof swarmFixture>>;

function makeDownload(
  fx: Fixture,
  options: Partial<DownloadOptions> = {},
): { download: Download; events: DownloadEvent[]; served: ServedFiles } {
  const events: DownloadEvent[] = [];
  const served = options.served ?? new ServedFiles();
  const download = new Download(planFor(fx.hashes, fx.destination), {
    identity: fx.identity,
    swarm: fx.swarm,
    served,
    logger: memoryLogger(),
    onEvent: (event) => events.push(event),
    ...FAST,
    ...options,
  });
  return { download, events, served };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function assertFinished(fx: Fixture, events: DownloadEvent[]): Promise<void> {
  const finished = events.find((event) => event.type === "finished");
  assert.ok(finished, `finished, got ${JSON.stringify(events)}`);
  assert.equal(await sha1Of(fx.destination), fx.hashes.sha1);
  assert.equal(await exists(`${fx.destination}.part`), false, "the .part is gone");
  assert.equal(await exists(`${fx.destination}.part.resume`), false, "the record is gone");
}

Deno.test("Download fetches a file from three seeders, each contributing", async () => {
  await using fx = await swarmFixture(24 * P + 1234, 3);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const { download, events, served } = makeDownload(fx, { requestsPerPeer: 2 });
  await download.start();
  assert.equal(served.get(GROUP, fx.hashes.fileId)?.isComplete, false, "partial seeding at once");
  await download.done;
  await assertFinished(fx, events);
  for (const seeder of fx.seeders) assert.ok(seeder.source.reads.length > 0, "every seeder served");
  assert.deepEqual(fx.swarm.announces, [false, true]);
  assert.equal(fx.swarm.ticketCount, 1, "one ticket for every connection");
  const status = download.status();
  assert.equal(status.state, "C");
  assert.equal(status.bytes, 24 * P + 1234);
  assert.equal(status.peers.reduce((sum, peer) => sum + peer.bytes, 0) >= status.bytes, true);
  const source = served.get(GROUP, fx.hashes.fileId);
  assert.equal(source?.isComplete, true, "still served, now complete, from the final path");
  const piece = new Uint8Array(1234);
  await source!.readPiece(24, piece);
  assert.deepEqual(piece, (await Deno.readFile(fx.destination)).subarray(24 * P));
});

for (const size of [0, 1, P - 1, P, P + 1, 3 * P]) {
  Deno.test(`Download of ${size} bytes completes with the right content`, async () => {
    await using fx = await swarmFixture(size, 2);
    await Deno.mkdir(`${fx.dir.path}/out`);
    const { download, events } = makeDownload(fx);
    await download.start();
    await download.done;
    await assertFinished(fx, events);
    assert.equal((await Deno.stat(fx.destination)).size, size);
  });
}

Deno.test("Download bans a seeder that sends bad pieces and finishes from honest ones", async () => {
  await using fx = await swarmFixture(16 * P, 2);
  await Deno.mkdir(`${fx.dir.path}/out`);
  await using liar = await startLyingSeeder(fx.seeders[0]!.source, {
    trackerKeys: fx.tracker.lookup,
  });
  fx.swarm.endpoints.unshift({ peerId: liar.peerId, address: liar.address, isComplete: true });
  const { download, events } = makeDownload(fx, { maxStrikes: 2, requestsPerPeer: 2 });
  await download.start();
  await download.done;
  await assertFinished(fx, events);
  const bans = events.filter((event) => event.type === "peer_banned");
  assert.deepEqual(bans.map((event) => event.type === "peer_banned" && event.peer), [liar.address]);
  assert.deepEqual(download.status().banned, [
    { peer: liar.address, reason: "2 pieces failed their SHA-1 check" },
  ]);
  const lies = liar.lies.length;
  assert.ok(lies >= 2);
  await new Promise((resolve) => setTimeout(resolve, 4 * FAST.peerRefreshMs));
  assert.equal(liar.server.connectionCount, 0, "never connected again");
  assert.equal(liar.lies.length, lies);
});

Deno.test("Download goes on from the other seeders when one closes mid-download", async () => {
  await using fx = await swarmFixture(40 * P, 2);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const { download, events } = makeDownload(fx, { limiter: new RateLimiter(40 * 1024 * 1024) });
  await download.start();
  await until(() => download.status().piecesDone >= 4);
  const [first] = fx.seeders;
  await first!.server.close();
  assert.ok(download.status().piecesDone < 40, "closed before the end");
  await download.done;
  await assertFinished(fx, events);
});

Deno.test("Download resumes from a .part and its record, fetching a piece corrupted on disk again", async () => {
  await using fx = await swarmFixture(6 * P + 10, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const content = await Deno.readFile(fx.path);
  const part = new Uint8Array(content.length);
  part.set(content.subarray(0, 4 * P));
  part[2 * P + 7]! ^= 1;
  await Deno.writeFile(`${fx.destination}.part`, part);
  const listed = new Bitfield(7);
  for (const index of [0, 1, 2, 3]) listed.set(index);
  await saveResume(`${fx.destination}.part.resume`, fx.hashes, listed);
  const { download, events } = makeDownload(fx);
  await download.start();
  await download.done;
  await assertFinished(fx, events);
  assert.deepEqual(fx.seeders[0]!.source.reads.toSorted((a, b) => a - b), [2, 4, 5, 6]);
});

Deno.test("Download waits for peers, says so once, and goes on when one appears", async () => {
  await using fx = await swarmFixture(3 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const endpoints = fx.swarm.endpoints;
  fx.swarm.endpoints = [];
  const { download, events } = makeDownload(fx);
  await download.start();
  await until(() => download.status().isWaiting);
  assert.equal(download.status().state, "D");
  await new Promise((resolve) => setTimeout(resolve, 3 * FAST.peerRefreshMs));
  assert.deepEqual(events, [{ type: "waiting_for_peers" }]);
  fx.swarm.endpoints = endpoints;
  await download.done;
  await assertFinished(fx, events);
  assert.equal(events.filter((event) => event.type === "waiting_for_peers").length, 1);
});

Deno.test("Download moves requests from a seeder that never answers", async () => {
  await using fx = await swarmFixture(8 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const release = Promise.withResolvers<void>();
  await using stuck = await startSeeder(fx.tracker, { path: fx.path, fileId: fx.hashes.fileId });
  const originalRead = stuck.source.readPiece.bind(stuck.source);
  stuck.source.readPiece = async (index, into) => {
    await release.promise;
    await originalRead(index, into);
  };
  const honest = fx.swarm.endpoints;
  fx.swarm.endpoints = [stuck.endpoint];
  const lines: string[] = [];
  const { download, events } = makeDownload(fx, {
    requestTimeoutMs: 300,
    logger: memoryLogger(lines),
  });
  try {
    await download.start();
    await until(() => lines.some((line) => line.includes("left requests unanswered")));
    assert.equal(download.status().piecesDone, 0);
    fx.swarm.endpoints = [stuck.endpoint, ...honest];
    await download.done;
  } finally {
    release.resolve();
  }
  await assertFinished(fx, events);
  assert.ok(!events.some((event) => event.type === "peer_banned"), "a time-out is not a strike");
});

Deno.test("Download's endgame asks a fast seeder for a slow seeder's last pieces", async () => {
  await using fx = await swarmFixture(8 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  await using slow = await startSeeder(fx.tracker, { path: fx.path, fileId: fx.hashes.fileId }, {
    uploadLimiter: new RateLimiter(1024 * 1024),
  });
  fx.swarm.endpoints.unshift(slow.endpoint);
  const { download, events } = makeDownload(fx, { requestsPerPeer: 4, requestTimeoutMs: 30_000 });
  const started = performance.now();
  await download.start();
  await download.done;
  const seconds = (performance.now() - started) / 1000;
  await assertFinished(fx, events);
  assert.ok(seconds < 1.5, `${seconds.toFixed(2)} s: the slow seeder alone needs 2 s for its 4`);
  assert.ok(slow.source.reads.length < 4, "the slow seeder's duplicates were cancelled");
});

Deno.test("Download applies the download limiter to received bytes", async () => {
  await using fx = await swarmFixture(6 * P, 2);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const rate = 6 * 1024 * 1024;
  const { download, events } = makeDownload(fx, { limiter: new RateLimiter(rate) });
  const started = performance.now();
  await download.start();
  await download.done;
  const seconds = (performance.now() - started) / 1000;
  await assertFinished(fx, events);
  const expected = (6 * P - 64 * 1024) / rate; // the bucket starts with 64 KiB
  assert.ok(seconds > expected * 0.8 && seconds < expected * 4, `${seconds.toFixed(2)} s`);
});

Deno.test("Download.pause() keeps the part, record and served pieces; resume() finishes", async () => {
  await using fx = await swarmFixture(20 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const { download, events, served } = makeDownload(fx, {
    limiter: new RateLimiter(20 * 1024 * 1024),
  });
  await download.start();
  await until(() => download.status().piecesDone >= 2);
  await download.pause();
  const paused = download.status();
  assert.equal(paused.state, "P");
  assert.ok(paused.piecesDone < 20);
  assert.ok(await exists(`${fx.destination}.part`));
  assert.ok(await exists(`${fx.destination}.part.resume`));
  assert.equal(served.get(GROUP, fx.hashes.fileId)?.bitfield.count, paused.piecesDone);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(download.status().piecesDone, paused.piecesDone, "nothing fetched while paused");
  await download.resume();
  await download.done;
  await assertFinished(fx, events);
});

Deno.test("Download.cancel() removes the part and record and stops serving", async () => {
  await using fx = await swarmFixture(20 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const { download, events, served } = makeDownload(fx, {
    limiter: new RateLimiter(20 * 1024 * 1024),
  });
  await download.start();
  await until(() => download.status().piecesDone >= 2);
  await download.cancel();
  await download.done;
  assert.equal(await exists(`${fx.destination}.part`), false);
  assert.equal(await exists(`${fx.destination}.part.resume`), false);
  assert.equal(await exists(fx.destination), false);
  assert.equal(served.get(GROUP, fx.hashes.fileId), undefined);
  assert.ok(!events.some((event) => event.type === "finished"));
});

Deno.test("Download never overwrites a file that appeared at the destination", async () => {
  await using fx = await swarmFixture(2 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const { download, events } = makeDownload(fx);
  await Deno.writeTextFile(fx.destination, "mine");
  await download.start();
  await download.done;
  assert.deepEqual(events, [{ type: "failed", reason: "destination exists" }]);
  assert.equal(await Deno.readTextFile(fx.destination), "mine");
  assert.equal(download.status().state, "F");
});

Deno.test("Download fails with a clear reason when the whole-file SHA-1 does not match", async () => {
  await using fx = await swarmFixture(2 * P + 5, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const wrong: FileHashes = { ...fx.hashes, sha1: "0".repeat(40) };
  const events: DownloadEvent[] = [];
  const download = new Download(planFor(wrong, fx.destination), {
    identity: fx.identity,
    swarm: fx.swarm,
    served: new ServedFiles(),
    onEvent: (event) => events.push(event),
    ...FAST,
  });
  await download.start();
  await download.done;
  assert.equal(events.length, 1);
  assert.match(events[0]!.type === "failed" ? events[0]!.reason : "", /whole-file SHA-1 mismatch/);
  assert.equal(await exists(fx.destination), false);
});

Deno.test("Download serves its verified pieces to another downloader while it downloads", async () => {
  await using fx = await swarmFixture(12 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const middleServed = new ServedFiles();
  const middleIdentity = await makeIdentity();
  await using middleSeeder = SeederServer.listen({ host: "127.0.0.1", port: 0 }, {
    peerId: middleIdentity.peerId,
    transport: middleIdentity.transport,
    served: middleServed,
    trackerKeys: fx.tracker.lookup,
    logger: memoryLogger(),
  });
  const middle = makeDownload(fx, {
    served: middleServed,
    limiter: new RateLimiter(12 * 1024 * 1024),
  });
  await middle.download.start();
  const lastIdentity = await makeIdentity();
  const middleEndpoint: PeerEndpoint = {
    peerId: middleIdentity.peerId,
    address: `127.0.0.1:${middleSeeder.address.port}`,
    isComplete: false,
  };
  const lastSwarm = new FakeSwarm(fx.tracker, fx.hashes.fileId, lastIdentity, [middleEndpoint]);
  const lastEvents: DownloadEvent[] = [];
  const last = new Download(planFor(fx.hashes, `${fx.dir.path}/out/last.bin`, "d2"), {
    identity: lastIdentity,
    swarm: lastSwarm,
    served: new ServedFiles(),
    onEvent: (event) => lastEvents.push(event),
    ...FAST,
  });
  await last.start();
  await until(() => last.status().piecesDone >= 1);
  assert.ok(middle.download.status().state === "D", "pieces came from a partial seeder");
  // While it runs, status() has a rate for the seeder sending, and what the middle uploaded.
  const running = last.status();
  assert.equal(running.peers.length, 1);
  if (running.state === "D") assert.ok((running.peers[0]!.rate ?? 0) > 0, JSON.stringify(running));
  await until(() => (middle.download.status().uploaded ?? 0) > 0);
  await Promise.all([middle.download.done, last.done]);
  await assertFinished(fx, middle.events);
  assert.equal(await sha1Of(`${fx.dir.path}/out/last.bin`), fx.hashes.sha1);
  assert.equal(fx.seeders[0]!.source.reads.length, 12, "the last one never asked the first seeder");
});

Deno.test("Download.status() lists every connected peer with bytes and rates each way", async () => {
  await using fx = await swarmFixture(24 * P, 1);
  await Deno.mkdir(`${fx.dir.path}/out`);
  const middleServed = new ServedFiles();
  const middleIdentity = await makeIdentity();
  await using middleSeeder = SeederServer.listen({ host: "127.0.0.1", port: 0 }, {
    peerId: middleIdentity.peerId,
    transport: middleIdentity.transport,
    served: middleServed,
    trackerKeys: fx.tracker.lookup,
    logger: memoryLogger(),
  });
  // The last downloader serves what it has too, and the middle one links to it: it sends the
  // middle nothing (the middle has every piece it has) but gets pieces from the middle.
  const lastServed = new ServedFiles();
  const lastIdentity = await makeIdentity();
  await using lastSeeder = SeederServer.listen({ host: "127.0.0.1", port: 0 }, {
    peerId: lastIdentity.peerId,
    transport: lastIdentity.transport,
    served: lastServed,
    trackerKeys: fx.tracker.lookup,
    logger: memoryLogger(),
  });
  const lastEndpoint = {
    peerId: lastIdentity.peerId,
    address: `127.0.0.1:${lastSeeder.address.port}`,
    isComplete: false,
  };
  fx.swarm.endpoints = [...fx.swarm.endpoints, lastEndpoint];
  const middle = makeDownload(fx, {
    served: middleServed,
    limiter: new RateLimiter(8 * 1024 * 1024),
  });
  await middle.download.start();
  const middleEndpoint = {
    peerId: middleIdentity.peerId,
    address: `127.0.0.1:${middleSeeder.address.port}`,
    isComplete: false,
  };
  const lastSwarm = new FakeSwarm(fx.tracker, fx.hashes.fileId, lastIdentity, [middleEndpoint]);
  const last = new Download(planFor(fx.hashes, `${fx.dir.path}/out/last.bin`, "d2"), {
    identity: lastIdentity,
    swarm: lastSwarm,
    served: lastServed,
    onEvent: () => {},
    ...FAST,
  });
  await last.start();
  const seederAddress = fx.seeders[0]!.endpoint.address;
  const seen = await waitUntil("both peers connected, with bytes and rates each way", () => {
    const status = middle.download.status();
    const first = status.peers.find((peer) => peer.addr === seederAddress);
    const other = status.peers.find((peer) => peer.peerId === lastIdentity.peerId);
    const isSeen = status.state === "D" && first?.isConnected && (first.bytes ?? 0) > 0 &&
      (first.rate ?? 0) > 0 && other?.isConnected && (other.uploaded ?? 0) > 0 &&
      (other.uploadRate ?? 0) > 0;
    return isSeen && { first, other, status };
  }, { timeoutMs: 10_000 });
  assert.equal(seen.status.peers.length, 2, JSON.stringify(seen.status.peers));
  assert.equal(seen.first.peerId, fx.seeders[0]!.endpoint.peerId);
  assert.equal(seen.first.uploaded, 0, "the complete seeder asks us for nothing");
  assert.equal(seen.other.addr, lastEndpoint.address);
  assert.equal(seen.other.bytes, 0, "the middle asks the last one for nothing");
  assert.equal(typeof seen.other.isChoked, "boolean");
  await Promise.all([middle.download.done, last.done]);
  await assertFinished(fx, middle.events);
  // Once complete, no link is left: the seeders that sent pieces stay, as not connected.
  const done = middle.download.status();
  assert.deepEqual(done.peers.map((peer) => [peer.addr, peer.isConnected]), [
    [seederAddress, false],
  ]);
});
