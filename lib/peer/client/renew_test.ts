import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { FakeClock } from "../../common/test_util.ts";
import { RenewTimer } from "./renew.ts";
import type { Session } from "./tracker_client.ts";

const SESSION: Session = { user: "alice", token: "t0", expiresAt: 0 };

/** A timer on a fake clock that starts at 0, whose renewals answer from `answers`. */
function harness(answers: (() => Promise<{ token: string; expiresAt: number }>)[]) {
  const log: string[] = [];
  const clock = new FakeClock();
  const timer = new RenewTimer({
    now: clock.now,
    timers: clock,
    minDelayMs: 1_000,
    retryMs: 1_000,
    renew: (session) => {
      log.push(`renew ${session.token} at ${clock.now()}`);
      return answers.shift()?.() ?? new Promise(() => {});
    },
    onRenewed: (session) => log.push(`renewed ${session.token}`),
    onLost: (session, error) => log.push(`lost ${session.token} ${error.code}`),
  });
  return { log, timer, clock };
}

Deno.test("RenewTimer renews at half the remaining lifetime, again with each new token", async () => {
  const { log, timer, clock } = harness([
    () => Promise.resolve({ token: "t1", expiresAt: 20_000 }),
    () => Promise.resolve({ token: "t2", expiresAt: 40_000 }),
  ]);
  timer.start({ ...SESSION, expiresAt: 10_000 });
  await clock.advance(4_999);
  assert.deepEqual(log, []);
  await clock.advance(1 + 7_500);
  await timer.stop();
  assert.deepEqual(log, ["renew t0 at 5000", "renewed t1", "renew t1 at 12500", "renewed t2"]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("RenewTimer reports a refused token as lost", async () => {
  const { log, timer, clock } = harness([
    () => Promise.reject(new CommandError("session_expired", "Session expired")),
  ]);
  timer.start({ ...SESSION, expiresAt: 4_000 });
  await clock.advance(60_000);
  await timer.stop();
  assert.deepEqual(log, ["renew t0 at 2000", "lost t0 session_expired"]);
});

Deno.test("RenewTimer retries while no tracker answers, until the session expires", async () => {
  const unreachable = () => Promise.reject(new CommandError("tracker_unreachable", "down"));
  const { log, timer, clock } = harness([unreachable, unreachable, unreachable, unreachable]);
  timer.start({ ...SESSION, expiresAt: 4_000 });
  await clock.advance(60_000);
  await timer.stop();
  assert.deepEqual(log, [
    "renew t0 at 2000",
    "renew t0 at 3000",
    "renew t0 at 4000",
    "lost t0 session_expired",
  ]);
});

Deno.test("RenewTimer.cancel() ignores a renewal that ends afterwards", async () => {
  const answer = Promise.withResolvers<{ token: string; expiresAt: number }>();
  const { log, timer, clock } = harness([() => answer.promise]);
  timer.start({ ...SESSION, expiresAt: 4_000 });
  await clock.advance(2_000);
  assert.deepEqual(log, ["renew t0 at 2000"]);
  timer.cancel();
  answer.resolve({ token: "t1", expiresAt: 8_000 });
  await timer.stop();
  await clock.advance(60_000);
  assert.deepEqual(log, ["renew t0 at 2000"]);
  assert.equal(clock.pendingTimers, 0);
});
