/**
 * The download engine's view of the tracker ({@linkcode Swarm}): who seeds a file, a ticket for
 * it bound to this peer's public key, and announcing this peer as a (partial) seeder.
 */
import type { TrackerApi } from "../client/api.ts";
import type { PeerEndpoint, Swarm } from "../engine/types.ts";

/** The file a swarm is about. */
export interface SwarmFile {
  readonly group: string;
  readonly fileId: string;
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal ? { signal } : {};
}

/** A {@linkcode Swarm} over the tracker client. */
export class TrackerSwarm implements Swarm {
  readonly #tracker: TrackerApi;
  readonly #file: SwarmFile;
  readonly #publicKey: Uint8Array;

  /** `publicKey` is this peer's raw 32-byte Ed25519 key, the one tickets are bound to. */
  constructor(tracker: TrackerApi, file: SwarmFile, publicKey: Uint8Array) {
    this.#tracker = tracker;
    this.#file = file;
    this.#publicKey = publicKey;
  }

  /** Online peers that seed the file, as get_peers lists them (never this peer). */
  async peers(signal?: AbortSignal): Promise<PeerEndpoint[]> {
    const { group, fileId } = this.#file;
    const { peers } = await this.#tracker.request(
      "get_peers",
      { group, fileId },
      withSignal(signal),
    );
    return peers.map((peer) => ({
      peerId: peer.peerId,
      address: peer.address,
      isComplete: peer.complete,
    }));
  }

  /** A fresh ticket for the file, bound to this peer's key. */
  async ticket(signal?: AbortSignal): Promise<{ ticket: Uint8Array; expiresAt: number }> {
    const { group, fileId } = this.#file;
    return await this.#tracker.request(
      "get_ticket",
      { group, fileId, publicKey: this.#publicKey },
      withSignal(signal),
    );
  }

  /** This peer seeds the file: partial while downloading, then complete. */
  async announce(isComplete: boolean, signal?: AbortSignal): Promise<void> {
    const { group, fileId } = this.#file;
    await this.#tracker.request(
      "announce",
      { group, fileId, complete: isComplete },
      withSignal(signal),
    );
  }

  /** This peer no longer seeds the file (its download was cancelled or failed). */
  async withdraw(signal?: AbortSignal): Promise<void> {
    const { group, fileId } = this.#file;
    await this.#tracker.request("withdraw", { group, fileId }, withSignal(signal));
  }
}
