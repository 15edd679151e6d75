/**
 * The peer's identity (an Ed25519 key pair, and the peer id that is its public key's
 * fingerprint) in `identity.json` in the state folder: loaded, or made and written atomically on
 * first start.
 */
import { is } from "../common/schema.ts";
import { describeError } from "../common/errors.ts";
import { writeFileAtomic } from "../common/fs.ts";

/** The file in the state folder that holds the peer id and its key pair. */
export const IDENTITY_FILE = "identity.json";
const IDENTITY_VERSION = 1;

/** Who this peer is: a random id and an Ed25519 key pair, both kept in its state folder. */
export interface PeerIdentity {
  /**
   * The public key's fingerprint (base64url of its 32 bytes, the JWK's `x`): the Hello id of
   * every connection, and what the Noise handshake proves, so a peer id cannot be borrowed.
   * A file from before encryption with a random id keeps its key and takes this id.
   */
  readonly peerId: string;
  /** Ed25519: the downloader signs a seeder's nonce with it (tickets). */
  readonly keyPair: CryptoKeyPair;
  /** The public key as JWK, as it is sent to a tracker to bind tickets to this peer. */
  readonly publicKeyJwk: JsonWebKey;
}

const JwkSchema = is.looseObject({
  kty: is.literal("OKP"),
  crv: is.literal("Ed25519"),
  x: is.string().min(1),
});

const IdentityFileSchema = is.strictObject({
  version: is.literal(IDENTITY_VERSION),
  peerId: is.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  publicKey: JwkSchema,
  privateKey: JwkSchema.extend({ d: is.string().min(1) }),
});

/**
 * Load the identity from `dir/identity.json`, or make one and save it when the file is missing.
 *
 * @throws {Error} with one line naming the file when it exists but cannot be used
 */
export async function loadOrCreateIdentity(dir: string): Promise<PeerIdentity> {
  const path = `${dir}/${IDENTITY_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return await createIdentity(path);
  }
  try {
    return await parseIdentity(text);
  } catch (error) {
    const detail = describeError(error);
    throw new Error(
      `Identity file "${path}" is unusable: ${detail}; move it away to make a new identity`,
    );
  }
}

async function createIdentity(path: string): Promise<PeerIdentity> {
  const keyPair = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const publicKeyJwk = await crypto.subtle.exportKey("jwk", keyPair.publicKey);
  const identity: PeerIdentity = {
    peerId: fingerprintOf(publicKeyJwk),
    keyPair,
    publicKeyJwk,
  };
  const record = {
    version: IDENTITY_VERSION,
    peerId: identity.peerId,
    publicKey: identity.publicKeyJwk,
    privateKey: await crypto.subtle.exportKey("jwk", keyPair.privateKey),
  };
  // Written aside and renamed, so a crash never leaves half an identity behind.
  await writeFileAtomic(path, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  return identity;
}

async function parseIdentity(text: string): Promise<PeerIdentity> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SyntaxError("not JSON");
  }
  const parsed = IdentityFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`bad field "${issue?.path.join(".") ?? "?"}"`);
  }
  const record = parsed.data;
  if (record.publicKey.x !== record.privateKey.x) {
    throw new TypeError("the public key does not match the private key");
  }
  const publicKey = await crypto.subtle.importKey("jwk", record.publicKey, "Ed25519", true, [
    "verify",
  ]);
  const privateKey = await crypto.subtle.importKey("jwk", record.privateKey, "Ed25519", true, [
    "sign",
  ]);
  return {
    peerId: record.publicKey.x,
    keyPair: { publicKey, privateKey },
    publicKeyJwk: await crypto.subtle.exportKey("jwk", publicKey),
  };
}

/** The JWK's `x` is the raw key as base64url: the key's fingerprint (common/ids.ts). */
function fingerprintOf(jwk: JsonWebKey): string {
  if (typeof jwk.x !== "string") throw new TypeError("Ed25519 JWK without x");
  return jwk.x;
}
