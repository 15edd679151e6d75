/**
 * A passive reader of loopback traffic: a TCP proxy on 127.0.0.1 that forwards every
 * connection to one target and keeps every byte it carried, both ways, for a test to search.
 *
 * ```ts
 * await using proxy = RecordingProxy.start({ host: "127.0.0.1", port: trackerPort });
 * // … clients connect to proxy.port …
 * ok(!proxy.saw("the password"));
 * ```
 */
import { Buffer } from "node:buffer";
import type { Address } from "../../lib/common/address.ts";

/** A forwarding proxy that records what it forwards. */
export class RecordingProxy implements AsyncDisposable {
  readonly port: number;
  readonly #listener: Deno.TcpListener;
  readonly #target: Address;
  readonly #chunks: Uint8Array[] = [];
  readonly #conns = new Set<Deno.Conn>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  /** Connections forwarded so far. */
  connections = 0;

  private constructor(listener: Deno.TcpListener, target: Address) {
    this.#listener = listener;
    this.#target = target;
    this.port = listener.addr.port;
    this.#accepting = this.#accept();
  }

  /** Listen on 127.0.0.1 on a free port and forward to `target`. */
  static start(target: Address): RecordingProxy {
    return new RecordingProxy(Deno.listen({ hostname: "127.0.0.1", port: 0 }), target);
  }

  /** Everything carried so far, in both directions. */
  get recorded(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** Whether `needle` (UTF-8 for a string) appears anywhere in what was carried. */
  saw(needle: string | Uint8Array): boolean {
    return this.recorded.indexOf(typeof needle === "string" ? Buffer.from(needle) : needle) >= 0;
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        this.connections++;
        const task = this.#forward(client).finally(() => this.#tasks.delete(task));
        this.#tasks.add(task);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  async #forward(client: Deno.Conn): Promise<void> {
    this.#conns.add(client);
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: this.#target.host, port: this.#target.port });
    } catch {
      this.#close(client);
      return;
    }
    this.#conns.add(server);
    await Promise.allSettled([this.#pump(client, server), this.#pump(server, client)]);
    this.#close(client);
    this.#close(server);
  }

  /** Copy `from` to `to`, recording each chunk; the end of one direction ends the other. */
  async #pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        const chunk = buffer.slice(0, n);
        this.#chunks.push(chunk);
        for (let at = 0; at < chunk.length;) at += await to.write(chunk.subarray(at));
      }
    } catch {
      // A reset or a closed socket on either side ends this direction.
    }
    this.#close(from);
    this.#close(to);
  }

  #close(conn: Deno.Conn): void {
    if (!this.#conns.delete(conn)) return;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    for (const conn of [...this.#conns]) this.#close(conn);
    await Promise.allSettled([...this.#tasks]);
  }
}
