/**
 * The tracker part: 200 concurrent clients from another process (bench/tracker_load.ts) against
 * one tracker and against a two-tracker cluster (half the clients on each), for reads
 * (list_groups), durable writes (create_group, acknowledged after COMMIT) and mixed; ops/s, p50
 * and p99. The clients are lean ones (bench/lean_client.ts: each answer checked for its `rid` and
 * `ok`, as a load generator of another's making would), so that the figure is the tracker's; the
 * peer's own TrackerClient, which decodes and checks every page in full, loads one tracker too,
 * which shows what a real peer's process costs. The baseline is SQLite's own commit rate on the same disk (bench/sqlite_commits.ts,
 * WAL and synchronous = FULL as lib/tracker/store.ts), measured before and after the trackers:
 * tracker writes/s ÷ single commits/s, and ÷ batched inserts/s (what group commit could reach).
 * Beside each workload, the trackers' CPU time per op ÷ the load generator's: the generator
 * shares the two cores, so ops/s also measures it.
 */
import { Cluster } from "../tests/helpers/cluster.ts";
import { Child, ROOT } from "../tests/helpers/processes.ts";
import type { BenchContext, PartResult } from "./context.ts";
import { BENCH_PERMISSIONS } from "./pipelines.ts";
import { fromRuns, type Measure, type Row } from "./report.ts";
import { summarize } from "./stats.ts";
import type { ClientKind, LoadResult } from "./tracker_load.ts";

const CLIENTS = 200;
/** 200 users' scrypt hashes and handshakes, on a busy machine. */
const SETUP_TIMEOUT_MS = 180_000;

interface SqliteRate {
  singleCommitsPerS: number;
  batchedOpsPerS: number;
  batch: number;
}

interface LoadRun {
  kind: ClientKind;
  clients: number;
  seconds: number;
  setupSeconds: number;
  results: LoadResult[];
}

/** Run a bench script to its end; its last stdout line, parsed, or its last stderr line thrown. */
async function jsonOf<T>(script: string, args: string[]): Promise<T> {
  const child = new Child(["run", ...BENCH_PERMISSIONS, `${ROOT}bench/${script}`, ...args]);
  const status = await child.exited();
  if (!status.success) {
    throw new Error(`bench/${script} failed: ${child.stderr.lines.at(-1) ?? status.code}`);
  }
  return JSON.parse(child.stdout.lines.at(-1)!) as T;
}

