/**
 * Two trackers on hosts of their own (network namespaces on a bridge), the network between them
 * cut while clients write on both sides, then healed: the trackers notice the silent link, keep
 * reopening it, and hold the same state within 5 s of the heal. Needs root and iproute2; skips
 * with one line elsewhere.
 */
import { equal, ok } from "node:assert/strict";
import { cannotShape, Network } from "./helpers/netns.ts";
import { Child, DENO, ROOT, tempDir } from "./helpers/processes.ts";
import { waitUntil } from "../lib/common/test_util.ts";

const reason = await cannotShape();
if (reason) console.log(`cluster_partition_test: skipped, ${reason}`);

const PORT = 7001;
const HEAL_DEADLINE_MS = 5000;

interface Status {
  up: boolean;
  ops?: number;
  digest?: string;
}

Deno.test({
  name: "trackers cut apart while both sides write hold the same state within 5 s of the heal",
  ignore: reason !== null,
  async fn() {
    await using dir = await tempDir();
    await using net = await Network.create(`psp${Deno.pid}`, { hosts: 2 });
    const [one, two] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]];
    const info = `${dir.path}/tracker_info.txt`;
    await Deno.writeTextFile(info, `${one.ip}:${PORT}\n${two.ip}:${PORT}\n`);
    const inNs = (ns: string, args: string[]) =>
      new Child(["netns", "exec", ns, DENO, ...args], { program: "ip" });
    const tracker = (n: number, ns: string) =>
      inNs(ns, [
        ...["run", "--no-prompt", "--allow-net", "--allow-read", `--allow-write=${dir.path}`],
        ...[`${ROOT}tracker.ts`, info, String(n), "--data-dir", `${dir.path}/tracker-${n}`],
        ...["--cluster-key", `${dir.path}/cluster.key`],
      ]);
    await using first = tracker(1, one.ns);
    await first.stdout.waitFor((line) => line.includes("listening on"));
    await using second = tracker(2, two.ns);
    await second.stdout.waitFor((line) => line.includes("listening on"));

    const statuses = async (): Promise<Status[]> => {
      await using status = inNs(one.ns, [
        ...["run", "--no-prompt", "--allow-net", "--allow-read"],
        ...[`${ROOT}tracker.ts`, "status", info, "--json"],
      ]);
      await status.exited();
      return JSON.parse(status.stdout.lines.join("\n")).trackers;
    };
    const converged = async () => {
      const [a, b] = await statuses();
      return a?.up && b?.up && a.digest === b.digest ? a : undefined;
    };
    const before = await waitUntil("the trackers converge", converged, {
      timeoutMs: 20_000,
      intervalMs: 200,
    });

    await net.cut(two);
    const write = async (ns: string, address: string, prefix: string) => {
      await using writer = inNs(ns, [
        ...["run", "--no-prompt", "--allow-net", "--allow-read"],
        ...[`${ROOT}tests/helpers/ns_writer.ts`, address, prefix, "5"],
      ]);
      const status = await writer.exited();
      equal(status.code, 0, writer.stderr.text());
      equal(JSON.parse(writer.stdout.lines.at(-1)!).acked, 5);
    };
    await Promise.all([
      write(one.ns, `${one.ip}:${PORT}`, "left"),
      write(two.ns, `${two.ip}:${PORT}`, "right"),
    ]);
    // Each side finds its link silent (no TCP error comes during a cut) and says so.
    const silent = (line: string) => line.includes("down") && line.includes("Nothing heard");
    await Promise.all([
      first.stderr.waitFor(silent, 0, 15_000),
      second.stderr.waitFor(silent, 0, 15_000),
    ]);

    await net.heal(two);
    const healed = performance.now();
    const after = await waitUntil("the trackers converge after the heal", converged, {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const ms = performance.now() - healed;
    console.log(`converged ${ms.toFixed(0)} ms after the heal`);
    ok(ms < HEAL_DEADLINE_MS, `converged ${ms.toFixed(0)} ms after the heal`);
    // Ten users made apart, on two sides, all held by both.
    equal(after.ops, before.ops! + 10);
  },
});
