/**
 * The test process as a group member of its own, talking to the tracker over the wire: it can
 * log in with a peer id and a port of its choosing, share a file it does not serve honestly
 * (a lying seeder), keep its presence with heartbeats, get tickets and connect to a peer's
 * seeder as a downloader would.
 *
 * ```ts
 * await using probe = await TrackerMember.join(swarm, "probe");
 * const link = await probe.connectSeeder(address, fileId, pieces); // throws RemoteError if refused
 * ```
 */
import { Bitfield } from "../../lib/wire/peer_frames.ts";
import { exportPublicKey, generateSigningKeys } from "../../lib/common/tickets.ts";
import type { ArgsOf, Op, ResultOf, RpcClient } from "../../lib/wire/mod.ts";
import { WRITE_OPS } from "../../lib/wire/mod.ts";
import { PeerLink } from "../../lib/peer/engine/peer_link.ts";
import { TrackerKeys } from "../../lib/peer/seeder/tracker_keys.ts";
import { assertOk } from "./peer.ts";
import { GROUP, PASSWORD, type Swarm } from "./swarm.ts";

/** A member of group `g` whose client is the test process itself. */
export class TrackerMember implements AsyncDisposable {
  readonly user: string;
  readonly peerId: string;
  readonly client: RpcClient;
  readonly #keys: CryptoKeyPair;
  readonly #publicKey: Uint8Array;
  #token = "";
  #counter = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #beating: Promise<unknown> = Promise.resolve();

  private constructor(
    user: string,
    peerId: string,
    client: RpcClient,
    keys: CryptoKeyPair,
    publicKey: Uint8Array,
  ) {
    this.user = user;
    this.peerId = peerId;
    this.client = client;
    this.#keys = keys;
    this.#publicKey = publicKey;
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
    const peerId = `${user}-peer`;
    const client = await swarm.cluster.client(1, peerId);
    const keys = await generateSigningKeys();
    const member = new TrackerMember(
      user,
      peerId,
      client,
      keys,
      await exportPublicKey(keys.publicKey),
    );
    try {
      await member.request("create_user", { user, password: PASSWORD });
      const { token } = await member.request("login", {
        user,
        password: PASSWORD,
        peerId,
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
   * Connect to a seeder as a downloader, with a fresh ticket for `fileId`.
   *
   * @returns the open link (its bitfield says what the seeder has); close it when done
   * @throws {RemoteError} when the seeder refuses
   */
  async connectSeeder(address: string, fileId: string, pieceCount: number): Promise<PeerLink> {
    return await PeerLink.connect({ peerId: "unknown", address, isComplete: true }, {
      identity: {
        peerId: this.peerId,
        privateKey: this.#keys.privateKey,
        publicKey: this.#publicKey,
      },
      pieceCount,
      ours: new Bitfield(pieceCount),
      ticket: async () =>
        (await this.request("get_ticket", { group: GROUP, fileId, publicKey: this.#publicKey }))
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
