/**
 * The tracker load generator, a process of its own: `clients` real encrypted connections, each
 * with its own key, user and session, spread over the given trackers (client i prefers tracker i
 * mod n, as tests/cluster_load_test.ts). Of one of two kinds: `peer`, the peer's own
 * TrackerClient (lib/peer/client/tracker_client.ts), which decodes and checks every result in
 * full, or `lean` (bench/lean_client.ts), which checks each answer's type, `rid` and `ok` only, as
 * a load generator of another's making would, so that the tracker, not this process, is what
 * runs out first. The set-up, not timed: create_user, login and one create_group per
 * client (so that list_groups answers a full first page of 200 groups), `SETUP_BATCH` clients at
 * a time. It prints `ready` and waits for a line on stdin; then each client runs a closed loop,
 * one request at a time, for `seconds` per workload, in this order:
 *
 * - `read`: list_groups, its first page
 * - `mixed`: create_group and list_groups alternating, half writes (list_groups' cost grows with
 *   the groups, so this runs before `write` makes thousands)
 * - `write`: create_group with a unique name, each answered after the tracker's COMMIT
 *
 * Then it prints one JSON line: per workload the completed ops, ops/s, p50 and p99 latency in ms,
 * the errors (the first few quoted), and the CPU time per op of this process and, when their
 * process ids are given (Linux: /proc), of the trackers: on a machine of two cores both are
 * busy, so ops/s alone says as much about this generator as about the trackers.
 *
 * Usage: tracker_load.ts <peer|lean> <port,port…> <clients> <seconds> [<tracker pid,pid…>]
 */
import { cpuUsage } from "node:process";
import { describeError } from "../lib/common/errors.ts";
import { TrackerClient } from "../lib/peer/client/tracker_client.ts";
import { testIdentity } from "../lib/peer/testing/identities.ts";
import { LeanClient } from "./lean_client.ts";
import { percentile } from "./stats.ts";

/** A workload's figures. */
export interface LoadResult {
  readonly workload: Workload;
  readonly ops: number;
  readonly opsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly firstErrors: string[];
  /** CPU time of the trackers (all of them) per op; null without their pids. */
  readonly trackerCpuUsPerOp: number | null;
  /** CPU time of this load generator per op. */
  readonly clientCpuUsPerOp: number;
}

/** What the clients do in a loop. */
export type Workload = "write" | "read" | "mixed";

/** Which client makes the load. */
export type ClientKind = "peer" | "lean";

/** One loaded connection: a closed loop awaits each op before its next. */
interface LoadClient {
  op(isWrite: boolean, name: string): Promise<void>;
  close(): Promise<void> | void;
}

const WORKLOADS: Workload[] = ["read", "mixed", "write"];
const REQUEST_TIMEOUT_MS = 30_000;
const KEPT_ERRORS = 3;
const SETUP_BATCH = 50;

