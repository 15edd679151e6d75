/**
 * The main thread's side of a download's piece worker (piece_worker.ts): a thread of its own
 * that checks every piece against its SHA-1, writes the good ones into the `.part` and feeds the
 * whole-file hash. Checking, writing and hashing a GiB cost more CPU than receiving it (the
 * write's copy into the page cache runs on the calling thread, and varies from 0.2 to 2.5 s per
 * GiB on these machines); on the main thread they stalled the links' reads. Here the main thread
 * only moves bytes off the network, and the two run on two cores.
 *
 * A piece's whole buffer is handed over (transferred, not copied): the caller must not touch it,
 * nor any other view of that buffer, after {@linkcode PieceWriter.put} or
 * {@linkcode PieceWriter.verified} (a piece re-checked on disk at resume, for the whole-file hash
 * alone).
 */
import type { Bitfield } from "../../wire/peer_frames.ts";

/** What a piece came to: written, not the piece (its SHA-1 or length is wrong), or not written. */
export type PutResult = "written" | "corrupt" | "failed";

/** The file a worker writes into, and what it checks pieces against. */
export interface PieceFile {
  readonly path: string;
  readonly size: number;
  readonly pieceLength: number;
  /** 20 bytes per piece, in order. */
  readonly pieceHashes: Uint8Array;
  /** The `.part` as the main thread opened it: the worker refuses a file other than this one. */
  readonly identity: { readonly dev: number; readonly ino: number };
}

/** Bytes moved to the worker: a view of `buffer`, which the sender gave up. */
export interface MovedBytes {
  buffer: ArrayBuffer;
  offset: number;
  length: number;
}

/** Messages to the worker; each is answered by a {@linkcode FromWorker} with its `id`. */
export type ToWorker =
  | { type: "open"; id: number; file: PieceFile; written: Uint8Array }
  | { type: "put" | "verified"; id: number; index: number } & MovedBytes
  | { type: "digest"; id: number }
  | { type: "close"; id: number };

/** A message before it is given its id. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
type Request = WithoutId<ToWorker>;

/** The worker's answers. `put` answers true (written) or false (not the piece). */
export type FromWorker =
  | { id: number; ok: true; value?: boolean | string }
  | { id: number; ok: false; error: string };

const WORKER_URL = new URL("./piece_worker.ts", import.meta.url);

/** A download's piece worker, open on its `.part` file. */
export class PieceWriter {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, PromiseWithResolvers<boolean | string | undefined>>();
  #nextId = 0;
  #stopped: Error | null = null;

  private constructor() {
    this.#worker = new Worker(WORKER_URL, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => this.#answer(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#stop(new Error(`The piece worker stopped: ${event.message}`));
    };
    this.#worker.onmessageerror = () => this.#stop(new Error("The piece worker sent garbage"));
  }

  /**
   * Start a worker on `file`; `written` are the pieces already on disk and verified (the
   * whole-file hash reads them back).
   *
   * @throws {Error} when the worker cannot open the file, or it is not the file opened here
   */
  static async open(file: PieceFile, written: Bitfield): Promise<PieceWriter> {
    const writer = new PieceWriter();
    try {
      await writer.#call({ type: "open", file, written: written.bytes.slice() });
    } catch (error) {
      writer.#worker.terminate();
      throw error;
    }
    return writer;
  }

  /**
   * Check piece `index` and write it if good. Resolves once written (or refused); rejects when
   * the write failed or the worker stopped. The buffer under `data` moves to the worker (a
   * frame's payload: the piece and its 4-byte index).
   */
  async put(index: number, data: Uint8Array): Promise<boolean> {
    // A shared buffer cannot move: copy it (never so on the network path).
    const piece = data.buffer instanceof ArrayBuffer
      ? data as Uint8Array<ArrayBuffer>
      : data.slice();
    const { buffer, byteOffset: offset, length } = piece;
    return await this.#call({ type: "put", index, buffer, offset, length }, [buffer]) === true;
  }

  /**
   * Piece `index` is already on disk, checked there (a resume record's, re-checked on the main
   * thread): count it as written and give it to the whole-file hash, so the front is not read
   * from disk again. `data`'s buffer moves to the worker.
   */
  async verified(index: number, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const { buffer, byteOffset: offset, length } = data;
    await this.#call({ type: "verified", index, buffer, offset, length }, [buffer]);
  }

  /** The hex SHA-1 of the whole file; resolves once every piece is written. */
  async digest(): Promise<string> {
    return String(await this.#call({ type: "digest" }));
  }

  /** Let the worker finish what it was given, close the file and end the thread. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#call({ type: "close" });
    } finally {
      this.#stop(new Error("The piece worker is closed"));
    }
  }

  #call(message: Request, transfer: Transferable[] = []): Promise<boolean | string | undefined> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = ++this.#nextId;
    const waiter = Promise.withResolvers<boolean | string | undefined>();
    this.#waiting.set(id, waiter);
    this.#worker.postMessage({ ...message, id }, transfer);
    return waiter.promise;
  }

  #answer(answer: FromWorker): void {
    const waiter = this.#waiting.get(answer.id);
    if (!waiter) return;
    this.#waiting.delete(answer.id);
    if (answer.ok) waiter.resolve(answer.value);
    else waiter.reject(new Error(answer.error));
  }

  #stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#worker.terminate();
    for (const waiter of this.#waiting.values()) waiter.reject(reason);
    this.#waiting.clear();
  }
}
