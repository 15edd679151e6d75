/**
 * The tracker's open connections, counted in all and per address, and who makes room when a
 * cap is reached: the oldest connection that is not logged in and has no request running is
 * evicted; when there is none, the new connection is refused (`busy`). A connection counts from
 * its accept, its handshake and Hello included, so idle sockets that never say a word count too.
 */

/** One open connection as the caps see it. */
export class TrackedConnection {
  readonly host: string;
  /** A login or a valid session was used on it (or, for a tracker link, the cluster key). */
  isLoggedIn = false;
  /** Requests being handled: a connection with one running is not idle. */
  inFlight = 0;
  /** It was closed to make room for a newer one. */
  wasEvicted = false;
  /** Tell the remote why (an error frame when past the Hello) and close. */
  evict: () => void;

  constructor(host: string, evict: () => void) {
    this.host = host;
    this.evict = evict;
  }

  get isEvictable(): boolean {
    return !this.isLoggedIn && this.inFlight === 0;
  }
}

/** Options of {@linkcode ConnectionTable}. */
export interface ConnectionCaps {
  /** Open connections at most. */
  maxConnections: number;
  /** Open connections from one IP address at most. */
  maxPerAddress: number;
}

/** What {@linkcode ConnectionTable.admit} decided. */
export type Admission =
  | { kind: "admitted"; connection: TrackedConnection; evicted: number }
  | { kind: "busy"; message: string };

/** Every open connection, oldest first, in all and by address. */
export class ConnectionTable {
  readonly #caps: ConnectionCaps;
  readonly #all = new Set<TrackedConnection>();
  readonly #byHost = new Map<string, Set<TrackedConnection>>();

  constructor(caps: ConnectionCaps) {
    this.#caps = caps;
  }

  /** Connections counted now. */
  get size(): number {
    return this.#all.size;
  }

  /**
   * Make room for a connection from `host` and count it, evicting the oldest idle connection
   * that is not logged in when a cap is reached (from that address for the per-address cap).
   */
  admit(host: string, evict: () => void): Admission {
    const { maxConnections, maxPerAddress } = this.#caps;
    let evicted = 0;
    const local = this.#byHost.get(host);
    if (local && local.size >= maxPerAddress) {
      if (!this.#evictOldest(local)) {
        return {
          kind: "busy",
          message: `Tracker busy: ${local.size} connections from ${host} are open and in use ` +
            `(at most ${maxPerAddress} per address); try another tracker`,
        };
      }
      evicted++;
    }
    if (this.#all.size >= maxConnections) {
      if (!this.#evictOldest(this.#all)) {
        return {
          kind: "busy",
          message: `Tracker busy: ${this.#all.size} connections are open and in use ` +
            `(at most ${maxConnections}); try another tracker`,
        };
      }
      evicted++;
    }
    const connection = new TrackedConnection(host, evict);
    this.#all.add(connection);
    if (local) local.add(connection);
    else this.#byHost.set(host, new Set([connection]));
    return { kind: "admitted", connection, evicted };
  }

  /** Stop counting a connection (it closed); removing one twice is harmless. */
  remove(connection: TrackedConnection): void {
    this.#all.delete(connection);
    const local = this.#byHost.get(connection.host);
    local?.delete(connection);
    if (local?.size === 0) this.#byHost.delete(connection.host);
  }

  #evictOldest(connections: ReadonlySet<TrackedConnection>): boolean {
    // Sets iterate in insertion order: the first evictable one is the oldest.
    for (const connection of connections) {
      if (!connection.isEvictable) continue;
      this.remove(connection);
      connection.wasEvicted = true;
      connection.evict();
      return true;
    }
    return false;
  }
}
