import { type Address } from "../common/address.ts";
import { describeError, ProtocolError } from "../common/errors.ts";
import { Logger, RateLimitedLog } from "../common/logger.ts";
import { acceptConnection, closeQuietly, HELLO_TIMEOUT_MS } from "../wire/connection.ts";

/** Connections served at once; more are closed on arrival so a flood cannot exhaust sockets. */
export const MAX_SEEDER_CONNECTIONS = 64;

/** Options of {@linkcode SeederServer.listen}. */
export interface SeederOptions {
  /** Our peer id, sent in the Hello. */
  peerId: string;
  /** Where refused connections are logged, at a bounded rate. */
  logger?: Logger;
  /** Connections served at once; default `MAX_SEEDER_CONNECTIONS`. */
  maxConnections?: number;
  /** How long a connection may take to send its magic and Hello. */
  helloTimeoutMs?: number;
}

/**
 * The server other peers download pieces from. File transfer is the next step: for now it
 * does the Hello exchange, then closes with the error code `not_implemented`.
 */
export class SeederServer {
  readonly #listener: Deno.TcpListener;
  readonly #options: SeederOptions;
  readonly #badHellos: RateLimitedLog;
  readonly #connections = new Set<Deno.Conn>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  #isClosed = false;

  private constructor(listener: Deno.TcpListener, options: SeederOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#badHellos = new RateLimitedLog(options.logger ?? new Logger("seeder"));
    this.#loop = this.#acceptLoop();
  }

  /**
   * Listen on `address` (port 0: any free port) and start accepting.
   *
   * @throws {Deno.errors.NotCapable} without `--allow-net`
   * @throws {Deno.errors.AddrInUse} when the port is taken
   */
  static listen(address: Address, options: SeederOptions): SeederServer {
    const listener = Deno.listen({ hostname: address.host, port: address.port });
    return new SeederServer(listener, options);
  }

  /** The bound address, with the real port when 0 was asked for. */
  get address(): Address {
    const addr = this.#listener.addr;
    return { host: addr.hostname, port: addr.port };
  }

  /** Stop accepting, close every connection and wait for their handlers. */
  async close(): Promise<void> {
    if (!this.#isClosed) {
      this.#isClosed = true;
      try {
        this.#listener.close();
      } catch (error) {
        // Already closed by a failed accept loop: nothing left to release.
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
      for (const conn of this.#connections) closeQuietly(conn);
    }
    await this.#loop;
    await Promise.allSettled(this.#tasks);
  }

  /** Same as {@linkcode SeederServer.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        if (this.#isClosed || this.#connections.size >= this.#maxConnections) {
          closeQuietly(conn);
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
      if (!this.#isClosed) this.#options.logger?.error(`Seeder stopped: ${describeError(error)}`);
    }
  }

  get #maxConnections(): number {
    return this.#options.maxConnections ?? MAX_SEEDER_CONNECTIONS;
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    try {
      const wire = await acceptConnection(conn, {
        role: "seeder",
        id: this.#options.peerId,
        timeoutMs: this.#options.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
      });
      await wire.fail("not_implemented", "File transfer is not implemented yet");
    } catch (error) {
      // acceptConnection already answered and closed; one bounded log line is all that is left.
      if (error instanceof ProtocolError) {
        this.#badHellos.warn(`Refused a connection: ${error.message}`);
      } else if (!this.#isClosed) {
        this.#badHellos.warn(`Connection failed: ${describeError(error)}`);
      }
      closeQuietly(conn);
    }
  }
}
