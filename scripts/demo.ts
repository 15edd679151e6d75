/**
 * `deno task demo [--size-mib N] [--downloaders N]`: PeerShare on one machine. Starts two
 * trackers and several peers (child processes, each with its own state folder), creates users
 * and a group, shares a file of random bytes, downloads it in parallel on every downloader with
 * a live progress bar, and ends with a summary: time, throughput, what each peer sent (and how
 * much of it was downloaded, received twice, or not received), and the SHA-1 of every copy. Everything lives in one temporary folder, removed at the end; only
 * the processes started here are stopped.
 *
 * @module
 */
import { describeError } from "../lib/common/errors.ts";
import { parseCommandLine } from "../lib/tracker/mod.ts";
import { DemoPeer, type DemoProcess, freePort, startTracker } from "./_demo_process.ts";
import { mib, type Progress, ProgressView, randomFile, say, sha1OfFile } from "./_demo_view.ts";

const POLL_MS = 250;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const GROUP = "demo";
const FILE = "data.bin";
const USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

interface Demo {
  dir: string;
  info: string;
  trackers: DemoProcess[];
  peers: DemoPeer[];
}

/** `--help` of the demo. */
export const DEMO_USAGE = `Usage: deno task demo [--size-mib N] [--downloaders N]

Starts two trackers and 1 + N peers on this machine, shares a file of random bytes from the first
peer and downloads it on the others at once with live progress, then prints the time, what each
peer sent and the SHA-1 of every copy. Everything lives in one temporary folder, removed at the end.

Flags:
  --size-mib N       size of the shared file in MiB, 0 or more, fractions allowed (default 64)
  --downloaders N    peers that download it at once, 1..7 (default 3)
  -h, --help         show this text

Example:
  deno task demo --size-mib 8 --downloaders 7`;

