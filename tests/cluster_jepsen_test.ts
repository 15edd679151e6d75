/**
 * The Jepsen-style partition workload (tests/helpers/jepsen_run.ts) with its checker
 * (tests/helpers/jepsen_checker.ts): three trackers on hosts of their own, clients beside each,
 * the network split and healed round after round while the clients write and trackers are
 * killed and restarted. Each round must converge within 5 s of its heal, and the checker must
 * find nothing in the history and the trackers' final states. Needs root and iproute2; skips
 * with one line elsewhere. `JEPSEN_SEEDS` (comma-separated) and `JEPSEN_ROUNDS` choose the runs:
 * 2 rounds of seed 1 here, more in `deno task test:partition`.
 */
import { ok } from "node:assert/strict";
import { cannotShape } from "./helpers/netns.ts";
import { tempDir } from "./helpers/processes.ts";
import { checkHistory, WRITE_COMMANDS } from "./helpers/jepsen_checker.ts";
import { runWorkload } from "./helpers/jepsen_run.ts";

const reason = await cannotShape();
if (reason) console.log(`cluster_jepsen_test: skipped, ${reason}`);

const HEAL_DEADLINE_MS = 5000;
const SEEDS = (Deno.env.get("JEPSEN_SEEDS") ?? "1").split(",").map(Number);
const ROUNDS = Number(Deno.env.get("JEPSEN_ROUNDS") ?? "2");

for (const seed of SEEDS) {
  Deno.test({
    name: `partition workload (seed ${seed}, ${ROUNDS} rounds) keeps every acknowledged write`,
    ignore: reason !== null,
    async fn() {
      await using dir = await tempDir();
      const rerun = `seed ${seed}: JEPSEN_SEEDS=${seed} JEPSEN_ROUNDS=${ROUNDS}`;
      const run = await runWorkload(dir.path, { seed, rounds: ROUNDS }).catch((error) => {
        throw new Error(`${rerun}: ${(error as Error).message}`, { cause: error });
      });
      const report = checkHistory(run.history, run.finals);
      const writes = run.history.filter((e) => WRITE_COMMANDS.has(e.op));
      const count = (type: string) => writes.filter((e) => e.type === type).length;
      const rules = new Map<string, number>();
      for (const line of report.superseded) {
        // The rule is what comes before its first colon ("set aside: x by a former owner: …").
        const [first, second] = line.slice(line.indexOf("): ") + 3).split(":");
        const rule = first === "set aside" ? `${first}:${second}` : first!;
        rules.set(rule, (rules.get(rule) ?? 0) + 1);
      }
      console.log(
        `seed ${seed}: ${run.history.length} commands, ${writes.length} writes (${
          count("ok")
        } acknowledged, ` +
          `${count("fail")} refused, ${count("info")} unknown), ${run.kills} trackers killed, ` +
          `heal to equal digests ${run.healMs.map((ms) => ms.toFixed(0)).join("/")} ms; ` +
          `superseded: ${JSON.stringify(Object.fromEntries(rules))}`,
      );
      for (const line of report.superseded.slice(0, 6)) console.log(`  ${line}`);
      const codes = new Map<string, number>();
      for (const { op, code } of writes) {
        if (code) codes.set(`${op} ${code}`, (codes.get(`${op} ${code}`) ?? 0) + 1);
      }
      const top = [...codes].sort((a, b) => b[1] - a[1]).slice(0, 6);
      console.log(`  most refused: ${top.map(([what, n]) => `${what} ${n}`).join(", ")}`);
      ok(report.problems.length === 0, `${rerun}:\n${report.problems.join("\n")}`);
      for (const [round, ms] of run.healMs.entries()) {
        ok(ms < HEAL_DEADLINE_MS, `${rerun}: round ${round + 1} took ${ms.toFixed(0)} ms to heal`);
      }
      ok(count("ok") > 0, `${rerun}: no write was acknowledged`);
    },
  });
}
