/**
 * peer.ts as a program: its command line, its locked state folder, an unreachable tracker.
 * Every failure is one line and a non-zero exit, never a stack trace.
 */
import { deepStrictEqual, equal, match, notEqual, ok, rejects } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, assertRefused, peerArgs, PeerProcess, STACK_LINE } from "./helpers/peer.ts";
import { Child, DENO, freePort, run, tempDir } from "./helpers/processes.ts";

/** Run peer.ts to its end with no input. */
function peer(...args: string[]) {
  return run(peerArgs(args));
}

/** One line on stderr, nothing on stdout, no stack trace, non-zero exit. */
function assertOneLineError(
  result: { code: number; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  notEqual(result.code, 0, `exit 0 with:\n${result.stdout}${result.stderr}`);
  const lines = result.stderr.trim().split("\n");
  equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  match(lines[0]!, pattern);
  ok(!STACK_LINE.test(result.stderr + result.stdout), "no stack trace");
  equal(result.stdout, "");
}

Deno.test("peer.ts refuses a second process on the same --state-dir, naming the holder", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const state = `${dir.path}/alice`;
  await using first = await PeerProcess.start(cluster.infoPath, state);
  const second = await peer("127.0.0.1:0", cluster.infoPath, "--json", "--state-dir", state);
  assertOneLineError(second, new RegExp(`in use by process ${first.pid}\\b`));
  equal(second.code, 1);
  // The first peer is untouched by the attempt.
  deepStrictEqual(await first.command("help quit"), {
    ok: true,
    command: "help",
    commands: [{
      name: "quit",
      usage: "quit",
      summary: "Log out and leave, as at the end of input",
    }],
  });
  equal((await first.endInput()).code, 0);
  // Released at exit: the folder (and the identity in it) is usable again.
  await using again = await PeerProcess.start(cluster.infoPath, state);
  equal(again.events[0]?.peerId, first.events[0]?.peerId);
  // Released by kill -9 too: the lock is the process's, not a file left behind.
  again.child.kill("SIGKILL");
  await again.exited();
  await using third = await PeerProcess.start(cluster.infoPath, state);
  equal(third.events[0]?.peerId, first.events[0]?.peerId);
});

Deno.test("peer.ts with port 0 and no --state-dir exits with one line asking for it", async () => {
  await using dir = await tempDir();
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
  const result = await peer("127.0.0.1:0", info, "--json");
  assertOneLineError(result, /port 0 needs --state-dir/);
  equal(result.code, 2);
});

Deno.test("peer.ts refuses bad arguments and unknown flags in one line, no stack trace", async () => {
  await using dir = await tempDir();
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
  const state = ["--state-dir", `${dir.path}/s`];
  const cases: Array<[string[], RegExp]> = [
    [[], /Expected 2 arguments, got 0: usage: peer\.ts/],
    [["--json"], /Expected 2 arguments/],
    [["127.0.0.1:0"], /Expected 2 arguments, got 1/],
    [["127.0.0.1:0", info, "extra", ...state], /Expected 2 arguments, got 3/],
    [["--bogus"], /^peer: Unknown flag "--bogus": usage: peer\.ts/],
    [["127.0.0.1:0", info, "--bogus", ...state], /^peer: Unknown flag "--bogus"/],
    [["127.0.0.1:0", info, "--json=yes", ...state], /^peer: Flag "--json" takes no value/],
    [["127.0.0.1:0", info, "--state-dir"], /^peer: Flag "--state-dir" needs a value/],
    [["nonsense", info, ...state], /Invalid address "nonsense"/],
    [["127.0.0.1:99999", info, ...state], /65535/],
    [["127.0.0.1:0", info, ...state, "--request-timeout-ms", "soon"], /--request-timeout-ms/],
    [["127.0.0.1:0", info, ...state, "--connect-timeout-ms", "0"], /--connect-timeout-ms/],
    [["127.0.0.1:0", `${dir.path}/missing.txt`, ...state], /missing\.txt.*not found/],
  ];
  for (const [args, pattern] of cases) {
    assertOneLineError(await peer(...args), pattern);
  }
});

