import assert from "node:assert/strict";
import { RateMeter } from "./rate_meter.ts";

Deno.test("RateMeter.rate() is bytes per second over the recent window", () => {
  let now = 0;
  const meter = new RateMeter({ windowMs: 5000, now: () => now });
  assert.equal(meter.rate(), 0);
  for (let t = 0; t <= 10_000; t += 1000) {
    now = t;
    meter.add(t < 5000 ? 1000 : 5000);
  }
  assert.equal(meter.rate(), 5000, "only the last five seconds count");
  now = 20_000;
  assert.equal(meter.rate(), 0, "nothing lately");
});
