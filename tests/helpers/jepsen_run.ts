/**
 * The Jepsen-style partition workload: N trackers, each on a host (network namespace) of its
 * own, and a client host beside each tracker with clients on it. Round after round the trackers
 * are split into sides (one alone, or each alone), every client host going with its tracker;
 * clients on every side create users and groups, join, accept, reject, leave, upload small
 * files and stop sharing on the trackers of their side, while a tracker (any, one at a time) is
 * killed with SIGKILL and restarted. Then the network heals and the trackers must hold the same
 * state within `HEAL_DEADLINE_MS`. At the end every client asks every tracker once as each of
 * its users (so losers are told), the trackers stop, and their databases are read back for the
 * checker. One seed decides the sides, the kills and every client's choices (the answers still
 * depend on timing), so a failing seed can be run again.
 */
import { Network } from "./netns.ts";
import { Client, type Reply, Trackers } from "./jepsen_cluster.ts";
import type { HistoryEntry, TrackerFinal } from "./jepsen_checker.ts";
import { type Intent, Knowledge, nextIntent, pick, prng } from "./jepsen_generator.ts";
import { delay } from "../../lib/common/async.ts";
import { waitUntil } from "../../lib/common/test_util.ts";

/** Options of {@linkcode runWorkload}. */
export interface WorkloadOptions {
  seed: number;
  rounds: number;
  trackers?: number;
  clientsPerHost?: number;
  /** How long the clients write while the network is split. */
  splitMs?: number;
}

/** The history, the final states and the figures of one run. */
export interface WorkloadRun {
  history: HistoryEntry[];
  finals: TrackerFinal[];
  /** Per round, ms from the heal to equal digests on every tracker. */
  healMs: number[];
  kills: number;
}

const CONVERGE_TIMEOUT_MS = 20_000;
/** Most answers asked of one tracker at the end, as one user: each tells at most one loss. */
const MAX_TELLINGS = 20;

