import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { EventHub, formatEvent, MAX_QUEUED_BYTES } from "./sse.ts";

const decoder = new TextDecoder();

async function readText(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { value } = await reader.read();
  return decoder.decode(value);
}

Deno.test("EventHub sends the first message, then every broadcast, to each stream", async () => {
  const hub = new EventHub();
  const reader = hub.open(formatEvent("snapshot", { a: 1 })).getReader();
  ok((await readText(reader)).endsWith('event: snapshot\ndata: {"a":1}\n\n'));
  hub.broadcast("session", { user: "ana" });
  equal(await readText(reader), 'event: session\ndata: {"user":"ana"}\n\n');
  equal(hub.size, 1);
  await reader.cancel();
  equal(hub.size, 0);
});

Deno.test("EventHub drops a stream that stops reading, so memory stays bounded", async () => {
  const hub = new EventHub();
  const reader = hub.open("").getReader();
  const big = "x".repeat(64 * 1024);
  for (let i = 0; i * big.length <= MAX_QUEUED_BYTES + big.length; i++) hub.broadcast("e", big);
  equal(hub.size, 0);
  const outcome = await reader.read().then(() => "read", (error) => String(error));
  ok(outcome === "read" || /too slowly/.test(outcome));
  reader.releaseLock();
});

Deno.test("EventHub.closeAll() ends every stream", async () => {
  const hub = new EventHub();
  const reader = hub.open("").getReader();
  await reader.read();
  hub.closeAll();
  deepStrictEqual(await reader.read(), { done: true, value: undefined });
  equal(hub.size, 0);
});
