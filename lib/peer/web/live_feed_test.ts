import { deepStrictEqual, equal } from "node:assert/strict";
import type { DownloadStatus } from "../engine/types.ts";
import { LiveFeed } from "./live_feed.ts";
import type { EventHub } from "./sse.ts";
import type { DashboardSources } from "./types.ts";

function status(bytes: number): DownloadStatus {
  return {
    id: "d1",
    group: "g",
    file: "f",
    state: "D",
    piecesDone: 0,
    pieces: 4,
    bytes,
    size: 4096,
    rate: 100,
    peers: [],
    isWaiting: false,
    path: "/tmp/f",
  };
}

function fixture() {
  const sent: [string, unknown][] = [];
  const hub = { broadcast: (name: string, data: unknown) => sent.push([name, data]) };
  let current = status(0);
  let time = 0;
  const sources: DashboardSources = {
    runCommand: () => Promise.reject(new Error("not used")),
    session: () => ({ user: "ana", tracker: "127.0.0.1:7001" }),
    downloads: () => [current],
    pieceMap: () => null,
    shares: () => [],
    onEvent: () => () => {},
  };
  const feed = new LiveFeed(sources, hub as unknown as EventHub, { now: () => time });
  return {
    feed,
    sent,
    set: (bytes: number) => current = status(bytes),
    advance: (ms: number) => time += ms,
  };
}

Deno.test("LiveFeed.tick() sends one progress event per tick however much changed, none when idle", () => {
  const { feed, sent, set, advance } = fixture();
  feed.tick();
  deepStrictEqual(sent.map(([name]) => name), ["session", "download", "rates", "shares"]);
  sent.length = 0;
  for (const bytes of [100, 200, 300]) set(bytes); // many changes between two ticks
  advance(500);
  feed.tick();
  deepStrictEqual(sent.map(([name]) => name), ["download"]);
  equal((sent[0]![1] as { bytes: number }).bytes, 300);
  sent.length = 0;
  advance(500);
  feed.tick(); // nothing changed: only the once-a-second rate sample
  deepStrictEqual(sent.map(([name]) => name), ["rates"]);
});

Deno.test("LiveFeed.snapshot() holds what was sent last", () => {
  const { feed, set } = fixture();
  set(1024);
  feed.tick();
  const data = JSON.parse(feed.snapshot().split("data: ")[1]!);
  deepStrictEqual(data.session, { user: "ana", tracker: "127.0.0.1:7001" });
  equal(data.downloads[0].bytes, 1024);
  equal(data.downloads[0].percent, 25);
  deepStrictEqual(data.rates, { d1: [100] });
});
