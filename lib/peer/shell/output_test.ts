import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { formatTable, Output } from "./output.ts";
import { formatBytes } from "../support/units.ts";

function collect(isJson: boolean) {
  const chunks: string[] = [];
  return { chunks, output: new Output({ isJson, write: (text) => chunks.push(text) }) };
}

Deno.test("Output.result() writes one JSON line with ok, command and the fields", () => {
  const { chunks, output } = collect(true);
  output.result("list_groups", {
    text: "ignored",
    fields: { groups: [{ id: "g1", owner: "alice", members: 2 }] },
  });
  output.result("create_group", { text: 'Group "g1" created' });
  assert.deepEqual(chunks, [
    '{"ok":true,"command":"list_groups","groups":[{"id":"g1","owner":"alice","members":2}]}\n',
    '{"ok":true,"command":"create_group"}\n',
  ]);
});

Deno.test("Output.error() writes the code and the message, never a stack", () => {
  const { chunks, output } = collect(true);
  output.error("login", new CommandError("wrong_password", "wrong password"));
  output.error("list_groups", new TypeError("boom"));
  assert.deepEqual(chunks.map((line) => JSON.parse(line)), [
    { ok: false, command: "login", code: "wrong_password", error: "wrong password" },
    { ok: false, command: "list_groups", code: "internal", error: "Unexpected error: boom" },
  ]);
});

Deno.test("Output writes human text when not in JSON mode", () => {
  const { chunks, output } = collect(false);
  output.result("create_group", { text: 'Group "g1" created', fields: { x: 1 } });
  output.error("login", new CommandError("wrong_password", "Wrong password"));
  output.event("listening", { address: "127.0.0.1:1" }, "Peer p listening on 127.0.0.1:1");
  assert.deepEqual(chunks, [
    'Group "g1" created\n',
    "Error: Wrong password\n",
    "Peer p listening on 127.0.0.1:1\n",
  ]);
});

Deno.test("Output.event() writes an event key first and runs the hooks around it", () => {
  const { chunks, output } = collect(true);
  output.aroundEvents({ before: () => chunks.push("<"), after: () => chunks.push(">") });
  output.event("listening", { address: "127.0.0.1:1", peerId: "p" }, "text");
  assert.deepEqual(chunks, [
    "<",
    '{"event":"listening","address":"127.0.0.1:1","peerId":"p"}\n',
    ">",
  ]);
});

Deno.test("formatTable() pads every column but the last", () => {
  assert.equal(
    formatTable(["GROUP", "OWNER", "MEMBERS"], [["g1", "alice", "2"], ["group-two", "bo", "10"]]),
    "GROUP      OWNER  MEMBERS\ng1         alice  2\ngroup-two  bo     10",
  );
});

Deno.test("formatBytes() picks a binary unit", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(512 * 1024 * 1024), "512 MiB");
  assert.equal(formatBytes(3 * 1024 ** 4), "3.0 TiB");
});

Deno.test("Output rounds floats in JSON lines to 3 digits and leaves integers alone", () => {
  const { chunks, output } = collect(true);
  output.event(
    "download_finished",
    { seconds: 0.14843449399999997, bytes: 8388608, ratio: 2 / 3 },
    "",
  );
  assert.equal(
    chunks[0],
    '{"event":"download_finished","seconds":0.148,"bytes":8388608,"ratio":0.667}\n',
  );
});

Deno.test("Output.note() prints for people only; an empty result text prints nothing", () => {
  const text = collect(false);
  text.output.note("Bye");
  text.output.result("quit", { text: "" });
  assert.deepEqual(text.chunks, ["Bye\n"]);
  const json = collect(true);
  json.output.note("Bye");
  json.output.result("quit", { text: "" });
  assert.deepEqual(json.chunks, ['{"ok":true,"command":"quit"}\n']);
});
