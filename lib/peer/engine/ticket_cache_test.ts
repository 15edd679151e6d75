import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import type { PeerEndpoint, Swarm } from "./types.ts";
import { isFinalTicketError, TicketCache } from "./ticket_cache.ts";

class CountingSwarm implements Swarm {
  fetches = 0;
  constructor(readonly clock: { now: number }, readonly ttlMs = 1000) {}
  peers(): Promise<PeerEndpoint[]> {
    return Promise.resolve([]);
  }
  ticket() {
    this.fetches++;
    const ticket = new Uint8Array([this.fetches]);
    return Promise.resolve({ ticket, expiresAt: this.clock.now + this.ttlMs });
  }
  announce(): Promise<void> {
    return Promise.resolve();
  }
  withdraw(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("TicketCache.get() reuses a ticket until half its life, then fetches a fresh one", async () => {
  const clock = { now: 10_000 };
  const swarm = new CountingSwarm(clock);
  const cache = new TicketCache(swarm, { now: () => clock.now });
  const signal = new AbortController().signal;
  const [a, b] = await Promise.all([cache.get(signal), cache.get(signal)]);
  assert.deepEqual([a, b], [new Uint8Array([1]), new Uint8Array([1])]);
  assert.equal(swarm.fetches, 1, "concurrent callers share one request");
  clock.now += 400;
  assert.deepEqual(await cache.get(signal), new Uint8Array([1]));
  clock.now += 200;
  assert.deepEqual(await cache.get(signal), new Uint8Array([2]));
});

Deno.test("isFinalTicketError() tells a refusal from an unreachable tracker", () => {
  assert.equal(isFinalTicketError(new CommandError("not_member", "no")), true);
  assert.equal(isFinalTicketError(new CommandError("tracker_unreachable", "down")), false);
  assert.equal(isFinalTicketError(new Error("x")), false);
});
