import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import type { ValidRequest } from "../../wire/rpc.ts";
import { FakeTracker } from "../testing/fake_tracker.ts";
import { testIdentity } from "../testing/identities.ts";
import { TrackerSwarm } from "./tracker_swarm.ts";
import { TrackerClient } from "../client/tracker_client.ts";
import { registerFile } from "../share/uploader.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";

const FILE_ID = "ab".repeat(20);
const ME = await testIdentity();

/** A tracker that logs in anyone and answers the file ops over real sockets. */
function fileHandler(staged: Uint8Array[]) {
  return (request: ValidRequest): Promise<Record<string, unknown>> => {
    const args = request.args as Record<string, unknown>;
    switch (request.op) {
      case "login":
        return Promise.resolve({ token: "t", expiresAt: Date.now() + 60_000, user: "alice" });
      case "get_peers":
        return Promise.resolve({
          peers: [{ peerId: "p2", address: "127.0.0.1:4002", complete: false }],
        });
      case "get_ticket":
        return Promise.resolve({ ticket: args.publicKey as Uint8Array, expiresAt: 5 });
      case "announce":
        return Promise.resolve({ known: true });
      case "stage_hashes":
        staged.push(args.hashes as Uint8Array);
        return Promise.resolve({});
      case "upload_file":
        if (staged.length === 0) {
          return Promise.reject(new CommandError("need_hashes", "Send the hashes first"));
        }
        return Promise.resolve({ added: true });
      default:
        return Promise.resolve({});
    }
  };
}

Deno.test("TrackerSwarm maps get_peers, get_ticket and announce over a real connection", async () => {
  await using tracker = FakeTracker.start(fileHandler([]));
  await using client = new TrackerClient([tracker.address], {
    peerId: ME.peerId,
    transport: ME.transport,
  });
  await client.login({ user: "alice", password: "pw", port: 4001 });
  const key = crypto.getRandomValues(new Uint8Array(32));
  const swarm = new TrackerSwarm(client, { group: "g1", fileId: FILE_ID }, key);
  assert.deepEqual(await swarm.peers(), [
    { peerId: "p2", address: "127.0.0.1:4002", isComplete: false },
  ]);
  assert.deepEqual(await swarm.ticket(), { ticket: key, expiresAt: 5 });
  await swarm.announce(false);
  const sent = tracker.requests.map((r) => [r.op, r.args]);
  assert.deepEqual(sent.slice(1), [
    ["get_peers", { group: "g1", fileId: FILE_ID }],
    ["get_ticket", { group: "g1", fileId: FILE_ID, publicKey: key }],
    ["announce", { group: "g1", fileId: FILE_ID, complete: false }],
  ]);
});

Deno.test("registerFile() sends the hash chunks as bytes over a real connection", async () => {
  const staged: Uint8Array[] = [];
  await using tracker = FakeTracker.start(fileHandler(staged));
  await using client = new TrackerClient([tracker.address], {
    peerId: ME.peerId,
    transport: ME.transport,
  });
  await client.login({ user: "alice", password: "pw", port: 4001 });
  const hashes = crypto.getRandomValues(new Uint8Array(1500 * 20));
  const args = {
    group: "g1",
    name: "f.bin",
    fileId: FILE_ID,
    size: 1500 * PIECE_SIZE_BYTES,
    pieceLength: PIECE_SIZE_BYTES,
    sha1: FILE_ID,
  };
  const result = await registerFile(client, args, {
    pieceHashes: () => Promise.resolve(hashes),
    signal: new AbortController().signal,
  });
  assert.deepEqual(result, { added: true });
  assert.deepEqual(staged.map((chunk) => chunk.length), [1024 * 20, 476 * 20]);
  assert.deepEqual(staged[1], hashes.subarray(1024 * 20));
});