/** One client of `kind`, its user made and logged in. */
async function connectOne(
  kind: ClientKind,
  ports: number[],
  i: number,
  run: string,
): Promise<LoadClient> {
  const user = `load-${run}-${i}`;
  if (kind === "lean") {
    const lean = await LeanClient.open(ports[i % ports.length]!, user);
    return {
      op: (isWrite, name) =>
        isWrite
          ? lean.quick("create_group", { group: name }, true)
          : lean.quick("list_groups", {}, false),
      close: () => lean.close(),
    };
  }
  const me = await testIdentity();
  const order = ports.map((_, k) => ({ host: "127.0.0.1", port: ports[(i + k) % ports.length]! }));
  const client = new TrackerClient(order, {
    peerId: me.peerId,
    transport: me.transport,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    connectTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  await client.request("create_user", { user, password: "pw" });
  await client.login({ user, password: "pw", port: 1 });
  await client.request("create_group", { group: `${user}-seed` });
  return {
    op: async (isWrite, name) => {
      if (isWrite) await client.request("create_group", { group: name });
      else await client.request("list_groups", {});
    },
    close: () => client.close(),
  };
}

/** `clients` clients, set up `SETUP_BATCH` at a time (200 handshakes at once overrun 3 s). */
async function connect(
  kind: ClientKind,
  ports: number[],
  clients: number,
): Promise<LoadClient[]> {
  const run = crypto.randomUUID().slice(0, 8);
  const connected: LoadClient[] = [];
  try {
    for (let first = 0; first < clients; first += SETUP_BATCH) {
      const batch = Array.from(
        { length: Math.min(SETUP_BATCH, clients - first) },
        (_, k) => first + k,
      );
      connected.push(...await Promise.all(batch.map((i) => connectOne(kind, ports, i, run))));
    }
    return connected;
  } catch (error) {
    await Promise.all(connected.map((client) => client.close()));
    throw error;
  }
}

/** Every client in a closed loop until `seconds` have passed. */
async function loop(clients: LoadClient[], workload: Workload, seconds: number) {
  const latencies: number[] = [];
  const errors: string[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const tag = `${workload[0]}${crypto.randomUUID().slice(0, 6)}`;
  await Promise.all(clients.map(async (client, i) => {
    for (let k = 0; performance.now() < deadline; k++) {
      const isWrite = workload === "write" || (workload === "mixed" && k % 2 === 0);
      const sent = performance.now();
      try {
        await client.op(isWrite, `${tag}-${i}-${k}`);
        latencies.push(performance.now() - sent);
      } catch (error) {
        errors.push(`client ${i}: ${describeError(error)}`);
      }
    }
  }));
  return { latencies, errors, elapsed: (performance.now() - started) / 1000 };
}

/** USER_HZ: /proc counts CPU time in these ticks per second. */
const TICKS_PER_S = 100;

/** CPU time the processes have used so far, in µs (utime + stime of /proc/PID/stat). */
function processCpuUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    // The command name, in parentheses, may hold spaces: count fields after its end.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * (1_000_000 / TICKS_PER_S);
}

async function measure(
  clients: LoadClient[],
  workload: Workload,
  seconds: number,
  trackerPids: readonly number[],
) {
  const trackerBefore = trackerPids.length ? processCpuUs(trackerPids) : 0;
  const clientBefore = cpuUsage();
  const { latencies, errors, elapsed } = await loop(clients, workload, seconds);
  const client = cpuUsage(clientBefore);
  const trackerUs = trackerPids.length ? processCpuUs(trackerPids) - trackerBefore : NaN;
  const ops = Math.max(1, latencies.length);
  latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    workload,
    ops: latencies.length,
    opsPerS: latencies.length / elapsed,
    p50Ms: latencies.length ? percentile(latencies, 50) : NaN,
    p99Ms: latencies.length ? percentile(latencies, 99) : NaN,
    errors: errors.length,
    firstErrors: errors.slice(0, KEPT_ERRORS),
    trackerCpuUsPerOp: trackerPids.length ? trackerUs / ops : null,
    clientCpuUsPerOp: (client.user + client.system) / ops,
  };
  return result;
}

/** The first line (or end) of stdin. */
async function goSignal(): Promise<void> {
  const reader = Deno.stdin.readable.getReader();
  try {
    await reader.read();
  } finally {
    reader.releaseLock();
  }
}

async function main(args: string[]): Promise<void> {
  const [kind, portsText, clientsText, secondsText, pidsText] = args;
  const trackerPids = pidsText ? pidsText.split(",").map(Number) : [];
  const ports = (portsText ?? "").split(",").map(Number);
  const clients = Number(clientsText);
  const seconds = Number(secondsText);
  if (
    (kind !== "peer" && kind !== "lean") || !ports.every((p) => p > 0) || !(clients > 0) ||
    !(seconds > 0) || !trackerPids.every((pid) => pid > 0)
  ) {
    throw new TypeError(
      "Usage: tracker_load.ts <peer|lean> <port,port…> <clients> <seconds> [<pid,pid…>]",
    );
  }
  const setupStarted = performance.now();
  const connected = await connect(kind, ports, clients);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  try {
    console.log("ready");
    await goSignal();
    const results: LoadResult[] = [];
    for (const workload of WORKLOADS) {
      results.push(await measure(connected, workload, seconds, trackerPids));
    }
    console.log(JSON.stringify({ kind, clients, seconds, setupSeconds, results }));
  } finally {
    await Promise.all(connected.map((client) => client.close()));
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    console.error(`tracker_load: ${describeError(error)}`);
    Deno.exit(1);
  }
}
