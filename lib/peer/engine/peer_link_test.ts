import assert from "node:assert/strict";
import { ProtocolError } from "../../common/errors.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import {
  makeIdentity,
  randomFile,
  startSeeder,
  tempDir,
  TestTracker,
} from "../testing/swarm_fixture.ts";
import { PeerLink } from "./peer_link.ts";
import type { DownloaderIdentity, PeerEndpoint } from "./types.ts";

Deno.test("PeerLink.connect() refuses a seeder that proves another key than named, before the ticket", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/shared.bin`;
  const hashes = await randomFile(path, 1000);
  const tracker = await TestTracker.create();
  await using seeder = await startSeeder(tracker, { path, fileId: hashes.fileId });
  const me = await makeIdentity();
  const someoneElse = await makeIdentity();
  let tickets = 0;
  const connect = (endpoint: PeerEndpoint, identity: DownloaderIdentity) =>
    PeerLink.connect(endpoint, {
      identity,
      pieceCount: 1,
      ours: new Bitfield(1),
      ticket: async () => {
        tickets++;
        return (await tracker.ticket(hashes.fileId, identity.publicKey)).ticket;
      },
      timeoutMs: 5000,
      signal: new AbortController().signal,
    });

  await assert.rejects(connect({ ...seeder.endpoint, peerId: someoneElse.peerId }, me), (error) => {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.code, "wrong_key");
    assert.equal(
      error.message,
      `The seeder at ${seeder.endpoint.address} proved key ${seeder.endpoint.peerId}, not the ` +
        `key of peer ${someoneElse.peerId} it was named for`,
    );
    return true;
  });
  assert.equal(tickets, 0, "no ticket was asked for (or sent)");
  const link = await connect(seeder.endpoint, me);
  assert.equal(link.bitfield.count, 1);
  link.close();
});
