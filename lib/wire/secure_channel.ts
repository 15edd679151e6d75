/**
 * The channel after the Noise handshake (secure_conn.ts opens it): {@linkcode SecureConn} reads
 * records, decrypting each into the caller's buffer where it fits, and writes in batches of
 * records, one socket write each. It reads and writes like the `Deno.Conn` it wraps (and has its
 * readable and writable streams), so the framing above it does not change.
 */
import { releaseBuffer } from "../common/memory.ts";
import type { ByteSource } from "./frame.ts";
import { type RawReader, RECORD_HEADER_BYTES } from "./records.ts";
import {
  CipherState,
  MAX_PLAINTEXT_BYTES,
  type NoiseCipher,
  TAG_BYTES,
  type XXHandshake,
} from "./noise.ts";

/** What the connection layers above need of a connection, encrypted or not. */
export interface ByteConn {
  /** The bytes the remote sends. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The bytes sent to the remote. */
  readonly writable: WritableStream<Uint8Array>;
  /** The remote's address. */
  readonly remoteAddr: Deno.Addr;
  /** Close the connection. */
  close(): void;
}

/** Where frames are written: resolves once `bytes` went to the socket, after every earlier write. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

/** Records are written in batches of at most this many plaintext bytes (one socket write). */
const WRITE_BATCH_BYTES = 16 * MAX_PLAINTEXT_BYTES;

/**
 * The encrypted connection: `read` gives the remote's plaintext, `write` encrypts what is written,
 * in the order of the calls. A record that fails its tag fails the read (`decrypt_failed`).
 * `readable` and `writable` are the same as web streams, for callers that want them; the frame
 * layer reads and writes directly (a stream costs several promises per read).
 */
export class SecureConn implements ByteConn, ByteSource {
  /** The remote's Ed25519 identity key, proven in the handshake. */
  readonly remoteKey: Uint8Array;
  /** The handshake hash: unique to this connection, for binding a challenge to it. */
  readonly handshakeHash: Uint8Array;
  /** The cipher of every record (of the handshake's only, when {@linkcode isUnencrypted}). */
  readonly cipher: NoiseCipher;
  /** Whether the records are sent in clear: the benchmarks' unencrypted mode. */
  readonly isUnencrypted: boolean;
  readonly #conn: Deno.Conn;
  readonly #reader: RawReader;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #receive: CipherState;
  readonly #send: CipherState;
  /** The last record decrypted, and the part of it not yet read. */
  #record: Uint8Array = new Uint8Array(0);
  #pending: Uint8Array = this.#record;
  #readable: ReadableStream<Uint8Array> | null = null;
  #writable: WritableStream<Uint8Array> | null = null;
  /** The last socket write queued: writes go out in the order they were made. */
  #lastWrite: Promise<void> = Promise.resolve();

  /**
   * The channel over `conn` once `handshake` is done; {@linkcode secureConnect} and
   * {@linkcode secureAccept} make one.
   *
   * @param isUnencrypted records in clear, after the handshake (the benchmarks' mode)
   */
  constructor(
    conn: Deno.Conn,
    reader: RawReader,
    writer: WritableStreamDefaultWriter<Uint8Array>,
    handshake: XXHandshake,
    remoteKey: Uint8Array,
    isUnencrypted = false,
  ) {
    const session = handshake.finish();
    this.#conn = conn;
    this.#reader = reader;
    this.#writer = writer;
    this.#receive = isUnencrypted ? CipherState.unencrypted() : session.receive;
    this.#send = isUnencrypted ? CipherState.unencrypted() : session.send;
    this.isUnencrypted = isUnencrypted;
    this.remoteKey = remoteKey;
    this.handshakeHash = session.handshakeHash;
    this.cipher = session.send.cipher;
  }

  /** The remote's address, from the TCP connection. */
  get remoteAddr(): Deno.Addr {
    return this.#conn.remoteAddr;
  }

