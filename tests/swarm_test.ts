/**
 * The swarm swarms, shown by bytes rather than time: one seeder with a low upload limit and four
 * downloaders started together on loopback. The seeder's own upload counter must stay near one
 * copy of the file (super-seeding and the downloaders trading pieces), and every downloader must
 * have received pieces from at least two other downloaders.
 */
import { equal, ok } from "node:assert/strict";
import { MiB, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk } from "./helpers/peer.ts";
import {
  downloadOf,
  eventWith,
  GROUP,
  startDownload,
  Swarm,
  uploadedBy,
  waitUntil,
} from "./helpers/swarm.ts";

const SIZE_BYTES = 8 * MiB;
/** The seeder alone would need 4 s per copy: four copies from it would take 16 s. */
const SEEDER_LIMIT = ["--upload-limit", "2MiB/s"];

Deno.test("1 seeder → 4 downloaders: the seeder uploads about one copy, downloaders feed each other", async () => {
  await using swarm = await Swarm.start([SEEDER_LIMIT, [], [], [], []]);
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, SIZE_BYTES);
  await assertOk(swarm.peer(0), `upload_file ${source} ${GROUP}`);
  const downloaders = [1, 2, 3, 4].map((i) => swarm.peer(i));
  const started = await Promise.all(
    downloaders.map((peer, i) => startDownload(peer, "data.bin", `${swarm.dir}/copy-${i}.bin`)),
  );
  for (const [i, peer] of downloaders.entries()) {
    await eventWith(peer, "download_finished", { id: started[i]!.id }, 40_000);
    equal(await sha1OfFile(started[i]!.path), sha1, `copy ${i} is the file`);
  }
  const seederUpload = await uploadedBy(swarm.peer(0), "data.bin");
  console.log(`seeder upload: ${(seederUpload / SIZE_BYTES).toFixed(2)}× the file`);
  ok(
    seederUpload <= 2 * SIZE_BYTES,
    `the seeder uploaded ${(seederUpload / SIZE_BYTES).toFixed(2)}× the file (at most 2×)`,
  );
  const seederAddress = swarm.members[0]!.address;
  for (const [i, peer] of downloaders.entries()) {
    const view = await downloadOf(peer, started[i]!.id);
    const fromDownloaders = (view?.peers ?? [])
      .filter((p) => p.addr !== seederAddress && p.bytes > 0);
    ok(
      fromDownloaders.length >= 2,
      `downloader ${i} received from ${fromDownloaders.length} other downloaders: ` +
        JSON.stringify(view?.peers),
    );
  }
});

Deno.test("peer exchange: a downloader hears of a newcomer from their seeder, not waiting for the tracker", async () => {
  // The tracker is asked again only after a minute (after the first seconds' fast refreshes).
  const slowRefresh = ["--peer-refresh-ms", "60000"];
  await using swarm = await Swarm.start([["--upload-limit", "512KiB/s"], slowRefresh, slowRefresh]);
  const [seeder, first, second] = [swarm.peer(0), swarm.peer(1), swarm.peer(2)];
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, SIZE_BYTES);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const a = await startDownload(first, "data.bin", `${swarm.dir}/first.bin`);
  // Past its fast refreshes (5 of them, a second apart): 3 MiB at 512 KiB/s take 6 s.
  await waitUntil("the first downloader has 3 MiB", async () => {
    const view = await downloadOf(first, a.id);
    return view && view.bytes >= 3 * MiB ? view : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  const b = await startDownload(second, "data.bin", `${swarm.dir}/second.bin`);
  const secondAddress = swarm.members[2]!.address;
  const fed = await waitUntil("the first downloader gets pieces from the newcomer", async () => {
    const view = await downloadOf(first, a.id);
    const peer = view?.peers.find((p) => p.addr === secondAddress);
    return peer && peer.bytes > 0 ? peer : undefined;
  }, { timeoutMs: 5_000, intervalMs: 100 });
  ok(fed.bytes > 0);
  for (const [peer, download] of [[first, a], [second, b]] as const) {
    await eventWith(peer, "download_finished", { id: download.id }, 40_000);
    equal(await sha1OfFile(download.path), sha1);
  }
});
