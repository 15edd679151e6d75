/**
 * The tracker process: its locked data folder, database, state and listener. Each accepted
 * connection is served on its own task with a bounded number of requests in flight, so a client
 * that stops reading holds up only itself.
 */
import { type Address, formatAddress } from "../common/address.ts";
import { describeError, ProtocolError } from "../common/errors.ts";
import { FolderLock } from "../common/lock.ts";
import { Logger, RateLimitedLog } from "../common/logger.ts";
import {
  acceptConnection,
  closeQuietly,
  FRAME_LIMIT_BYTES,
  type Hello,
  PUBLIC_OPS,
  refuseConnection,
  REPL_HANDSHAKE_LIMIT_BYTES,
  serveRequests,
  type ValidRequest,
  type WireConnection,
  WireErrorCode,
} from "../wire/mod.ts";
import { loadClusterKey } from "./cluster_key.ts";
import { TRACKER_DEFAULTS, type TrackerOptions } from "./options.ts";
import {
  assemble,
  listen,
  lockFolder,
  missingFolders,
  removeFolders,
  type TrackerParts,
} from "./startup.ts";
import { Commands } from "./commands/mod.ts";
import { ConnectionTable, type TrackedConnection } from "./connections.ts";
import { ReadDeadlines } from "./deadlines.ts";
import { keyFingerprint } from "../common/ids.ts";
import { Store } from "./store.ts";
import type { State } from "./state/mod.ts";
import type { Replicator } from "./replication.ts";
import type { TransportIdentity } from "../wire/transport_identity.ts";

export { TRACKER_DEFAULTS, type TrackerOptions } from "./options.ts";

const CLIENT_ROLES = new Set(["peer", "status", "tracker"]);
/**
 * Refusals (`busy`) being sent at once: each waits for the remote's handshake and Hello, so past
 * this many a connection over the cap is closed with nothing sent.
 */
const MAX_REFUSALS_IN_PROGRESS = 64;
/** How long a refusal waits for the handshake and Hello it answers. */
const REFUSAL_TIMEOUT_MS = 2_000;
const EVICTED_MESSAGE =
  "Closed to make room for a new connection: this one was not logged in and idle";

/** A running tracker. */
export class TrackerServer {
  readonly #lock: FolderLock;
  readonly #store: Store;
  readonly #listener: Deno.TcpListener;
  readonly #commands: Commands;
  readonly #options: TrackerOptions;
  readonly #logger: Logger;
  readonly #badFrames: RateLimitedLog;
  /** Every socket we hold, refusals included, and the task serving it (awaited on close). */
  readonly #connections = new Map<Deno.Conn, Promise<void>>();
  readonly #table: ConnectionTable;
  #refusals = 0;
  readonly #acceptLoop: Promise<void>;
  readonly #state: State;
  readonly #replicator: Replicator;
  readonly #identity: TransportIdentity;
  readonly #sweeper: ReturnType<typeof setInterval>;
  #closing: Promise<void> | null = null;
  readonly #finished = Promise.withResolvers<void>();

