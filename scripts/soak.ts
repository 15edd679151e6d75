/**
 * `deno task soak`: a bounded soak with kills. Two trackers and 8 peers in one group share 20
 * files; every peer downloads, in a loop, a file it does not hold, checks its SHA-1, and lets it
 * go again (stop_share, delete) once it has all, while a tracker and random peers are killed
 * with SIGKILL and restarted. At the end: every download finished with the right SHA-1, the
 * resident memory and the open descriptors of the processes never killed stayed flat (first
 * minute against last minute: the trackers are killed too, so they are not measured), or the
 * exit code says which check failed.
 *
 * Usage: deno task soak [--minutes 3] [--peers 8] [--files 20] [--size-mib 4] [--seed 1]
 */
import { parseArgs } from "node:util";
import { Cluster } from "../tests/helpers/cluster.ts";
import { sha1OfFile, writeRandomFile } from "../tests/helpers/files.ts";
import { assertOk, PeerProcess } from "../tests/helpers/peer.ts";
import { tempDir } from "../tests/helpers/processes.ts";
import { eventWith, FAST_PEER, FAST_TRACKER } from "../tests/helpers/swarm.ts";

const GROUP = "soak";
const PASSWORD = "pw";
/** Peers 0..STABLE-1 are never killed: their memory and descriptors are what is measured. */
const STABLE = 4;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "3" },
    peers: { type: "string", default: "8" },
    files: { type: "string", default: "20" },
    "size-mib": { type: "string", default: "4" },
    seed: { type: "string", default: "1" },
  },
});
const MINUTES = Number(values.minutes);
const PEERS = Number(values.peers);
const FILES = Number(values.files);
const SIZE = Number(values["size-mib"]) * 1024 * 1024;
let seed = Number(values.seed);
/** A small deterministic generator (mulberry32), so a run can be repeated. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

interface Sample {
  rss: number;
  fds: number;
}

async function sample(pid: number): Promise<Sample> {
  // procfs files report size 0, so read them the way peakMemoryBytes does, with cat.
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`], stderr: "null" })
    .output();
  const status = new TextDecoder().decode(out.stdout);
  const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
  // Deno asks for --allow-all to list /proc/<pid>/fd itself; ls may.
  const listing = await new Deno.Command("ls", { args: ["-1", `/proc/${pid}/fd`], stderr: "null" })
    .output();
  const fds = new TextDecoder().decode(listing.stdout).split("\n").filter(Boolean).length;
  return { rss, fds };
}

await using dir = await tempDir();
await using cluster = await Cluster.create(dir.path, 2, [...FAST_TRACKER]);
await cluster.start(1);
await cluster.start(2);
const peers: PeerProcess[] = [];
const stateDir = (i: number) => `${dir.path}/peer-${i}`;
const start = (i: number) =>
  PeerProcess.start(cluster.infoPath, stateDir(i), { extraArgs: [...FAST_PEER] });

console.log(`Soak: ${PEERS} peers, ${FILES} files of ${SIZE / 1024 / 1024} MiB, ${MINUTES} min`);
for (let i = 0; i < PEERS; i++) {
  const peer = await start(i);
  await assertOk(peer, `create_user p${i} ${PASSWORD}`);
  await assertOk(peer, `login p${i} ${PASSWORD}`);
  peers.push(peer);
}
await assertOk(peers[0]!, `create_group ${GROUP}`);
for (let i = 1; i < PEERS; i++) {
  await assertOk(peers[i]!, `join_group ${GROUP}`);
  await assertOk(peers[0]!, `accept_request ${GROUP} p${i}`);
}
const truth = new Map<string, string>();
for (let f = 0; f < FILES; f++) {
  const name = `f${f}.bin`;
  const path = `${dir.path}/sources/${name}`;
  await Deno.mkdir(`${dir.path}/sources`, { recursive: true });
  truth.set(name, await writeRandomFile(path, SIZE));
  // Every file starts with one seeder among the stable peers, so the swarm never loses it.
  await assertOk(peers[f % STABLE]!, `upload_file ${path} ${GROUP}`);
}

const deadline = Date.now() + MINUTES * 60_000;
const stats = { downloads: 0, badSha1: 0, failed: 0, peerKills: 0, trackerKills: 0 };
const failures: string[] = [];
const firstMinute: Sample[] = [];
const lastMinute: Sample[] = [];
const stablePids = () => peers.slice(0, STABLE).map((p) => p.pid);
/** Peers being restarted: their loops wait. */
const restarting = new Set<number>();