async function sqliteRate(ctx: BenchContext, n: number, seconds: number): Promise<SqliteRate> {
  const dir = `${ctx.dir}/sqlite-${n}`;
  await Deno.mkdir(dir);
  console.log(`  SQLite commit rate (${n}/2)…`);
  try {
    return await jsonOf<SqliteRate>("sqlite_commits.ts", [dir, String(seconds)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A fresh cluster of `trackers` trackers in `ctx.dir` and its load generator process, set up
 * (users made, logged in) but not loading until {@linkcode LoadTarget.run}.
 */
class LoadTarget implements AsyncDisposable {
  readonly trackers: number;
  readonly kind: ClientKind;
  readonly #cluster: Cluster;
  readonly #generator: Child;

  private constructor(trackers: number, kind: ClientKind, cluster: Cluster, generator: Child) {
    this.trackers = trackers;
    this.kind = kind;
    this.#cluster = cluster;
    this.#generator = generator;
  }

  /** Start the trackers and the generator; {@linkcode ready} resolves once it is set up. */
  static async start(
    ctx: BenchContext,
    trackers: number,
    kind: ClientKind,
    seconds: number,
  ): Promise<LoadTarget> {
    const dir = `${ctx.dir}/trackers-${trackers}-${kind}`;
    await Deno.mkdir(dir);
    const cluster = await Cluster.create(dir, trackers);
    const pids: number[] = [];
    try {
      for (let n = 1; n <= trackers; n++) pids.push((await cluster.start(n)).pid);
    } catch (error) {
      await cluster[Symbol.asyncDispose]();
      throw error;
    }
    const args = [kind, cluster.ports.join(","), String(CLIENTS), String(seconds), pids.join(",")];
    const script = `${ROOT}bench/tracker_load.ts`;
    // Deno lets only --allow-all read another process's /proc/PID/stat (its CPU time).
    const generator = new Child(["run", "--no-prompt", "--allow-all", script, ...args], {
      stdin: true,
    });
    return new LoadTarget(trackers, kind, cluster, generator);
  }

  async ready(): Promise<void> {
    await this.#generator.stdout.waitFor((line) => line === "ready", 0, SETUP_TIMEOUT_MS)
      .catch(() => {
        throw new Error(
          `bench/tracker_load.ts did not set up: ${this.#generator.stderr.lines.at(-1)}`,
        );
      });
  }

  /** Run the loops; every request must have succeeded. */
  async run(): Promise<LoadRun> {
    console.log(`  ${this.trackers} tracker(s), ${CLIENTS} ${this.kind} clients…`);
    await this.#generator.write("go");
    const status = await this.#generator.exited();
    if (!status.success) {
      throw new Error(`bench/tracker_load.ts failed: ${this.#generator.stderr.lines.at(-1)}`);
    }
    const run = JSON.parse(this.#generator.stdout.lines.at(-1)!) as LoadRun;
    const failed = run.results.find((r) => r.errors > 0);
    if (failed) {
      throw new Error(
        `${failed.errors} ${failed.workload} requests failed: ${failed.firstErrors[0]}`,
      );
    }
    return run;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#generator[Symbol.asyncDispose]();
    await this.#cluster[Symbol.asyncDispose]();
  }
}

const OP_NAMES = { read: "list_groups", write: "create_group", mixed: "mixed, ½ writes" };

function rowsOf(target: string, run: LoadRun, sqlite: { single: Measure; batched: Measure }) {
  return run.results.flatMap((r): Row[] => {
    const scenario = `${target}, ${run.clients} ${run.kind} clients, ${r.workload}`;
    const figure: Measure = { name: OP_NAMES[r.workload], unit: "ops/s", value: r.opsPerS };
    const note = `(p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms)`;
    // What one op costs the trackers, beside what it costs the client: both share two cores.
    const cpu: Row[] = r.trackerCpuUsPerOp === null ? [] : [{
      part: "tracker",
      scenario,
      figure: { name: "tracker CPU", unit: "µs/op", value: r.trackerCpuUsPerOp },
      baseline: { name: "client CPU", unit: "µs/op", value: r.clientCpuUsPerOp },
    }];
    if (r.workload !== "write") return [{ part: "tracker", scenario, figure, note }, ...cpu];
    return [
      { part: "tracker", scenario, figure, baseline: sqlite.single, note },
      { part: "tracker", scenario, figure, baseline: sqlite.batched },
      ...cpu,
    ];
  });
}

/** One target: set up, loaded, stopped. */
async function load(
  ctx: BenchContext,
  trackers: number,
  kind: ClientKind,
  seconds: number,
): Promise<LoadRun> {
  console.log(`  setting up ${trackers} tracker(s) and ${CLIENTS} ${kind} clients…`);
  await using target = await LoadTarget.start(ctx, trackers, kind, seconds);
  await target.ready();
  return await target.run();
}

/** SQLite, one tracker (lean clients, then the peer's), two trackers, SQLite again. */
export async function trackerPart(ctx: BenchContext): Promise<PartResult> {
  const seconds = ctx.isQuick ? 3 : 15;
  const sqliteSeconds = ctx.isQuick ? 0.5 : 3;
  const before = await sqliteRate(ctx, 1, sqliteSeconds);
  const one = await load(ctx, 1, "lean", seconds);
  const onePeer = await load(ctx, 1, "peer", seconds);
  const two = await load(ctx, 2, "lean", seconds);
  const after = await sqliteRate(ctx, 2, sqliteSeconds);
  const rates = [before, after];
  const sqlite = {
    single: fromRuns(
      "SQLite commits",
      "ops/s",
      summarize(rates.map((r) => r.singleCommitsPerS), true),
    ),
    batched: fromRuns(
      `SQLite, ${before.batch}/commit`,
      "ops/s",
      summarize(rates.map((r) => r.batchedOpsPerS), true),
    ),
  };
  return {
    rows: [
      ...rowsOf("1 tracker", one, sqlite),
      ...rowsOf("1 tracker", onePeer, sqlite),
      ...rowsOf("2 trackers", two, sqlite),
    ],
    details: { sqlite: rates, oneTracker: one, oneTrackerPeerClients: onePeer, twoTrackers: two },
  };
}
