/**
 * `deno task bench:swarm`: PeerShare's swarm in a shaped network. Each host (a tracker, the
 * seeders, the downloaders) runs in a Linux network namespace of its own on one bridge, its
 * upload capped by tbf (bench/netns.ts). Scenarios: 1 seeder → N downloaders for each N and
 * file size, then 4 seeders → 1 downloader. Prints a table of the time until the last copy is
 * verified, the bound max(F / U_seeder, N·F / (U_seeder + N·U_peer)) (4→1: F / 4U), their
 * ratio and what the seeders uploaded ÷ file size; writes the same as JSON to bench/results/.
 *
 * Flags: `--sizes-mib 64`, `--n 2,4,8,16`, `--rate-mbit 40`, `--deadline-factor 10`, `--quick`
 * (N 2,4 and 32 MiB). Needs root and iproute2; elsewhere it prints one line and exits 0.
 * Everything it made is removed at the end, also after a failure, Ctrl-C or SIGTERM.
 */
import { parseArgs } from "node:util";
import { cannotShape, namespacesWith, sh } from "../tests/helpers/netns.ts";
import { formatTable, scenarioName, writeResults } from "./swarm_report.ts";
import { runScenario, type Scenario, type ScenarioResult } from "./swarm_scenario.ts";

const MIB = 1024 * 1024;
const MULTI_SEEDERS = 4;
const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

function numbers(text: string, flag: string): number[] {
  const values = text.split(",").map(Number);
  if (values.some((n) => !(n > 0))) throw new RangeError(`Use --${flag} with positive numbers`);
  return values;
}

/** The scenarios the flags ask for, in the order they run. */
function scenarios(args: string[]): Scenario[] {
  const { values } = parseArgs({
    args,
    options: {
      "sizes-mib": { type: "string" },
      n: { type: "string" },
      "rate-mbit": { type: "string" },
      "deadline-factor": { type: "string" },
      quick: { type: "boolean" },
    },
  });
  const sizes = numbers(values["sizes-mib"] ?? (values.quick ? "32" : "64"), "sizes-mib");
  const counts = numbers(values.n ?? (values.quick ? "2,4" : "2,4,8,16"), "n");
  const [rateMbit] = numbers(values["rate-mbit"] ?? "40", "rate-mbit");
  const [deadlineFactor] = numbers(values["deadline-factor"] ?? "10", "deadline-factor");
  const base = { rateMbit: rateMbit!, deadlineFactor: deadlineFactor! };
  return sizes.flatMap((mib) => {
    const bytes = Math.round(mib * MIB);
    return [
      ...counts.map((downloaders) => ({ ...base, bytes, seeders: 1, downloaders })),
      { ...base, bytes, seeders: MULTI_SEEDERS, downloaders: 1 },
    ];
  });
}

/** Delete any namespace of this run still there (a scenario cut short while building). */
async function sweep(prefix: string): Promise<void> {
  for (const ns of await namespacesWith(`${prefix}-`)) await sh(["netns", "del", ns]);
}

/** Run each scenario in turn, appending to `results` (kept when a later one fails). */
async function runAll(
  list: Scenario[],
  results: ScenarioResult[],
  options: { prefix: string; signal: AbortSignal },
): Promise<void> {
  const { prefix, signal } = options;
  for (const s of list) {
    signal.throwIfAborted();
    console.log(
      `${scenarioName(s)}: ${s.bytes / MIB} MiB at ${s.rateMbit} Mbit/s per host upload…`,
    );
    const result = await runScenario(s, { prefix, signal });
    const time = result.seconds === null ? "timed out" : `${result.seconds.toFixed(1)} s`;
    console.log(`  ${time} (bound ${result.boundSeconds.toFixed(1)} s)`);
    results.push(result);
  }
}

async function main(args: string[]): Promise<number> {
  const list = scenarios(args);
  const reason = await cannotShape();
  if (reason !== null) {
    console.log(`bench:swarm skipped: ${reason}`);
    return 0;
  }
  const prefix = `psb${Deno.pid}`;
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error("Interrupted"));
  for (const signal of SIGNALS) Deno.addSignalListener(signal, onSignal);
  const started = new Date();
  const results: ScenarioResult[] = [];
  try {
    await runAll(list, results, { prefix, signal: stop.signal });
    console.log("\n" + formatTable(results));
    console.log(`ratio = time ÷ bound; upload counted on the seeders' interfaces`);
    console.log(`Results: ${await writeResults(results, { started, args })}`);
    return results.every((r) => r.seconds !== null) ? 0 : 1;
  } catch (error) {
    if (results.length > 0) console.log(`\nBefore the failure:\n${formatTable(results)}`);
    throw error;
  } finally {
    await sweep(prefix);
    for (const signal of SIGNALS) Deno.removeSignalListener(signal, onSignal);
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`bench:swarm: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
