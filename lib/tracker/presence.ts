/**
 * Presence: which peers are online, where they listen, and which files they seed (complete or
 * partial). Soft state: leased, renewed by the peer's heartbeats, dropped at logout, kept out of
 * the durable state and its digest.
 */

/** Default lease: a peer that has not been heard from for this long is no longer handed out. */
export const PRESENCE_LEASE_MS = 6000;

/** One online peer as downloaders see it. */
export interface PresentPeer {
  readonly peerId: string;
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly isComplete: boolean;
}

interface PeerRecord {
  user: string;
  host: string;
  port: number;
  expiresAt: number;
  /** `group/fileId` → complete? */
  files: Map<string, boolean>;
}

/** Options of {@linkcode Presence}. */
export interface PresenceOptions {
  leaseMs?: number;
  now?: () => number;
}

/** Leased presence of peers and what they seed. */
export class Presence {
  readonly #peers = new Map<string, PeerRecord>();
  /** `group/fileId` → peer ids that announced it. */
  readonly #byFile = new Map<string, Set<string>>();
  readonly #leaseMs: number;
  readonly #now: () => number;

  constructor(options: PresenceOptions = {}) {
    this.#leaseMs = options.leaseMs ?? PRESENCE_LEASE_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The lease length, so peers can be told how often to renew. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /**
   * Register or renew a peer.
   *
   * @returns whether the peer was already known (if not, it should announce its files again)
   */
  touch(peerId: string, user: string, host: string, port: number): boolean {
    const record = this.#live(peerId);
    const expiresAt = this.#now() + this.#leaseMs;
    if (record && record.user === user) {
      Object.assign(record, { host, port, expiresAt });
      return true;
    }
    if (record) this.drop(peerId);
    this.#peers.set(peerId, { user, host, port, expiresAt, files: new Map() });
    return false;
  }

  /** Whether a peer holds a live lease. */
  isOnline(peerId: string): boolean {
    return this.#live(peerId) !== undefined;
  }

  /** A peer seeds a file of a group (complete, or partial while downloading). */
  announce(peerId: string, group: string, fileId: string, isComplete: boolean): boolean {
    const record = this.#live(peerId);
    if (!record) return false;
    const key = `${group}/${fileId}`;
    record.files.set(key, isComplete);
    let peers = this.#byFile.get(key);
    if (!peers) this.#byFile.set(key, peers = new Set());
    peers.add(peerId);
    return true;
  }

  /** A peer no longer seeds a file of a group. */
  withdraw(peerId: string, group: string, fileId: string): void {
    const key = `${group}/${fileId}`;
    this.#peers.get(peerId)?.files.delete(key);
    this.#byFile.get(key)?.delete(peerId);
  }

  /** A peer went away (logout, or lease ended). */
  drop(peerId: string): void {
    const record = this.#peers.get(peerId);
    if (!record) return;
    for (const key of record.files.keys()) this.#byFile.get(key)?.delete(peerId);
    this.#peers.delete(peerId);
  }

  /** Live peers seeding a file of a group. */
  peersFor(group: string, fileId: string): PresentPeer[] {
    const key = `${group}/${fileId}`;
    const peers: PresentPeer[] = [];
    for (const peerId of this.#byFile.get(key) ?? []) {
      const record = this.#live(peerId);
      const isComplete = record?.files.get(key);
      if (!record || isComplete === undefined) continue;
      peers.push({ peerId, user: record.user, host: record.host, port: record.port, isComplete });
    }
    return peers;
  }

  /** The record of a peer whose lease has not ended; an ended one is dropped on sight. */
  #live(peerId: string): PeerRecord | undefined {
    const record = this.#peers.get(peerId);
    if (record && record.expiresAt <= this.#now()) {
      this.drop(peerId);
      return undefined;
    }
    return record;
  }

  /** Drop every expired lease (called on a timer so memory does not hold dead peers). */
  sweep(): void {
    for (const peerId of [...this.#peers.keys()]) this.#live(peerId);
  }
}
