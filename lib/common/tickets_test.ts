import { deepStrictEqual, equal } from "node:assert/strict";
import {
  exportPublicKey,
  generateSigningKeys,
  signProof,
  signTicket,
  type TicketClaims,
  verifyProof,
  verifyTicket,
} from "./tickets.ts";

async function fixture() {
  const tracker = await generateSigningKeys();
  const peer = await generateSigningKeys();
  const claims: TicketClaims = {
    user: "bob",
    group: "g1",
    fileId: "a".repeat(40),
    peerKey: await exportPublicKey(peer.publicKey),
    issuedAt: 1_000_000,
    expiresAt: 1_060_000,
    keyId: "T1",
  };
  const keys = new Map([["T1", tracker.publicKey]]);
  return { tracker, peer, claims, keys, ticket: await signTicket(claims, tracker.privateKey) };
}

Deno.test("verifyTicket() returns the claims of a valid ticket", async () => {
  const { claims, keys, ticket } = await fixture();
  deepStrictEqual(await verifyTicket(ticket, { keys, now: 1_030_000, skewMs: 0 }), claims);
});

Deno.test("verifyTicket() refuses expired, early, unknown-key, forged and malformed tickets", async () => {
  const { claims, keys, ticket, peer } = await fixture();
  equal(await verifyTicket(ticket, { keys, now: 1_070_000, skewMs: 5000 }), "expired");
  equal(await verifyTicket(ticket, { keys, now: 990_000, skewMs: 5000 }), "not_yet_valid");
  equal(await verifyTicket(ticket, { keys: new Map(), now: 1_030_000, skewMs: 0 }), "unknown_key");
  const forged = await signTicket({ ...claims, group: "g2" }, peer.privateKey);
  equal(await verifyTicket(forged, { keys, now: 1_030_000, skewMs: 0 }), "bad_signature");
  const tampered = ticket.slice();
  tampered[10] = tampered[10]! ^ 0xff;
  const result = await verifyTicket(tampered, { keys, now: 1_030_000, skewMs: 0 });
  equal(typeof result === "string" ? "refused" : "accepted", "refused");
  equal(await verifyTicket(new Uint8Array([1, 2, 3]), { keys, now: 0, skewMs: 0 }), "malformed");
});

Deno.test("verifyProof() accepts only the key holder's signature over this nonce and seeder", async () => {
  const { peer, claims } = await fixture();
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  const proof = await signProof(nonce, "seeder-1", peer.privateKey);
  equal(await verifyProof(proof, nonce, "seeder-1", claims.peerKey), true);
  equal(await verifyProof(proof, nonce, "seeder-2", claims.peerKey), false);
  const otherNonce = crypto.getRandomValues(new Uint8Array(32));
  equal(await verifyProof(proof, otherNonce, "seeder-1", claims.peerKey), false);
  const thief = await generateSigningKeys();
  const stolen = await signProof(nonce, "seeder-1", thief.privateKey);
  equal(await verifyProof(stolen, nonce, "seeder-1", claims.peerKey), false);
  equal(await verifyProof(proof, nonce, "seeder-1", new Uint8Array(5)), false);
});
