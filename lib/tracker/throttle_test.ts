import { deepStrictEqual, equal, match } from "node:assert/strict";
import { ACCOUNT_FACTOR, ADDRESS_FACTOR, describeThrottle, LoginThrottle } from "./throttle.ts";

function throttle(maxFailures = 3) {
  const clock = { ms: 1_000 };
  return {
    clock,
    throttle: new LoginThrottle({ maxFailures, windowMs: 60_000, now: () => clock.ms }),
  };
}

Deno.test("LoginThrottle.check() refuses one (account, address) and no one else at that address", () => {
  const { throttle: t } = throttle();
  for (let i = 0; i < 3; i++) t.fail("carol", "10.0.0.1");
  deepStrictEqual(t.check("carol", "10.0.0.1"), { scope: "account_address", retryAfterMs: 60_000 });
  equal(t.check("bob", "10.0.0.1"), null);
  equal(t.check("dave", "10.0.0.1"), null);
  equal(t.check("carol", "10.0.0.2"), null);
});

Deno.test("LoginThrottle.check() refuses an account guessed from several addresses", () => {
  const { throttle: t } = throttle();
  const addresses = Array.from({ length: ACCOUNT_FACTOR }, (_, i) => `10.0.1.${i}`);
  for (const host of addresses) for (let i = 0; i < 3; i++) t.fail("carol", host);
  equal(t.check("carol", "10.0.9.9")?.scope, "account");
  equal(t.check("bob", "10.0.1.0"), null);
});

Deno.test("LoginThrottle.check() refuses an address only after many failures over many accounts", () => {
  const { throttle: t } = throttle();
  const limit = 3 * ADDRESS_FACTOR;
  for (let i = 0; i < limit - 1; i++) t.fail(`user${i}`, "10.0.0.1");
  equal(t.check("bob", "10.0.0.1"), null);
  t.fail("one-more", "10.0.0.1");
  equal(t.check("bob", "10.0.0.1")?.scope, "address");
  equal(t.check("bob", "10.0.0.2"), null);
});

Deno.test("LoginThrottle.check() lets the caller try again once the window has passed", () => {
  const { clock, throttle: t } = throttle();
  for (let i = 0; i < 3; i++) t.fail("carol", "10.0.0.1");
  clock.ms += 59_000;
  equal(t.check("carol", "10.0.0.1")?.retryAfterMs, 1_000);
  clock.ms += 1_000;
  equal(t.check("carol", "10.0.0.1"), null);
});

Deno.test("LoginThrottle.succeed() forgets that pair's failures, not the account's", () => {
  const { throttle: t } = throttle(1);
  for (let i = 0; i < ACCOUNT_FACTOR - 1; i++) t.fail("carol", `10.0.1.${i}`);
  t.fail("carol", "10.0.0.1");
  t.succeed("carol", "10.0.0.1");
  equal(t.check("carol", "10.0.0.1")?.scope, "account");
});

Deno.test("describeThrottle() names the counter that refused", () => {
  match(
    describeThrottle("carol", "127.0.0.1", { scope: "account_address", retryAfterMs: 41_200 }),
    /^Too many failed logins for "carol" from 127\.0\.0\.1: try again in 42s$/,
  );
  match(
    describeThrottle("carol", "127.0.0.1", { scope: "account", retryAfterMs: 1 }),
    /for "carol" from several addresses/,
  );
  match(
    describeThrottle("bob", "127.0.0.1", { scope: "address", retryAfterMs: 1 }),
    /^Too many failed logins from 127\.0\.0\.1, over several accounts/,
  );
});
