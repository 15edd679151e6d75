/**
 * The control-message codec: MessagePack bytes in and out, and decoding checked against a
 * schema, so a payload that is not MessagePack or does not match throws ProtocolError.
 */
import { Decoder, Encoder } from "@msgpack/msgpack";
import type { Schema } from "../common/schema.ts";
import { ProtocolError } from "../common/errors.ts";
import { WireErrorCode } from "./limits.ts";

/*
 * One encoder and one decoder for every message: the library's encode() and decode() make a new
 * one per call, with a fresh buffer and an empty cache of map keys, and that garbage was a fifth
 * of a busy client's time. A length in a header that the bytes cannot hold is refused before
 * anything is allocated for it, so the decoder needs no limit of its own per payload.
 */
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** Encode a control message as MessagePack. */
export function encodeMessage(message: unknown): Uint8Array {
  return encoder.encode(message);
}

/** The encodings of values marked with {@linkcode shareEncoding}, made at their first use. */
const shared = new WeakMap<object, Uint8Array | null>();

/**
 * Mark a value that never changes again (it is frozen here) as one many messages carry, such as
 * the page of groups every client asks for: {@linkcode encodeResult} encodes it once.
 */
export function shareEncoding<T extends object>(value: T): T {
  shared.set(Object.freeze(value), null);
  return value;
}

const RESULT_KEY = encodeMessage("result");

/**
 * Encode the response `{ rid, ok: true, result }`, reusing the bytes of a result marked with
 * {@linkcode shareEncoding}: the same MessagePack as {@linkcode encodeMessage} gives.
 */
export function encodeResult(rid: number, result: object): Uint8Array {
  if (!shared.has(result)) return encodeMessage({ rid, ok: true, result });
  let bytes = shared.get(result);
  if (!bytes) shared.set(result, bytes = encodeMessage(result));
  const head = encodeMessage({ rid, ok: true });
  // `head` is a map of two entries (fixmap 0x82); with the result appended it holds three.
  const out = new Uint8Array(head.length + RESULT_KEY.length + bytes.length);
  out.set(head);
  out[0] = 0x83;
  out.set(RESULT_KEY, head.length);
  out.set(bytes, head.length + RESULT_KEY.length);
  return out;
}

/**
 * Decode a MessagePack payload and validate it against a schema.
 *
 * @throws {ProtocolError} `bad_encoding` when the bytes are not MessagePack, `invalid_message`
 * when they do not match the schema
 */
export function decodeMessage<T>(schema: Schema<T>, payload: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = decoder.decode(payload);
  } catch (cause) {
    throw new ProtocolError(WireErrorCode.BAD_ENCODING, `Undecodable ${what}: not MessagePack`, {
      cause,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at "${issue.path.join(".")}"` : "";
    throw new ProtocolError(
      WireErrorCode.INVALID_MESSAGE,
      `Invalid ${what}${where}: ${issue?.message ?? "does not match its schema"}`,
    );
  }
  return parsed.data;
}