const DEMO_FLAGS = {
  "size-mib": { type: "string" },
  downloaders: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
const HINT = "run deno task demo --help for usage";

/**
 * The demo's command line.
 *
 * @throws {TypeError | RangeError} one line naming the flag, pointing at --help
 */
export function parseDemoArgs(args: readonly string[]) {
  const { values } = parseCommandLine(args, DEMO_FLAGS, { help: HINT });
  if (values.help) return { kind: "help" as const };
  const sizeText = values["size-mib"] ?? "64";
  const sizeMib = Number(sizeText);
  if (!/^\d+(\.\d+)?$/.test(sizeText) || !Number.isFinite(sizeMib)) {
    throw new RangeError(`Invalid --size-mib "${sizeText}": expected MiB, 0 or more: ${HINT}`);
  }
  const countText = values.downloaders ?? "3";
  const downloaders = Number(countText);
  if (!/^\d+$/.test(countText) || downloaders < 1 || downloaders > USERS.length - 1) {
    throw new RangeError(
      `Invalid --downloaders "${countText}": expected 1..${USERS.length - 1}: ${HINT}`,
    );
  }
  return { kind: "run" as const, bytes: Math.round(sizeMib * 1024 * 1024), downloaders };
}

async function startCluster(demo: Demo, peerCount: number): Promise<void> {
  const ports = [freePort(), freePort()];
  await Deno.writeTextFile(demo.info, ports.map((port) => `127.0.0.1:${port}`).join("\n") + "\n");
  for (const n of [1, 2]) demo.trackers.push(await startTracker(demo.dir, demo.info, n));
  say(`Trackers on ports ${ports.join(" and ")}`);
  for (const user of USERS.slice(0, peerCount)) {
    const dir = `${demo.dir}/${user}`;
    await Deno.mkdir(dir, { recursive: true });
    demo.peers.push(await DemoPeer.start(user, demo.info, dir, demo.dir));
  }
  say(`Peers: ${demo.peers.map((peer) => peer.name).join(", ")}`);
}

async function setUpGroup(peers: DemoPeer[]): Promise<void> {
  await Promise.all(peers.map(async (peer) => {
    await peer.command(`create_user ${peer.name} pw-${peer.name}`);
    await peer.command(`login ${peer.name} pw-${peer.name}`);
  }));
  const [owner, ...members] = peers as [DemoPeer, ...DemoPeer[]];
  await owner.command(`create_group ${GROUP}`);
  for (const member of members) {
    await member.command(`join_group ${GROUP}`);
    await owner.command(`accept_request ${GROUP} ${member.name}`);
  }
  say(`Group "${GROUP}": owner ${owner.name}, members ${members.map((m) => m.name).join(", ")}`);
}

async function progressOf(peer: DemoPeer): Promise<Progress> {
  const { downloads } = await peer.command("show_downloads");
  const d = (downloads as Record<string, unknown>[])[0] ?? {};
  if (d.state === "F") throw new Error(`${peer.name}: download failed: ${d.reason}`);
  return {
    name: peer.name,
    state: String(d.state ?? "?"),
    bytes: Number(d.bytes ?? 0),
    size: Number(d.size ?? 0),
    rate: Number(d.rate ?? 0),
    peers: Array.isArray(d.peers) ? d.peers.length : 0,
  };
}

async function downloadAll(downloaders: DemoPeer[], dir: string): Promise<number> {
  const started = performance.now();
  await Promise.all(
    downloaders.map((peer) => peer.command(`download_file ${GROUP} ${FILE} ${dir}/${peer.name}`)),
  );
  const view = new ProgressView();
  while (true) {
    const lines = await Promise.all(downloaders.map(progressOf));
    view.draw(lines);
    if (lines.every((line) => line.state === "C")) {
      const seconds = (performance.now() - started) / 1000;
      // A download shows C before its file is shared; download_finished comes once it is.
      await Promise.all(downloaders.map((peer) => peer.event("download_finished")));
      return seconds;
    }
    if (performance.now() - started > DOWNLOAD_TIMEOUT_MS) throw new Error("Downloads too slow");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function summary(demo: Demo, source: { sha1: string; bytes: number }, seconds: number) {
  const downloaders = demo.peers.slice(1);
  const total = source.bytes * downloaders.length;
  say(
    `\nDone in ${seconds.toFixed(2)} s: ${plural(downloaders.length, "copy", "copies")} of ` +
      `${mib(source.bytes)}, ` +
      `${mib(total / seconds)}/s in total`,
  );
  await sentByEachPeer(demo, total);
  let isVerified = true;
  for (const peer of downloaders) {
    const sha1 = await sha1OfFile(`${demo.dir}/${peer.name}/${FILE}`);
    isVerified &&= sha1 === source.sha1;
    say(`  ${peer.name.padEnd(6)} SHA-1 ${sha1} ${sha1 === source.sha1 ? "verified" : "MISMATCH"}`);
  }
  if (!isVerified) throw new Error("A copy does not match the original");
  say(`SHA-1 verified: every copy equals the original (${source.sha1})`);
}

/**
 * What each peer uploaded (show_shares), and how the total splits: the bytes downloaded (the
 * verified copies), pieces received twice (one on its way when another peer's copy arrived
 * first, or asked again after a choke or a time-out), and bytes sent that no downloader counted
 * as received (still in flight when its download completed).
 */
async function sentByEachPeer(demo: Demo, downloaded: number): Promise<void> {
  say("Sent by each peer (every byte it uploaded, pieces sent twice included):");
  let sent = 0;
  for (const peer of demo.peers) {
    const { shares } = await peer.command("show_shares");
    const uploaded = (shares as { uploaded: number }[]).reduce((sum, s) => sum + s.uploaded, 0);
    sent += uploaded;
    say(`  ${peer.name.padEnd(6)} ${mib(uploaded).padStart(10)}`);
  }
  let received = 0;
  for (const peer of demo.peers.slice(1)) {
    const { downloads } = await peer.command("show_downloads");
    for (const download of downloads as { peers?: { bytes: number }[] }[]) {
      for (const from of download.peers ?? []) received += from.bytes;
    }
  }
  const twice = Math.max(0, received - downloaded);
  const unused = Math.max(0, sent - Math.max(received, downloaded));
  say(
    `  total  ${mib(sent).padStart(10)} = ${mib(downloaded)} downloaded and verified` +
      ` + ${mib(twice)} received twice (${percent(twice, sent)})` +
      ` + ${mib(unused)} not received (${percent(unused, sent)})`,
  );
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "0%" : `${Math.round((part / whole) * 100)}%`;
}

async function cleanUp(demo: Demo): Promise<void> {
  await Promise.allSettled(demo.peers.map((peer) => peer.stop()));
  await Promise.allSettled(demo.trackers.map((tracker) => tracker.stop("SIGTERM")));
  await Deno.remove(demo.dir, { recursive: true });
}

async function main(): Promise<void> {
  const parsed = parseDemoArgs(Deno.args);
  if (parsed.kind === "help") return console.log(DEMO_USAGE);
  const { bytes, downloaders } = parsed;
  const dir = await Deno.makeTempDir({ prefix: "peershare-demo-" });
  const demo: Demo = { dir, info: `${dir}/tracker_info.txt`, trackers: [], peers: [] };
  const interrupted = new AbortController();
  const onInterrupt = () => interrupted.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    await startCluster(demo, downloaders + 1);
    await setUpGroup(demo.peers);
    await Deno.mkdir(`${dir}/share`);
    say(`Writing ${mib(bytes)} of random bytes…`);
    const sha1 = await randomFile(`${dir}/share/${FILE}`, bytes);
    const owner = demo.peers[0]!;
    await owner.command(`upload_file ${dir}/share/${FILE} ${GROUP}`);
    say(
      `${owner.name} shares ${FILE} (SHA-1 ${sha1}); downloading on ${
        plural(downloaders, "peer", "peers")
      }:`,
    );
    const seconds = await Promise.race([
      downloadAll(demo.peers.slice(1), dir),
      new Promise<never>((_, reject) =>
        interrupted.signal.addEventListener("abort", () => reject(new Error("Interrupted")))
      ),
    ]);
    await summary(demo, { sha1, bytes }, seconds);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    say("Cleaning up…");
    await cleanUp(demo);
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(`demo: ${describeError(error)}`);
    Deno.exit(error instanceof TypeError || error instanceof RangeError ? 2 : 1);
  }
}
