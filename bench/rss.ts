/**
 * The memory part: peak resident memory (`VmHWM` in /proc/<pid>/status, worker threads
 * included) of real peer processes around a 2 GiB file (64 MiB with `--quick`), beside the
 * bound the issue names, 100 MiB. A tracker and two peers: peer 0 runs upload_file (its peak
 * then is the uploading peer's), its peak is reset (`echo 5 > /proc/<pid>/clear_refs`, Linux 4.0
 * and later) and it seeds the file to peer 1 (its peak then is the seeder's; without the reset,
 * it includes the upload's, and the table says so), and peer 1's peak is the downloader's.
 */
import { Cluster } from "../tests/helpers/cluster.ts";
import { peakMemoryBytes } from "../tests/helpers/files.ts";
import { type BenchContext, GIB, MIB, type PartResult, sizeName } from "./context.ts";
import { download, expectOk, startGroup, stopAll } from "./peers.ts";
import type { Measure, Row } from "./report.ts";

const BOUND: Measure = { name: "issue's bound", unit: "MiB", value: 100 };

/** Reset a process's peak RSS to its current RSS; false where the kernel refuses. */
async function resetPeak(pid: number): Promise<boolean> {
  const { success } = await new Deno.Command("sh", {
    args: ["-c", `echo 5 > /proc/${pid}/clear_refs`],
    stdout: "null",
    stderr: "null",
  }).output();
  return success;
}

async function peakMiB(pid: number): Promise<number> {
  return await peakMemoryBytes(pid) / MIB;
}

/** Upload, then seed to one downloader; the three peaks in MiB. */
async function measure(ctx: BenchContext, size: number) {
  const file = await ctx.file(size, { isCheap: true });
  const dir = `${ctx.dir}/rss`;
  await Deno.mkdir(dir);
  await using cluster = await Cluster.create(dir, 1);
  await cluster.start(1);
  const peers = await startGroup(cluster, dir, { count: 2, group: "rss" });
  try {
    const [seeder, downloader] = peers as [typeof peers[0], typeof peers[0]];
    const idle = await peakMiB(seeder.pid);
    console.log(`  upload_file of ${sizeName(size)}…`);
    await expectOk(seeder, `upload_file ${file.path} rss`);
    const upload = await peakMiB(seeder.pid);
    const isReset = await resetPeak(seeder.pid);
    console.log(`  1 → 1 download of ${sizeName(size)}…`);
    const output = `${dir}/copy.bin`;
    const name = file.path.split("/").at(-1)!;
    const seconds = await download(downloader, { group: "rss", name, output });
    const seeding = await peakMiB(seeder.pid);
    const downloading = await peakMiB(downloader.pid);
    await Deno.remove(output);
    return { bytes: size, idle, upload, isReset, seeding, downloading, seconds };
  } finally {
    await stopAll(peers);
    await ctx.forget(file);
  }
}

/** The peaks of the uploader, the seeder and the downloader. */
export async function rssPart(ctx: BenchContext): Promise<PartResult> {
  const m = await measure(ctx, ctx.isQuick ? 64 * MIB : 2 * GIB);
  const part = "rss";
  const scenario = `${sizeName(m.bytes)}, peak RSS`;
  const mib = (name: string, value: number): Measure => ({ name, unit: "MiB", value });
  const rows: Row[] = [
    {
      part,
      scenario,
      figure: mib("uploading peer", m.upload),
      baseline: BOUND,
      note: `(idle peer ${m.idle.toFixed(0)} MiB)`,
    },
    {
      part,
      scenario,
      figure: mib("seeder", m.seeding),
      baseline: BOUND,
      ...(m.isReset ? {} : { note: "(includes the upload's peak: no clear_refs)" }),
    },
    { part, scenario, figure: mib("downloader", m.downloading), baseline: BOUND },
  ];
  return { rows, details: m };
}
