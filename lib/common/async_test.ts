import assert from "node:assert/strict";
import { delay, raceAbort, sleep } from "./async.ts";
import { FakeClock } from "./test_util.ts";

Deno.test("delay() resolves once its time has passed on the injected clock", async () => {
  const clock = new FakeClock();
  let done = false;
  const waiting = delay(100, { timers: clock }).then(() => done = true);
  await clock.advance(99);
  assert.equal(done, false);
  await clock.advance(1);
  await waiting;
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("delay() rejects with the signal's reason and clears its timer on abort", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const waiting = delay(100, { signal: controller.signal, timers: clock });
  controller.abort(new RangeError("stop"));
  await assert.rejects(waiting, { name: "RangeError", message: "stop" });
  assert.equal(clock.pendingTimers, 0);
  await assert.rejects(delay(1, { signal: controller.signal }), RangeError);
});

Deno.test("sleep() resolves at once when its signal aborts, and never rejects", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const sleeping = sleep(60_000, { signal: controller.signal, timers: clock });
  controller.abort();
  await sleeping;
  await sleep(60_000, { signal: controller.signal, timers: clock });
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("raceAbort() settles with the promise, or rejects with the reason of the signal", async () => {
  const controller = new AbortController();
  assert.equal(await raceAbort(Promise.resolve(7), controller.signal), 7);
  await assert.rejects(raceAbort(Promise.reject(new TypeError("x")), controller.signal), TypeError);
  const never = new Promise<never>(() => {});
  const racing = raceAbort(never, controller.signal);
  controller.abort(new RangeError("gone"));
  await assert.rejects(racing, { name: "RangeError", message: "gone" });
  await assert.rejects(raceAbort(never, controller.signal), RangeError);
});
