import { deepStrictEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { freePort, ROOT, run, tempDir } from "./helpers/processes.ts";

function tracker(dir: string, ...args: string[]) {
  return run([
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-read",
    `--allow-write=${dir}`,
    `${ROOT}tracker.ts`,
    ...args,
  ]);
}

const STACK_LINE = /^\s+at .*:\d+:\d+/m;

/** One line on stderr, no stack trace, non-zero exit. */
function assertOneLineError(result: { code: number; stderr: string }, pattern: RegExp) {
  notEqual(result.code, 0);
  const lines = result.stderr.trim().split("\n");
  equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  match(lines[0]!, pattern);
  ok(!STACK_LINE.test(result.stderr), "no stack trace");
}

Deno.test("tracker.ts refuses a tracker number out of range, naming the valid range", async () => {
  await using dir = await tempDir();
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, "# two trackers\r\n127.0.0.1:7001\r\n\r\n127.0.0.1 7002");
  for (const n of ["0", "3", "x", "1.5"]) {
    assertOneLineError(await tracker(dir.path, info, n), /out of range.*1\.\.2/);
  }
});

Deno.test("tracker.ts reports a missing or malformed tracker list in one line", async () => {
  await using dir = await tempDir();
  assertOneLineError(await tracker(dir.path, `${dir.path}/missing.txt`, "1"), /file not found/);
  const bad = `${dir.path}/bad.txt`;
  await Deno.writeTextFile(bad, "127.0.0.1:7001\nnot an address at all\n");
  assertOneLineError(await tracker(dir.path, bad, "1"), /line 2/);
  const empty = `${dir.path}/empty.txt`;
  await Deno.writeTextFile(empty, "# nothing\n\n");
  assertOneLineError(await tracker(dir.path, empty, "1"), /lists no tracker/);
  const port = `${dir.path}/port.txt`;
  await Deno.writeTextFile(port, "127.0.0.1:99999\n");
  assertOneLineError(await tracker(dir.path, port, "1"), /line 1.*65535/);
});

Deno.test("tracker.ts refuses wrong arguments and unknown flags without a stack trace", async () => {
  await using dir = await tempDir();
  assertOneLineError(await tracker(dir.path), /^tracker: Expected <tracker_info.txt> <n>.*--help/);
  assertOneLineError(await tracker(dir.path, "--bogus"), /^tracker: Unknown flag "--bogus": /);
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
  assertOneLineError(
    await tracker(dir.path, info, "1", "--data-dir", `${dir.path}/d`, "--session-ttl-ms", "soon"),
    /--session-ttl-ms/,
  );
});

Deno.test("tracker.ts reports a port in use and a locked data folder in one line", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const first = await cluster.start(1);
  const sameFolder = await tracker(
    dir.path,
    cluster.infoPath,
    "1",
    "--data-dir",
    `${dir.path}/tracker-1`,
  );
  assertOneLineError(sameFolder, new RegExp(`in use by process ${first.pid}`));
  const samePort = await tracker(
    dir.path,
    cluster.infoPath,
    "1",
    "--data-dir",
    `${dir.path}/other`,
    "--cluster-key",
    `${dir.path}/cluster.key`,
  );
  assertOneLineError(samePort, /already in use/);
});

Deno.test("tracker.ts without --allow-net names the missing permission", async () => {
  await using dir = await tempDir();
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${freePort()}\n`);
  const result = await run([
    "run",
    "--no-prompt",
    "--allow-read",
    `--allow-write=${dir.path}`,
    `${ROOT}tracker.ts`,
    info,
    "1",
    "--data-dir",
    `${dir.path}/d`,
    "--cluster-key",
    `${dir.path}/k`,
  ]);
  assertOneLineError(result, /--allow-net/);
});

Deno.test("tracker.ts status reports up and down trackers with digests, also as JSON", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  const human = await run([
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-read",
    `${ROOT}tracker.ts`,
    "status",
    cluster.infoPath,
  ]);
  equal(human.code, 0);
  match(human.stdout, /up .* [0-9a-f]{64}/);
  match(human.stdout, /down/);
  const json = await run([
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-read",
    `${ROOT}tracker.ts`,
    "status",
    cluster.infoPath,
    "--json",
  ]);
  const parsed = JSON.parse(json.stdout);
  equal(parsed.trackers.length, 2);
  equal(parsed.trackers[0].up, true);
  match(parsed.trackers[0].digest, /^[0-9a-f]{64}$/);
  // The key it proved, as its start line prints it: what tracker_info.txt may pin.
  const started = cluster.trackers.get(1)!.stdout.lines.join("\n");
  ok(started.includes(`; key ${parsed.trackers[0].key})`), started);
  match(human.stdout, new RegExp(`key ${parsed.trackers[0].key}`));
  equal(parsed.trackers[1].up, false);
});

Deno.test("tracker.ts -h, --help and status --help print the usage and exit 0", async () => {
  await using dir = await tempDir();
  for (const args of [["-h"], ["--help"], ["status", "--help"]]) {
    const result = await tracker(dir.path, ...args);
    equal(result.code, 0, result.stderr);
    match(result.stdout, /^Usage: deno task (tracker|status) /);
    match(result.stdout, /Example:/);
    equal(result.stderr, "");
  }
});

Deno.test("a tracker that fails to start leaves no new folder or file behind", async () => {
  await using dir = await tempDir();
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const info = `${dir.path}/info.txt`;
  await Deno.writeTextFile(info, `127.0.0.1:${taken.addr.port}\n`);
  const fresh = `${dir.path}/fresh`;
  const samePort = await tracker(
    dir.path,
    info,
    "1",
    "--data-dir",
    `${fresh}/tracker-1`,
    "--cluster-key",
    `${fresh}/cluster.key`,
  );
  assertOneLineError(samePort, /^tracker: Cannot listen on .*already in use/);
  const badKey = `${dir.path}/bad.key`;
  await Deno.writeTextFile(badKey, "not a key\n");
  const freePortInfo = `${dir.path}/free.txt`;
  await Deno.writeTextFile(freePortInfo, `127.0.0.1:${freePort()}\n`);
  const malformed = await tracker(
    dir.path,
    freePortInfo,
    "1",
    "--data-dir",
    `${fresh}/tracker-1`,
    "--cluster-key",
    badKey,
  );
  assertOneLineError(malformed, /^tracker: Cluster key ".*" is malformed: expected 64 hex digits$/);
  const entries = [];
  for await (const entry of Deno.readDir(dir.path)) entries.push(entry.name);
  deepStrictEqual(entries.sort(), ["bad.key", "free.txt", "info.txt"]);
});

Deno.test("the tracker's start line counts operations as status does", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const first = await cluster.start(1);
  const client = await cluster.client(1);
  for (const user of ["ana", "ben"]) await client.request("create_user", { user, password: "pw" });
  await client.close();
  await cluster.kill(1, "SIGTERM");
  const again = await cluster.start(1);
  const { ops, logged } = await cluster.status(1);
  equal(ops, 4, "its key, its address and two users");
  const line = again.stdout.lines.find((l) => l.includes("listening on"))!;
  match(line, new RegExp(`\\(${ops} operations, ${logged} in the log; data in `));
  match(first.stdout.lines[0]!, /\(2 operations, 2 in the log; /);
});
