import assert from "node:assert/strict";
import { FakeClock } from "../common/test_util.ts";
import { ReadDeadlines } from "./deadlines.ts";

function watched(clock: FakeClock) {
  const expired: string[] = [];
  const deadlines = new ReadDeadlines({
    idleMs: 1000,
    frameMs: 100,
    timers: clock,
    now: clock.now,
    onExpired: (code) => expired.push(code),
  });
  return { deadlines, expired };
}

Deno.test("ReadDeadlines closes a connection not logged in that stays idle", async () => {
  const clock = new FakeClock();
  const { expired } = watched(clock);
  await clock.advance(999);
  assert.deepStrictEqual(expired, []);
  await clock.advance(1);
  assert.deepStrictEqual(expired, ["idle"]);
  await clock.advance(5000);
  assert.deepStrictEqual(expired, ["idle"]);
});

Deno.test("ReadDeadlines counts idle time from the last reply, not while a request runs", async () => {
  const clock = new FakeClock();
  const { deadlines, expired } = watched(clock);
  await clock.advance(900);
  deadlines.frameStarted();
  deadlines.requestStarted();
  await clock.advance(5000);
  assert.deepStrictEqual(expired, []);
  deadlines.requestEnded();
  await clock.advance(999);
  assert.deepStrictEqual(expired, []);
  await clock.advance(1);
  assert.deepStrictEqual(expired, ["idle"]);
});

Deno.test("ReadDeadlines never closes a logged-in connection for being idle", async () => {
  const clock = new FakeClock();
  const { deadlines, expired } = watched(clock);
  deadlines.frameStarted();
  deadlines.requestStarted();
  deadlines.loggedIn();
  deadlines.requestEnded();
  await clock.advance(60_000);
  assert.deepStrictEqual(expired, []);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("ReadDeadlines closes a frame not complete within the frame deadline, logged in or not", async () => {
  const clock = new FakeClock();
  const { deadlines, expired } = watched(clock);
  deadlines.loggedIn();
  deadlines.frameStarted();
  await clock.advance(99);
  assert.deepStrictEqual(expired, []);
  await clock.advance(1);
  assert.deepStrictEqual(expired, ["frame_timeout"]);
});

Deno.test("ReadDeadlines.stop() leaves no timer behind", async () => {
  const clock = new FakeClock();
  const { deadlines, expired } = watched(clock);
  deadlines.frameStarted();
  deadlines.stop();
  deadlines.requestStarted();
  deadlines.requestEnded();
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(5000);
  assert.deepStrictEqual(expired, []);
});

Deno.test("ReadDeadlines moves a deadline without a timer per frame, and still keeps it", async () => {
  const clock = new FakeClock();
  let started = 0;
  const expired: string[] = [];
  const deadlines = new ReadDeadlines({
    idleMs: 1000,
    frameMs: 100,
    timers: {
      setTimeout: (callback, ms) => (started++, clock.setTimeout(callback, ms)),
      clearTimeout: clock.clearTimeout,
    },
    now: clock.now,
    onExpired: (code) => expired.push(code),
  });
  deadlines.loggedIn();
  const before = started;
  for (let i = 0; i < 50; i++) {
    deadlines.frameStarted();
    deadlines.requestStarted();
    deadlines.requestEnded();
    await clock.advance(1);
  }
  assert.equal(started - before, 1, "one timer for 50 frames within one frame deadline");
  // A frame that starts at 60 ms must still be closed at 160, not at the first timer's 100.
  await clock.advance(10);
  deadlines.frameStarted();
  await clock.advance(99);
  assert.deepStrictEqual(expired, []);
  await clock.advance(1);
  assert.deepStrictEqual(expired, ["frame_timeout"]);
});
