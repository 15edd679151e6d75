/**
 * Request/response over a connection: the client side (many requests in flight, matched by
 * `rid`, abortable) and the serving loop (decode, validate, handle, reply; a bad frame closes
 * that one connection).
 */
import { CommandError, describeError, ProtocolError } from "../common/errors.ts";
import { decodeMessage, encodeMessage, encodeResult } from "./codec.ts";
import { encodeFrame } from "./frame.ts";
import { type WireConnection } from "./connection.ts";
import { FrameType, WireErrorCode } from "./limits.ts";
import {
  type ArgsOf,
  ErrorFrameSchema,
  type Op,
  type Request,
  REQUEST_ARGS,
  RequestSchema,
  type Response,
  ResponseSchema,
  type ResultOf,
  RESULTS,
} from "./messages.ts";

/** The connection to a remote was lost while a request was in flight. */
export class ConnectionLostError extends Error {
  /** The code of the remote's error frame, when it closed the connection with one. */
  readonly remoteCode: string | undefined;

  /** `remoteCode` is the code of the error frame the remote closed with, if any. */
  constructor(message: string, options?: ErrorOptions & { remoteCode?: string }) {
    super(message, options);
    this.name = "ConnectionLostError";
    this.remoteCode = options?.remoteCode;
  }
}

/** Options of one request. */
export interface RequestOptions {
  /** The session token, for ops that need one. */
  token?: string;
  /** A write op's cluster-unique id: a retry with the same id is applied once. */
  requestId?: string;
  /** Stops waiting for the response; a response that comes later is dropped. */
  signal?: AbortSignal;
}

interface Pending {
  op: Op;
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
}

/**
 * The client side of the control protocol: many requests in flight on one connection, each
 * matched to its response by `rid`.
 */
export class RpcClient {
  /** The connection requests go over. */
  readonly wire: WireConnection;
  readonly #pending = new Map<number, Pending>();
  readonly #loop: Promise<void>;
  #nextRid = 1;
  #closedError: ConnectionLostError | null = null;

  /** Start reading responses off `wire`, until it closes. */
  constructor(wire: WireConnection) {
    this.wire = wire;
    this.#loop = this.#readLoop();
  }

  /** Whether the connection is gone. */
  get isClosed(): boolean {
    return this.#closedError !== null;
  }

  /** Why the connection closed (the remote's error code among it), or null while open. */
  get closedError(): ConnectionLostError | null {
    return this.#closedError;
  }

  /** Resolves when the connection has closed, for whatever reason. */
  get closed(): Promise<void> {
    return this.#loop;
  }

  /**
   * Send a request and wait for its result.
   *
   * @throws {CommandError} when the remote refused the command
   * @throws {ConnectionLostError} when the connection dropped first
   * @throws {DOMException} `TimeoutError`/`AbortError` when the signal fired first
   */
  async request<O extends Op>(
    op: O,
    args: ArgsOf<O>,
    options: RequestOptions = {},
  ): Promise<ResultOf<O>> {
    if (this.#closedError) throw this.#closedError;
    options.signal?.throwIfAborted();
    const rid = this.#nextRid;
    this.#nextRid = (this.#nextRid % 0xffffffff) + 1;
    const envelope: Request = { rid, op, args: args as Record<string, unknown> };
    if (options.token !== undefined) envelope.token = options.token;
    if (options.requestId !== undefined) envelope.requestId = options.requestId;
    const response = await new Promise<Response>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(rid);
        reject(options.signal!.reason);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(rid, {
        op,
        resolve: (r) => {
          options.signal?.removeEventListener("abort", onAbort);
          resolve(r);
        },
        reject: (e) => {
          options.signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      });
      this.wire.send(FrameType.REQUEST, envelope).catch((cause) => {
        this.#pending.delete(rid);
        reject(new ConnectionLostError("Connection lost while sending", { cause }));
      });
    });
    if (!response.ok) throw new CommandError(response.code, response.message);
    return decodeResult(op, response.result);
  }

  /** Close the connection and fail whatever is still in flight. */
  close(): Promise<void> {
    this.wire.close();
    return this.#loop;
  }

  async #readLoop(): Promise<void> {
    let reason = new ConnectionLostError("Connection closed by the remote");
    try {
      while (true) {
        const frame = await this.wire.reader.read();
        if (frame === null) break;
        if (frame.type === FrameType.ERROR) {
          const error = decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
          reason = new ConnectionLostError(`Remote closed the connection: ${error.message}`, {
            remoteCode: error.code,
          });
          break;
        }
        if (frame.type !== FrameType.RESPONSE) {
          throw new ProtocolError(
            WireErrorCode.UNEXPECTED_FRAME,
            `Unexpected frame type ${frame.type}`,
          );
        }
        const response = decodeMessage(ResponseSchema, frame.payload, "response");
        const pending = this.#pending.get(response.rid);
        if (!pending) continue; // its caller gave up (time-out or abort); drop the late reply
        this.#pending.delete(response.rid);
        pending.resolve(response);
      }
    } catch (error) {
      reason = new ConnectionLostError(
        `Connection lost: ${describeError(error)}`,
        { cause: error },
      );
    } finally {
      this.#closedError = reason;
      this.wire.close();
      for (const pending of this.#pending.values()) pending.reject(reason);
      this.#pending.clear();
    }
  }
}

