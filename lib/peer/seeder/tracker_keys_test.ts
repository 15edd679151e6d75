import assert from "node:assert/strict";
import { exportPublicKey, generateSigningKeys } from "../../common/tickets.ts";
import { Logger } from "../../common/logger.ts";
import { TrackerKeys } from "./tracker_keys.ts";

const quiet = new Logger("test", { sink: () => {} });

Deno.test("TrackerKeys.get() fetches once, caches, and refreshes for an unknown id at most once per period", async () => {
  const pair = await generateSigningKeys();
  const publicKey = await exportPublicKey(pair.publicKey);
  let now = 0;
  let fetches = 0;
  let list = [{ keyId: "t1", publicKey }];
  const keys = new TrackerKeys({
    fetch: () => Promise.resolve((fetches++, list)),
    refreshMs: 1_000,
    now: () => now,
    logger: quiet,
  });
  const [a, b] = await Promise.all([keys.get("t1"), keys.get("t1")]);
  assert.ok(a && a === b);
  assert.equal(fetches, 1);
  assert.equal(await keys.get("t2"), undefined);
  assert.equal(fetches, 1);
  list = [...list, { keyId: "t2", publicKey }];
  now = 1_000;
  assert.ok(await keys.get("t2"));
  assert.equal(fetches, 2);
  assert.equal(await keys.get("nope"), undefined);
  assert.equal(fetches, 2);
});

Deno.test("TrackerKeys.get() answers undefined when no tracker answers, and retries soon", async () => {
  let now = 0;
  let fails = true;
  const pair = await generateSigningKeys();
  const publicKey = await exportPublicKey(pair.publicKey);
  const keys = new TrackerKeys({
    fetch: () =>
      fails
        ? Promise.reject(new Error("No tracker"))
        : Promise.resolve([{ keyId: "t1", publicKey }]),
    now: () => now,
    logger: quiet,
  });
  assert.equal(await keys.get("t1"), undefined);
  fails = false;
  assert.equal(await keys.get("t1"), undefined);
  now = 1_000;
  assert.ok(await keys.get("t1"));
});
