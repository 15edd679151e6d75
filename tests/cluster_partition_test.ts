/**
 * Two trackers on hosts of their own (network namespaces on a bridge), the network between them
 * cut and healed round after round while clients on both sides write, contest a user name and a
 * group name, an owner leaves a group on one side and still answers a join request on the other,
 * and (every other round) tracker 2 is killed and restarted while cut off. After each heal a
 * checker asks: equal digests within 5 s; every acknowledged write held by both (each is an
 * operation: the counts add up); one winner per contested name, the same on both trackers, the
 * loser told `name_taken`; the former owner's answer set aside (the group keeps one owner, the
 * request still pending) and its author told `not_owner`. Needs root and
 * iproute2; skips with one line elsewhere. `PARTITION_ROUNDS` sets the rounds (2 here;
 * `deno task test:partition` runs 8).
 */
import { equal, ok } from "node:assert/strict";
import { cannotShape, type Host, Network } from "./helpers/netns.ts";
import { Child, DENO, ROOT, tempDir } from "./helpers/processes.ts";
import { waitUntil } from "../lib/common/test_util.ts";

const reason = await cannotShape();
if (reason) console.log(`cluster_partition_test: skipped, ${reason}`);

const PORT = 7001;
const HEAL_DEADLINE_MS = 5000;
const ROUNDS = Number(Deno.env.get("PARTITION_ROUNDS") ?? "2");
const WRITES = 5;

interface Status {
  up: boolean;
  ops?: number;
  digest?: string;
}

