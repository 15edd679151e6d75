import assert from "node:assert/strict";
import { parseRate, RateLimiter } from "./rate.ts";

/** Settle `promise`, or reject if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("parseRate() reads a number with an optional unit and /s", () => {
  const cases: [string, number][] = [
    ["1000000", 1_000_000],
    ["20MiB/s", 20 * 1024 * 1024],
    ["500KiB/s", 500 * 1024],
    ["1.5MB/s", 1_500_000],
    ["2 GiB", 2 * 1024 ** 3],
    ["10kb/s", 10_000],
    [" 7B/s ", 7],
    ["1.9", 1],
  ];
  for (const [text, rate] of cases) assert.equal(parseRate(text), rate, text);
});

Deno.test("parseRate() refuses what is not a rate, naming the text", () => {
  for (const text of ["", "fast", "-1MB/s", "1TB/s", "MB/s", "0", "0.5"]) {
    assert.throws(
      () => parseRate(text),
      (error: unknown) =>
        error instanceof SyntaxError && error.message.startsWith(`Invalid rate "${text}"`),
      text,
    );
  }
});

Deno.test({
  name: "RateLimiter without a limit lets everything through at once",
  sanitizeOps: true,
  async fn() {
    const limiter = new RateLimiter(Infinity);
    assert.equal(limiter.isLimited, false);
    await within(limiter.take(1e12), 50);
  },
});

Deno.test({
  name: "RateLimiter lets a first burst through and then waits for the rate",
  sanitizeOps: true,
  async fn() {
    const limiter = new RateLimiter(1000, () => 0); // a clock that never moves: no refill
    assert.equal(limiter.isLimited, true);
    await within(limiter.take(1000), 50);
    const start = performance.now();
    await limiter.take(30); // 30 bytes at 1000 B/s: 30 ms
    assert.ok(performance.now() - start >= 25, "waited for the rate");
  },
});

Deno.test({
  name: "RateLimiter.take() rejects with the abort reason",
  sanitizeOps: true,
  async fn() {
    const limiter = new RateLimiter(1000, () => 0);
    await limiter.take(1000);
    const controller = new AbortController();
    const taking = limiter.take(1000, controller.signal);
    setTimeout(() => controller.abort(), 5);
    await assert.rejects(
      within(taking, 500),
      (error: unknown) => (error as Error).name === "AbortError",
    );
  },
});

Deno.test({
  // The bytes are taken before the wait; an aborted take gives them back, so the callers behind
  // it do not wait for bytes that were never sent (here 1 s instead of 1 ms).
  name: "RateLimiter.take() gives back the bytes of an aborted take",
  sanitizeOps: true,
  async fn() {
    const limiter = new RateLimiter(1000, () => 0);
    await limiter.take(1000);
    const controller = new AbortController();
    const aborted = limiter.take(1000, controller.signal);
    controller.abort();
    await assert.rejects(aborted);
    await within(limiter.take(1), 200);
  },
});

Deno.test({
  // An already aborted signal rejects before any bytes are taken, instead of waiting and then
  // letting the bytes pass.
  name: "RateLimiter.take() with an already aborted signal rejects at once",
  sanitizeOps: true,
  async fn() {
    const limiter = new RateLimiter(1000, () => 0);
    await limiter.take(1000);
    await assert.rejects(
      within(limiter.take(1000, AbortSignal.abort()), 200),
      (error: unknown) => (error as Error).name === "AbortError",
    );
  },
});
