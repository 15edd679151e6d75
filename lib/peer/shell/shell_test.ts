import assert from "node:assert/strict";
import { createInterface } from "node:readline";
import { PassThrough, Readable } from "node:stream";
import { CommandError } from "../../common/errors.ts";
import { waitUntil } from "../../common/test_util.ts";
import { FakeApi, FakeServices } from "../testing/fake_api.ts";
import { COMMANDS } from "./commands.ts";
import { Output } from "./output.ts";
import { isSecretLine, scrubHistory, Shell } from "./shell.ts";

function jsonShell(lines: string[], api = new FakeApi()) {
  const written: string[] = [];
  const shell = new Shell({
    input: Readable.from(lines.map((line) => line + "\n")),
    output: new Output({ isJson: true, write: (text) => written.push(text) }),
    commands: COMMANDS,
    tracker: api,
    listenPort: 4000,
    services: new FakeServices(),
  });
  const results = () => written.map((text) => JSON.parse(text));
  return { shell, api, written, results };
}

Deno.test("Shell.run() runs each line in order and prints one JSON line per command", async () => {
  const { shell, api, written, results } = jsonShell([
    "login alice pw",
    "",
    "   ",
    "create_group g1",
    "frobnicate",
    "create_group",
    "create_group 'bad id'",
  ]);
  await shell.run();
  assert.ok(written.every((text) => text.endsWith("\n") && !text.slice(0, -1).includes("\n")));
  assert.deepEqual(results(), [
    {
      ok: true,
      command: "login",
      user: "alice",
      tracker: "127.0.0.1:7001",
      reshared: 0,
      resumed: 0,
    },
    { ok: true, command: "create_group" },
    {
      ok: false,
      command: "frobnicate",
      code: "unknown_command",
      error: 'Unknown command "frobnicate": type "help" for the list of commands',
    },
    {
      ok: false,
      command: "create_group",
      code: "bad_arguments",
      error: "create_group takes 1 argument, got 0: usage: create_group <group_id>",
    },
    {
      ok: false,
      command: "create_group",
      code: "bad_arguments",
      error: 'Invalid group_id "bad id": use 1-64 characters of A-Z a-z 0-9 . _ -',
    },
  ]);
  assert.deepEqual(api.calls.map((call) => call.op), ["login", "create_group"]);
});

Deno.test("Shell.run() stops reading at quit", async () => {
  const { shell, api, results } = jsonShell(["quit", "create_group g1"]);
  await shell.run();
  assert.deepEqual(results(), [{ ok: true, command: "quit" }]);
  assert.equal(api.calls.length, 0);
  assert.equal(shell.isDone, true);
  assert.equal(shell.isStopped, false);
});

Deno.test("Shell.run() turns a failure inside a command into one line and goes on", async () => {
  const api = new FakeApi({
    create_group: () => {
      throw new TypeError("something broke");
    },
    join_group: () => {
      throw new CommandError("no_such_group", 'No group "g9"');
    },
    list_groups: () => ({ groups: [] }),
  });
  const { shell, results } = jsonShell(["create_group g1", "join_group g9", "list_groups"], api);
  await shell.run();
  assert.deepEqual(results(), [
    {
      ok: false,
      command: "create_group",
      code: "internal",
      error: "Unexpected error: something broke",
    },
    { ok: false, command: "join_group", code: "no_such_group", error: 'No group "g9"' },
    { ok: true, command: "list_groups", groups: [] },
  ]);
});

Deno.test("Shell.stop() cancels the running command and reads no further line", async () => {
  const started = Promise.withResolvers<void>();
  const api = new FakeApi({
    create_group: (_args, signal) => {
      started.resolve();
      return new Promise((_resolve, reject) => {
        signal!.addEventListener("abort", () => reject(signal!.reason), { once: true });
      });
    },
  });
  const { shell, results } = jsonShell(["create_group g1", "create_group g2"], api);
  const running = shell.run();
  await started.promise;
  shell.stop();
  await running;
  assert.deepEqual(results(), [{
    ok: false,
    command: "create_group",
    code: "cancelled",
    error: "Cancelled: the peer is shutting down",
  }]);
  assert.equal(shell.isStopped, true);
});

Deno.test("isSecretLine() spots login and create_user in any case", () => {
  assert.equal(isSecretLine("login alice pw", COMMANDS), true);
  assert.equal(isSecretLine("  CREATE_USER bob pw", COMMANDS), true);
  assert.equal(isSecretLine("list_groups", COMMANDS), false);
  assert.equal(isSecretLine("", COMMANDS), false);
});

Deno.test("scrubHistory() keeps passwords out of a terminal's history", async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  const rl = createInterface({ input, output, terminal: true });
  rl.on("line", () => scrubHistory(rl, COMMANDS));
  const lines: string[] = [];
  rl.on("line", (line) => lines.push(line));
  input.write("list_groups\rlogin alice pw\rcreate_user bob pw2\rcreate_group g1\r");
  await waitUntil("readline has read the 4 lines", () => lines.length === 4, { timeoutMs: 2_000 });
  rl.close();
  const history = (rl as unknown as { history: string[] }).history;
  assert.deepEqual(history, ["create_group g1", "list_groups"]);
});