Deno.test({
  name: "trackers cut apart while both sides write hold the same state within 5 s of each heal",
  ignore: reason !== null,
  async fn() {
    await using dir = await tempDir();
    await using net = await Network.create(`psp${Deno.pid}`, { hosts: 2 });
    const [one, two] = net.hosts as [Host, Host];
    const info = `${dir.path}/tracker_info.txt`;
    await Deno.writeTextFile(info, `${one.ip}:${PORT}\n${two.ip}:${PORT}\n`);
    const inNs = (host: Host, args: string[]) =>
      new Child(["netns", "exec", host.ns, DENO, ...args], { program: "ip" });
    const startTracker = async (n: number, host: Host) => {
      const child = inNs(host, [
        ...[
          "run",
          "--no-prompt",
          "--allow-net",
          "--allow-ffi",
          "--allow-read",
          `--allow-write=${dir.path}`,
        ],
        ...[`${ROOT}tracker.ts`, info, String(n), "--data-dir", `${dir.path}/tracker-${n}`],
        ...["--cluster-key", `${dir.path}/cluster.key`],
      ]);
      await child.stdout.waitFor((line) => line.includes("listening on"));
      return child;
    };
    /** One JSON line from a client run in `host`'s namespace. */
    const client = async (host: Host, args: string[]) => {
      await using child = inNs(host, [
        ...["run", "--no-prompt", "--allow-net", "--allow-ffi", "--allow-read"],
        ...[`${ROOT}tests/helpers/ns_writer.ts`, ...args],
      ]);
      const status = await child.exited();
      equal(status.code, 0, child.stderr.text());
      return JSON.parse(child.stdout.lines.at(-1)!);
    };
    const trackers = [await startTracker(1, one), await startTracker(2, two)];
    try {
      const statuses = async (): Promise<Status[]> => {
        await using status = inNs(one, [
          ...["run", "--no-prompt", "--allow-net", "--allow-ffi", "--allow-read"],
          ...[`${ROOT}tracker.ts`, "status", info, "--json"],
        ]);
        await status.exited();
        return JSON.parse(status.stdout.lines.join("\n")).trackers;
      };
      const converged = async () => {
        const [a, b] = await statuses();
        return a?.up && b?.up && a.digest === b.digest && a.ops === b.ops ? a : undefined;
      };
      let before = await waitUntil("the trackers converge", converged, {
        timeoutMs: 20_000,
        intervalMs: 200,
      });

      const at = (host: Host) => `${host.ip}:${PORT}`;
      /** One command as `user` on `host`'s tracker (a fresh login each time). */
      const as = (host: Host, user: string, op: string, args: Record<string, unknown>) =>
        client(host, ["as", at(host), user, "pw", op, JSON.stringify(args)]);
      for (let round = 1; round <= ROUNDS; round++) {
        // Together first: an owner, a second member, one pending request, two group creators.
        const [own, mate, asker, ann, ben] = ["own", "mate", "asker", "ann", "ben"]
          .map((name) => `${name}-r${round}`);
        const club = `club-r${round}`;
        for (const user of [own!, mate!, asker!, ann!, ben!]) {
          equal((await client(one, ["contest", at(one), user, "pw"])).acked, true);
        }
        for (
          const [user, op, args] of [
            [own, "create_group", { group: club }],
            [mate, "join_group", { group: club }],
            [own, "accept_request", { group: club, user: mate }],
            [asker, "join_group", { group: club }],
          ] as const
        ) {
          const reply = await as(one, user!, op, args);
          ok(reply.ok, `${user} ${op}: ${JSON.stringify(reply)}`);
        }
        before = await waitUntil(`round ${round} starts converged`, converged, {
          timeoutMs: 15_000,
          intervalMs: 100,
        });

        const logFrom = trackers[0]!.stderr.lines.length;
        await net.cut(two);
        const [left, right, contestLeft, contestRight] = await Promise.all([
          client(one, ["create", at(one), `left-r${round}`, String(WRITES)]),
          client(two, ["create", at(two), `right-r${round}`, String(WRITES)]),
          client(one, ["contest", at(one), `both-r${round}`, "left"]),
          client(two, ["contest", at(two), `both-r${round}`, "right"]),
        ]);
        equal(left.acked + right.acked, 2 * WRITES);
        ok(contestLeft.acked && contestRight.acked, "each side alone takes the name");
        // Apart: the owner leaves on one side (mate owns the club there) and, later, still
        // owning it on the other side, accepts the pending request; a group name made twice.
        const left1 = await as(one, own!, "leave_group", { group: club });
        const groupA = await as(one, ann!, "create_group", { group: `shared-r${round}` });
        const accepted = await as(two, own!, "accept_request", { group: club, user: asker });
        const groupB = await as(two, ben!, "create_group", { group: `shared-r${round}` });
        ok(left1.ok && groupA.ok && accepted.ok && groupB.ok, "each side alone acknowledges");
        if (round % 2 === 0) {
          // Killed while cut off: what it acknowledged must survive the restart too.
          trackers[1]!.kill("SIGKILL");
          await trackers[1]!.exited();
          await trackers[1]![Symbol.asyncDispose]();
          trackers[1] = await startTracker(2, two);
        }
        // Tracker 1 finds its link dead by itself (a cut gives TCP no error).
        await trackers[0]!.stderr.waitFor((line) => line.includes("is down"), logFrom, 15_000);

        await net.heal(two);
        const healed = performance.now();
        const after = await waitUntil(`round ${round} converges after the heal`, converged, {
          timeoutMs: 15_000,
          intervalMs: 100,
        });
        const ms = performance.now() - healed;
        console.log(`round ${round}: equal digests ${ms.toFixed(0)} ms after the heal`);
        ok(ms < HEAL_DEADLINE_MS, `round ${round}: ${ms.toFixed(0)} ms after the heal`);
        // Every acknowledged write is an operation both hold (the losing creations too).
        equal(after.ops, before.ops! + 2 * WRITES + 2 + 4);
        // The accept came from someone who, in the merged order, no longer owned the club.
        for (const host of [one, two]) {
          const page = await as(host, mate!, "list_groups", {});
          const listed = page.result.groups.find((g: { id: string }) => g.id === club);
          equal(listed?.owner, mate, `${host.ns}: ${JSON.stringify(listed)}`);
          equal(listed?.members, 1, `${host.ns}: the accept was set aside`);
          const pending = await as(host, mate!, "list_requests", { group: club });
          equal(JSON.stringify(pending.result.requests), JSON.stringify([asker]));
          const shared = page.result.groups.filter((g: { id: string }) =>
            g.id === `shared-r${round}`
          );
          equal(shared.length, 1);
        }
        const told = await as(one, own!, "list_groups", {});
        equal(told.code, "not_owner", JSON.stringify(told));
        // One creator of the shared group is told the name went to the other.
        const [annNext, benNext] = await Promise.all([
          as(one, ann!, "list_groups", {}),
          as(one, ben!, "list_groups", {}),
        ]);
        equal(
          [annNext.code, benNext.code].filter((code) => code === "name_taken").length,
          1,
          JSON.stringify([annNext, benNext]),
        );
        // One winner for the contested name, the same on both trackers.
        const winners = [];
        for (const host of [one, two]) {
          const address = `${host.ip}:${PORT}`;
          const [asLeft, asRight] = await Promise.all([
            client(host, ["login", address, `both-r${round}`, "left"]),
            client(host, ["login", address, `both-r${round}`, "right"]),
          ]);
          equal(Number(asLeft.ok) + Number(asRight.ok), 1, JSON.stringify([asLeft, asRight]));
          winners.push(asLeft.ok ? "left" : "right");
        }
        equal(winners[0], winners[1], "both trackers name the same winner");
        before = after;
      }
    } finally {
      for (const tracker of trackers) await tracker[Symbol.asyncDispose]();
    }
  },
});