async function downloadLoop(i: number): Promise<void> {
  // What it uploaded it seeds for the whole run; the rest it fetches, again and again.
  const own = new Set([...truth.keys()].filter((_, f) => i < STABLE && f % STABLE === i));
  const held = new Set(own);
  let attempt = 0;
  while (Date.now() < deadline) {
    if (restarting.has(i)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    const peer = peers[i]!;
    const wanted = [...truth.keys()].filter((name) => !held.has(name));
    if (wanted.length === 0) {
      for (const name of held) if (!own.has(name)) held.delete(name); // start over
      continue;
    }
    const name = pick(wanted);
    // A fresh path each time: a download cut by a kill resumes in the background at its own.
    const out = `${dir.path}/out-${i}/${++attempt}-${name}`;
    await Deno.mkdir(`${dir.path}/out-${i}`, { recursive: true });
    try {
      const reply = await peer.command(`download_file ${GROUP} ${name} ${out}`);
      if (reply.ok !== true) throw new Error(`download_file refused: ${JSON.stringify(reply)}`);
      await eventWith(peer, "download_finished", { id: reply.id }, 120_000);
      stats.downloads++;
      if ((await sha1OfFile(String(reply.path))) !== truth.get(name)) {
        stats.badSha1++;
        failures.push(`peer ${i}: ${name} has the wrong SHA-1`);
      }
      held.add(name);
      await peer.command(`stop_share ${GROUP} ${name}`).catch(() => {});
      await Deno.remove(String(reply.path)).catch(() => {});
    } catch (error) {
      if (restarting.has(i) || peers[i] !== peer) continue; // killed under it: not a failure
      stats.failed++;
      failures.push(`peer ${i}: ${name}: ${(error as Error).message.split("\n")[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function chaos(): Promise<void> {
  let tick = 0;
  while (Date.now() < deadline - 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    tick++;
    if (tick % 3 === 0) {
      const n = tick % 2 === 0 ? 1 : 2;
      await cluster.kill(n);
      stats.trackerKills++;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await cluster.start(n);
    } else {
      const i = STABLE + Math.floor(random() * (PEERS - STABLE));
      restarting.add(i);
      peers[i]!.child.kill("SIGKILL");
      await peers[i]!.child.exited();
      stats.peerKills++;
      peers[i] = await start(i);
      await assertOk(peers[i]!, `login p${i} ${PASSWORD}`);
      restarting.delete(i);
    }
  }
}

async function measure(): Promise<void> {
  const total = MINUTES * 60_000;
  const started = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const elapsed = Date.now() - started;
    const samples = await Promise.all(stablePids().map((pid) => sample(pid).catch(() => null)));
    const good = samples.filter((s): s is Sample => s !== null);
    const sum = good.reduce((a, s) => ({ rss: a.rss + s.rss, fds: a.fds + s.fds }), {
      rss: 0,
      fds: 0,
    });
    if (elapsed < 60_000) firstMinute.push(sum);
    if (elapsed > total - 60_000) lastMinute.push(sum);
  }
}

try {
  await Promise.all([
    ...peers.map((_, i) => downloadLoop(i)),
    chaos(),
    measure(),
  ]);
} finally {
  for (const peer of peers) await peer[Symbol.asyncDispose]();
}

const mean = (samples: Sample[], key: keyof Sample) =>
  samples.reduce((a, s) => a + s[key], 0) / Math.max(1, samples.length);
const rssFirst = mean(firstMinute, "rss");
const rssLast = mean(lastMinute, "rss");
const fdsFirst = mean(firstMinute, "fds");
const fdsLast = mean(lastMinute, "fds");
const rssRatio = rssLast / rssFirst;
console.log(
  `downloads ${stats.downloads}, wrong SHA-1 ${stats.badSha1}, failed ${stats.failed}, ` +
    `peers killed ${stats.peerKills}, trackers killed ${stats.trackerKills}`,
);
console.log(
  `the ${STABLE} peers never killed: RSS ${(rssFirst / 2 ** 20).toFixed(0)} MiB ` +
    `-> ${(rssLast / 2 ** 20).toFixed(0)} MiB (${rssRatio.toFixed(2)}x), descriptors ` +
    `${fdsFirst.toFixed(0)} -> ${fdsLast.toFixed(0)}`,
);
for (const failure of failures.slice(0, 20)) console.log(`  ${failure}`);
const ok = stats.badSha1 === 0 && stats.failed === 0 && stats.downloads > 0 &&
  rssRatio <= 1.2 && fdsLast <= fdsFirst * 1.2 + 8;
console.log(ok ? "Soak passed" : "Soak FAILED");
if (!ok) Deno.exit(1);
