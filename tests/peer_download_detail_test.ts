/**
 * show_download during a real transfer (every connected peer with bytes and rates each way)
 * and clear_downloads forgetting a complete download for good, across a restart.
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import { MiB, writeRandomFile } from "./helpers/files.ts";
import { assertOk, type JsonLine } from "./helpers/peer.ts";
import {
  eventWith,
  GROUP,
  PASSWORD,
  sharesOf,
  startDownload,
  Swarm,
  waitUntil,
} from "./helpers/swarm.ts";

/** A peer of show_download's JSON. */
interface PeerView {
  addr: string;
  peerId?: string;
  connected: boolean;
  choked?: boolean;
  inflight?: number;
  bytes: number;
  rate: number;
  uploaded: number;
  uploadRate: number;
}

Deno.test("show_download lists both seeders each way; clear_downloads forgets a complete download across a restart", async () => {
  // Two downloaders at 2 MiB/s each: each is a partial seeder of the other while both run.
  const limited = ["--download-limit", "2MiB/s"];
  await using swarm = await Swarm.start([[], limited, limited]);
  const [seeder, alice, bob] = [swarm.peer(0), swarm.peer(1), swarm.peer(2)];
  const source = `${swarm.dir}/movie.bin`;
  await writeRandomFile(source, 16 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const mine = await startDownload(alice, "movie.bin", `${swarm.dir}/alice.bin`);
  const theirs = await startDownload(bob, "movie.bin", `${swarm.dir}/bob.bin`);
  const [seederAddress, bobAddress] = [swarm.members[0]!.address, swarm.members[2]!.address];

  // Alice's detail: the complete seeder sends and gets nothing back; Bob both sends and gets.
  const seen = await waitUntil(
    "show_download lists both seeders with bytes and rates each way",
    async () => {
      const detail = (await assertOk(alice, `show_download ${mine.id}`)).download as JsonLine;
      if (detail.state !== "D") {
        throw new Error(
          `Finished before both ways were seen: ${JSON.stringify(detail)}`,
        );
      }
      const peers = detail.peers as PeerView[];
      const first = peers.find((peer) => peer.addr === seederAddress);
      const other = peers.find((peer) => peer.addr === bobAddress);
      const isSeen = first?.connected && first.bytes > 0 && first.rate > 0 &&
        other?.connected && other.bytes > 0 && other.rate > 0 && other.uploaded > 0 &&
        other.uploadRate > 0;
      return isSeen && { detail, peers, first, other };
    },
    { timeoutMs: 12_000, intervalMs: 200 },
  );
  equal(seen.peers.length, 2, JSON.stringify(seen.peers));
  equal(seen.first.uploaded, 0, "a complete seeder downloads nothing from us");
  equal(typeof seen.other.peerId, "string");
  equal(typeof seen.other.choked, "boolean");
  deepStrictEqual(seen.detail.banned, []);

  // Both finish; Alice clears hers: gone from the list, the file still shared.
  await eventWith(alice, "download_finished", { id: mine.id }, 30_000);
  await eventWith(bob, "download_finished", { id: theirs.id }, 30_000);
  const cleared = await assertOk(alice, "clear_downloads");
  deepStrictEqual(cleared.cleared, [mine.id]);
  deepStrictEqual((await assertOk(alice, "show_downloads")).downloads, []);
  equal((await alice.command(`show_download ${mine.id}`)).code, "no_such_download");
  const shared = (await sharesOf(alice)).find((share) => share.file === "movie.bin");
  equal(shared?.state, "complete", JSON.stringify(shared));

  // After a restart, the download stays forgotten and the file is shared again at login.
  equal((await alice.endInput()).code, 0, alice.transcript());
  const again = await swarm.restart(1);
  deepStrictEqual((await assertOk(again, "show_downloads")).downloads, []);
  await assertOk(again, `login u1 ${PASSWORD}`);
  deepStrictEqual((await assertOk(again, "show_downloads")).downloads, []);
  const reshared = (await sharesOf(again)).find((share) => share.file === "movie.bin");
  equal(reshared?.state, "complete", JSON.stringify(reshared));
  deepStrictEqual((await assertOk(again, "clear_downloads")).cleared, []);
});
