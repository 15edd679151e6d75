import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { Logger } from "../../common/logger.ts";
import { FakeClock } from "../../common/test_util.ts";
import { PresenceLoop } from "./presence.ts";

const quiet = new Logger("test", { sink: () => {} });

Deno.test("PresenceLoop heartbeats every third of the lease and announces again when unknown", async () => {
  const clock = new FakeClock();
  const beats: number[] = [];
  let announced = 0;
  const loop = new PresenceLoop({
    heartbeat: () => {
      beats.push(clock.now());
      return Promise.resolve({ known: beats.length !== 2, leaseMs: 150 });
    },
    announceAll: () => Promise.resolve(void announced++),
    logger: quiet,
    timers: clock,
  });
  await loop.start();
  await clock.advance(150);
  await loop.stop();
  assert.equal(loop.isRunning, false);
  assert.equal(announced, 1);
  assert.deepEqual(beats, [0, 50, 100, 150]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("PresenceLoop ends when the session is gone and retries after other failures", async () => {
  const clock = new FakeClock();
  const calls: number[] = [];
  const lines: string[] = [];
  const loop = new PresenceLoop({
    heartbeat: () => {
      calls.push(clock.now());
      if (calls.length === 1) return Promise.reject(new CommandError("timeout", "No answer"));
      if (calls.length === 2) return Promise.resolve({ known: true, leaseMs: 90 });
      return Promise.reject(new CommandError("not_logged_in", "Not logged in"));
    },
    announceAll: () => Promise.resolve(),
    logger: new Logger("test", { sink: (line) => lines.push(line) }),
    timers: clock,
  });
  await loop.start();
  await clock.advance(60_000);
  assert.deepEqual(calls, [0, 1_000, 1_050]);
  assert.equal(clock.pendingTimers, 0);
  await loop.stop();
  assert.match(lines[0]!, /Heartbeat failed: No answer/);
});

Deno.test("PresenceLoop warns once while heartbeats fail and says once when one is answered", async () => {
  const clock = new FakeClock();
  let calls = 0;
  const lines: string[] = [];
  const loop = new PresenceLoop({
    heartbeat: () => {
      calls++;
      // Ten failures in a row, then answers, then failures again.
      if (calls <= 10 || calls > 13) {
        return Promise.reject(new CommandError("tracker_unreachable", "No tracker answered"));
      }
      return Promise.resolve({ known: true, leaseMs: 3_000 });
    },
    announceAll: () => Promise.resolve(),
    logger: new Logger("test", { sink: (line) => lines.push(line) }),
    timers: clock,
  });
  await loop.start();
  await clock.advance(30_000);
  await loop.stop();
  assert.ok(calls > 20, `only ${calls} heartbeats`);
  assert.equal(lines.length, 3, lines.join("\n"));
  assert.match(lines[0]!, /warning: Heartbeat failed: No tracker answered; trying again every 1 s/);
  assert.match(lines[1]!, /Heartbeat answered again/);
  assert.match(lines[2]!, /warning: Heartbeat failed/);
});
