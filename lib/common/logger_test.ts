import assert from "node:assert/strict";
import { Logger, RateLimitedLog } from "./logger.ts";

function collector() {
  const lines: string[] = [];
  return { lines, sink: (line: string) => void lines.push(line) };
}

Deno.test("Logger writes one prefixed line per event to its sink", () => {
  const { lines, sink } = collector();
  const logger = new Logger("tracker", { sink });
  logger.info("listening on 127.0.0.1:7001");
  logger.warn("slow commit");
  logger.error("disk full");
  assert.deepStrictEqual(lines, [
    "[tracker] listening on 127.0.0.1:7001",
    "[tracker] warning: slow commit",
    "[tracker] error: disk full",
  ]);
});

Deno.test("Logger with quiet drops info lines but keeps warnings and errors", () => {
  const { lines, sink } = collector();
  const logger = new Logger("peer", { sink, quiet: true });
  logger.info("hidden");
  logger.warn("shown");
  logger.error("shown too");
  assert.deepStrictEqual(lines, ["[peer] warning: shown", "[peer] error: shown too"]);
});

Deno.test("Logger.child() names the sub-component and shares the sink and quiet", () => {
  const { lines, sink } = collector();
  const child = new Logger("tracker", { sink, quiet: true }).child("conn");
  child.info("hidden");
  child.warn("bad frame");
  child.child("hello").error("timeout");
  assert.deepStrictEqual(lines, [
    "[tracker/conn] warning: bad frame",
    "[tracker/conn/hello] error: timeout",
  ]);
});

Deno.test("RateLimitedLog logs perWindow lines, then the count it suppressed", () => {
  const { lines, sink } = collector();
  let now = 0;
  using log = new RateLimitedLog(new Logger("t", { sink }), {
    perWindow: 2,
    windowMs: 1000,
    now: () => now,
  });
  for (let i = 1; i <= 5; i++) log.warn(`bad frame ${i}`);
  assert.deepStrictEqual(lines, ["[t] warning: bad frame 1", "[t] warning: bad frame 2"]);
  now = 999;
  log.warn("bad frame 6");
  assert.equal(lines.length, 2, "still the same window");
  now = 1000;
  log.warn("bad frame 7");
  assert.deepStrictEqual(lines.slice(2), [
    "[t] warning: 4 similar message(s) suppressed",
    "[t] warning: bad frame 7",
  ]);
});

Deno.test("RateLimitedLog writes no count for a window that suppressed nothing", () => {
  const { lines, sink } = collector();
  let now = 5_000;
  using log = new RateLimitedLog(new Logger("t", { sink }), {
    perWindow: 3,
    windowMs: 100,
    now: () => now,
  });
  log.warn("a");
  now += 100;
  log.warn("b");
  now += 1_000;
  log.warn("c");
  assert.deepStrictEqual(lines, ["[t] warning: a", "[t] warning: b", "[t] warning: c"]);
});

Deno.test("RateLimitedLog bounds a flood to perWindow lines per window", () => {
  const { lines, sink } = collector();
  let now = 0;
  using log = new RateLimitedLog(new Logger("t", { sink }), { now: () => now });
  for (let i = 0; i < 10_000; i++) {
    log.warn("bad frame");
    now += 1; // 10 s of flood at 1,000 frames a second
  }
  assert.equal(lines.length, 10, "the default is 10 lines per 10 s window");
});
