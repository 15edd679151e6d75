/**
 * One scenario of the swarm benchmark: S seeders share a random file with N downloaders, every
 * host's upload capped, in a network of namespaces built for this scenario alone and removed
 * at its end. Measures the time from sending `download_file` to every downloader at once until
 * the last `download_finished` event, the seeders' uploaded bytes (their interface counters),
 * and checks the SHA-1 of every copy.
 */
import { sha1OfFile, writeRandomFile } from "../tests/helpers/files.ts";
import type { Child } from "../tests/helpers/processes.ts";
import { type Host, Network } from "../tests/helpers/netns.ts";
import { NsPeer, startTracker, TRACKER_PORT } from "./swarm_processes.ts";

const GROUP = "bench";
const FILE = "data.bin";

/** What to run: who shares with whom, how much, how fast. */
export interface Scenario {
  seeders: number;
  downloaders: number;
  bytes: number;
  rateMbit: number;
  /** Deadline: this many times the bound, plus DEADLINE_SLACK_MS. */
  deadlineFactor: number;
}

/** What one scenario measured. `seconds` is null when it ran out of time. */
export interface ScenarioResult extends Scenario {
  seconds: number | null;
  boundSeconds: number;
  finished: number;
  /** Bytes sent by all seeders' interfaces during the download, ÷ file size. */
  seederUploadRatio: number;
  /** The same for all downloaders together (what they passed on to each other). */
  downloaderUploadRatio: number;
  /** Each downloader's own `seconds` from its download_finished event. */
  peerSeconds: number[];
}

const DEADLINE_SLACK_MS = 30_000;

/** The lower bound on the time: seeders' total upload, or everyone's upload for N copies. */
export function boundSeconds(s: Scenario): number {
  const uploadBytesPerS = s.rateMbit * 1e6 / 8;
  const bySeeders = s.bytes / (s.seeders * uploadBytesPerS);
  const byEveryone = s.downloaders * s.bytes / ((s.seeders + s.downloaders) * uploadBytesPerS);
  return Math.max(bySeeders, byEveryone);
}

/** Processes and hosts of a scenario; the processes are killed on abort, by pid. */
interface Run {
  net: Network;
  dir: string;
  tracker: Child | null;
  seeders: NsPeer[];
  downloaders: NsPeer[];
}

