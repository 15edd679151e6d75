/**
 * A connection's opening and its frames: the Noise handshake (secure_conn.ts) makes the channel
 * encrypted and tells each side the other's identity key; inside it each side sends the 4-byte
 * magic and a Hello (version, role, id), the acceptor checks the remote's and answers with its
 * own or refuses with one error frame, then `WireConnection` carries frames both ways. A remote
 * that opens in clear (protocol 1) is refused in clear with `encryption_required`. Used by the
 * tracker and the peer alike.
 */
import { type Address } from "../common/address.ts";
import { ProtocolError } from "../common/errors.ts";
import { decodeMessage, encodeMessage } from "./codec.ts";
import { encodeFrame, FrameReader } from "./frame.ts";
import { FRAME_LIMIT_BYTES, FrameType, MAGIC, PROTOCOL_VERSION, WireErrorCode } from "./limits.ts";
import { ErrorFrameSchema, type Hello, HelloSchema, type Role } from "./messages.ts";
import {
  type ByteConn,
  type ByteSink,
  PlaintextOpening,
  secureAccept,
  type SecureConn,
  secureConnect,
} from "./secure_conn.ts";
import type { TransportIdentity } from "./transport_identity.ts";

/** How long either side waits for the other's magic and Hello. */
export const HELLO_TIMEOUT_MS = 10_000;

const ERROR_WRITE_TIMEOUT_MS = 1000;
/** Error frame messages are cut to this many characters (the schema allows 1024). */
const MAX_ERROR_MESSAGE = 512;

/** A remote refused the connection with an error frame. */
export class RemoteError extends Error {
  /** The error frame's code, such as `busy` or `unsupported_version`. */
  readonly code: string;

  /** The error frame's `code` and `message`. */
  constructor(code: string, message: string) {
    super(message);
    this.name = "RemoteError";
    this.code = code;
  }
}

/** Who we are in a Hello, and the key we prove in the handshake. */
export interface HelloOptions {
  /** The role our Hello declares. */
  role: Role;
  /** Our id in the Hello (a peer id, a tracker id). */
  id: string;
  /** The keys the handshake proves: the remote learns our Ed25519 identity key. */
  identity: TransportIdentity;
  /** Abandons the opening: the connect, the handshake and the Hello exchange. */
  signal?: AbortSignal;
  /** Time allowed for the handshake and the Hellos; {@linkcode HELLO_TIMEOUT_MS} if not given. */
  timeoutMs?: number;
  /** Payload limit per frame type; {@linkcode FRAME_LIMIT_BYTES} if not given. */
  limits?: ReadonlyMap<number, number>;
}

/**
 * A connection past its Hello exchange: frames in, frames out, in order. Writes are awaited,
 * which is the back-pressure: a slow reader slows only the writer of its own connection.
 */
export class WireConnection {
  /** The encrypted channel underneath. */
  readonly conn: SecureConn;
  /** Reads the frames off `conn`. */
  readonly reader: FrameReader;
  /** The remote's Hello. */
  readonly remote: Hello;
  #closed = false;

  /** A connection past its Hellos ({@linkcode openConnection} and {@linkcode acceptConnection}). */
  constructor(conn: SecureConn, reader: FrameReader, remote: Hello) {
    this.conn = conn;
    this.reader = reader;
    this.remote = remote;
  }

  /** The remote's Ed25519 identity key, proven in the handshake (callers pin it). */
  get remoteKey(): Uint8Array {
    return this.conn.remoteKey;
  }

  /** The remote's IP address. */
  get remoteHost(): string {
    const addr = this.conn.remoteAddr;
    return addr.transport === "tcp" ? addr.hostname : "unknown";
  }

  /** Whether this side closed it, with {@linkcode close} or {@linkcode fail}. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Send one frame whose payload is a control message. */
  async send(type: number, message: unknown): Promise<void> {
    await this.conn.write(encodeFrame(type, encodeMessage(message)));
  }

  /** Send raw frame bytes (already encoded). */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    await this.conn.write(bytes);
  }

  /** Send one error frame and close; a write that fails (the remote left) is ignored. */
  async fail(code: string, message: string): Promise<void> {
    await sendErrorAndClose(this.conn, this.conn, code, message);
    this.#closed = true;
  }

  /** Close the socket; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.conn);
  }
}

/** Close a connection that may already be closed. */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch (error) {
    // Already closed (by us or by a reset): nothing left to release.
    if (!(error instanceof Deno.errors.BadResource)) throw error;
  }
}

