import assert from "node:assert/strict";
import { createInterface } from "node:readline";
import { PassThrough, Readable, Writable } from "node:stream";
import { CommandError } from "../../common/errors.ts";
import { waitUntil } from "../../common/test_util.ts";
import { FakeApi, FakeServices } from "../testing/fake_api.ts";
import { COMMANDS } from "./commands.ts";
import { Output } from "./output.ts";
import { CTRL_C_HINT, isSecretLine, scrubHistory, Shell, START_HINT } from "./shell.ts";
import { VirtualTerminal } from "./progress_test.ts";
import type { DownloadStatus } from "../engine/types.ts";
import { downloadStatus } from "../testing/download_status.ts";

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

function running(fields: Partial<DownloadStatus> = {}): DownloadStatus {
  return downloadStatus({
    rate: 1024 * 1024,
    peers: [{ addr: "127.0.0.1:9", bytes: 5, rate: 1024 }],
    ...fields,
  });
}

/** A shell on a virtual terminal: readline's echo and the output both land on `screen`. */
function terminalShell(services = new FakeServices(), api = new FakeApi()) {
  const screen = new VirtualTerminal(16, 80);
  const input = new PassThrough();
  const terminal = new Writable({
    write(chunk, _encoding, callback) {
      screen.write(String(chunk));
      callback();
    },
  });
  const shell = new Shell({
    input,
    // A terminal turns "\n" into "\r\n" (ONLCR); the virtual one does not.
    output: new Output({
      isJson: false,
      write: (text) => screen.write(text.replaceAll("\n", "\r\n")),
    }),
    terminal,
    columns: () => 80,
    commands: COMMANDS,
    tracker: api,
    listenPort: 4000,
    services,
    progressIntervalMs: 10,
  });
  const rows = () => screen.screen();
  return { shell, input, rows, screen };
}

Deno.test("A terminal shell: a hint at start, the user in the prompt, status lines under it", async () => {
  const services = new FakeServices();
  services.downloadList = [running(), running({ id: "d2", state: "P" })];
  const { shell, input, rows } = terminalShell(services);
  const done = shell.run();
  await waitUntil("the first prompt", () => rows().some((row) => row.startsWith("peershare>")));
  assert.equal(rows()[0], START_HINT);
  input.write("login alice pw\r");
  input.write("lis");
  const statusRow = "d1 [g1] f.bin  42%  1.0 MiB/s  ETA 58s  1 peer";
  await waitUntil("alice's prompt with a status line under it", () => {
    const screen = rows();
    return screen.at(-2) === "alice> lis" && screen.at(-1) === statusRow;
  }, { timeoutMs: 2_000 });
  // One line per running download only (d2 is paused), nothing between the output and prompt.
  const screen = rows();
  assert.deepEqual(screen.slice(-3), [
    "Logged in as alice (tracker 127.0.0.1:7001)",
    "alice> lis",
    statusRow,
  ]);
  input.end();
  await done;
});

Deno.test("A terminal shell: Ctrl-C clears the line being typed and does not leave", async () => {
  const { shell, input, rows } = terminalShell();
  const done = shell.run();
  await waitUntil("the first prompt", () => rows().some((row) => row.startsWith("peershare>")));
  input.write("create_group oops");
  input.write("\x03");
  await waitUntil("the line is cleared", () => rows().at(-1) === "peershare>");
  input.write("help quit\r");
  await waitUntil("help ran", () => rows().some((row) => row.startsWith("quit ")));
  assert.ok(!rows().some((row) => row.includes("Error")), rows().join("\n"));
  // On an empty line, Ctrl-C says how to leave, and the shell goes on.
  input.write("\x03");
  await waitUntil("the hint", () => rows().includes(CTRL_C_HINT));
  assert.equal(shell.isStopped, false);
  input.end();
  await done;
  assert.equal(shell.isStopped, false);
});

Deno.test("join_group: the shell says when the owner lets the user in", async () => {
  let checks = 0;
  let rounds = 0;
  const api = new FakeApi({
    // g1 is answered through my_requests; g2 is never listed, so list_files decides.
    my_requests: () => ({
      requests: [{ group: "g1", state: ++rounds < 3 ? "pending" : "accepted", at: 1 }],
    }),
    list_files: () => {
      if (++checks < 3) throw new CommandError("not_member", 'Not a member of "g1"');
      return { files: [] };
    },
    join_group: ({ group }) => {
      if (group === "g2") throw new CommandError("request_pending", "Already asked");
      return {};
    },
  });
  const written: string[] = [];
  const input = new PassThrough();
  const shell = new Shell({
    input,
    output: new Output({ isJson: true, write: (text) => written.push(text) }),
    commands: COMMANDS,
    tracker: api,
    listenPort: 4000,
    services: new FakeServices(),
    joinWatchIntervalMs: 10,
  });
  const done = shell.run();
  input.write("login alice pw\njoin_group g1\njoin_group g2\n");
  const lines = () => written.map((text) => JSON.parse(text));
  await waitUntil(
    "both groups are let in",
    () => lines().filter((line) => line.event === "group_joined").length === 2,
  );
  assert.deepEqual(
    lines().filter((line) => line.event).map((line) => line.group).sort(),
    ["g1", "g2"],
  );
  input.end();
  await done;
  assert.ok(checks >= 3, `list_files asked ${checks} times`);
  assert.ok(rounds >= 3, `my_requests asked ${rounds} times`);
  assert.ok(!api.calls.some((call) => call.op === "list_files" && call.args.group === "g1"));
});

