import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { Logger } from "../../common/logger.ts";
import { PresenceLoop } from "./presence.ts";

const quiet = new Logger("test", { sink: () => {} });

function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() > deadline) return reject(new Error("Timed out"));
      setTimeout(check, 5);
    };
    check();
  });
}

Deno.test("PresenceLoop heartbeats every third of the lease and announces again when unknown", async () => {
  const beats: number[] = [];
  let announced = 0;
  const loop = new PresenceLoop({
    heartbeat: () => {
      beats.push(Date.now());
      return Promise.resolve({ known: beats.length !== 2, leaseMs: 150 });
    },
    announceAll: () => Promise.resolve(void announced++),
    logger: quiet,
  });
  await loop.start();
  await waitFor(() => beats.length >= 4);
  await loop.stop();
  assert.equal(loop.isRunning, false);
  assert.equal(announced, 1);
  const gaps = beats.slice(1).map((at, i) => at - beats[i]!);
  assert.ok(gaps.every((gap) => gap >= 40 && gap < 500), `gaps ${gaps}`);
});

Deno.test("PresenceLoop ends when the session is gone and retries after other failures", async () => {
  let calls = 0;
  const lines: string[] = [];
  const loop = new PresenceLoop({
    heartbeat: () => {
      calls++;
      if (calls === 1) return Promise.reject(new CommandError("timeout", "No answer"));
      if (calls === 2) return Promise.resolve({ known: true, leaseMs: 90 });
      return Promise.reject(new CommandError("not_logged_in", "Not logged in"));
    },
    announceAll: () => Promise.resolve(),
    logger: new Logger("test", { sink: (line) => lines.push(line) }),
  });
  await loop.start();
  await waitFor(() => calls >= 3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(calls, 3);
  await loop.stop();
  assert.match(lines[0]!, /Heartbeat failed: No answer/);
});
