/** The BitTorrent harness's own parts: its bencoding and its tracker, over a real socket. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { bencode, MiniTracker } from "./bittorrent.ts";

Deno.test("bencode writes BEP 3's forms, a dictionary's keys in order", () => {
  const encoded = bencode({ info: [42, "spam"], announce: new Uint8Array([0, 255]) });
  assert.deepEqual(
    encoded,
    Buffer.concat([
      Buffer.from("d8:announce2:"),
      Buffer.from([0, 255]),
      Buffer.from("4:infoli42e4:spamee"),
    ]),
  );
});

Deno.test("the tracker names every other peer that announced, compact, and counts seeders", async () => {
  await using tracker = new MiniTracker();
  const announce = async (port: number, left: number) => {
    const response = await fetch(`${tracker.url}?port=${port}&left=${left}&compact=1`);
    return Buffer.from(await response.arrayBuffer());
  };
  const peer = (port: number) => Buffer.from([127, 0, 0, 1, port >> 8, port & 0xff]);
  assert.deepEqual(
    await announce(6881, 100),
    bencode({ interval: 60, "min interval": 1, peers: new Uint8Array(0) }),
  );
  await announce(6882, 0);
  const reply = await announce(6881, 100);
  assert.ok(
    reply.includes(Buffer.concat([Buffer.from("5:peers6:"), peer(6882)])),
    reply.toString("latin1"),
  );
  assert.equal(tracker.seeders, 1);
  await announce(6881, 0);
  assert.equal(tracker.seeders, 2);
});
