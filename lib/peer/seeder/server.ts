/**
 * The seeder server: other peers connect here to download pieces of the files this peer serves
 * (complete shares and the verified pieces of its own downloads, both in {@linkcode ServedFiles}).
 * Each connection is a {@linkcode SeederSession}: nothing of a file is sent before its ticket and
 * proof are checked. Bounded: connections (`maxConnections`), requests queued per connection
 * (`MAX_QUEUED_REQUESTS`), one piece in memory per connection, and idle connections are closed.
 */
import { type Address, formatAddress } from "../../common/address.ts";
import { describeError, ProtocolError } from "../../common/errors.ts";
import { Logger, RateLimitedLog } from "../../common/logger.ts";
import type { RateLimiter } from "../../common/rate.ts";
import {
  acceptConnection,
  closeQuietly,
  HELLO_TIMEOUT_MS,
  refuseConnection,
} from "../../wire/connection.ts";
import type { TransportIdentity } from "../../wire/transport_identity.ts";
import { SeederRefusal, WireErrorCode } from "../../wire/limits.ts";
import { PEER_FRAME_LIMIT_BYTES } from "../../wire/peer_frames.ts";
import type { PieceSource, ServedFiles } from "./served_files.ts";
import { SeederSession, type TrackerKeyLookup } from "./session.ts";
import { CHOKE_INTERVAL_MS, FileSwarm } from "./file_swarm.ts";

export { MAX_QUEUED_REQUESTS } from "../../wire/limits.ts";
export type { TrackerKeyLookup } from "./session.ts";
export { UPLOAD_SLOTS } from "./choker.ts";

/**
 * Connections served at once; more are refused with `busy` (after their handshake, so the
 * downloader reads why), or closed on arrival when that many refusals are under way already.
 */
export const MAX_SEEDER_CONNECTIONS = 64;
/** Refusals (`busy`) under way at once; past this a connection over the cap is just closed. */
const MAX_REFUSALS_IN_PROGRESS = 16;
/** How long a refusal waits for the handshake and Hello it answers. */
const REFUSAL_TIMEOUT_MS = 2_000;
/** A connection with no request for this long is closed. */
export const SEEDER_IDLE_TIMEOUT_MS = 60_000;
/** How long a downloader may take to send its handshake after the challenge. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Clock difference tolerated between a ticket's tracker and this peer. */
export const TICKET_SKEW_MS = 60_000;
/** Deadlines are checked at least this often. */
const SWEEP_INTERVAL_MS = 1000;

/** Options of {@linkcode SeederServer.listen}. */
export interface SeederOptions {
  /** Our peer id, sent in the Hello and signed into each downloader's proof. */
  peerId: string;
  /** Our transport key (signed by the key `peerId` names), proven to every downloader. */
  transport: TransportIdentity;
  /** The files served; a source removed from it has its connections closed. */
  served: ServedFiles;
  /** The trackers' public keys that sign tickets. */
  trackerKeys: TrackerKeyLookup;
  /** Shared `--upload-limit` bucket, taken before each piece. */
  uploadLimiter?: RateLimiter;
  /** Where refused connections are logged, at a bounded rate. */
  logger?: Logger;
  /** Connections served at once; default `MAX_SEEDER_CONNECTIONS`. */
  maxConnections?: number;
  /** How long a connection may take to send its magic and Hello. */
  helloTimeoutMs?: number;
  /** How long a downloader may take to send its handshake; default `HANDSHAKE_TIMEOUT_MS`. */
  handshakeTimeoutMs?: number;
  /** A connection with no request for this long is closed; default `SEEDER_IDLE_TIMEOUT_MS`. */
  idleTimeoutMs?: number;
  /** Ticket clock skew allowance; default `TICKET_SKEW_MS`. */
  skewMs?: number;
  /** Wall clock (ms since the epoch) for ticket validity; default `Date.now`. */
  now?: () => number;
  /** Regular upload slots per file (`--upload-slots`); default `UPLOAD_SLOTS`. */
  uploadSlots?: number;
  /** Reveal pieces one at a time while a complete file has few copies; default true. */
  isSuperSeeding?: boolean;
}