  /**
   * Fill `view` with at least `min` bytes of plaintext, more if records already received hold
   * them; fewer only at the end of the connection (at a record's end: inside one is `truncated`).
   */
  async read(view: Uint8Array, min: number): Promise<Uint8Array> {
    let filled = 0;
    while (filled < view.length) {
      if (this.#pending.length === 0) {
        const message = this.#reader.bufferedRecord() ??
          (filled < min ? await this.#reader.readRecord("an encrypted record") : null);
        if (message === null) break;
        if (message.length - TAG_BYTES <= view.length - filled) {
          // The whole record fits: its plaintext goes straight into the caller's view.
          filled += this.#receive.decryptInto(message, view, filled);
          continue;
        }
        // The record's bytes are the reader's until its next read, which waits for this one's.
        this.#pending = this.#record = this.#receive.decryptInPlace(message);
      }
      const n = Math.min(view.length - filled, this.#pending.length);
      view.set(this.#pending.subarray(0, n), filled);
      this.#pending = this.#pending.subarray(n);
      // A record copied out in full is freed now, not at the next garbage collection.
      if (this.#pending.length === 0) releaseBuffer(this.#record);
      filled += n;
    }
    return view.subarray(0, filled);
  }

  /**
   * Stop reading: every read from now on ends as the end of the connection (one already waiting
   * on the socket ends when data comes or the connection closes).
   */
  cancel(): Promise<void> {
    this.#reader.cancel();
    return Promise.resolve();
  }

  /**
   * Encrypt `bytes` now and queue them after every earlier write.
   *
   * @returns once they were written to the socket (the back-pressure)
   */
  write(bytes: Uint8Array): Promise<void> {
    const writes: Promise<void>[] = [];
    for (let start = 0; start < bytes.length; start += WRITE_BATCH_BYTES) {
      const batch = this.#encrypt(bytes, start, Math.min(bytes.length, start + WRITE_BATCH_BYTES));
      // Each batch is freed once written, not at the next garbage collection.
      writes.push(this.#writer.write(batch).then(() => releaseBuffer(batch)));
    }
    const written = writes.length === 1 ? writes[0]! : Promise.all(writes).then(() => {});
    this.#lastWrite = written.catch(() => {}); // the failure is the writer's caller's to see
    return written;
  }

  /** Records for `bytes[start, end)`: `u16 length | ciphertext and tag` each, in one buffer. */
  #encrypt(bytes: Uint8Array, start: number, end: number): Uint8Array {
    const records = Math.ceil((end - start) / MAX_PLAINTEXT_BYTES);
    const batch = new Uint8Array(end - start + records * (RECORD_HEADER_BYTES + TAG_BYTES));
    let offset = 0;
    for (let at = start; at < end; at += MAX_PLAINTEXT_BYTES) {
      const plaintext = bytes.subarray(at, Math.min(end, at + MAX_PLAINTEXT_BYTES));
      const length = plaintext.length + TAG_BYTES;
      batch[offset] = length >> 8;
      batch[offset + 1] = length & 0xff;
      this.#send.encryptInto(plaintext, batch, offset + RECORD_HEADER_BYTES);
      offset += RECORD_HEADER_BYTES + length;
    }
    return batch;
  }

  /** The remote's plaintext as a byte stream (BYOB reads fill the view with what has come). */
  get readable(): ReadableStream<Uint8Array> {
    this.#readable ??= new ReadableStream({
      type: "bytes",
      pull: async (controller) => {
        const request = controller.byobRequest;
        const view = request?.view
          ? new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength)
          : new Uint8Array(MAX_PLAINTEXT_BYTES);
        const filled = await this.read(view, 1);
        if (filled.length === 0) {
          controller.close();
          request?.respond(0);
        } else if (request?.view) {
          request.respond(filled.length);
        } else {
          controller.enqueue(filled);
        }
      },
      cancel: () => this.cancel(),
    });
    return this.#readable;
  }

  /** What is written is encrypted and sent, as {@linkcode write}. */
  get writable(): WritableStream<Uint8Array> {
    this.#writable ??= new WritableStream({
      write: (chunk) => this.write(chunk),
      close: () => this.#writer.close(),
      abort: (reason) => this.#writer.abort(reason),
    });
    return this.#writable;
  }

  /** End our direction (TCP half-close) once what was written has gone out. */
  async closeWrite(): Promise<void> {
    await this.#lastWrite;
    return this.#conn.closeWrite();
  }

  /** Close the TCP connection now, without waiting for writes still queued. */
  close(): void {
    this.#conn.close();
  }
}
