/**
 * Real identities for tests: an Ed25519 key pair, the peer id that is its fingerprint and the
 * transport key it signs, as `run.ts` makes them, without a state folder.
 */
import { keyFingerprint } from "../../common/ids.ts";
import { exportPublicKey, generateSigningKeys } from "../../common/tickets.ts";
import { createTransportIdentity, type TransportIdentity } from "../../wire/transport_identity.ts";

/** A peer's identity as every part of the peer takes it. */
export interface TestIdentity {
  readonly peerId: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: Uint8Array;
  readonly transport: TransportIdentity;
}

/** A fresh identity whose peer id is its key's fingerprint (what trackers and seeders check). */
export async function testIdentity(): Promise<TestIdentity> {
  const pair = await generateSigningKeys();
  const publicKey = await exportPublicKey(pair.publicKey);
  const transport = await createTransportIdentity({ privateKey: pair.privateKey, publicKey });
  return { peerId: keyFingerprint(publicKey), privateKey: pair.privateKey, publicKey, transport };
}
