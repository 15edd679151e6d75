/**
 * One tracker and N peer processes whose users are all members of one group, in one temporary
 * folder, for transfer tests:
 *
 * ```ts
 * await using swarm = await Swarm.start([[], ["--download-limit", "4MiB/s"]]);
 * const [alice, bob] = swarm.peers;
 * ```
 *
 * Peer i runs as user `u<i>` with state folder `<dir>/u<i>`; u0 owns group `g`.
 */
import { describeError } from "../../lib/common/errors.ts";
import { Cluster } from "./cluster.ts";
import { assertOk, COMMAND_TIMEOUT_MS, type JsonLine, PeerProcess } from "./peer.ts";
import { tempDir } from "./processes.ts";

/** Tracker flags that make a killed peer drop off the lists within 1.5 s. */
export const FAST_TRACKER: readonly string[] = ["--presence-lease-ms", "1500"];
/** Peer flags that make downloads notice new and dead peers fast. */
export const FAST_PEER: readonly string[] = [
  "--peer-refresh-ms",
  "500",
  "--piece-timeout-ms",
  "3000",
];
/** The group every user of a swarm is in. */
export const GROUP = "g";
/** Every user's password. */
export const PASSWORD = "pw";

/** A peer of the swarm and what is known about it. */
export interface Member {
  readonly user: string;
  readonly stateDir: string;
  readonly extraArgs: readonly string[];
  process: PeerProcess;
  /** Its seeder's `IP:PORT`, as the tracker lists it. */
  address: string;
  /** Its peer id: the fingerprint of the key its seeder proves. */
  peerId: string;
}

/** Tracker, peers and folder of one test; everything is stopped and removed on dispose. */
export class Swarm implements AsyncDisposable {
  readonly dir: string;
  readonly cluster: Cluster;
  readonly members: Member[] = [];
  readonly #stack = new AsyncDisposableStack();

  private constructor(dir: string, cluster: Cluster) {
    this.dir = dir;
    this.cluster = cluster;
  }

  /**
   * Start a tracker and one logged-in member peer per entry of `peerArgs` (extra flags, added
   * after {@linkcode FAST_PEER}), all in group `g`.
   */
  static async start(
    peerArgs: readonly (readonly string[])[],
    options: { trackerFlags?: readonly string[] } = {},
  ): Promise<Swarm> {
    const stack = new AsyncDisposableStack();
    try {
      const dir = stack.use(await tempDir());
      const cluster = stack.use(
        await Cluster.create(dir.path, 1, [...FAST_TRACKER, ...(options.trackerFlags ?? [])]),
      );
      await cluster.start(1);
      const swarm = new Swarm(dir.path, cluster);
      swarm.#stack.use(stack.move());
      try {
        await swarm.#populate(peerArgs);
      } catch (error) {
        await swarm[Symbol.asyncDispose]();
        throw error;
      }
      return swarm;
    } catch (error) {
      await stack.disposeAsync();
      throw error;
    }
  }

  async #populate(peerArgs: readonly (readonly string[])[]): Promise<void> {
    const members = await Promise.all(
      peerArgs.map((args, i) => this.#spawn(`u${i}`, `${this.dir}/u${i}`, args)),
    );
    this.members.push(...members);
    await Promise.all(members.map(async ({ process, user }) => {
      await assertOk(process, `create_user ${user} ${PASSWORD}`);
      await assertOk(process, `login ${user} ${PASSWORD}`);
    }));
    const [owner, ...others] = members;
    if (!owner) return;
    await assertOk(owner.process, `create_group ${GROUP}`);
    for (const other of others) await this.admit(other);
  }

  /** The peer processes, in order. */
  get peers(): PeerProcess[] {
    return this.members.map((member) => member.process);
  }

  /** The process of member `index`. */
  peer(index: number): PeerProcess {
    const member = this.members[index];
    if (!member) throw new Error(`No member ${index}`);
    return member.process;
  }

  /** Start another peer with a new user (logged in, not in the group unless `join`). */
  async addPeer(
    user: string,
    extraArgs: readonly string[] = [],
    options: { join?: boolean } = {},
  ): Promise<Member> {
    const member = await this.#spawn(user, `${this.dir}/${user}`, extraArgs);
    this.members.push(member);
    await assertOk(member.process, `create_user ${user} ${PASSWORD}`);
    await assertOk(member.process, `login ${user} ${PASSWORD}`);
    if (options.join ?? true) await this.admit(member);
    return member;
  }

  /** The member joins group `g` and the owner (u0) accepts it. */
  async admit(member: Member): Promise<void> {
    await assertOk(member.process, `join_group ${GROUP}`);
    await assertOk(this.members[0]!.process, `accept_request ${GROUP} ${member.user}`);
  }

