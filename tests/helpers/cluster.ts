/**
 * A set of trackers for one test: a tracker_info.txt with free ports, a cluster key and a data
 * folder per tracker, all in one temporary folder.
 */
import { openConnection, RpcClient } from "../../lib/wire/mod.ts";
import { type TestIdentity, testIdentity } from "../../lib/peer/testing/identities.ts";

/** Every group name, following list_groups' pages to the end. */
export async function allGroups(client: RpcClient, token: string): Promise<Set<string>> {
  const names = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await client.request("list_groups", cursor ? { cursor } : {}, { token });
    for (const group of page.groups) names.add(group.id);
    cursor = page.next;
  } while (cursor !== undefined);
  return names;
}
import { Child, freePort, ROOT, unencryptedBenchFlags } from "./processes.ts";

/** Permissions a tracker gets in tests: what the shipped task gives, scoped to the test folder. */
function trackerArgs(
  dir: string,
  infoPath: string,
  n: number,
  flags: string[],
  line = n,
): string[] {
  return [
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-ffi",
    `--allow-read`,
    `--allow-write=${dir}`,
    ...unencryptedBenchFlags(),
    `${ROOT}tracker.ts`,
    infoPath,
    String(line),
    "--data-dir",
    `${dir}/tracker-${n}`,
    "--cluster-key",
    `${dir}/cluster.key`,
    ...flags,
  ];
}

/** An RPC client to a tracker and the peer id its key gives it. */
export type TestClient = RpcClient & { readonly peerId: string };

/** Trackers of one test, listed in `infoPath`. */
export class Cluster implements AsyncDisposable {
  readonly dir: string;
  readonly infoPath: string;
  readonly ports: number[];
  readonly trackers = new Map<number, Child>();
  readonly flags: string[];

  private constructor(dir: string, ports: number[], flags: string[]) {
    this.dir = dir;
    this.ports = ports;
    this.infoPath = `${dir}/tracker_info.txt`;
    this.flags = flags;
  }

  /** Write tracker_info.txt with `count` free ports; start none yet. */
  static async create(dir: string, count = 1, flags: string[] = []): Promise<Cluster> {
    const ports = Array.from({ length: count }, () => freePort());
    const cluster = new Cluster(dir, ports, flags);
    await Deno.writeTextFile(
      cluster.infoPath,
      ports.map((p) => `127.0.0.1:${p}`).join("\n") + "\n",
    );
    return cluster;
  }

  /**
   * Write a tracker list naming only the first `count` trackers (for trackers that do not know
   * a tracker added later).
   *
   * @returns its path
   */
  async writeFirst(count: number): Promise<string> {
    const path = `${this.dir}/first-${count}.txt`;
    const lines = this.ports.slice(0, count).map((p) => `127.0.0.1:${p}`);
    await Deno.writeTextFile(path, lines.join("\n") + "\n");
    return path;
  }

  /**
   * Start tracker n (1-based) and wait until it listens: line `line` of `infoPath` (by default
   * line n of the cluster's list), data in `tracker-<n>`.
   */
  async start(
    n: number,
    flags: string[] = [],
    infoPath = this.infoPath,
    line = n,
  ): Promise<Child> {
    const child = new Child(trackerArgs(this.dir, infoPath, n, [...this.flags, ...flags], line));
    try {
      await child.stdout.waitFor((line) => line.includes("listening on"));
    } catch (error) {
      await child[Symbol.asyncDispose]();
      throw new Error(
        `Tracker ${n} did not start: ${(error as Error).message}\nstderr:\n${child.stderr.text()}`,
      );
    }
    this.trackers.set(n, child);
    return child;
  }

  /** kill -9 tracker n and wait for it to be gone. */
  async kill(n: number, signal: Deno.Signal = "SIGKILL"): Promise<Deno.CommandStatus> {
    const child = this.trackers.get(n);
    if (!child) throw new Error(`Tracker ${n} is not running`);
    child.kill(signal);
    const status = await child.exited();
    this.trackers.delete(n);
    return status;
  }

  /**
   * An RPC client connected to tracker n, proving `identity`'s key (a fresh one by default);
   * `peerId` is what its login must name.
   */
  async client(n: number, identity?: TestIdentity): Promise<TestClient> {
    const me = identity ?? await testIdentity();
    const wire = await openConnection({ host: "127.0.0.1", port: this.ports[n - 1]! }, {
      role: "peer",
      id: me.peerId,
      identity: me.transport,
    });
    return Object.assign(new RpcClient(wire), { peerId: me.peerId });
  }

  /** Tracker n's operation count and digest. */
  async status(
    n: number,
  ): Promise<{ trackerId: string; ops: number; logged: number; digest: string }> {
    const client = await this.client(n);
    try {
      return await client.request("status", {});
    } finally {
      await client.close();
    }
  }

  /**
   * Wait until every running tracker reports the same digest.
   *
   * @returns the digest and how long it took
   */
  async converged(timeoutMs = 5000): Promise<{ digest: string; ms: number }> {
    const started = Date.now();
    while (true) {
      const statuses = await Promise.all([...this.trackers.keys()].map((n) => this.status(n)));
      const digests = new Set(statuses.map((s) => s.digest));
      if (digests.size === 1) return { digest: statuses[0]!.digest, ms: Date.now() - started };
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `Trackers did not converge in ${timeoutMs} ms: ${JSON.stringify(statuses)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const child of this.trackers.values()) await child[Symbol.asyncDispose]();
    this.trackers.clear();
  }
}