function decodeResult<O extends Op>(op: O, result: unknown): ResultOf<O> {
  const parsed = RESULTS[op].safeParse(result);
  if (!parsed.success) {
    throw new ProtocolError(
      WireErrorCode.INVALID_MESSAGE,
      `Invalid result for "${op}" from the tracker`,
    );
  }
  return parsed.data as ResultOf<O>;
}

/** A validated request, with its args checked against the op's schema. */
export type ValidRequest = {
  [O in Op]: Omit<Request, "op" | "args"> & { op: O; args: ArgsOf<O> };
}[Op];

/**
 * Decode a request frame payload: the envelope, then the args against the op's schema.
 *
 * @throws {ProtocolError} when either does not validate
 */
export function decodeRequest(payload: Uint8Array): ValidRequest {
  const envelope = decodeMessage(RequestSchema, payload, "request");
  const parsed = REQUEST_ARGS[envelope.op].safeParse(envelope.args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` "${issue.path.join(".")}"` : "";
    throw new ProtocolError(
      WireErrorCode.INVALID_MESSAGE,
      `Invalid arguments for "${envelope.op}"${where}: ${issue?.message ?? "bad shape"}`,
    );
  }
  return { ...envelope, args: parsed.data } as ValidRequest;
}

/** Turns one request into its response; throws CommandError to refuse it. */
export type RequestHandler = (request: ValidRequest) => Promise<Record<string, unknown>>;

/** Options of {@linkcode serveRequests}. */
export interface ServeOptions {
  /** Requests one connection may have in flight; the next frame is not read until one ends. */
  maxInFlight?: number;
  /** A response write that takes longer than this closes the connection (a client that stopped reading). */
  writeTimeoutMs?: number;
  /** Map an unexpected handler error to a log line. */
  onInternalError?: (error: unknown) => void;
}

/**
 * Serve requests on an accepted connection until it closes. Requests run concurrently up to
 * `maxInFlight`; responses go out as they complete, each echoing its `rid`.
 *
 * @throws {ProtocolError} for a bad frame, after the connection was closed with an error frame
 */
export async function serveRequests(
  wire: WireConnection,
  handler: RequestHandler,
  options: ServeOptions = {},
): Promise<void> {
  const maxInFlight = options.maxInFlight ?? 32;
  const writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  const running = new Set<Promise<void>>();
  const watchdog = new WriteWatchdog(writeTimeoutMs, () => wire.close());
  const respond = async (response: Response) => {
    if (wire.isClosed) return;
    watchdog.writeStarted();
    try {
      const payload = response.ok
        ? encodeResult(response.rid, response.result)
        : encodeMessage(response);
      await wire.sendRaw(encodeFrame(FrameType.RESPONSE, payload));
    } catch (error) {
      // The client went away; its connection is closed below and the others are unaffected.
      if (!(error instanceof Error)) throw error;
      wire.close();
    } finally {
      watchdog.writeEnded();
    }
  };
  const handle = async (request: ValidRequest) => {
    try {
      const result = await handler(request);
      await respond({ rid: request.rid, ok: true, result });
    } catch (error) {
      if (error instanceof CommandError) {
        await respond({ rid: request.rid, ok: false, code: error.code, message: error.message });
      } else {
        options.onInternalError?.(error);
        await respond({ rid: request.rid, ok: false, code: "internal", message: "Internal error" });
      }
    }
  };
  try {
    while (!wire.isClosed) {
      while (running.size >= maxInFlight) await Promise.race(running);
      const frame = await wire.reader.read();
      if (frame === null) break;
      if (frame.type !== FrameType.REQUEST) {
        throw new ProtocolError(
          WireErrorCode.UNEXPECTED_FRAME,
          `Unexpected frame type ${frame.type}`,
        );
      }
      const request = decodeRequest(frame.payload);
      const task = handle(request).finally(() => running.delete(task));
      running.add(task);
    }
  } catch (error) {
    if (error instanceof ProtocolError) {
      await wire.fail(error.code, error.message);
      throw error;
    }
    // A reset or closed socket ends the loop like a clean close.
    if (!(error instanceof Error)) throw error;
  } finally {
    await Promise.allSettled(running);
    watchdog.stop();
    wire.close();
  }
}

/**
 * Calls `onStalled` when writes are pending and none has finished for `ms` (a client that
 * stopped reading its replies). One timer at a time, however many replies go out: a timer per
 * reply cost the tracker a few percent of its time.
 */
class WriteWatchdog {
  readonly #ms: number;
  readonly #onStalled: () => void;
  #pending = 0;
  /** When a write last finished, or the first of the pending ones started. */
  #lastProgress = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number, onStalled: () => void) {
    this.#ms = ms;
    this.#onStalled = onStalled;
  }

  writeStarted(): void {
    if (this.#pending++ === 0) this.#lastProgress = performance.now();
    if (this.#timer === undefined) this.#arm();
  }

  writeEnded(): void {
    this.#pending--;
    this.#lastProgress = performance.now();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = 0;
  }

  #arm(): void {
    const wait = Math.max(0, this.#lastProgress + this.#ms - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#pending === 0) return;
      if (performance.now() - this.#lastProgress >= this.#ms) this.#onStalled();
      else this.#arm();
    }, wait);
  }
}