Deno.test("peer.ts reports a bad tracker list and a listen port in use in one line", async () => {
  await using dir = await tempDir();
  const state = ["--state-dir", `${dir.path}/s`];
  const empty = `${dir.path}/empty.txt`;
  await Deno.writeTextFile(empty, "# nothing here\n\n");
  assertOneLineError(await peer("127.0.0.1:0", empty, ...state), /lists no tracker/);
  const bad = `${dir.path}/bad.txt`;
  await Deno.writeTextFile(bad, "127.0.0.1:7001\nnot an address\n");
  assertOneLineError(await peer("127.0.0.1:0", bad, ...state), /line 2/);
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const listen = `127.0.0.1:${taken.addr.port}`;
  assertOneLineError(await peer(listen, info, ...state), /already in use/i);
  // A failed start leaves nothing behind: the state folder it made is gone again.
  const fresh = `${dir.path}/fresh`;
  assertOneLineError(await peer(listen, info, "--state-dir", fresh), /already in use/i);
  await rejects(Deno.stat(fresh), Deno.errors.NotFound, "the new state folder was removed");
  // A state folder that is a file, an identity file that is not JSON.
  const file = `${dir.path}/file`;
  await Deno.writeTextFile(file, "");
  assertOneLineError(await peer("127.0.0.1:0", info, "--state-dir", file), /file/);
  await Deno.mkdir(`${dir.path}/corrupt`);
  await Deno.writeTextFile(`${dir.path}/corrupt/identity.json`, "garbage");
  assertOneLineError(
    await peer("127.0.0.1:0", info, "--state-dir", `${dir.path}/corrupt`),
    /identity\.json.*unusable/,
  );
});

Deno.test({
  name: "peer.ts names its listen address when that port is in use",
  async fn() {
    await using dir = await tempDir();
    const info = `${dir.path}/info.txt`;
    await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const listen = `127.0.0.1:${taken.addr.port}`;
    const result = await peer(listen, info, "--state-dir", `${dir.path}/s`);
    assertOneLineError(result, new RegExp(`127\\.0\\.0\\.1:${taken.addr.port}.*in use`));
    // Same for an address of no interface here (TEST-NET-1): "Cannot assign requested address
    // (os error 99)", without the address.
    const foreign = await peer("192.0.2.1:0", info, "--state-dir", `${dir.path}/s`);
    assertOneLineError(foreign, /192\.0\.2\.1/);
  },
});

