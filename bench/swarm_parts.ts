/**
 * The swarm parts of the suite. `crowd`: 1 seeder → 8 downloaders on loopback
 * (bench/loopback_swarm.ts), the seeder's upload ÷ the file beside the floor of one copy.
 * `swarm`: bench/swarm.ts in a process of its own (its output shown as it runs), the shaped-
 * network scenarios read back from the JSON it writes, each time beside its upload bound; it
 * skips unless root with iproute2, and then says why.
 */
import { type BenchContext, GIB, MIB, type PartResult, sizeName } from "./context.ts";
import { flashCrowd } from "./loopback_swarm.ts";
import type { Row } from "./report.ts";
import { ROOT } from "../tests/helpers/processes.ts";
import type { ScenarioResult } from "./swarm_scenario.ts";

const CROWD_DOWNLOADERS = 8;
/** What `deno task bench:swarm` gives bench/swarm.ts (its peers listen on namespace addresses). */
const SWARM_PERMISSIONS = [
  ...["--no-prompt", "--allow-run", "--allow-net", "--allow-ffi", "--allow-read", "--allow-write"],
  ...["--allow-env", "--allow-sys"],
];
/** 16 MiB instead of bench:swarm --quick's 32 keeps `deno task bench --quick` under 2 minutes. */
const QUICK_SIZE = ["--sizes-mib", "16"];
const ONE_COPY = { name: "one copy", unit: "x file", value: 1 } as const;

/** 1 → 8 on loopback: 256 MiB (64 MiB with `--quick`). */
export async function crowdPart(ctx: BenchContext): Promise<PartResult> {
  const file = await ctx.file(ctx.isQuick ? 64 * MIB : GIB / 4);
  const dir = `${ctx.dir}/crowd`;
  await Deno.mkdir(dir);
  console.log(`  1 seeder → ${CROWD_DOWNLOADERS} downloaders, ${sizeName(file.size)}…`);
  const result = await flashCrowd(dir, file.path, {
    downloaders: CROWD_DOWNLOADERS,
    size: file.size,
    sha1: file.sha1,
  });
  const scenario = `loopback 1→${CROWD_DOWNLOADERS}, ${sizeName(file.size)}`;
  const rows: Row[] = [{
    part: "crowd",
    scenario,
    figure: { name: "seeder upload", unit: "x file", value: result.seederUploadRatio },
    baseline: ONE_COPY,
    note: `(last copy after ${result.seconds.toFixed(1)} s)`,
  }];
  return { rows, details: result };
}

/** Run bench/swarm.ts, showing its output; returns all of it. */
async function runSwarm(args: string[]): Promise<{ isOk: boolean; text: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...SWARM_PERMISSIONS, `${ROOT}bench/swarm.ts`, ...args],
    stdin: "null",
    stdout: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    text += decoder.decode(chunk, { stream: true });
  }
  return { isOk: (await child.status).success, text };
}

function swarmRows(results: ScenarioResult[]): Row[] {
  return results.flatMap((r): Row[] => {
    const scenario = `shaped ${r.seeders}→${r.downloaders}, ${sizeName(r.bytes)}`;
    const bound = { name: "upload bound", unit: "s", value: r.boundSeconds } as const;
    const upload = { name: "seeder upload", unit: "x file", value: r.seederUploadRatio } as const;
    const rows: Row[] = [{ part: "swarm", scenario, figure: upload, baseline: ONE_COPY }];
    if (r.seconds === null) return rows;
    return [{
      part: "swarm",
      scenario,
      figure: { name: "time", unit: "s", value: r.seconds },
      baseline: bound,
    }, ...rows];
  });
}

/** The shaped-network swarm; with `--quick`, bench:swarm's own quick set on 16 MiB. */
export async function swarmPart(ctx: BenchContext): Promise<PartResult> {
  const { isOk, text } = await runSwarm(ctx.isQuick ? ["--quick", ...QUICK_SIZE] : []);
  const skipped = /^bench:swarm skipped: (.*)$/m.exec(text)?.[1];
  if (skipped !== undefined) {
    return { rows: [], details: { skipped }, notes: [`swarm skipped: ${skipped}`] };
  }
  const path = /^Results: (.*)$/m.exec(text)?.[1];
  if (!isOk || path === undefined) {
    // Its error line went to stderr, shown as it ran.
    throw new Error("bench/swarm.ts failed: its output and error are above");
  }
  const doc = JSON.parse(await Deno.readTextFile(path));
  return { rows: swarmRows(doc.scenarios), details: { file: path, scenarios: doc.scenarios } };
}
