/**
 * The swarm benchmark's output: one table on stdout (a row per scenario), and the same figures
 * as JSON in `bench/results/swarm-<date>.json`.
 */
import { ROOT } from "../tests/helpers/processes.ts";
import type { ScenarioResult } from "./swarm_scenario.ts";

const MIB = 1024 * 1024;
const COLUMNS = ["scenario", "MiB", "N", "time s", "bound s", "ratio", "seeder up ÷ file"];

/** "1→8" or "4→1". */
export function scenarioName(r: { seeders: number; downloaders: number }): string {
  return `${r.seeders}→${r.downloaders}`;
}

function row(r: ScenarioResult): string[] {
  const time = r.seconds === null
    ? `timeout (${r.finished}/${r.downloaders} done)`
    : r.seconds.toFixed(1);
  const ratio = r.seconds === null ? "-" : (r.seconds / r.boundSeconds).toFixed(2);
  return [
    scenarioName(r),
    String(r.bytes / MIB),
    String(r.downloaders),
    time,
    r.boundSeconds.toFixed(1),
    ratio,
    r.seederUploadRatio.toFixed(2),
  ];
}

/** The table: one line per scenario, columns padded to fit. */
export function formatTable(results: ScenarioResult[]): string {
  const rows = [COLUMNS, ...results.map(row)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((cells) => cells[i]!.length)));
  return rows.map((cells) => cells.map((cell, i) => cell.padStart(widths[i]!)).join("  "))
    .join("\n");
}

/** A file name that sorts by time and never overwrites an earlier run of the same day. */
function stamp(date: Date): string {
  return date.toISOString().slice(0, 19).replaceAll(":", "-");
}

/**
 * Write the results and the run's settings as JSON.
 *
 * @returns the path written
 */
export async function writeResults(
  results: ScenarioResult[],
  meta: { started: Date; args: string[] },
): Promise<string> {
  const dir = `${ROOT}bench/results`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/swarm-${stamp(meta.started)}.json`;
  const scenarios = results.map((r) => ({
    scenario: scenarioName(r),
    ...r,
    ratio: r.seconds === null ? null : r.seconds / r.boundSeconds,
  }));
  const doc = {
    benchmark: "swarm",
    started: meta.started.toISOString(),
    args: meta.args,
    deno: Deno.version.deno,
    kernel: Deno.osRelease(),
    notes: "ratio = time ÷ bound (1.0 is ideal); upload ratios count interface bytes " +
      "(TCP/IP and Ethernet headers included, about 4% over the payload)",
    scenarios,
  };
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
  return path;
}
