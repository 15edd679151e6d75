/**
 * Session tokens every tracker of the cluster can verify without having seen the login: the
 * claims (user, the user's creation, peer, issue time, expiry) with an HMAC-SHA256 under a key
 * derived from the cluster secret. Logout is a replicated operation that ends every session of
 * (user, peer) issued before it.
 */
import { decode, encode } from "@msgpack/msgpack";
import { createHmac, timingSafeEqual } from "node:crypto";
import { decodeBase64Url, encodeBase64Url } from "../common/base64.ts";

/** What a token says. */
export interface SessionClaims {
  /** User name. */
  readonly user: string;
  /** Id of the operation that created the user, so a token dies with a losing creation. */
  readonly userCreation: string;
  readonly peerId: string;
  /** Issue time: the issuing tracker's hybrid timestamp, formatted (sorts like the time). */
  readonly issuedAt: string;
  readonly expiresAt: number;
}

/** Why a token was not accepted. */
export type TokenProblem = "malformed" | "bad_signature" | "expired";

/** Verified tokens kept at most (a session's token is the same on each of its requests). */
const VERIFIED_TOKENS = 4096;

/** Signs and verifies session tokens with a key derived from the cluster secret. */
export class SessionKeys {
  readonly #key: Buffer;
  /**
   * Tokens whose signature checked out, with their claims, the oldest first. Every request
   * carries its session's token, and the HMAC over it cost more than answering list_groups.
   */
  readonly #verified = new Map<string, SessionClaims>();

  constructor(clusterSecret: Uint8Array) {
    this.#key = createHmac("sha256", clusterSecret).update("peershare session key v1").digest();
  }

  /** Make a token for these claims. */
  sign(claims: SessionClaims): string {
    const payload = encode([
      claims.user,
      claims.userCreation,
      claims.peerId,
      claims.issuedAt,
      claims.expiresAt,
    ]);
    return `${encodeBase64Url(payload)}.${encodeBase64Url(this.#mac(payload))}`;
  }

  /** Check a token's signature and expiry; returns its claims or the problem. */
  verify(token: string, now: number): SessionClaims | TokenProblem {
    let claims = this.#verified.get(token);
    if (claims === undefined) {
      const checked = this.#check(token);
      if (typeof checked === "string") return checked;
      claims = Object.freeze(checked);
      if (this.#verified.size >= VERIFIED_TOKENS) {
        this.#verified.delete(this.#verified.keys().next().value!);
      }
      this.#verified.set(token, claims);
    }
    return claims.expiresAt <= now ? "expired" : claims;
  }

  /** A token's claims, when it is well formed and signed with our key. */
  #check(token: string): SessionClaims | Exclude<TokenProblem, "expired"> {
    const [payloadText, macText, extra] = token.split(".");
    if (payloadText === undefined || macText === undefined || extra !== undefined) {
      return "malformed";
    }
    let payload: Uint8Array;
    let mac: Uint8Array;
    try {
      payload = decodeBase64Url(payloadText);
      mac = decodeBase64Url(macText);
    } catch (error) {
      if (error instanceof SyntaxError) return "malformed";
      throw error;
    }
    const expected = this.#mac(payload);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return "bad_signature";
    return parseClaims(payload) ?? "malformed";
  }

  #mac(payload: Uint8Array): Buffer {
    return createHmac("sha256", this.#key).update(payload).digest();
  }
}

function parseClaims(payload: Uint8Array): SessionClaims | null {
  let value: unknown;
  try {
    value = decode(payload);
  } catch (error) {
    // Signed by us yet undecodable cannot happen unless the key leaked; treat as malformed.
    if (error instanceof Error) return null;
    throw error;
  }
  if (!Array.isArray(value) || value.length !== 5) return null;
  const [user, userCreation, peerId, issuedAt, expiresAt] = value;
  if (
    typeof user !== "string" || typeof userCreation !== "string" || typeof peerId !== "string" ||
    typeof issuedAt !== "string" || typeof expiresAt !== "number"
  ) return null;
  return { user, userCreation, peerId, issuedAt, expiresAt };
}