async function sendErrorAndClose(
  conn: ByteConn,
  writer: ByteSink,
  code: string,
  message: string,
): Promise<void> {
  try {
    // The message may quote remote text: keep the frame within its limit and the log short.
    const clipped = message.length > MAX_ERROR_MESSAGE
      ? `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…`
      : message;
    const frame = encodeFrame(FrameType.ERROR, encodeMessage({ code, message: clipped }));
    // A remote that does not read must not hold the socket open: give the write a second.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      writer.write(frame),
      new Promise((resolve) => timer = setTimeout(resolve, ERROR_WRITE_TIMEOUT_MS)),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    // The remote may be gone already; the close below is what matters.
    if (!(error instanceof Error)) throw error;
  }
  closeQuietly(conn);
}

function helloFrame(options: HelloOptions): Uint8Array {
  const hello: Hello = { version: PROTOCOL_VERSION, role: options.role, id: options.id };
  const frame = encodeFrame(FrameType.HELLO, encodeMessage(hello));
  const bytes = new Uint8Array(MAGIC.length + frame.length);
  bytes.set(MAGIC);
  bytes.set(frame, MAGIC.length);
  return bytes;
}

function withTimeout<T>(
  promise: Promise<T>,
  conn: { close(): void },
  options: Pick<HelloOptions, "signal" | "timeoutMs">,
): Promise<T> {
  const ms = options.timeoutMs ?? HELLO_TIMEOUT_MS;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(ms)])
    : AbortSignal.timeout(ms);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      closeQuietly(conn);
      reject(signal.reason);
    };
    // Handle the promise first: once the socket is closed it rejects, and nobody else listens.
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Connect to `address`, send our magic and Hello, and read the remote's.
 *
 * @throws {RemoteError} when the remote answers with an error frame
 * @throws {ProtocolError} when the remote does not speak PeerShare
 * @throws {Deno.errors.ConnectionRefused} and other connect errors
 */
export async function openConnection(
  address: Address,
  options: HelloOptions,
): Promise<WireConnection> {
  const tcp = await connectBounded(address, options.signal);
  try {
    tcp.setNoDelay(true);
    const { conn, reader, remote } = await withTimeout(
      (async () => {
        const conn = await secureConnect(tcp, options.identity);
        const reader = new FrameReader(conn, options.limits ?? FRAME_LIMIT_BYTES);
        await conn.write(helloFrame(options));
        await reader.readMagic();
        const frame = await reader.read();
        if (frame === null) {
          throw new ProtocolError(WireErrorCode.TRUNCATED, "Connection closed before Hello");
        }
        if (frame.type === FrameType.ERROR) {
          const error = decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
          throw new RemoteError(error.code, error.message);
        }
        if (frame.type !== FrameType.HELLO) {
          throw new ProtocolError(
            WireErrorCode.UNEXPECTED_FRAME,
            `Expected Hello, got frame ${frame.type}`,
          );
        }
        const remote = decodeMessage(HelloSchema, frame.payload, "Hello");
        return { conn, reader, remote };
      })(),
      tcp,
      options,
    );
    return new WireConnection(conn, reader, remote);
  } catch (error) {
    closeQuietly(tcp);
    throw error;
  }
}

/**
 * `Deno.connect`, abandoned when `signal` fires first. Deno closes a connection when the signal
 * given to `connect` fires at any later time, so it gets a signal of its own that only this
 * function aborts, and only while connecting.
 */
