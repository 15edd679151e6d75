import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { RenewTimer } from "./renew.ts";
import type { Session } from "./tracker_client.ts";

const SESSION: Session = { user: "alice", token: "t0", expiresAt: 0 };

/** A timer whose renewals answer from `answers`, on a clock that starts at 0. */
function harness(answers: (() => Promise<{ token: string; expiresAt: number }>)[]) {
  const log: string[] = [];
  let now = 0;
  const timer = new RenewTimer({
    now: () => now,
    minDelayMs: 1,
    retryMs: 1,
    renew: (session) => {
      log.push(`renew ${session.token}`);
      return answers.shift()?.() ?? new Promise(() => {});
    },
    onRenewed: (session) => log.push(`renewed ${session.token}`),
    onLost: (session, error) => log.push(`lost ${session.token} ${error.code}`),
  });
  return { log, timer, setNow: (ms: number) => now = ms };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

Deno.test("RenewTimer renews again with each new token", async () => {
  const { log, timer } = harness([
    () => Promise.resolve({ token: "t1", expiresAt: 4 }),
    () => Promise.resolve({ token: "t2", expiresAt: 4 }),
  ]);
  timer.start({ ...SESSION, expiresAt: 4 });
  await until(() => log.length >= 4);
  await timer.stop();
  assert.deepEqual(log.slice(0, 4), ["renew t0", "renewed t1", "renew t1", "renewed t2"]);
});

Deno.test("RenewTimer reports a refused token as lost", async () => {
  const { log, timer } = harness([
    () => Promise.reject(new CommandError("session_expired", "Session expired")),
  ]);
  timer.start({ ...SESSION, expiresAt: 4 });
  await until(() => log.length >= 2);
  await timer.stop();
  assert.deepEqual(log, ["renew t0", "lost t0 session_expired"]);
});

Deno.test("RenewTimer retries while no tracker answers, until the session expires", async () => {
  const unreachable = () => Promise.reject(new CommandError("tracker_unreachable", "down"));
  const answers = [unreachable, () => {
    setNow(10);
    return unreachable();
  }];
  const { log, timer, setNow } = harness(answers);
  timer.start({ ...SESSION, expiresAt: 10 });
  await until(() => log.length >= 3);
  await timer.stop();
  assert.deepEqual(log, ["renew t0", "renew t0", "lost t0 session_expired"]);
});

Deno.test("RenewTimer.cancel() ignores a renewal that ends afterwards", async () => {
  const answer = Promise.withResolvers<{ token: string; expiresAt: number }>();
  const { log, timer } = harness([() => answer.promise]);
  timer.start({ ...SESSION, expiresAt: 4 });
  await until(() => log.length >= 1);
  timer.cancel();
  answer.resolve({ token: "t1", expiresAt: 4 });
  await timer.stop();
  assert.deepEqual(log, ["renew t0"]);
});
