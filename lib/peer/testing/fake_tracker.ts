/**
 * A scripted tracker for the peer's unit tests: real sockets on 127.0.0.1, port 0, the real
 * wire code, and a handler per test. Not a tracker: it keeps no state of its own.
 */
import type { Address } from "../../common/address.ts";
import { acceptConnection, closeQuietly, type WireConnection } from "../../wire/connection.ts";
import { type RequestHandler, serveRequests, type ValidRequest } from "../../wire/rpc.ts";
import { createTransportIdentity } from "../../wire/transport_identity.ts";

/** Every fake tracker's transport key: made once, on first use. */
const IDENTITY = createTransportIdentity();

/** A fake tracker that records every request it serves. */
export class FakeTracker {
  readonly requests: ValidRequest[] = [];
  readonly #listener: Deno.TcpListener;
  readonly #wires = new Set<WireConnection>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  #handler: RequestHandler;
  /** How many connections completed their Hello. */
  connections = 0;
  /** Refuse every new connection after its Hello with this error frame (a tracker at its cap). */
  refusal: { code: string; message: string } | null = null;

  private constructor(listener: Deno.TcpListener, handler: RequestHandler) {
    this.#listener = listener;
    this.#handler = handler;
    this.#loop = this.#acceptLoop();
  }

  /** Listen on 127.0.0.1, any free port. */
  static start(handler: RequestHandler): FakeTracker {
    return new FakeTracker(Deno.listen({ hostname: "127.0.0.1", port: 0 }), handler);
  }

  get address(): Address {
    return { host: "127.0.0.1", port: this.#listener.addr.port };
  }

  /** Replace the handler for the requests that follow. */
  setHandler(handler: RequestHandler): void {
    this.#handler = handler;
  }

  /** Close every open connection, as a tracker restart would. */
  async dropConnections(): Promise<void> {
    for (const wire of this.#wires) wire.close();
    await Promise.allSettled(this.#tasks);
  }

  async close(): Promise<void> {
    this.#listener.close();
    await this.#loop;
    await this.dropConnections();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const task = this.#serve(conn).finally(() => this.#tasks.delete(task));
        this.#tasks.add(task);
      }
    } catch (error) {
      // close() makes the pending accept fail: that is the end of the loop.
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    let wire: WireConnection;
    try {
      wire = await acceptConnection(conn, {
        role: "tracker",
        id: "fake-tracker",
        identity: await IDENTITY,
        check: () => this.refusal,
      });
    } catch {
      // Refused: acceptConnection already answered with an error frame.
      closeQuietly(conn);
      return;
    }
    this.connections++;
    this.#wires.add(wire);
    try {
      await serveRequests(wire, (request) => {
        this.requests.push(request);
        return this.#handler(request);
      });
    } catch {
      // A bad frame from the client under test: the test sees it as a lost connection.
    } finally {
      this.#wires.delete(wire);
    }
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export function closedPort(): Address {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return { host: "127.0.0.1", port };
}
