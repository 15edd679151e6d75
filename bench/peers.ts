/**
 * Real peer processes for the suite (tests/helpers/peer.ts drives each through its stdin, in
 * `--json` mode): a tracker and a group of logged-in members, and the PeerShare transfer from
 * N seeders to one downloader timed by the downloader's own `download_finished` event.
 */
import { Cluster } from "../tests/helpers/cluster.ts";
import { type JsonLine, PeerProcess, PROFILE_DIR_ENV } from "../tests/helpers/peer.ts";

/** Long enough for hashing or moving a few GiB on this machine. */
const LONG_COMMAND_MS = 600_000;
/** A profiled peer writing its profiles on exit; one that takes longer is stopped as any other. */
const PROFILED_EXIT_MS = 20_000;

/** Run `line` on `peer`; a refusal throws one line naming the command. */
export async function expectOk(
  peer: PeerProcess,
  line: string,
  timeoutMs = LONG_COMMAND_MS,
): Promise<JsonLine> {
  const reply = await peer.command(line, timeoutMs);
  if (reply.ok !== true) {
    throw new Error(`"${line}" failed: ${reply.error ?? JSON.stringify(reply)}`);
  }
  return reply;
}

/**
 * Start `count` peers in `dir`, each logged in as `u<i>`; peer 0 creates group `group`, the
 * others join it and are accepted. The caller disposes of the peers.
 */
export async function startGroup(
  cluster: Cluster,
  dir: string,
  options: { count: number; group: string },
): Promise<PeerProcess[]> {
  const peers: PeerProcess[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      peers.push(await PeerProcess.start(cluster.infoPath, `${dir}/peer-${i}`));
    }
    await Promise.all(peers.map(async (peer, i) => {
      await expectOk(peer, `create_user u${i} pw`);
      await expectOk(peer, `login u${i} pw`);
    }));
    const [owner, ...members] = peers as [PeerProcess, ...PeerProcess[]];
    await expectOk(owner, `create_group ${options.group}`);
    for (const [i, member] of members.entries()) {
      await expectOk(member, `join_group ${options.group}`);
      await expectOk(owner, `accept_request ${options.group} u${i + 1}`);
    }
    return peers;
  } catch (error) {
    for (const peer of peers) await peer[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * Stop every peer (each by its pid, through the helper); when they write CPU profiles, first
 * by ending their input, so that they exit on their own and write them.
 */
export async function stopAll(peers: readonly PeerProcess[]): Promise<void> {
  if (Deno.env.get(PROFILE_DIR_ENV)) {
    // One that does not exit in time is stopped below all the same.
    await Promise.all(peers.map((peer) => peer.endInput(PROFILED_EXIT_MS).catch(() => {})));
  }
  for (const peer of peers) await peer[Symbol.asyncDispose]();
}

/** Download `name` of `group` into `output` and wait for it: the peer's own seconds. */
export async function download(
  peer: PeerProcess,
  options: { group: string; name: string; output: string },
): Promise<number> {
  await expectOk(peer, `download_file ${options.group} ${options.name} ${options.output}`);
  const finished = await peer.event("download_finished", LONG_COMMAND_MS);
  return Number(finished.seconds);
}

/**
 * PeerShare from `seeders` seeder peers to one downloader peer, under a tracker of its own in
 * `dir` (made here): every seeder shares `source`, the downloader writes `output`.
 *
 * @returns the downloader's seconds from download_file to download_finished
 */
export async function peershareTransfer(
  dir: string,
  source: string,
  options: { seeders: number; output: string },
): Promise<number> {
  await Deno.mkdir(dir);
  await using cluster = await Cluster.create(dir, 1);
  await cluster.start(1);
  const peers = await startGroup(cluster, dir, { count: options.seeders + 1, group: "bench" });
  try {
    const [downloader, ...seeders] = peers as [PeerProcess, ...PeerProcess[]];
    await Promise.all(seeders.map((seeder) => expectOk(seeder, `upload_file ${source} bench`)));
    const name = source.split("/").at(-1)!;
    return await download(downloader, { group: "bench", name, output: options.output });
  } finally {
    await stopAll(peers);
  }
}
