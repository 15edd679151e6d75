/**
 * The upload part: `upload_file` of 1 GiB (256 MiB with `--quick`) by a real peer, timed from
 * the command to its answer (hashing every piece and the whole file, then registering with the
 * tracker: what a user waits for), beside `sha1sum` and `openssl sha1` of the same file; and
 * lib/common/file_hash.ts's `hashFile` alone in a process of its own (bench/hash_file.ts).
 * Rounds rotate the order; the file is in the page cache for all of them (it was just written).
 * Note that upload_file makes two SHA-1 passes (the pieces' and the whole file's, on two
 * threads), the tools one.
 */
import { Cluster } from "../tests/helpers/cluster.ts";
import { Child, ROOT } from "../tests/helpers/processes.ts";
import type { PeerProcess } from "../tests/helpers/peer.ts";
import { type BenchContext, GIB, type PartResult, sizeName, type SourceFile } from "./context.ts";
import { expectOk, startGroup, stopAll } from "./peers.ts";
import { BENCH_PERMISSIONS } from "./pipelines.ts";
import { fromRuns, type Row } from "./report.ts";
import { summarize } from "./stats.ts";

type Hasher = "upload_file" | "hashFile" | "sha1sum" | "openssl";
const HASHERS: Hasher[] = ["upload_file", "hashFile", "sha1sum", "openssl"];
const NAMES: Record<Hasher, string> = {
  upload_file: "upload_file",
  hashFile: "hashFile alone",
  sha1sum: "sha1sum",
  openssl: "openssl sha1",
};

/** Seconds for `program args` to run to a successful end. */
async function timeTool(program: string, args: string[]): Promise<number> {
  const started = performance.now();
  const { success, stderr } = await new Deno.Command(program, {
    args,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  const seconds = (performance.now() - started) / 1000;
  if (!success) throw new Error(`${program} failed: ${new TextDecoder().decode(stderr).trim()}`);
  return seconds;
}

async function timeHashFile(path: string): Promise<number> {
  const child = new Child(["run", ...BENCH_PERMISSIONS, `${ROOT}bench/hash_file.ts`, path]);
  const status = await child.exited();
  if (!status.success) throw new Error(`bench/hash_file.ts failed: ${child.stderr.lines.at(-1)}`);
  return JSON.parse(child.stdout.lines.at(-1)!).seconds;
}

async function timeUpload(peer: PeerProcess, path: string, group: string): Promise<number> {
  await expectOk(peer, `create_group ${group}`);
  const started = performance.now();
  await expectOk(peer, `upload_file ${path} ${group}`);
  return (performance.now() - started) / 1000;
}

async function timeOnce(
  hasher: Hasher,
  file: SourceFile,
  options: { peer: PeerProcess; round: number },
) {
  switch (hasher) {
    case "upload_file":
      return await timeUpload(options.peer, file.path, `upload-${options.round}`);
    case "hashFile":
      return await timeHashFile(file.path);
    case "sha1sum":
      return await timeTool("sha1sum", [file.path]);
    case "openssl":
      return await timeTool("openssl", ["sha1", file.path]);
  }
}

/** Every hasher `ctx.rounds` times over the same file, in rotating order. */
async function measure(ctx: BenchContext, file: SourceFile, peer: PeerProcess) {
  const times = new Map<Hasher, number[]>(HASHERS.map((h) => [h, []]));
  for (let round = 0; round < ctx.rounds; round++) {
    const shift = round % HASHERS.length;
    for (const hasher of [...HASHERS.slice(shift), ...HASHERS.slice(0, shift)]) {
      console.log(`  ${sizeName(file.size)}, round ${round + 1}/${ctx.rounds}: ${NAMES[hasher]}…`);
      times.get(hasher)!.push(await timeOnce(hasher, file, { peer, round }));
    }
  }
  return new Map([...times].map(([h, runs]) => [h, fromRuns(NAMES[h], "s", summarize(runs))]));
}

/** A tracker and one logged-in peer; the hashers over 1 GiB (256 MiB with `--quick`). */
export async function uploadPart(ctx: BenchContext): Promise<PartResult> {
  const file = await ctx.file(ctx.isQuick ? GIB / 4 : GIB);
  const dir = `${ctx.dir}/upload`;
  await Deno.mkdir(dir);
  await using cluster = await Cluster.create(dir, 1);
  await cluster.start(1);
  const peers = await startGroup(cluster, dir, { count: 1, group: "upload-setup" });
  try {
    const measures = await measure(ctx, file, peers[0]!);
    const part = "upload";
    const scenario = `${sizeName(file.size)}, page cache warm`;
    const upload = measures.get("upload_file")!;
    const hashOnly = measures.get("hashFile")!;
    const rows: Row[] = [
      {
        part,
        scenario,
        figure: upload,
        baseline: measures.get("sha1sum")!,
        note: "(2 passes vs 1)",
      },
      { part, scenario, figure: upload, baseline: measures.get("openssl")! },
      { part, scenario, figure: upload, baseline: hashOnly, note: "(command + tracker)" },
      { part, scenario, figure: hashOnly, baseline: measures.get("sha1sum")! },
    ];
    return { rows, details: { bytes: file.size, seconds: Object.fromEntries(measures) } };
  } finally {
    await stopAll(peers);
  }
}