async function connectBounded(address: Address, signal?: AbortSignal): Promise<Deno.TcpConn> {
  signal?.throwIfAborted();
  const connecting = new AbortController();
  const onAbort = () => connecting.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await Deno.connect({
      hostname: address.host,
      port: address.port,
      signal: connecting.signal,
    });
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Decide whether to take a connection, given the remote's Hello. */
export type HelloCheck = (hello: Hello) => { code: string; message: string } | null;

/**
 * Accept a connection: the Noise handshake, then the remote's magic and Hello, checked, and
 * ours in answer. Every refusal (wrong magic, truncated or invalid Hello, unsupported version,
 * a role `check` refuses) gets our magic and one error frame, then the socket closes: in clear
 * to a remote that is not encrypted (wrong magic, protocol 1's `encryption_required`), inside
 * the channel otherwise. A handshake that fails or an opening that does not come within the
 * time-out only closes it.
 *
 * @throws {ProtocolError} after the refusal was sent
 */
export async function acceptConnection(
  tcp: Deno.Conn,
  options: HelloOptions & {
    check?: HelloCheck;
    /** Frame limits for the rest of the connection, chosen by the remote's role. */
    limitsFor?: (role: Hello["role"]) => ReadonlyMap<number, number>;
  },
): Promise<WireConnection> {
  if (tcp.remoteAddr.transport === "tcp") (tcp as Deno.TcpConn).setNoDelay(true);
  let secure: { conn: SecureConn; reader: FrameReader } | null = null;
  try {
    const remote = await withTimeout(
      (async () => {
        const conn = await secureAccept(tcp, options.identity);
        const reader = new FrameReader(conn, options.limits ?? FRAME_LIMIT_BYTES);
        secure = { conn, reader };
        await reader.readMagic();
        const frame = await reader.read();
        if (frame === null) {
          throw new ProtocolError(WireErrorCode.TRUNCATED, "Connection closed before Hello");
        }
        if (frame.type !== FrameType.HELLO) {
          throw new ProtocolError(
            WireErrorCode.EXPECTED_HELLO,
            `Expected Hello, got frame ${frame.type}`,
          );
        }
        const hello = decodeMessage(HelloSchema, frame.payload, "Hello");
        if (hello.version !== PROTOCOL_VERSION) {
          throw new ProtocolError(
            WireErrorCode.UNSUPPORTED_VERSION,
            `Unsupported protocol version ${hello.version}: this side speaks ${PROTOCOL_VERSION}`,
          );
        }
        const refusal = options.check?.(hello);
        if (refusal) throw new ProtocolError(refusal.code, refusal.message);
        return hello;
      })(),
      tcp,
      options,
    );
    const { conn, reader } = secure!;
    await conn.write(helloFrame(options));
    if (options.limitsFor) reader.setLimits(options.limitsFor(remote.role));
    return new WireConnection(conn, reader, remote);
  } catch (error) {
    await refuse(tcp, secure, error);
    throw error;
  }
}

/**
 * Answer a refused opening. Every refusal starts with our magic (the remote reads it before any
 * frame), so the remote can tell who refused it and read the error frame's code.
 */
async function refuse(
  tcp: Deno.Conn,
  secure: { conn: SecureConn } | null,
  error: unknown,
): Promise<void> {
  const inClear = error instanceof PlaintextOpening ||
    (error instanceof ProtocolError && error.code === WireErrorCode.BAD_MAGIC);
  if (secure && error instanceof ProtocolError) {
    await secure.conn.write(MAGIC).catch(ignoreClosed);
    await sendErrorAndClose(secure.conn, secure.conn, error.code, error.message);
  } else if (!secure && inClear) {
    const writer = tcp.writable.getWriter();
    await writer.write(MAGIC).catch(ignoreClosed);
    await sendErrorAndClose(
      tcp,
      writer,
      (error as ProtocolError).code,
      (error as ProtocolError).message,
    );
  } else {
    closeQuietly(tcp);
  }
}

/** A write to a socket the remote already closed: the close that follows is what matters. */
function ignoreClosed(error: unknown): void {
  if (!(error instanceof Error)) throw error;
}

/**
 * Refuse a connection with `refusal` (a full server's `busy`) the way every refusal of an
 * opening goes: after the remote's handshake and Hello, so it reads the error frame inside the
 * channel. Resolves once the socket is closed, whatever the remote did.
 */
export async function refuseConnection(
  tcp: Deno.Conn,
  options: HelloOptions,
  refusal: { code: string; message: string },
): Promise<void> {
  try {
    const wire = await acceptConnection(tcp, { ...options, check: () => refusal });
    wire.close(); // not reached: the check refuses every Hello
  } catch (error) {
    // The refusal itself, or a remote that left first: either way it is closed.
    if (!(error instanceof Error)) throw error;
  } finally {
    closeQuietly(tcp);
  }
}
