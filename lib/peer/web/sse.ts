/**
 * Server-Sent Events to every open dashboard page: each page's stream, a bound on what may wait
 * in it (a page that stops reading is dropped, and its browser reconnects and gets a fresh
 * snapshot), and a comment now and then so idle connections stay open.
 */

/** Bytes that may wait for one slow page before it is dropped. */
export const MAX_QUEUED_BYTES = 1024 * 1024;
/** A comment this often keeps proxies and the browser from closing an idle stream. */
export const KEEP_ALIVE_MS = 15_000;
/** Milliseconds a browser waits before reconnecting a dropped stream (the `retry:` field). */
export const RECONNECT_MS = 1_000;

const encoder = new TextEncoder();

/** One SSE message: `event: <name>` and its data as one JSON line. */
export function formatEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  isClosed: boolean;
}

/** Every open event stream; {@linkcode EventHub.broadcast} writes to all of them. */
export class EventHub {
  readonly #clients = new Set<Client>();
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  /** Open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * A new stream, which starts with `first` (the snapshot), then gets every broadcast.
   *
   * @param onClose called when the page goes away or is dropped
   */
  open(first: string, onClose: () => void = () => {}): ReadableStream<Uint8Array> {
    let client: Client;
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = { controller, isClosed: false };
        this.#clients.add(client);
        this.#send(client, `retry: ${RECONNECT_MS}\n\n` + first);
        this.#startKeepAlive();
      },
      cancel: () => {
        this.#drop(client);
        onClose();
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: MAX_QUEUED_BYTES }));
  }

  /** Send one event to every open stream. */
  broadcast(name: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = formatEvent(name, data);
    for (const client of this.#clients) this.#send(client, text);
  }

  /** End every stream (the peer is stopping). */
  closeAll(): void {
    for (const client of [...this.#clients]) {
      this.#drop(client);
      client.controller.close();
    }
  }

  #send(client: Client, text: string): void {
    if (client.isClosed) return;
    client.controller.enqueue(encoder.encode(text));
    // A page that reads nothing for this long is dropped: memory stays bounded.
    if ((client.controller.desiredSize ?? 0) < 0) {
      this.#drop(client);
      client.controller.error(new Error("The dashboard page reads too slowly"));
    }
  }

  #drop(client: Client): void {
    client.isClosed = true;
    this.#clients.delete(client);
    if (this.#clients.size === 0) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }

  #startKeepAlive(): void {
    if (this.#keepAlive !== undefined) return;
    this.#keepAlive = setInterval(() => {
      for (const client of this.#clients) this.#send(client, ": keep-alive\n\n");
    }, KEEP_ALIVE_MS);
  }
}