async function startPeers(run: Run, s: Scenario, info: string): Promise<void> {
  const hosts = run.net.hosts.slice(1);
  const start = (host: Host, name: string) =>
    NsPeer.start(name, host, { info, stateDir: `${run.dir}/${name}` });
  const all = await Promise.allSettled(
    hosts.map((host, i) =>
      i < s.seeders ? start(host, `seed${i}`) : start(host, `get${i - s.seeders}`)
    ),
  );
  const peers = all.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  run.seeders = peers.filter((p) => p.name.startsWith("seed"));
  run.downloaders = peers.filter((p) => p.name.startsWith("get"));
  const failed = all.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

async function formGroup(run: Run, source: string): Promise<void> {
  const peers = [...run.seeders, ...run.downloaders];
  await Promise.all(peers.map(async (peer) => {
    await peer.command(`create_user ${peer.name} pw-${peer.name}`);
    await peer.command(`login ${peer.name} pw-${peer.name}`);
  }));
  const [owner, ...members] = peers as [NsPeer, ...NsPeer[]];
  await owner.command(`create_group ${GROUP}`);
  for (const member of members) {
    await member.command(`join_group ${GROUP}`);
    await owner.command(`accept_request ${GROUP} ${member.name}`);
  }
  for (const seeder of run.seeders) await seeder.command(`upload_file ${source} ${GROUP}`);
}

async function uploads(run: Run, peers: NsPeer[]): Promise<number> {
  const counts = await Promise.all(peers.map((peer) => run.net.txBytes(peer.host)));
  return counts.reduce((sum, n) => sum + n, 0);
}

/** Read the upload counters now; `since()` returns what each side sent after, ÷ file size. */
async function uploadMeter(run: Run, bytes: number) {
  const seeders = await uploads(run, run.seeders);
  const downloaders = await uploads(run, run.downloaders);
  return {
    since: async () => ({
      seederUploadRatio: (await uploads(run, run.seeders) - seeders) / bytes,
      downloaderUploadRatio: (await uploads(run, run.downloaders) - downloaders) / bytes,
    }),
  };
}

/** Send download_file to every downloader at once; resolves with each finished event. */
async function downloadAll(run: Run, signal: AbortSignal) {
  for (const peer of run.downloaders) await Deno.mkdir(`${run.dir}/${peer.name}/out`);
  const started = performance.now();
  await Promise.all(
    run.downloaders.map((peer) =>
      peer.command(`download_file ${GROUP} ${FILE} ${run.dir}/${peer.name}/out`)
    ),
  );
  const failed = run.downloaders.map((peer) =>
    peer.event("download_failed", signal).then((e) => {
      throw new Error(`${peer.name}: download failed: ${e.reason}`);
    })
  );
  const finished = run.downloaders.map((peer) => peer.event("download_finished", signal));
  const events = await Promise.race([Promise.all(finished), ...failed]);
  return { seconds: (performance.now() - started) / 1000, events };
}

async function verifyCopies(paths: string[], expected: string): Promise<void> {
  for (const path of paths) {
    const sha1 = await sha1OfFile(path);
    if (sha1 !== expected) {
      throw new Error(`SHA-1 MISMATCH: ${path} is ${sha1}, the original ${expected}`);
    }
  }
}

/** Start tracker and peers, form the group, share the file; returns the file's SHA-1. */
async function setUp(run: Run, s: Scenario): Promise<string> {
  const source = `${run.dir}/share/${FILE}`;
  await Deno.mkdir(`${run.dir}/share`);
  const expected = await writeRandomFile(source, s.bytes);
  const info = `${run.dir}/tracker_info.txt`;
  await Deno.writeTextFile(info, `${run.net.hosts[0]!.ip}:${TRACKER_PORT}\n`);
  run.tracker = await startTracker(run.net.hosts[0]!, info, run.dir);
  await startPeers(run, s, info);
  await formGroup(run, source);
  return expected;
}

async function measure(run: Run, s: Scenario, signal: AbortSignal): Promise<ScenarioResult> {
  const expected = await setUp(run, s);
  const bound = boundSeconds(s);
  const deadline = AbortSignal.timeout(bound * 1000 * s.deadlineFactor + DEADLINE_SLACK_MS);
  const meter = await uploadMeter(run, s.bytes);
  try {
    const { seconds, events } = await downloadAll(run, AbortSignal.any([signal, deadline]));
    const uploaded = await meter.since();
    await verifyCopies(events.map((e) => String(e.path)), expected);
    const peerSeconds = events.map((e) => Number(e.seconds));
    return {
      ...s,
      boundSeconds: bound,
      seconds,
      finished: events.length,
      ...uploaded,
      peerSeconds,
    };
  } catch (error) {
    if (!deadline.aborted || signal.aborted) throw error;
    const finished = run.downloaders.filter((p) => p.events("download_finished").length > 0);
    const uploaded = await meter.since();
    return {
      ...s,
      ...uploaded,
      boundSeconds: bound,
      seconds: null,
      finished: finished.length,
      peerSeconds: [],
    };
  }
}

async function tearDown(run: Run): Promise<void> {
  const children = [
    run.tracker,
    ...run.seeders.map((p) => p.child),
    ...run.downloaders.map((p) => p.child),
  ];
  await Promise.allSettled(children.map((child) => child?.[Symbol.asyncDispose]()));
  await run.net.remove();
  await Deno.remove(run.dir, { recursive: true });
}

/**
 * Build the network, run the scenario, remove everything (also on failure or abort: the
 * processes are killed by pid at once, the namespaces deleted after).
 */
export async function runScenario(
  s: Scenario,
  options: { prefix: string; signal: AbortSignal },
): Promise<ScenarioResult> {
  const net = await Network.create(options.prefix, {
    hosts: 1 + s.seeders + s.downloaders,
    rateMbit: s.rateMbit,
  });
  const dir = await Deno.makeTempDir({ prefix: "peershare-swarm-" });
  const run: Run = { net, dir, tracker: null, seeders: [], downloaders: [] };
  const kill = () => {
    for (const peer of [...run.seeders, ...run.downloaders]) peer.child.kill("SIGKILL");
    run.tracker?.kill("SIGKILL");
  };
  options.signal.addEventListener("abort", kill, { once: true });
  try {
    return await measure(run, s, options.signal);
  } catch (error) {
    // Killed processes fail their commands; the cause worth reporting is the interruption.
    throw options.signal.aborted ? options.signal.reason : error;
  } finally {
    options.signal.removeEventListener("abort", kill);
    await tearDown(run);
  }
}
