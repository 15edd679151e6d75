import { deepStrictEqual, equal, ok } from "node:assert/strict";
import {
  HashStaging,
  STAGING_LIMIT_BYTES,
  STAGING_TTL_MS,
  STAGING_USER_LIMIT_BYTES,
} from "./staging.ts";

const CHUNK = new Uint8Array(1024 * 20);

Deno.test("HashStaging keeps each user to a budget of their own, and everyone to a total", () => {
  const staging = new HashStaging(() => 0);
  const perUser = Math.floor(STAGING_USER_LIMIT_BYTES / CHUNK.length);
  for (let c = 0; c < perUser; c++) equal(staging.put("mallory", "f", c, CHUNK), null);
  equal(staging.put("mallory", "f", perUser, CHUNK), "user_full");
  equal(staging.put("mallory", "other", 0, CHUNK), "user_full", "the budget is per user");
  equal(staging.put("alice", "g", 0, CHUNK), null, "another user is not held up");
  // Enough users fill the total: then even a user with budget left is refused.
  const users = Math.ceil(STAGING_LIMIT_BYTES / (perUser * CHUNK.length)) + 1;
  let refusal: string | null = null;
  for (let u = 1; u <= users && refusal === null; u++) {
    for (let c = 0; c < perUser && refusal === null; c++) {
      refusal = staging.put(`u${u}`, "f", c, CHUNK);
    }
  }
  equal(refusal, "full");
  ok(staging.bytes <= STAGING_LIMIT_BYTES);
});

Deno.test("HashStaging.assemble() gives a user only what that user staged; dropUser() frees it", () => {
  const staging = new HashStaging(() => 0);
  const hashes = new Uint8Array(3 * 20).fill(7);
  equal(staging.put("alice", "f", 0, hashes), null);
  deepStrictEqual(staging.assemble("alice", "f", 3 * 1024, 1024), hashes);
  equal(staging.assemble("bob", "f", 3 * 1024, 1024), null, "bob staged nothing");
  equal(staging.assemble("alice", "f", 4 * 1024, 1024), null, "a size that needs more hashes");
  staging.dropUser("alice");
  equal(staging.bytes, 0);
  equal(staging.assemble("alice", "f", 3 * 1024, 1024), null);
});

Deno.test("HashStaging forgets chunks after STAGING_TTL_MS", () => {
  let now = 0;
  const staging = new HashStaging(() => now);
  staging.put("alice", "f", 0, CHUNK);
  now += STAGING_TTL_MS + 1;
  staging.put("bob", "g", 0, CHUNK); // a put sweeps
  equal(staging.bytes, CHUNK.length);
  equal(staging.assemble("alice", "f", 1024 * 1024, 1024), null);
});