  /**
   * Start member `index` again with the same state folder and flags (after it was killed or
   * ended); the new process is not logged in.
   */
  async restart(index: number, extraArgs?: readonly string[]): Promise<PeerProcess> {
    const old = this.members[index]!;
    const member = await this.#spawn(old.user, old.stateDir, extraArgs ?? old.extraArgs);
    this.members[index] = member;
    return member.process;
  }

  /** kill -9 member `index` and wait until it is gone. */
  async kill(index: number): Promise<void> {
    const { process } = this.members[index]!;
    process.child.kill("SIGKILL");
    await process.exited();
  }

  async #spawn(user: string, stateDir: string, extraArgs: readonly string[]): Promise<Member> {
    const process = this.#stack.use(
      await PeerProcess.start(this.cluster.infoPath, stateDir, {
        extraArgs: [...FAST_PEER, ...extraArgs],
      }),
    );
    const listening = process.events.find((event) => event.event === "listening");
    if (typeof listening?.address !== "string" || typeof listening.peerId !== "string") {
      throw new Error(`No listening address and peer id:\n${process.transcript()}`);
    }
    return {
      user,
      stateDir,
      extraArgs,
      process,
      address: listening.address,
      peerId: listening.peerId,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#stack.disposeAsync();
  }
}

/** Wait until a check passes, with a deadline (the one lib's unit tests use too). */
export { waitUntil } from "../../lib/common/test_util.ts";

/**
 * Wait for an event line named `name` whose fields match `fields` (for example the download
 * id), seen at any time since the peer started.
 */
export async function eventWith(
  peer: PeerProcess,
  name: string,
  fields: Record<string, unknown>,
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<JsonLine> {
  const matches = (json: JsonLine) =>
    json.event === name && Object.entries(fields).every(([key, value]) => json[key] === value);
  try {
    const index = await peer.child.stdout.waitFor(
      (line) => {
        try {
          return matches(JSON.parse(line));
        } catch {
          return false;
        }
      },
      0,
      timeoutMs,
    );
    return JSON.parse(peer.lines[index]!);
  } catch (error) {
    const message = describeError(error);
    throw new Error(
      `No ${name} event with ${JSON.stringify(fields)}: ${message}\nstderr:\n` +
        peer.child.stderr.text(),
    );
  }
}

/** A download as show_downloads lists it. */
export interface DownloadView {
  id: string;
  group: string;
  file: string;
  state: "D" | "C" | "F" | "P";
  piecesDone: number;
  pieces: number;
  bytes: number;
  size: number;
  rate: number;
  peers: { addr: string; bytes: number }[];
  /** No peer has the file now: it waits for one (still "D"). */
  waiting: boolean;
  path: string;
  reason?: string;
}

/** show_downloads' entry for download `id`, or undefined when it is not listed. */
export async function downloadOf(peer: PeerProcess, id: string): Promise<DownloadView | undefined> {
  const reply = await assertOk(peer, "show_downloads");
  return (reply.downloads as DownloadView[]).find((download) => download.id === id);
}

/** A share as show_shares lists it. */
export interface ShareView {
  group: string;
  file: string;
  state: "complete" | "partial";
  uploaded: number;
  fileId: string;
}

/** show_shares of a peer. */
export async function sharesOf(peer: PeerProcess): Promise<ShareView[]> {
  return (await assertOk(peer, "show_shares")).shares as ShareView[];
}

/** Bytes a peer uploaded of file `name` (0 when it does not list it). */
export async function uploadedBy(peer: PeerProcess, name: string): Promise<number> {
  const shares = await sharesOf(peer);
  return shares.filter((share) => share.file === name).reduce((sum, s) => sum + s.uploaded, 0);
}

/** A file as list_files shows it. */
export interface ListedFile {
  name: string;
  size: number;
  sha1: string;
  pieces: number;
  seeders: number;
  partial: number;
  sharers: number;
}

/** list_files' entry for `name` in group `g`, or undefined. */
export async function listedFile(peer: PeerProcess, name: string): Promise<ListedFile | undefined> {
  const reply = await assertOk(peer, `list_files ${GROUP}`);
  return (reply.files as ListedFile[]).find((file) => file.name === name);
}

/** download_file, checked: returns the download id and the final path. */
export async function startDownload(
  peer: PeerProcess,
  name: string,
  destination: string,
): Promise<{ id: string; path: string }> {
  const reply = await assertOk(peer, `download_file ${GROUP} ${name} ${destination}`);
  return { id: String(reply.id), path: String(reply.path) };
}