Deno.test("logout names the downloads it paused", async () => {
  const services = new FakeServices();
  services.downloadList = [running(), running({ id: "d2", state: "P" })];
  const written: string[] = [];
  const shell = new Shell({
    input: Readable.from(["login alice pw\n", "logout\n"]),
    output: new Output({ isJson: false, write: (text) => written.push(text) }),
    commands: COMMANDS,
    tracker: new FakeApi(),
    listenPort: 4000,
    services,
  });
  await shell.run();
  assert.equal(
    written.at(-1),
    "Logged out alice; paused 1 download (d1): it continues at the next login\n",
  );
});

Deno.test("quit prints nothing itself in text: the peer says what it waits for, then Bye", async () => {
  const written: string[] = [];
  const shell = new Shell({
    input: Readable.from(["quit\n"]),
    output: new Output({ isJson: false, write: (text) => written.push(text) }),
    commands: COMMANDS,
    tracker: new FakeApi(),
    listenPort: 4000,
    services: new FakeServices(),
  });
  await shell.run();
  assert.deepEqual(written, []);
  assert.equal(shell.isDone, true);
});

Deno.test("show_download lists each peer both ways; clear_downloads forgets complete ones; show_shares has size and ratio", async () => {
  class Services extends FakeServices {
    override cancelDownload(id: string) {
      this.downloadList = this.downloadList.filter((d) => d.id !== id);
      return super.cancelDownload(id);
    }
    override forgetDownload(id: string) {
      this.downloadList = this.downloadList.filter((d) => d.id !== id);
      return super.forgetDownload(id);
    }
  }
  const services = new Services();
  services.downloadList = [
    running({
      peers: [
        { addr: "127.0.0.1:9", peerId: "p9", bytes: 5, rate: 1024, uploaded: 7, uploadRate: 512 },
        {
          addr: "127.0.0.1:7",
          peerId: "p7",
          bytes: 0,
          rate: 0,
          uploaded: 0,
          uploadRate: 0,
          isConnected: true,
          isChoked: true,
          inflight: 0,
        },
      ],
      banned: [{ peer: "127.0.0.1:8", reason: "3 pieces failed their SHA-1 check" }],
    }),
    running({ id: "d2", state: "C", bytes: 100 * 1024 * 1024 }),
    running({ id: "d3", state: "F", reason: "no such file", bytes: 0 }),
  ];
  services.shareList = [{
    group: "g1",
    file: "f.bin",
    fileId: "0".repeat(40),
    state: "partial",
    size: 142 * 1024 * 1024,
    uploaded: 71 * 1024 * 1024,
  }];
  const written: string[] = [];
  const withServices = new Shell({
    input: Readable.from([
      "show_download d1\n",
      "show_download d9\n",
      "show_shares\n",
      "clear_downloads\n",
      "show_downloads\n",
      "clear_downloads\n",
    ]),
    output: new Output({ isJson: true, write: (text) => written.push(text) }),
    commands: COMMANDS,
    tracker: new FakeApi(),
    listenPort: 4000,
    services,
  });
  await withServices.run();
  const [detail, missing, shares, cleared, list, again] = written.map((text) => JSON.parse(text));
  assert.deepEqual(detail.download.peers, [
    {
      addr: "127.0.0.1:9",
      peerId: "p9",
      connected: true,
      bytes: 5,
      rate: 1024,
      uploaded: 7,
      uploadRate: 512,
    },
    {
      addr: "127.0.0.1:7",
      peerId: "p7",
      connected: true,
      choked: true,
      inflight: 0,
      bytes: 0,
      rate: 0,
      uploaded: 0,
      uploadRate: 0,
    },
  ]);
  assert.deepEqual(detail.download.banned, [
    { peer: "127.0.0.1:8", reason: "3 pieces failed their SHA-1 check" },
  ]);
  assert.equal(missing.code, "no_such_download");
  assert.deepEqual(shares.totals, {
    uploaded: 71 * 1024 * 1024,
    downloaded: 142 * 1024 * 1024,
    ratio: 0.5,
  });
  assert.deepEqual(
    shares.shares.map((share: { size: number; ratio: number }) => [share.size, share.ratio]),
    [
      [142 * 1024 * 1024, 0.5],
    ],
  );
  assert.deepEqual(cleared.cleared, ["d2", "d3"]);
  // The complete one is forgotten for good, the failed one cancelled (its .part goes).
  assert.deepEqual(services.calls, ["forget d2", "cancel d3"]);
  assert.deepEqual(list.downloads.map((d: { id: string }) => d.id), ["d1"]);
  assert.deepEqual(again.cleared, []);
});
