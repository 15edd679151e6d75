import { deepStrictEqual, equal } from "node:assert/strict";
import { type SessionClaims, SessionKeys } from "./sessions.ts";

const CLAIMS: SessionClaims = {
  user: "alice",
  userCreation: "T1:1",
  peerId: "p",
  issuedAt: "0000000001000:0000",
  expiresAt: 2_000,
};

Deno.test("SessionKeys.verify() checks a kept token's expiry each time, and never keeps a bad one", () => {
  const keys = new SessionKeys(new Uint8Array(32).fill(1));
  const token = keys.sign(CLAIMS);
  deepStrictEqual(keys.verify(token, 1_000), CLAIMS);
  deepStrictEqual(keys.verify(token, 1_999), CLAIMS, "kept");
  equal(keys.verify(token, 2_000), "expired", "a kept token still expires");
  const [payload, mac] = token.split(".");
  const flipped = `${payload}.${mac!.startsWith("A") ? "B" : "A"}${mac!.slice(1)}`;
  equal(keys.verify(flipped, 1_000), "bad_signature");
  equal(keys.verify(flipped, 1_000), "bad_signature", "a bad token is checked again");
  equal(keys.verify(`${token}.x`, 1_000), "malformed");
  equal(new SessionKeys(new Uint8Array(32).fill(2)).verify(token, 1_000), "bad_signature");
});
