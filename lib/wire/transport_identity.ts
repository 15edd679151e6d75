/**
 * A process's transport identity: its Noise static key, signed by the Ed25519 key the system
 * already knows it by (a peer's identity, a tracker's ticket-signing key). The signature travels
 * inside the handshake (secure_conn.ts), so after it each side knows which Ed25519 key the other
 * holds; pinning that key is the caller's part.
 */
import { exportPublicKey, generateSigningKeys, importPublicKey } from "../common/tickets.ts";
import { ProtocolError } from "../common/errors.ts";
import { WireErrorCode } from "./limits.ts";
import { type DhKeyPair, generateDhKeyPair } from "./noise.ts";

/** Ed25519 public keys, the identities the system already knows. */
export const IDENTITY_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** What a static key's signature covers, before the key. */
const STATIC_KEY_CONTEXT = new TextEncoder().encode("peershare noise static key v1\0");

/**
 * This process's transport key and the proof that its identity key vouches for it. Made once
 * at start-up; the X25519 key is never written anywhere.
 */
export interface TransportIdentity {
  /** The X25519 key pair of the Noise handshake. */
  readonly staticKey: DhKeyPair;
  /** The raw Ed25519 public key that signs `staticKey`. */
  readonly identityKey: Uint8Array;
  /** Ed25519 over the context and the static public key. */
  readonly signature: Uint8Array;
}

/** The Ed25519 key pair a transport identity is made from. */
export interface IdentityKeys {
  /** Signs the transport key. */
  readonly privateKey: CryptoKey;
  /** Raw, 32 bytes. */
  readonly publicKey: Uint8Array;
}

/**
 * A fresh transport key signed by `keys`; without keys, by a fresh Ed25519 key (a client that
 * is nobody in particular, like the tracker's `status` command or a test).
 */
export async function createTransportIdentity(keys?: IdentityKeys): Promise<TransportIdentity> {
  const signing = keys ?? await freshIdentityKeys();
  const staticKey = generateDhKeyPair();
  const signature = new Uint8Array(
    await crypto.subtle.sign("Ed25519", signing.privateKey, staticKeyMessage(staticKey.publicKey)),
  );
  return { staticKey, identityKey: signing.publicKey, signature };
}

async function freshIdentityKeys(): Promise<IdentityKeys> {
  const pair = await generateSigningKeys();
  return { privateKey: pair.privateKey, publicKey: await exportPublicKey(pair.publicKey) };
}

function staticKeyMessage(staticPublic: Uint8Array): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(STATIC_KEY_CONTEXT.length + staticPublic.length);
  message.set(STATIC_KEY_CONTEXT);
  message.set(staticPublic, STATIC_KEY_CONTEXT.length);
  return message;
}

export function identityPayload(identity: TransportIdentity): Uint8Array {
  const payload = new Uint8Array(IDENTITY_KEY_BYTES + SIGNATURE_BYTES);
  payload.set(identity.identityKey);
  payload.set(identity.signature, IDENTITY_KEY_BYTES);
  return payload;
}

/** Check the remote's payload: its identity key and that key's signature over its static key. */
export async function verifiedIdentity(payload: Uint8Array, remoteStatic: Uint8Array) {
  if (payload.length !== IDENTITY_KEY_BYTES + SIGNATURE_BYTES) {
    throw new ProtocolError(WireErrorCode.HANDSHAKE_FAILED, "Handshake identity is malformed");
  }
  const identityKey = payload.slice(0, IDENTITY_KEY_BYTES);
  const signature = payload.slice(IDENTITY_KEY_BYTES);
  let valid = false;
  try {
    const key = await importPublicKey(identityKey);
    valid = await crypto.subtle.verify("Ed25519", key, signature, staticKeyMessage(remoteStatic));
  } catch (error) {
    if (!(error instanceof Error)) throw error;
  }
  if (!valid) {
    throw new ProtocolError(
      WireErrorCode.WRONG_KEY,
      "The remote's identity key did not sign its transport key",
    );
  }
  return identityKey;
}
