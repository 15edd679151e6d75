/**
 * The control-message codec: MessagePack bytes in and out, and decoding checked against a zod
 * schema, so a payload that is not MessagePack or does not match throws ProtocolError.
 */
import { decode, encode } from "@msgpack/msgpack";
import type { z } from "zod";
import { ProtocolError } from "../common/errors.ts";
import { WireErrorCode } from "./limits.ts";

/** Encode a control message as MessagePack. */
export function encodeMessage(message: unknown): Uint8Array {
  return encode(message, { ignoreUndefined: true });
}

/**
 * Decode a MessagePack payload and validate it against a schema.
 *
 * @throws {ProtocolError} `bad_encoding` when the bytes are not MessagePack, `invalid_message`
 * when they do not match the schema
 */
export function decodeMessage<T>(schema: z.ZodType<T>, payload: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = decode(payload, { maxStrLength: payload.length, maxBinLength: payload.length });
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