  private constructor(parts: TrackerParts, options: TrackerOptions) {
    const { lock, store, listener, commands, state, presence, replicator, identity } = parts;
    this.#identity = identity;
    this.#lock = lock;
    this.#store = store;
    this.#listener = listener;
    this.#commands = commands;
    this.#state = state;
    this.#replicator = replicator;
    this.#options = options;
    this.#logger = options.logger ?? new Logger("tracker");
    this.#badFrames = new RateLimitedLog(this.#logger);
    this.#table = new ConnectionTable({
      maxConnections: options.maxConnections ?? TRACKER_DEFAULTS.maxConnections,
      maxPerAddress: options.maxConnectionsPerAddress ?? TRACKER_DEFAULTS.maxConnectionsPerAddress,
    });
    this.#acceptLoop = this.#accept();
    this.#sweeper = setInterval(() => presence.sweep(), presence.leaseMs);
  }

  /**
   * Lock the data folder, open the database and start listening.
   *
   * @throws {Error} with one line when the folder is in use, the port is taken, or a permission is missing
   */
  static async start(options: TrackerOptions): Promise<TrackerServer> {
    const created = await missingFolders(options.dataDir);
    let lock: FolderLock | undefined;
    let listener: Deno.TcpListener | undefined;
    let store: Store | undefined;
    try {
      lock = await lockFolder(options.dataDir);
      // Listen before making the cluster key or the database, so that a port in use leaves
      // nothing behind.
      listener = listen(options.listen);
      const secret = await loadClusterKey(options.clusterKeyPath);
      store = Store.open(`${options.dataDir}/tracker.db`);
      const parts = await assemble(options, { lock, listener, store, secret });
      return new TrackerServer(parts, options);
    } catch (error) {
      listener?.close();
      await store?.close();
      lock?.release();
      if (lock) await removeFolders(created);
      throw error;
    }
  }

  /** The address actually bound (port 0 resolved). */
  get address(): Address {
    const addr = this.#listener.addr;
    return { host: addr.hostname, port: addr.port };
  }

  /** This tracker's key as tracker_info.txt may pin it (its ticket-signing key). */
  get keyFingerprint(): string {
    return keyFingerprint(this.#identity.identityKey);
  }

  /** This tracker's random id. */
  get trackerId(): string {
    return this.#store.trackerId;
  }

  /** Operations in the log. */
  get opCount(): number {
    return this.#store.opCount;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const host = conn.remoteAddr.transport === "tcp" ? conn.remoteAddr.hostname : "unknown";
        const admission = this.#table.admit(host, () => closeQuietly(conn));
        if (admission.kind === "busy") {
          this.#refuseBusy(conn, host, admission.message);
          continue;
        }
        if (admission.evicted > 0) {
          this.#badFrames.warn(
            `Closed ${admission.evicted} idle connection(s) not logged in to make room for one ` +
              `from ${host}`,
          );
        }
        const tracked = admission.connection;
        const task = this.#serve(conn, tracked).finally(() => {
          this.#connections.delete(conn);
          this.#table.remove(tracked);
        });
        this.#connections.set(conn, task);
      }
    } catch (error) {
      // Closing the listener ends the loop; anything else is unexpected and logged.
      if (!(error instanceof Deno.errors.BadResource)) this.#logger.error(String(error));
    }
  }

  async #serve(conn: Deno.Conn, tracked: TrackedConnection): Promise<void> {
    const { host } = tracked;
    try {
      const wire = await acceptConnection(conn, {
        role: "tracker",
        id: this.trackerId,
        identity: this.#identity,
        timeoutMs: this.#options.helloTimeoutMs ?? TRACKER_DEFAULTS.helloTimeoutMs,
        check: refuseNonClients,
        limitsFor: (role) => role === "tracker" ? REPL_HANDSHAKE_LIMIT_BYTES : FRAME_LIMIT_BYTES,
      });
      tracked.evict = () => void wire.fail(WireErrorCode.EVICTED, EVICTED_MESSAGE);
      if (tracked.wasEvicted) return tracked.evict();
      if (wire.remote.role === "tracker") {
        return await this.#replicator.accept(wire, () => tracked.isLoggedIn = true);
      }
      await this.#serveClient(wire, tracked);
    } catch (error) {
      // An evicted connection ends with whatever its half-done read threw: not worth a line.
      if (!tracked.wasEvicted) this.#connectionEnded(error, host);
    } finally {
      closeQuietly(conn);
    }
  }

  async #serveClient(wire: WireConnection, tracked: TrackedConnection): Promise<void> {
    const caller = { host: tracked.host, peerId: keyFingerprint(wire.remoteKey) };
    const deadlines = new ReadDeadlines({
      idleMs: this.#options.idleTimeoutMs ?? TRACKER_DEFAULTS.idleTimeoutMs,
      frameMs: this.#options.frameTimeoutMs ?? TRACKER_DEFAULTS.frameTimeoutMs,
      onExpired: (code, message) => {
        if (code === WireErrorCode.FRAME_TIMEOUT) {
          this.#badFrames.warn(`Closed connection from ${tracked.host}: ${message}`);
        }
        void wire.fail(code, message);
      },
    });
    wire.reader.onFrameStart = () => deadlines.frameStarted();
    const handle = async (request: ValidRequest) => {
      deadlines.requestStarted();
      tracked.inFlight++;
      try {
        const result = await this.#commands.handle(request, caller);
        // A login, or any other op that got past the session check: a known user's connection.
        if (request.op === "login" || !PUBLIC_OPS.has(request.op)) {
          tracked.isLoggedIn = true;
          deadlines.loggedIn();
        }
        return result;
      } finally {
        tracked.inFlight--;
        deadlines.requestEnded();
      }
    };
    try {
      await serveRequests(wire, handle, {
        maxInFlight: TRACKER_DEFAULTS.maxInFlight,
        writeTimeoutMs: this.#options.writeTimeoutMs ?? TRACKER_DEFAULTS.writeTimeoutMs,
        onInternalError: (error) => this.#logger.error(`Command failed: ${describeError(error)}`),
      });
    } finally {
      deadlines.stop();
    }
  }

  /**
   * Refuse a connection over a cap with `busy`: after its handshake and Hello, so the client
   * reads the error frame inside the channel like any other refusal (docs/PROTOCOL.md).
   */
  #refuseBusy(conn: Deno.Conn, host: string, message: string): void {
    this.#badFrames.warn(`Refused a connection from ${host}: ${message}`);
    if (this.#refusals >= MAX_REFUSALS_IN_PROGRESS) return closeQuietly(conn);
    this.#refusals++;
    const task = refuseConnection(conn, {
      role: "tracker",
      id: this.trackerId,
      identity: this.#identity,
      timeoutMs: REFUSAL_TIMEOUT_MS,
    }, { code: WireErrorCode.BUSY, message }).finally(() => {
      this.#refusals--;
      this.#connections.delete(conn);
    });
    this.#connections.set(conn, task);
  }

  #connectionEnded(error: unknown, host: string): void {
    if (error instanceof ProtocolError) {
      this.#badFrames.warn(`Closed connection from ${host}: ${error.message}`);
    } else if (!(error instanceof Error)) {
      throw error;
    } else if (error.name !== "TimeoutError" && !(error instanceof Deno.errors.BadResource)) {
      this.#badFrames.warn(`Connection from ${host} ended: ${error.message}`);
    }
  }

  /** Stop listening, close every connection, flush and close the database, unlock. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#sweeper);
      await this.#replicator.close();
      this.#listener.close();
      await this.#acceptLoop;
      for (const conn of this.#connections.keys()) closeQuietly(conn);
      await Promise.allSettled(this.#connections.values());
      await this.#store.close();
      this.#lock.release();
      this.#finished.resolve();
    })();
    return this.#closing;
  }

  /** Resolves once the tracker has stopped (after {@linkcode close}). */
  get finished(): Promise<void> {
    return this.#finished.promise;
  }

  /** Stop the tracker (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Remove tracker `trackerId` from the cluster for good (see `Commands.removeTracker`).
   *
   * @throws {RangeError} for this tracker or an unknown id
   */
  async removeTracker(trackerId: string): Promise<void> {
    await this.#commands.removeTracker(trackerId);
    this.#logger.info(`Removed tracker ${trackerId} from the cluster`);
  }

  /** SHA-256 digest of the durable state: equal digests mean equal state. */
  digest(): string {
    return this.#state.digest();
  }

  /**
   * One line for the operator: where it listens and what it holds. The count is every
   * operation this tracker holds, as `status` reports it; "in the log" are those not yet
   * folded into its checkpoint.
   */
  describe(): string {
    const total = this.#store.totalOps;
    return `Tracker ${this.trackerId} listening on ${formatAddress(this.address)} ` +
      `(${total} operation${total === 1 ? "" : "s"}, ${this.#store.opCount} in the log; ` +
      `data in ${this.#options.dataDir}; key ${this.keyFingerprint})`;
  }
}

function refuseNonClients(hello: Hello) {
  if (CLIENT_ROLES.has(hello.role)) return null;
  return { code: "role_refused", message: `Role "${hello.role}" is not served here yet` };
}
