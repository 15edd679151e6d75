/**
 * The test process as a group member of its own, talking to the tracker over the wire: it can
 * log in with a peer id and a port of its choosing, share a file it does not serve honestly
 * (a lying seeder), keep its presence with heartbeats, get tickets and connect to a peer's
 * seeder as a downloader would.
 *
 * ```ts
 * await using probe = await TrackerMember.join(swarm, "probe");
 * const link = await probe.connectSeeder(swarm.members[0], fileId, pieces); // RemoteError if refused
 * ```
 */
import { Bitfield } from "../../lib/wire/peer_frames.ts";
import { type TestIdentity, testIdentity } from "../../lib/peer/testing/identities.ts";
import type { ArgsOf, Op, ResultOf, RpcClient } from "../../lib/wire/mod.ts";
import { WRITE_OPS } from "../../lib/wire/mod.ts";
import { PeerLink } from "../../lib/peer/engine/peer_link.ts";
import { TrackerKeys } from "../../lib/peer/seeder/tracker_keys.ts";
import { assertOk } from "./peer.ts";
import { GROUP, type Member, PASSWORD, type Swarm } from "./swarm.ts";

/** A member of group `g` whose client is the test process itself. */
export class TrackerMember implements AsyncDisposable {
  readonly user: string;
  readonly identity: TestIdentity;
  readonly client: RpcClient;
  #token = "";
  #counter = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #beating: Promise<unknown> = Promise.resolve();

  private constructor(user: string, identity: TestIdentity, client: RpcClient) {
    this.user = user;
    this.identity = identity;
    this.client = client;
  }

  /** Its peer id: the fingerprint of its key. */
  get peerId(): string {
    return this.identity.peerId;
  }

  /**
   * Create user `user`, log in with `port` as its seeder's port, and join group `g` (the
   * swarm's owner accepts).
   */
  static async join(
    swarm: Swarm,
    user: string,
    options: { port?: number } = {},
  ): Promise<TrackerMember> {
    const identity = await testIdentity();
    const member = new TrackerMember(user, identity, await swarm.cluster.client(1, identity));
    try {
      await member.request("create_user", { user, password: PASSWORD });
      const { token } = await member.request("login", {
        user,
        password: PASSWORD,
        peerId: identity.peerId,
        port: options.port ?? 1,
      });
      member.#token = token;
      await member.request("join_group", { group: GROUP });
      await assertOk(swarm.peer(0), `accept_request ${GROUP} ${user}`);
    } catch (error) {
      await member[Symbol.asyncDispose]();
      throw error;
    }
    return member;
  }

  /** One request with the session token, and a request id for writes. */
  request<O extends Op>(op: O, args: ArgsOf<O>): Promise<ResultOf<O>> {
    const requestId = WRITE_OPS.has(op) ? `${this.peerId}.${++this.#counter}` : undefined;
    return this.client.request(op, args, {
      ...(this.#token ? { token: this.#token } : {}),
      ...(requestId ? { requestId } : {}),
    });
  }

  /**
   * Send a heartbeat now (which sets the seeder's port) and then every `everyMs`, so the
   * tracker keeps listing this member's seeder.
   */
  async startHeartbeats(port: number, everyMs: number): Promise<void> {
    await this.request("heartbeat", { port });
    this.#heartbeat = setInterval(() => {
      this.#beating = this.request("heartbeat", { port }).catch(() => {});
    }, everyMs);
  }

  /** The trackers' ticket keys, for a seeder run by the test. */
  trackerKeys(): TrackerKeys {
    return new TrackerKeys({ fetch: async () => (await this.request("tracker_keys", {})).keys });
  }

  /**
   * Connect to a member's seeder as a downloader, with a fresh ticket for `fileId`.
   *
   * @returns the open link (its bitfield says what the seeder has); close it when done
   * @throws {RemoteError} when the seeder refuses
   */
  async connectSeeder(
    seeder: Pick<Member, "address" | "peerId">,
    fileId: string,
    pieceCount: number,
  ): Promise<PeerLink> {
    const { address, peerId } = seeder;
    const publicKey = this.identity.publicKey;
    return await PeerLink.connect({ peerId, address, isComplete: true }, {
      identity: this.identity,
      pieceCount,
      ours: new Bitfield(pieceCount),
      ticket: async () =>
        (await this.request("get_ticket", { group: GROUP, fileId, publicKey }))
          .ticket,
      timeoutMs: 5000,
      signal: new AbortController().signal,
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#beating;
    await this.client.close();
  }
}
