/**
 * `deno task bench`: the benchmark suite. Every part runs real processes and measures each figure
 * beside a baseline in the same run; at the end it prints one table and writes every figure, with
 * the machine's description, to `bench/results/bench-<ISO>.json`. Parts, in the order they run:
 *
 * - `transfer`: 1 GiB 4 → 1 and 1 → 1, PeerShare vs the ideal pipeline (over Noise and in
 *   clear) and a plain local copy (bench/transfer.ts)
 * - `upload`: upload_file of 1 GiB vs sha1sum and openssl (bench/upload.ts)
 * - `cipher`: the connections' two ciphers alone, 1 GiB sealed and opened, vs `openssl speed`
 *   (bench/cipher.ts)
 * - `tracker`: 200 concurrent clients, reads, durable writes and mixed, one tracker and two,
 *   vs SQLite's own commit rate (bench/tracker_bench.ts)
 * - `rss`: peak memory of the uploader, a seeder and the downloader of 2 GiB vs 100 MiB
 *   (bench/rss.ts)
 * - `sizes`: 64 MiB, 256 MiB and 1 GiB 4 → 1, time per GiB (bench/sizes.ts)
 * - `crowd`: 1 → 8 on loopback, the seeder's upload ÷ file (bench/loopback_swarm.ts)
 * - `swarm`: the shaped-network swarm (bench/swarm.ts; skips unless root)
 * - `clients`: 1 GiB 4 → 1, PeerShare vs aria2 and qBittorrent where installed
 *   (bench/bittorrent.ts)
 *
 * Flags: `--quick` (256 MiB transfers, 64 MiB for memory, 3 s tracker loops, one round: under 2
 * minutes), `--only a,b`, `--transfer-only` (= `--only transfer`), `--rounds N` (default 3).
 * A part that fails is reported in one line and the others still run; the exit code is then 1.
 * What new memory costs is probed at the start and the end (bench/memory_probe.ts) and printed
 * under the table: on these VMs it moves every transfer's figures.
 */
import { parseArgs } from "node:util";
import { cipherPart } from "./cipher.ts";
import { BenchContext, type PartResult } from "./context.ts";
import { describeProbe, probeMemory } from "./memory_probe.ts";
import { formatTable, type Row, type SuiteRun, writeSuite } from "./report.ts";
import { rssPart } from "./rss.ts";
import { sizesPart } from "./sizes.ts";
import { crowdPart, swarmPart } from "./swarm_parts.ts";
import { trackerPart } from "./tracker_bench.ts";
import { clientsPart, transferPart } from "./transfer.ts";
import { uploadPart } from "./upload.ts";

type Part = (ctx: BenchContext) => Promise<PartResult>;

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];
/** How long children get to stop on SIGTERM before SIGKILL (bench/swarm.ts sweeps namespaces). */
const GRACE_MS = 3000;
/** Set by a signal: no further part starts. */
let isInterrupted = false;

const PARTS: Record<string, Part> = {
  transfer: transferPart,
  upload: uploadPart,
  cipher: cipherPart,
  tracker: trackerPart,
  rss: rssPart,
  sizes: sizesPart,
  crowd: crowdPart,
  swarm: swarmPart,
  clients: clientsPart,
};

interface Settings {
  readonly parts: string[];
  readonly isQuick: boolean;
  readonly rounds: number;
}

function settings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      "transfer-only": { type: "boolean" },
      rounds: { type: "string" },
    },
  });
  const isQuick = values.quick ?? false;
  const only = values["transfer-only"] ? "transfer" : values.only;
  const parts = only === undefined ? Object.keys(PARTS) : only.split(",").map((p) => p.trim());
  const unknown = parts.filter((part) => !(part in PARTS));
  if (unknown.length > 0) {
    throw new TypeError(
      `Unknown part "${unknown[0]}": choose from ${Object.keys(PARTS).join(", ")}`,
    );
  }
  const rounds = Number(values.rounds ?? (isQuick ? 1 : 3));
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError("Use --rounds with 1 or more");
  return { parts, isQuick, rounds };
}

/** What the parts measured, and which failed. */
interface Outcome {
  rows: Row[];
  details: Record<string, unknown>;
  failures: string[];
  notes: string[];
}

/** Each part in turn; a failure is kept as one line and the next part runs. */
async function runParts(ctx: BenchContext, parts: string[]): Promise<Outcome> {
  const outcome: Outcome = { rows: [], details: {}, failures: [], notes: [] };
  for (const part of parts) {
    if (isInterrupted) break;
    console.log(`\n== ${part}`);
    const partStarted = performance.now();
    try {
      const result = await PARTS[part]!(ctx);
      outcome.rows.push(...result.rows);
      outcome.details[part] = result.details;
      outcome.notes.push(...result.notes ?? []);
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      console.log(`${part} failed: ${message}`);
      outcome.failures.push(`${part}: ${message}`);
    }
    console.log(`(${part}: ${((performance.now() - partStarted) / 1000).toFixed(0)} s)`);
  }
  return outcome;
}

/** Our own child processes' pids (`ps --ppid`): what to stop when we are interrupted. */
function childPids(): number[] {
  const { stdout } = new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(Deno.pid)] })
    .outputSync();
  return new TextDecoder().decode(stdout).split("\n").map(Number).filter((pid) => pid > 0);
}

function signalAll(pids: number[], signal: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch (error) {
      // Gone meanwhile (or the ps process itself): nothing to stop.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/**
 * On Ctrl-C or SIGTERM: stop our child processes by pid (a SIGTERM reaches only us, and the
 * helpers' clean-up does not run on exit), SIGTERM first so that bench/swarm.ts removes its
 * namespaces, SIGKILL after `GRACE_MS`; remove the temporary folder; exit 130.
 */
function cleanUpOnSignal(dir: string): () => void {
  const onSignal = async () => {
    isInterrupted = true;
    console.error(`bench: interrupted; stopping its processes and removing ${dir}`);
    signalAll(childPids(), "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
    signalAll(childPids(), "SIGKILL");
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch (error) {
      // The suite's own clean-up may have removed it meanwhile.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    Deno.exit(130);
  };
  for (const signal of SIGNALS) Deno.addSignalListener(signal, onSignal);
  return () => SIGNALS.forEach((signal) => Deno.removeSignalListener(signal, onSignal));
}

async function main(args: string[]): Promise<number> {
  const started = new Date();
  const loadAtStart = Deno.loadavg();
  const { parts, isQuick, rounds } = settings(args);
  let outcome: Outcome;
  let memory: SuiteRun["memory"];
  {
    await using ctx = await BenchContext.create({ isQuick, rounds });
    const stopWatching = cleanUpOnSignal(ctx.dir);
    try {
      const start = probeMemory(ctx.dir);
      outcome = await runParts(ctx, parts);
      memory = { start, end: probeMemory(ctx.dir) };
    } finally {
      stopWatching();
    }
  }
  const { rows, failures, notes } = outcome;
  console.log(`\n${formatTable(rows)}`);
  console.log(
    "÷ = figure ÷ baseline, same unit (time: above 1 is slower; rate: below 1 is slower; " +
      "memory: below 1 is within the bound)",
  );
  for (const note of notes) console.log(note);
  console.log(describeProbe("at start", memory.start));
  console.log(describeProbe("at end", memory.end));
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(" ");
  console.log(`Load average at start ${load(loadAtStart)}, at end ${load(Deno.loadavg())}`);
  const path = await writeSuite({ started, loadAtStart, memory, args, ...outcome });
  console.log(`Results: ${path}`);
  for (const failure of failures) console.log(`FAILED ${failure}`);
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
