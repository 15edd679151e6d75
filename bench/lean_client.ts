/**
 * A lean control client for the tracker part, as a load generator written from
 * docs/PROTOCOL.md alone would be: one encrypted connection, one request at a time, and each
 * answer checked only as far as a load generator must, its frame type, its `rid` and `ok`. The
 * peer's own TrackerClient also decodes and checks the whole result (a page of 200 groups costs
 * it ~190 µs), which on a machine of two cores caps the rate its load reaches before the tracker
 * does; this client measures what the tracker itself can serve.
 */
import { type Schema } from "../lib/common/schema.ts";
import { decodeMessage, encodeMessage } from "../lib/wire/codec.ts";
import { openConnection, type WireConnection } from "../lib/wire/connection.ts";
import { encodeFrame } from "../lib/wire/frame.ts";
import { FrameType } from "../lib/wire/limits.ts";
import { ResponseSchema, RESULTS } from "../lib/wire/messages.ts";
import { testIdentity } from "../lib/peer/testing/identities.ts";

/** `{ rid, ok }` read off the front of a response, or null when it does not start that way. */
export function responseHead(payload: Uint8Array): { rid: number; ok: boolean } | null {
  // The tracker encodes a response as a map whose first keys are "rid" then "ok" (codec.ts).
  if ((payload[0]! & 0xf0) !== 0x80) return null;
  if (payload[1] !== 0xa3 || payload[2] !== 0x72 || payload[3] !== 0x69 || payload[4] !== 0x64) {
    return null;
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const tag = payload[5]!;
  let rid: number;
  let at: number;
  if (tag < 0x80) [rid, at] = [tag, 6];
  else if (tag === 0xcc) [rid, at] = [payload[6]!, 7];
  else if (tag === 0xcd) [rid, at] = [view.getUint16(6), 8];
  else if (tag === 0xce) [rid, at] = [view.getUint32(6), 10];
  else return null;
  if (payload[at] !== 0xa2 || payload[at + 1] !== 0x6f || payload[at + 2] !== 0x6b) return null;
  const ok = payload[at + 3];
  if (ok !== 0xc3 && ok !== 0xc2) return null;
  return { rid, ok: ok === 0xc3 };
}

/** One connection to a tracker, its user made and logged in by {@linkcode LeanClient.open}. */
export class LeanClient {
  readonly #wire: WireConnection;
  readonly #peerId: string;
  #token = "";
  #rid = 0;
  #writes = 0;

  private constructor(wire: WireConnection, peerId: string) {
    this.#wire = wire;
    this.#peerId = peerId;
  }

  /** Connect to 127.0.0.1:`port`, make `user`, log in and make one group of its own. */
  static async open(port: number, user: string): Promise<LeanClient> {
    const me = await testIdentity();
    const wire = await openConnection({ host: "127.0.0.1", port }, {
      role: "peer",
      id: me.peerId,
      identity: me.transport,
    });
    const client = new LeanClient(wire, me.peerId);
    try {
      await client.#call("create_user", { user, password: "pw" }, true);
      const session = await client.#call("login", {
        user,
        password: "pw",
        peerId: me.peerId,
        port: 1,
      }, false);
      client.#token = (session as { token: string }).token;
      await client.#call("create_group", { group: `${user}-seed` }, true);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * One request, its answer checked for being this request's success, not decoded further.
   *
   * @throws {Error} naming the tracker's error code when it refused the request
   */
  async quick(op: "list_groups" | "create_group", args: object, isWrite: boolean): Promise<void> {
    const rid = this.#send(op, args, isWrite);
    const frame = await this.#wire.reader.read();
    if (frame?.type === FrameType.RESPONSE) {
      const head = responseHead(frame.payload);
      if (head?.rid === rid && head.ok) return;
    }
    this.#check(rid, frame); // decodes in full, to say what went wrong
    throw new Error(`${op}: an answer the lean check did not recognise`);
  }

  close(): void {
    this.#wire.close();
  }

  #send(op: string, args: object, isWrite: boolean): number {
    const rid = this.#rid = (this.#rid % 0xffffffff) + 1;
    const envelope: Record<string, unknown> = { rid, op, args };
    if (this.#token) envelope.token = this.#token;
    if (isWrite) envelope.requestId = `${this.#peerId}.lean.${++this.#writes}`;
    // Not awaited: the answer's read is, and a failed write ends that read.
    this.#wire.conn.write(encodeFrame(FrameType.REQUEST, encodeMessage(envelope))).catch(() => {});
    return rid;
  }

  async #call(op: keyof typeof RESULTS, args: object, isWrite: boolean): Promise<unknown> {
    const rid = this.#send(op, args, isWrite);
    const result = this.#check(rid, await this.#wire.reader.read());
    return (RESULTS[op] as Schema<unknown>).parse(result);
  }

  /** The result of response `rid`, decoded in full; anything else thrown in one line. */
  #check(rid: number, frame: { type: number; payload: Uint8Array } | null): unknown {
    if (frame === null) throw new Error("the tracker closed the connection");
    if (frame.type !== FrameType.RESPONSE) {
      throw new Error(`frame type ${frame.type}, not RESPONSE`);
    }
    const response = decodeMessage(ResponseSchema, frame.payload, "response");
    if (response.rid !== rid) throw new Error(`response ${response.rid} to request ${rid}`);
    if (!response.ok) throw new Error(`${response.code}: ${response.message}`);
    return response.result;
  }
}