Deno.test("peer with an unreachable tracker answers tracker_unreachable and goes on; exits 0 at end", async () => {
  await using dir = await tempDir();
  const port = freePort();
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${port}\n`);
  await using json = await PeerProcess.start(info, `${dir.path}/json`);
  const refused = await assertRefused(json, "create_user alice pw", "tracker_unreachable");
  match(String(refused.error), new RegExp(`127\\.0\\.0\\.1:${port}`));
  await assertRefused(json, "login alice pw", "tracker_unreachable");
  await assertRefused(json, "list_groups", "not_logged_in");
  await assertOk(json, "help");
  equal((await json.endInput()).code, 0, json.transcript());
  equal(json.child.stderr.text(), "");

  // Human mode: one readable line per refusal.
  await using human = await PeerProcess.start(info, `${dir.path}/human`, { isJson: false });
  const lines = await human.expect("login alice pw", /^Error: Cannot reach any tracker/);
  deepStrictEqual(lines.length, 1, human.transcript());
  await human.expect("bogus", /^Error: Unknown command/);
  equal((await human.endInput()).code, 0);
  ok(!STACK_LINE.test(human.transcript()), human.transcript());
  equal(human.lines.filter((line) => line.startsWith("Error:")).length, 2, human.transcript());
});

Deno.test("peer logs in at the first tracker of the list that answers (CRLF, comments, last line)", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(2);
  const info = `${dir.path}/crlf.txt`;
  const [down, up] = cluster.ports as [number, number];
  await Deno.writeTextFile(info, `# trackers\r\n\r\n127.0.0.1 ${down}\r\n127.0.0.1:${up}`);
  await using alice = await PeerProcess.start(info, `${dir.path}/alice`);
  await assertOk(alice, "create_user alice pw");
  const login = await alice.command("login alice pw");
  deepStrictEqual([login.ok, login.user, login.tracker], [true, "alice", `127.0.0.1:${up}`]);
  await assertOk(alice, "create_group g1");
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("peer gives up on a tracker that never says Hello within --connect-timeout-ms", async () => {
  await using dir = await tempDir();
  // The kernel accepts the connection; nobody ever answers on it.
  using silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${silent.addr.port}\n`);
  await using alice = await PeerProcess.start(info, `${dir.path}/alice`, {
    extraArgs: ["--connect-timeout-ms", "300"],
  });
  const refused = await assertRefused(alice, "login alice pw", "tracker_unreachable");
  match(String(refused.error), /timed out/);
  await assertOk(alice, "help");
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("peer times out on a stopped tracker and works again once it resumes", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const tracker = await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
    extraArgs: ["--request-timeout-ms", "500"],
  });
  tracker.kill("SIGSTOP");
  try {
    // Either this request times out, or a heartbeat already found the tracker silent and the
    // reconnect does: both say so in one line and the shell goes on.
    const reply = await alice.command("list_groups");
    ok(reply.code === "timeout" || reply.code === "tracker_unreachable", JSON.stringify(reply));
    // The shell goes on: a local command still answers at once.
    await assertOk(alice, "help logout");
  } finally {
    tracker.kill("SIGCONT");
  }
  deepStrictEqual((await alice.command("list_groups")).groups, []);
  await assertOk(alice, "create_group g1");
  equal((await alice.endInput()).code, 0, alice.transcript());
});

Deno.test("end of input with the tracker gone: the peer warns in one line and exits 0", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.startLoggedIn(cluster.infoPath, `${dir.path}/alice`, {
    user: "alice",
  });
  await cluster.kill(1);
  equal((await alice.endInput()).code, 0, alice.transcript());
  match(alice.child.stderr.text(), /Could not log out "alice" at exit: Cannot reach any tracker/);
  ok(!STACK_LINE.test(alice.transcript()), alice.transcript());
  ok(!alice.events.some((event) => event.event === "logged_out"));
});

/** util-linux `script` runs a command in a pseudo-terminal: the peer's terminal mode. */
const SCRIPT = "/usr/bin/script";
const hasScript = (() => {
  try {
    return Deno.statSync(SCRIPT).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "peer in a terminal keeps login and create_user lines out of its history",
  ignore: !hasScript || Deno.build.os !== "linux",
  async fn() {
    await using dir = await tempDir();
    const info = `${dir.path}/info.txt`;
    await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    const command = [DENO, ...peerArgs([`127.0.0.1:0`, info, "--state-dir", `${dir.path}/s`])]
      .map(quote).join(" ");
    await using terminal = new Child(["-qfec", command, "/dev/null"], {
      stdin: true,
      program: SCRIPT,
    });
    const out = terminal.stdout;
    const count = (pattern: RegExp) => out.lines.filter((line) => pattern.test(line)).length;
    const ran = (quits: number, errors: number) =>
      count(/^quit\s+Log out/) === quits && count(/Cannot reach any tracker/) === errors;
    await terminal.write("help quit");
    await out.waitFor((line) => /^quit\s+Log out/.test(line));
    await terminal.write("create_user bob pw-of-bob");
    await terminal.write("login alice pw-of-alice");
    await out.waitFor(() => ran(1, 2));
    // Up, Enter: the latest line in the history is "help quit", not the two after it.
    await terminal.write("\x1b[A");
    await out.waitFor(() => ran(2, 2) || ran(1, 3));
    equal(count(/^quit\s+Log out/), 2, `the recalled line was not "help quit":\n${out.text()}`);
    equal(count(/pw-of-alice/), 1, out.text()); // typed once, never recalled
    equal(count(/pw-of-bob/), 1, out.text());
    await terminal.write("\x04"); // Ctrl-D: end of input
    equal((await terminal.exited()).code, 0, out.text());
    ok(!STACK_LINE.test(out.text()), out.text());
  },
});
