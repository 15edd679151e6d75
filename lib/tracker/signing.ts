/**
 * The tracker's Ed25519 key for tickets, made with its database and kept in its meta table. Its
 * public half is published as a `tracker_key` operation, so every tracker and seeder knows it.
 */
import { exportPublicKey, generateSigningKeys } from "../common/tickets.ts";
import type { Store } from "./store.ts";

/** The private key and the raw public key of this tracker. */
export interface SigningKeys {
  privateKey: CryptoKey;
  publicKey: Uint8Array;
}

/** Load the key pair from the database, or make and save one. */
export async function loadSigningKeys(store: Store): Promise<SigningKeys> {
  const saved = store.getMeta("signing_key");
  if (saved !== undefined) {
    const { privateJwk, publicJwk } = JSON.parse(saved) as {
      privateJwk: JsonWebKey;
      publicJwk: JsonWebKey;
    };
    const privateKey = await crypto.subtle.importKey("jwk", privateJwk, "Ed25519", false, ["sign"]);
    const publicKey = await crypto.subtle.importKey("jwk", publicJwk, "Ed25519", true, ["verify"]);
    return { privateKey, publicKey: await exportPublicKey(publicKey) };
  }
  const pair = await generateSigningKeys();
  const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  store.setMeta("signing_key", JSON.stringify({ privateJwk, publicJwk }));
  return { privateKey: pair.privateKey, publicKey: await exportPublicKey(pair.publicKey) };
}
