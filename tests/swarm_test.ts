/**
 * The swarm swarms, shown by bytes rather than time: one seeder with a low upload limit and four
 * downloaders started together on loopback. The seeder's own upload counter must stay near one
 * copy of the file (super-seeding and the downloaders trading pieces), and every downloader must
 * have received pieces from at least two other downloaders.
 */
import { equal, ok } from "node:assert/strict";
import { MiB, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk } from "./helpers/peer.ts";
import { downloadOf, eventWith, GROUP, startDownload, Swarm, uploadedBy } from "./helpers/swarm.ts";

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
