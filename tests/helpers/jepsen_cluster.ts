/**
 * The processes of the partition workload, each in the network namespace of its host: trackers
 * (started, killed with SIGKILL, restarted, stopped, their databases read back) and clients
 * (tests/helpers/jepsen_client.ts, one command at a time over stdin). Only processes started
 * here are signalled, by their own pid.
 */
import type { Host } from "./netns.ts";
import { Child, DENO, ROOT } from "./processes.ts";
import { Store } from "../../lib/tracker/store.ts";
import type { TrackerFinal } from "./jepsen_checker.ts";

export const TRACKER_PORT = 7001;
const CLIENT_REPLY_TIMEOUT_MS = 15_000;
/** A process asked to stop that is still there after this long is killed. */
const STOP_DEADLINE_MS = 5000;

/** `deno <args>` inside `host`'s namespace (`ip netns exec` execs, so the pid is deno's). */
function inHost(host: Host, args: string[], stdin = false): Child {
  return new Child(["netns", "exec", host.ns, DENO, ...args], { program: "ip", stdin });
}

/** Trackers 1..N on hosts of their own, sharing one cluster key, their logs never trimmed. */
export class Trackers implements AsyncDisposable {
  readonly #running = new Map<number, Child>();
  /** Trackers started and listening (not yet killed). */
  readonly #listening = new Set<number>();

  constructor(readonly dir: string, readonly hosts: readonly Host[]) {}

  get infoPath(): string {
    return `${this.dir}/tracker_info.txt`;
  }

  /** The `IP:PORT` of tracker n. */
  address(n: number): string {
    return `${this.hosts[n - 1]!.ip}:${TRACKER_PORT}`;
  }

  /** Whether tracker n listens (started, not killed since). */
  isUp(n: number): boolean {
    return this.#listening.has(n);
  }

  async writeInfo(): Promise<void> {
    const lines = this.hosts.map((_, i) => this.address(i + 1));
    await Deno.writeTextFile(this.infoPath, lines.join("\n") + "\n");
  }

  async start(n: number): Promise<void> {
    const child = inHost(this.hosts[n - 1]!, [
      ...[
        "run",
        "--no-prompt",
        "--allow-net",
        "--allow-ffi",
        "--allow-read",
        `--allow-write=${this.dir}`,
      ],
      ...[`${ROOT}tracker.ts`, this.infoPath, String(n), "--data-dir", this.#dataDir(n)],
      ...["--cluster-key", `${this.dir}/cluster.key`],
      // The checker reads every operation back from the log: keep it whole.
      ...["--trim-interval-ms", "3600000"],
    ]);
    this.#running.set(n, child);
    await child.stdout.waitFor((line) => line.includes("listening on"));
    this.#listening.add(n);
  }

  /** Signal tracker n (SIGKILL by default) and wait until it is gone (SIGKILL after 5 s). */
  async kill(n: number, signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#running.get(n);
    if (!child) throw new Error(`Tracker ${n} is not running`);
    this.#running.delete(n);
    this.#listening.delete(n);
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_DEADLINE_MS);
    await child.exited();
    clearTimeout(timer);
  }

  /** Stop every tracker (SIGTERM) and read back each one's state and log. */
  async stopAndRead(): Promise<TrackerFinal[]> {
    for (const n of [...this.#running.keys()]) await this.kill(n, "SIGTERM");
    const finals: TrackerFinal[] = [];
    for (let n = 1; n <= this.hosts.length; n++) {
      const store = Store.open(`${this.#dataDir(n)}/tracker.db`);
      try {
        finals.push({ n, state: store.loadState(), ops: store.allOperations() });
      } finally {
        await store.close();
      }
    }
    return finals;
  }

  #dataDir(n: number): string {
    return `${this.dir}/tracker-${n}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const child of this.#running.values()) await child[Symbol.asyncDispose]();
    this.#running.clear();
  }
}

/** What a client answers: acknowledged, refused (certainly not done), or unknown. */
export interface Reply {
  id: number;
  type: "ok" | "fail" | "info";
  code?: string;
  result?: Record<string, unknown>;
}

/** One client process on a client host. */
export class Client implements AsyncDisposable {
  readonly #child: Child;
  #next = 0;
  #seen = 0;

  constructor(readonly name: string, readonly host: Host) {
    this.#child = inHost(host, [
      ...["run", "--no-prompt", "--allow-net", "--allow-ffi", "--allow-read"],
      `${ROOT}tests/helpers/jepsen_client.ts`,
    ], true);
  }

  /** Send one command and wait for its answer. */
  async send(command: Record<string, unknown>): Promise<Reply> {
    const id = ++this.#next;
    await this.#child.write(JSON.stringify({ ...command, id }));
    const index = await this.#child.stdout.waitFor(
      (line) => line.startsWith(`{"id":${id},`),
      this.#seen,
      CLIENT_REPLY_TIMEOUT_MS,
    ).catch((error) => {
      throw new Error(`Client ${this.name} did not answer: ${this.#child.stderr.text()}`, {
        cause: error,
      });
    });
    this.#seen = index + 1;
    return JSON.parse(this.#child.stdout.lines[index]!);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#child.closeStdin();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), STOP_DEADLINE_MS);
    await this.#child.exited();
    clearTimeout(timer);
  }
}
