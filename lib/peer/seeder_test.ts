import assert from "node:assert/strict";
import { Logger } from "../common/logger.ts";
import { decodeMessage } from "../wire/codec.ts";
import { openConnection } from "../wire/connection.ts";
import { FrameReader } from "../wire/frame.ts";
import { FrameType, MAGIC } from "../wire/limits.ts";
import { ErrorFrameSchema } from "../wire/messages.ts";
import { SeederServer } from "./seeder.ts";

const LOCALHOST = { host: "127.0.0.1", port: 0 };

function quietLogger(lines: string[] = []): Logger {
  return new Logger("seeder", { sink: (line) => lines.push(line) });
}

Deno.test("SeederServer.listen() on port 0 reports the port it got", async () => {
  await using seeder = SeederServer.listen(LOCALHOST, { peerId: "p1", logger: quietLogger() });
  assert.equal(seeder.address.host, "127.0.0.1");
  assert.ok(seeder.address.port > 0);
});

Deno.test("SeederServer answers the Hello as a seeder, then closes with not_implemented", async () => {
  await using seeder = SeederServer.listen(LOCALHOST, { peerId: "p1", logger: quietLogger() });
  const wire = await openConnection(seeder.address, { role: "peer", id: "downloader" });
  try {
    assert.deepEqual(wire.remote, { version: 1, role: "seeder", id: "p1" });
    const frame = await wire.reader.read();
    assert.equal(frame?.type, FrameType.ERROR);
    const error = decodeMessage(ErrorFrameSchema, frame!.payload, "error frame");
    assert.equal(error.code, "not_implemented");
    assert.equal(await wire.reader.read(), null, "then the connection closes");
  } finally {
    wire.close();
  }
});

Deno.test("SeederServer refuses a stranger with the magic and an error frame", async () => {
  const lines: string[] = [];
  await using seeder = SeederServer.listen(LOCALHOST, { peerId: "p1", logger: quietLogger(lines) });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: seeder.address.port });
  try {
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    const reader = new FrameReader(conn.readable);
    assert.deepEqual(await reader.readExactly(MAGIC.length), MAGIC);
    const frame = await reader.read();
    assert.equal(frame?.type, FrameType.ERROR);
    assert.equal(decodeMessage(ErrorFrameSchema, frame!.payload, "error").code, "bad_magic");
  } finally {
    conn.close();
  }
  await seeder.close();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /Wrong magic/);
});

Deno.test("SeederServer.close() closes connections still in their Hello", async () => {
  const seeder = SeederServer.listen(LOCALHOST, { peerId: "p1", logger: quietLogger() });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: seeder.address.port });
  try {
    await seeder.close();
    const buffer = new Uint8Array(16);
    assert.equal(await conn.read(buffer), null);
  } finally {
    conn.close();
  }
});