/** The server other peers download pieces from. */
export class SeederServer {
  readonly #listener: Deno.TcpListener;
  readonly #options: SeederOptions;
  readonly #logger: Logger;
  readonly #log: RateLimitedLog;
  readonly #connections = new Set<Deno.TcpConn>();
  readonly #sessions = new Set<SeederSession>();
  readonly #tasks = new Set<Promise<void>>();
  /** Connections being refused with `busy`. */
  readonly #refusing = new Set<Deno.TcpConn>();
  readonly #warned = new WeakSet<PieceSource>();
  /** The downloaders of each served file with at least one connected. */
  readonly #swarms = new Map<PieceSource, FileSwarm>();
  #chokeTimer: ReturnType<typeof setInterval> | undefined;
  readonly #unsubscribe: () => void;
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #loop: Promise<void>;
  #isClosed = false;

  private constructor(listener: Deno.TcpListener, options: SeederOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#logger = options.logger ?? new Logger("seeder");
    this.#log = new RateLimitedLog(this.#logger);
    this.#unsubscribe = options.served.subscribe((source, event) => {
      if (event === "removed") this.#closeSource(source);
    });
    const { idleTimeoutMs, handshakeTimeoutMs } = this.#timeouts;
    const every = Math.min(SWEEP_INTERVAL_MS, idleTimeoutMs / 4, handshakeTimeoutMs / 4);
    this.#sweep = setInterval(() => this.#closeOverdue(), Math.max(10, every));
    this.#chokeTimer = setInterval(() => this.#chokeRound(), CHOKE_INTERVAL_MS);
    this.#loop = this.#acceptLoop();
  }

  /**
   * Listen on `address` (port 0: any free port) and start accepting.
   *
   * @throws {Error} one line naming the address: port in use, no `--allow-net`, no such interface
   */
  static listen(address: Address, options: SeederOptions): SeederServer {
    return new SeederServer(listenOn(address), options);
  }

  /** The bound address, with the real port when 0 was asked for. */
  get address(): Address {
    const addr = this.#listener.addr;
    return { host: addr.hostname, port: addr.port };
  }

  /** Connections open now (in their Hello or serving). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Stop accepting, close every connection and wait for their handlers. */
  async close(): Promise<void> {
    if (!this.#isClosed) {
      this.#isClosed = true;
      clearInterval(this.#sweep);
      clearInterval(this.#chokeTimer);
      for (const swarm of this.#swarms.values()) swarm.close();
      this.#unsubscribe();
      try {
        this.#listener.close();
      } catch (error) {
        // Already closed by a failed accept loop: nothing left to release.
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
      for (const session of this.#sessions) void session.close();
      for (const conn of this.#connections) closeQuietly(conn);
      for (const conn of this.#refusing) closeQuietly(conn);
    }
    await this.#loop;
    await Promise.allSettled(this.#tasks);
  }

  /** Same as {@linkcode SeederServer.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  get #timeouts(): { idleTimeoutMs: number; handshakeTimeoutMs: number } {
    return {
      idleTimeoutMs: this.#options.idleTimeoutMs ?? SEEDER_IDLE_TIMEOUT_MS,
      handshakeTimeoutMs: this.#options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    };
  }

  async #acceptLoop(): Promise<void> {
    const max = this.#options.maxConnections ?? MAX_SEEDER_CONNECTIONS;
    try {
      for await (const conn of this.#listener) {
        if (this.#isClosed) {
          closeQuietly(conn);
          continue;
        }
        if (this.#connections.size >= max) {
          this.#refuseBusy(conn, max);
          continue;
        }
        this.#connections.add(conn);
        const task = this.#serve(conn).finally(() => {
          this.#connections.delete(conn);
          this.#tasks.delete(task);
        });
        this.#tasks.add(task);
      }
    } catch (error) {
      // close() makes a pending accept fail; anything else ends serving, with one line.
      if (!this.#isClosed) this.#logger.error(`Seeder stopped: ${describeError(error)}`);
    }
  }

  /** Tell a downloader over the cap that this seeder is full, inside the channel. */
  #refuseBusy(conn: Deno.TcpConn, max: number): void {
    if (this.#refusing.size >= MAX_REFUSALS_IN_PROGRESS) return closeQuietly(conn);
    this.#refusing.add(conn);
    const message = `Seeder busy: at its limit of ${max} connection(s); try again later`;
    const task = refuseConnection(conn, {
      role: "seeder",
      id: this.#options.peerId,
      identity: this.#options.transport,
      timeoutMs: REFUSAL_TIMEOUT_MS,
      limits: PEER_FRAME_LIMIT_BYTES,
    }, { code: WireErrorCode.BUSY, message }).finally(() => {
      this.#refusing.delete(conn);
      this.#tasks.delete(task);
    });
    this.#tasks.add(task);
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    let session: SeederSession | null = null;
    try {
      conn.setNoDelay(true);
      const wire = await acceptConnection(conn, {
        role: "seeder",
        id: this.#options.peerId,
        identity: this.#options.transport,
        timeoutMs: this.#options.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
        limits: PEER_FRAME_LIMIT_BYTES,
        check: (hello) =>
          hello.role === "peer" ? null : {
            code: SeederRefusal.WRONG_ROLE,
            message: `A seeder serves peers, not a "${hello.role}"`,
          },
      });
      session = new SeederSession(wire, this.#sessionContext());
      this.#sessions.add(session);
      if (this.#isClosed) return;
      await session.run();
    } catch (error) {
      // acceptConnection already answered and closed; one bounded log line is all that is left.
      if (error instanceof ProtocolError) {
        this.#log.warn(`Refused a connection: ${error.message}`);
      } else if (!this.#isClosed) {
        this.#log.warn(`Connection failed: ${describeError(error)}`);
      }
    } finally {
      if (session) {
        this.#sessions.delete(session);
        await session.close();
      }
      closeQuietly(conn);
    }
  }

  #sessionContext() {
    const options = this.#options;
    return {
      peerId: options.peerId,
      served: options.served,
      trackerKeys: options.trackerKeys,
      ...(options.uploadLimiter ? { uploadLimiter: options.uploadLimiter } : {}),
      skewMs: options.skewMs ?? TICKET_SKEW_MS,
      now: options.now ?? Date.now,
      log: this.#log,
      swarmFor: (source: PieceSource) => this.#swarmFor(source),
      onReadFailed: (source: PieceSource, error: unknown) => {
        if (this.#warned.has(source)) return;
        this.#warned.add(source);
        this.#logger.warn(`Stopped serving file ${source.fileId}: ${describeError(error)}`);
      },
    };
  }

  #swarmFor(source: PieceSource): FileSwarm {
    let swarm = this.#swarms.get(source);
    if (!swarm) {
      swarm = new FileSwarm(source, {
        ...(this.#options.uploadSlots === undefined ? {} : { slots: this.#options.uploadSlots }),
        isSuperSeeding: this.#options.isSuperSeeding ?? true,
      });
      this.#swarms.set(source, swarm);
    }
    return swarm;
  }

  /** Re-choose every file's upload slots; forget files with no downloader left. */
  #chokeRound(): void {
    for (const [source, swarm] of this.#swarms) {
      if (swarm.size > 0) {
        swarm.round();
      } else {
        swarm.close();
        this.#swarms.delete(source);
      }
    }
  }

  /** A source was removed from ServedFiles (stop_share): its downloaders are told and closed. */
  #closeSource(source: PieceSource): void {
    for (const session of this.#sessions) {
      if (session.source === source) {
        void session.close(SeederRefusal.NOT_SERVED, "This file is no longer shared");
      }
    }
  }

  #closeOverdue(): void {
    const now = performance.now();
    const { idleTimeoutMs, handshakeTimeoutMs } = this.#timeouts;
    for (const session of this.#sessions) {
      const limit = session.isServing ? idleTimeoutMs : handshakeTimeoutMs;
      if (now - session.lastActivity <= limit) continue;
      if (session.isServing) void session.close();
      else void session.close(SeederRefusal.EXPECTED_HANDSHAKE, "No handshake in time");
    }
  }
}

function listenOn(address: Address): Deno.TcpListener {
  const where = `Cannot listen on ${formatAddress(address)}`;
  try {
    return Deno.listen({ hostname: address.host, port: address.port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(`${where}: the port is already in use`, { cause: error });
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new Error(`${where}: run with --allow-net`, { cause: error });
    }
    throw new Error(`${where}: ${describeError(error)}`, { cause: error });
  }
}