/** Run the workload in `dir`; namespaces and processes are gone when it returns or throws. */
export async function runWorkload(dir: string, options: WorkloadOptions): Promise<WorkloadRun> {
  const count = options.trackers ?? 3;
  const random = prng(options.seed);
  await using net = await Network.create(`psj${Deno.pid % 100000}`, { hosts: 2 * count });
  const trackerHosts = net.hosts.slice(0, count);
  await using trackers = new Trackers(dir, trackerHosts);
  await trackers.writeInfo();
  const all = Array.from({ length: count }, (_, i) => i + 1);
  await Promise.all(all.map((n) => trackers.start(n)));
  await using clients = new AsyncDisposableStack();
  const team: Array<{ client: Client; home: number; random: () => number }> = [];
  for (const n of all) {
    for (let k = 0; k < (options.clientsPerHost ?? 2); k++) {
      const client = clients.use(
        new Client(`c${n}${String.fromCharCode(97 + k)}`, net.hosts[count + n - 1]!),
      );
      team.push({ client, home: n, random: prng(options.seed * 7919 + team.length + 1) });
    }
  }
  const history: HistoryEntry[] = [];
  let knowledge = new Knowledge();
  /** What each client's side of the cut learnt this round, by home tracker. */
  const views = new Map<number, Knowledge>();
  const began = performance.now();
  let requests = 0;
  /** Send one command and record it. */
  const perform = async (member: (typeof team)[number], tracker: number, intent: Intent) => {
    const isWrite = intent.op !== "list_groups";
    const requestId = isWrite ? `${member.client.name}.${++requests}` : undefined;
    const start = performance.now() - began;
    const reply: Reply = await member.client.send({
      address: trackers.address(tracker),
      ...intent,
      ...(requestId ? { requestId } : {}),
    });
    const { type, code, result } = reply;
    history.push({
      index: history.length,
      client: member.client.name,
      tracker,
      ...intent,
      ...(requestId ? { requestId } : {}),
      start,
      end: performance.now() - began,
      type,
      ...(code === undefined ? {} : { code }),
      ...(result === undefined ? {} : { result }),
    });
    const view = views.get(member.home) ?? knowledge;
    if (type === "ok") view.learn(intent, result ?? {});
    if (type === "fail") view.learnRefusal(intent, code ?? "");
    if (code === "name_taken" || code?.startsWith("login: ") && !code.includes("unreachable")) {
      view.forget(member.client.name, intent.user ?? "");
    }
    return reply;
  };
  const converged = async () => {
    const ask = (n: number) => team[0]!.client.send({ op: "status", address: trackers.address(n) });
    const statuses = await Promise.all(all.map(ask));
    const digests = new Set(statuses.map((s) => s.type === "ok" ? s.result?.digest : s.code));
    return statuses.every((s) => s.type === "ok") && digests.size === 1 ? true : undefined;
  };
  await waitUntil("the trackers start converged", converged, { timeoutMs: CONVERGE_TIMEOUT_MS });

  const healMs: number[] = [];
  let kills = 0;
  for (let round = 1; round <= options.rounds; round++) {
    const sides = splitSides(random, all);
    for (const side of sides) {
      const view = new Knowledge().absorb(knowledge);
      for (const n of side) views.set(n, view);
    }
    await net.partition(
      sides.map((side) => side.flatMap((n) => [trackerHosts[n - 1]!, net.hosts[count + n - 1]!])),
    );
    const splitMs = options.splitMs ?? 4000;
    const stopAt = performance.now() + splitMs;
    const write = async (member: (typeof team)[number]) => {
      const side = sides.find((s) => s.includes(member.home))!;
      while (performance.now() < stopAt) {
        const intent = nextIntent(member.random, member.client.name, {
          round,
          knowledge: views.get(member.home)!,
        });
        const up = side.filter((n) => trackers.isUp(n));
        // Mostly its own tracker while it is up, else another of its side.
        const home = up.includes(member.home) && member.random() < 0.6;
        const tracker = home || up.length === 0 ? member.home : pick(member.random, up);
        await perform(member, tracker, intent);
        await delay(20 + member.random() * 80); // pacing, not synchronisation
      }
    };
    const nemesis = async () => {
      if (random() < 0.25) return;
      await delay(random() * splitMs * 0.5);
      const victim = pick(random, all);
      await trackers.kill(victim);
      kills++;
      await delay(300 + random() * 1200);
      await trackers.start(victim);
    };
    await Promise.all([...team.map(write), nemesis()]);
    await net.join();
    knowledge = new Knowledge();
    for (const view of new Set(views.values())) knowledge.absorb(view);
    views.clear();
    const healed = performance.now();
    await waitUntil(`round ${round} converges after the heal`, converged, {
      timeoutMs: CONVERGE_TIMEOUT_MS,
    });
    healMs.push(performance.now() - healed);
  }
  // Every client asks every tracker as each user it acted as: losers of a name are told so. A
  // tracker tells one lost name or set-aside answer per command, so each is asked until it has
  // nothing left to tell (a user may have lost several).
  for (const member of team) {
    const name = member.client.name;
    const used = new Map(
      history.filter((e) => e.client === name && e.user && e.password)
        .map((e) => [e.user!, e.password!]),
    );
    for (const [user, password] of used) {
      for (const n of all) {
        for (let ask = 0; ask < MAX_TELLINGS; ask++) {
          const { code } = await perform(member, n, {
            op: "list_groups",
            user,
            password,
            args: {},
          });
          if (code !== "name_taken" && code !== "not_owner") break;
        }
      }
    }
  }
  const finals = await trackers.stopAndRead();
  return { history, finals, healMs, kills };
}

/** One tracker alone against the rest, or (one round in four) every tracker alone. */
function splitSides(random: () => number, all: number[]): number[][] {
  if (random() < 0.25) return all.map((n) => [n]);
  const alone = pick(random, all);
  return [[alone], all.filter((n) => n !== alone)];
}
