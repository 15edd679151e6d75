/**
 * Peak memory of real peer processes during a 1 GiB transfer (issue 4): bounded by the pieces
 * in flight, never by the size of the file, for upload_file's hashing, the seeder and the
 * downloader. Linux only (VmHWM in /proc/<pid>/status).
 */
import { equal, ok } from "node:assert/strict";
import { MiB, peakMemoryBytes, sha1OfFile, writeLargeFile } from "./helpers/files.ts";
import { eventWith, GROUP, startDownload, Swarm } from "./helpers/swarm.ts";

const SIZE = 1024 * MiB;
/**
 * Generous, 1.5x the benchmark's target of 100 MiB (`deno task bench --only rss`: 86-98 MiB on
 * 2026-12-07): a Deno process starts near 35 MiB, a logged-in peer near 65, and the file is
 * 1024 MiB, so holding even a tenth of it fails.
 */
const MAX_PEAK_BYTES = 150 * MiB;

Deno.test({
  name: "a 1 GiB transfer keeps the seeder's and the downloader's peak memory bounded",
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using swarm = await Swarm.start([[], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/big.bin`;
  const sha1 = await writeLargeFile(source, SIZE);
  const shared = await seeder.command(`upload_file ${source} ${GROUP}`, 60_000);
  equal(shared.ok, true, JSON.stringify(shared));
  equal(shared.sha1, sha1);
  const afterHashing = await peakMemoryBytes(seeder.pid);
  ok(afterHashing < MAX_PEAK_BYTES, `upload_file peaked at ${afterHashing / MiB} MiB`);

  const { id, path } = await startDownload(downloader, "big.bin", `${swarm.dir}/copy.bin`);
  const finished = await eventWith(downloader, "download_finished", { id }, 120_000);
  equal(finished.bytes, SIZE);
  const peaks = {
    seeder: await peakMemoryBytes(seeder.pid),
    downloader: await peakMemoryBytes(downloader.pid),
  };
  const text = `peak memory in MiB: upload_file ${(afterHashing / MiB).toFixed(0)}, seeder ${
    (peaks.seeder / MiB).toFixed(0)
  }, downloader ${(peaks.downloader / MiB).toFixed(0)} (transfer ${
    Number(finished.seconds).toFixed(1)
  } s)`;
  ok(peaks.seeder < MAX_PEAK_BYTES, text);
  ok(peaks.downloader < MAX_PEAK_BYTES, text);
  // Remove the source first: two 1 GiB files need not stay on disk while the copy is read.
  await Deno.remove(source);
  equal(await sha1OfFile(path), sha1);
  console.log(text);
});
