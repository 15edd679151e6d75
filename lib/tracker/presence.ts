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
  /** Connected to this tracker (not learnt from another). */
  isLocal: boolean;
  user: string;
  host: string;
  port: number;
  expiresAt: number;
  /** `group/fileId` → complete? */
  files: Map<string, boolean>;
}

/** A peer's presence as replicated to other trackers. */
export interface PresenceRecord {
  peerId: string;
  user: string;
  host: string;
  port: number;
  /** Lease left, in ms. */
  leaseMs: number;
  /** `[group, fileId, isComplete]` for each file it seeds. */
  files: Array<[string, string, boolean]>;
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
  /** Called with a peer id whenever a local client changed that peer's presence. */
  onChange: (peerId: string) => void = () => {};

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
    this.onChange(peerId);
    if (record && record.user === user) {
      Object.assign(record, { host, port, expiresAt, isLocal: true });
      return true;
    }
    if (record) this.#remove(peerId);
    this.#peers.set(peerId, { isLocal: true, user, host, port, expiresAt, files: new Map() });
    return false;
  }

  /** The replicable record of a peer, or null when it is not online. */
  record(peerId: string): PresenceRecord | null {
    const record = this.#live(peerId);
    if (!record) return null;
    const files: Array<[string, string, boolean]> = [];
    for (const [key, isComplete] of record.files) {
      const slash = key.indexOf("/");
      files.push([key.slice(0, slash), key.slice(slash + 1), isComplete]);
    }
    const { user, host, port } = record;
    return { peerId, user, host, port, leaseMs: record.expiresAt - this.#now(), files };
  }

  /** Peers whose presence this tracker holds first-hand. */
  localPeerIds(): string[] {
    return [...this.#peers.keys()].filter((id) => this.#live(id)?.isLocal === true);
  }

  /** Take in a record from another tracker (not reported back through onChange). */
  upsertRemote(remote: PresenceRecord): void {
    this.#remove(remote.peerId);
    if (remote.leaseMs <= 0) return;
    const { user, host, port } = remote;
    const expiresAt = this.#now() + Math.min(remote.leaseMs, this.#leaseMs);
    this.#peers.set(remote.peerId, {
      isLocal: false,
      user,
      host,
      port,
      expiresAt,
      files: new Map(),
    });
    for (const [group, fileId, isComplete] of remote.files) {
      this.#add(remote.peerId, `${group}/${fileId}`, isComplete);
    }
  }

  /** Another tracker says a peer went away. */
  dropRemote(peerId: string): void {
    this.#remove(peerId);
  }

  /** Whether a peer holds a live lease. */
  isOnline(peerId: string): boolean {
    return this.#live(peerId) !== undefined;
  }

  /** A peer seeds a file of a group (complete, or partial while downloading). */
  announce(peerId: string, group: string, fileId: string, isComplete: boolean): boolean {
    if (!this.#live(peerId)) return false;
    this.#add(peerId, `${group}/${fileId}`, isComplete);
    this.onChange(peerId);
    return true;
  }

  #add(peerId: string, key: string, isComplete: boolean): void {
    this.#peers.get(peerId)?.files.set(key, isComplete);
    let peers = this.#byFile.get(key);
    if (!peers) this.#byFile.set(key, peers = new Set());
    peers.add(peerId);
  }

  /** A peer no longer seeds a file of a group. */
  withdraw(peerId: string, group: string, fileId: string): void {
    const key = `${group}/${fileId}`;
    this.#peers.get(peerId)?.files.delete(key);
    this.#byFile.get(key)?.delete(peerId);
    this.onChange(peerId);
  }

  /** A peer went away (logout). */
  drop(peerId: string): void {
    this.#remove(peerId);
    this.onChange(peerId);
  }

  #remove(peerId: string): void {
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
      this.#remove(peerId);
      return undefined;
    }
    return record;
  }

  /** Drop every expired lease (called on a timer so memory does not hold dead peers). */
  sweep(): void {
    for (const peerId of [...this.#peers.keys()]) this.#live(peerId);
  }
}
