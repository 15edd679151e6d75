/**
 * Download tickets: a tracker signs (user, group, file id, the downloader's public key, issue
 * time, expiry, key id) with its Ed25519 key; a seeder checks the signature against the
 * trackers' public keys, then checks that the connecting peer holds the private key the ticket
 * names by having it sign a fresh nonce. A stolen or replayed ticket is useless without that key.
 */
import { decode, encode } from "@msgpack/msgpack";

const TICKET_VERSION = 1;
const PROOF_CONTEXT = new TextEncoder().encode("peershare handshake v1\0");

/** What a ticket grants. */
export interface TicketClaims {
  readonly user: string;
  readonly group: string;
  /** Hex SHA-1 file id. */
  readonly fileId: string;
  /** The downloader's raw Ed25519 public key (32 bytes). */
  readonly peerKey: Uint8Array;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Id of the tracker whose key signed it. */
  readonly keyId: string;
}

/** Why a ticket was refused. */
export type TicketProblem =
  | "malformed"
  | "unknown_key"
  | "bad_signature"
  | "expired"
  | "not_yet_valid";

/** Make an Ed25519 key pair (extractable, so it can be saved). */
export async function generateSigningKeys(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
}

/** The raw 32-byte form of a public key. */
export async function exportPublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("raw", key));
}

/**
 * Import a raw 32-byte Ed25519 public key for verifying.
 *
 * @throws {TypeError} when the bytes are not a key
 */
export async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) {
    throw new TypeError(`Ed25519 public key must be 32 bytes, got ${raw.length}`);
  }
  return await crypto.subtle.importKey("raw", owned(raw), "Ed25519", true, ["verify"]);
}

/** Sign claims into a ticket: MessagePack `[claimBytes, signature]`. */
export async function signTicket(claims: TicketClaims, key: CryptoKey): Promise<Uint8Array> {
  const body = encode([
    TICKET_VERSION,
    claims.user,
    claims.group,
    claims.fileId,
    claims.peerKey,
    claims.issuedAt,
    claims.expiresAt,
    claims.keyId,
  ]);
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", key, owned(body)));
  return encode([body, signature]);
}

/** Read the claims of a ticket without checking it (to pick the key), or null if malformed. */
export function readTicket(
  ticket: Uint8Array,
): { claims: TicketClaims; body: Uint8Array; signature: Uint8Array } | null {
  try {
    const outer = decode(ticket);
    if (!Array.isArray(outer) || outer.length !== 2) return null;
    const [body, signature] = outer;
    if (!(body instanceof Uint8Array) || !(signature instanceof Uint8Array)) return null;
    const fields = decode(body);
    if (!Array.isArray(fields) || fields.length !== 8 || fields[0] !== TICKET_VERSION) return null;
    const [, user, group, fileId, peerKey, issuedAt, expiresAt, keyId] = fields;
    if (
      typeof user !== "string" || typeof group !== "string" || typeof fileId !== "string" ||
      !(peerKey instanceof Uint8Array) || peerKey.length !== 32 ||
      typeof issuedAt !== "number" || typeof expiresAt !== "number" || typeof keyId !== "string"
    ) return null;
    return {
      claims: { user, group, fileId, peerKey, issuedAt, expiresAt, keyId },
      body,
      signature,
    };
  } catch (error) {
    // Undecodable bytes are a malformed ticket, not a crash.
    if (error instanceof Error) return null;
    throw error;
  }
}

/** Options of {@linkcode verifyTicket}. */
export interface VerifyTicketOptions {
  /** Tracker public keys by key id. */
  keys: ReadonlyMap<string, CryptoKey>;
  now: number;
  /** Clock difference tolerated between tracker and seeder. */
  skewMs: number;
}

/** Check a ticket's signature and validity period; returns its claims or the problem. */
export async function verifyTicket(
  ticket: Uint8Array,
  options: VerifyTicketOptions,
): Promise<TicketClaims | TicketProblem> {
  const read = readTicket(ticket);
  if (read === null) return "malformed";
  const key = options.keys.get(read.claims.keyId);
  if (!key) return "unknown_key";
  const valid = await crypto.subtle.verify("Ed25519", key, owned(read.signature), owned(read.body));
  if (!valid) return "bad_signature";
  if (read.claims.expiresAt + options.skewMs <= options.now) return "expired";
  if (read.claims.issuedAt - options.skewMs > options.now) return "not_yet_valid";
  return read.claims;
}

function proofMessage(nonce: Uint8Array, seederId: string): Uint8Array {
  const id = new TextEncoder().encode(seederId);
  const message = new Uint8Array(PROOF_CONTEXT.length + nonce.length + id.length);
  message.set(PROOF_CONTEXT);
  message.set(nonce, PROOF_CONTEXT.length);
  message.set(id, PROOF_CONTEXT.length + nonce.length);
  return message;
}

/** The downloader's proof: its signature over the seeder's nonce and the seeder's id. */
export async function signProof(
  nonce: Uint8Array,
  seederId: string,
  privateKey: CryptoKey,
): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.sign("Ed25519", privateKey, owned(proofMessage(nonce, seederId))),
  );
}

/** Check a downloader's proof against the public key its ticket names. */
export async function verifyProof(
  proof: Uint8Array,
  nonce: Uint8Array,
  seederId: string,
  peerKey: Uint8Array,
): Promise<boolean> {
  try {
    const key = await importPublicKey(peerKey);
    return await crypto.subtle.verify(
      "Ed25519",
      key,
      owned(proof),
      owned(proofMessage(nonce, seederId)),
    );
  } catch (error) {
    // A key that does not import cannot have made the proof.
    if (error instanceof TypeError || error instanceof DOMException) return false;
    throw error;
  }
}

/** WebCrypto wants bytes over a plain ArrayBuffer; copy when they are a view of anything else. */
function owned(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}
