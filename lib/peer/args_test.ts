import assert from "node:assert/strict";
import {
  CONNECT_TIMEOUT_MS,
  parsePeerArgs,
  PEER_HELP,
  PEER_REFRESH_MS,
  PIECE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
} from "./args.ts";

Deno.test("parsePeerArgs() reads the address, the tracker list and the defaults", () => {
  assert.deepEqual(parsePeerArgs(["127.0.0.1:5000", "tracker_info.txt"]), {
    kind: "run",
    config: {
      listen: { host: "127.0.0.1", port: 5000 },
      trackerInfoPath: "tracker_info.txt",
      stateDir: ".peershare/peer-5000",
      isJson: false,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      uploadLimit: Infinity,
      downloadLimit: Infinity,
      pieceTimeoutMs: PIECE_TIMEOUT_MS,
      peerRefreshMs: PEER_REFRESH_MS,
      uploadSlots: 4,
      isSuperSeeding: true,
      progressIntervalMs: 1000,
    },
  });
});

Deno.test("parsePeerArgs() reads --upload-slots and --no-super-seed, and refuses a bad slot count", () => {
  const parsed = parsePeerArgs([
    "127.0.0.1:5000",
    "t.txt",
    "--upload-slots",
    "7",
    "--no-super-seed",
  ]);
  assert.equal(parsed.kind === "run" && parsed.config.uploadSlots, 7);
  assert.equal(parsed.kind === "run" && parsed.config.isSuperSeeding, false);
  for (const bad of ["0", "-1", "2.5", "x", "65"]) {
    assert.throws(
      () => parsePeerArgs(["127.0.0.1:5000", "t.txt", `--upload-slots=${bad}`]),
      /--upload-slots must be 1\.\.64/,
    );
  }
});

Deno.test("parsePeerArgs() reads the rate limits and the engine timings", () => {
  const parsed = parsePeerArgs([
    "127.0.0.1:5000",
    "t.txt",
    "--upload-limit",
    "20MiB/s",
    "--download-limit=500KiB/s",
    "--piece-timeout-ms",
    "300",
    "--peer-refresh-ms=200",
  ]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.equal(parsed.config.uploadLimit, 20 * 1024 * 1024);
  assert.equal(parsed.config.downloadLimit, 500 * 1024);
  assert.equal(parsed.config.pieceTimeoutMs, 300);
  assert.equal(parsed.config.peerRefreshMs, 200);
});

Deno.test("parsePeerArgs() names the flag of a rate that does not parse", () => {
  assert.throws(
    () => parsePeerArgs(["127.0.0.1:5000", "t.txt", "--upload-limit", "fast"]),
    (error: Error) => error instanceof SyntaxError && error.message.startsWith("--upload-limit:"),
  );
});

Deno.test("parsePeerArgs() takes flags before or after the positionals", () => {
  const parsed = parsePeerArgs([
    "--json",
    "127.0.0.1:0",
    "t.txt",
    "--state-dir",
    "/tmp/p",
    "--request-timeout-ms=250",
  ]);
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.equal(parsed.config.isJson, true);
  assert.equal(parsed.config.stateDir, "/tmp/p");
  assert.equal(parsed.config.listen.port, 0);
  assert.equal(parsed.config.requestTimeoutMs, 250);
});

Deno.test("parsePeerArgs() asks for --state-dir with port 0", () => {
  assert.throws(() => parsePeerArgs(["127.0.0.1:0", "t.txt"]), /needs --state-dir/);
});

Deno.test("parsePeerArgs() rejects an unknown flag in one line with the usage", () => {
  assert.throws(() => parsePeerArgs(["127.0.0.1:1", "t.txt", "--frobnicate"]), (error: Error) => {
    assert.match(error.message, /^Unknown flag "--frobnicate": usage: peer\.ts/);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
});

Deno.test("parsePeerArgs() rejects a wrong number of arguments and a bad address", () => {
  assert.throws(() => parsePeerArgs(["127.0.0.1:1"]), /Expected 2 arguments, got 1/);
  assert.throws(() => parsePeerArgs(["127.0.0.1:1", "a", "b"]), /Expected 2 arguments, got 3/);
  assert.throws(() => parsePeerArgs(["localhost", "t.txt"]), SyntaxError);
  assert.throws(() => parsePeerArgs(["127.0.0.1:99999", "t.txt"]), RangeError);
});

Deno.test("parsePeerArgs() rejects a time-out that is not a whole number of ms", () => {
  for (const value of ["abc", "1.5", "-3", "0", "99999999"]) {
    assert.throws(
      () => parsePeerArgs(["127.0.0.1:1", "t.txt", `--request-timeout-ms=${value}`]),
      RangeError,
    );
  }
});

Deno.test("parsePeerArgs() takes a negative value after its flag and checks it", () => {
  assert.throws(
    () => parsePeerArgs(["127.0.0.1:1", "t.txt", "--piece-timeout-ms", "-5"]),
    (error: unknown) =>
      error instanceof RangeError && /Invalid --piece-timeout-ms "-5"/.test(error.message),
  );
  assert.throws(
    () => parsePeerArgs(["127.0.0.1:1", "t.txt", "--upload-slots", "-2"]),
    /--upload-slots must be 1\.\.64, got "-2"/,
  );
});

Deno.test("parsePeerArgs() returns help for --help and -h", () => {
  assert.deepEqual(parsePeerArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parsePeerArgs(["-h"]), { kind: "help" });
});

/** A readConfig that knows one file. */
function files(entries: Record<string, unknown>) {
  return (path: string) =>
    path in entries
      ? typeof entries[path] === "string" ? entries[path] as string : JSON.stringify(entries[path])
      : undefined;
}

Deno.test("parsePeerArgs() reads --progress-interval-ms, 0 turning progress off", () => {
  const interval = (...flags: string[]) => {
    const parsed = parsePeerArgs(["127.0.0.1:1", "t.txt", ...flags], { readConfig: files({}) });
    return parsed.kind === "run" ? parsed.config.progressIntervalMs : null;
  };
  assert.equal(interval(), 1000);
  assert.equal(interval("--progress-interval-ms", "250"), 250);
  assert.equal(interval("--progress-interval-ms=0"), 0);
  assert.throws(() => interval("--progress-interval-ms=-1"), /--progress-interval-ms/);
});

Deno.test("parsePeerArgs() takes settings from peershare.json in the state folder; flags win", () => {
  const readConfig = files({
    ".peershare/peer-5000/peershare.json": {
      json: true,
      uploadLimit: "1MiB/s",
      pieceTimeoutMs: 500,
      superSeed: false,
      progressIntervalMs: 0,
    },
  });
  const parsed = parsePeerArgs(["127.0.0.1:5000", "t.txt", "--piece-timeout-ms", "700"], {
    readConfig,
  });
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") return;
  assert.equal(parsed.config.isJson, true);
  assert.equal(parsed.config.uploadLimit, 1024 * 1024);
  assert.equal(parsed.config.pieceTimeoutMs, 700);
  assert.equal(parsed.config.isSuperSeeding, false);
  assert.equal(parsed.config.progressIntervalMs, 0);
});

Deno.test("parsePeerArgs() with --config FILE needs no argument the file gives", () => {
  const readConfig = files({
    "p.json": { listen: "127.0.0.1:6001", trackers: ["127.0.0.1:7001", "127.0.0.1 7002"] },
    "q.json": { listen: "127.0.0.1:6002", trackers: "info.txt", stateDir: "/tmp/q" },
  });
  const p = parsePeerArgs(["--config", "p.json"], { readConfig });
  assert.equal(p.kind === "run" && p.config.listen.port, 6001);
  assert.deepEqual(p.kind === "run" && p.config.trackers, [
    { host: "127.0.0.1", port: 7001 },
    { host: "127.0.0.1", port: 7002 },
  ]);
  const q = parsePeerArgs(["--config=q.json"], { readConfig });
  assert.equal(q.kind === "run" && q.config.trackerInfoPath, "info.txt");
  assert.equal(q.kind === "run" && q.config.stateDir, "/tmp/q");
  assert.equal(q.kind === "run" && q.config.trackers, undefined);
  // The command line's tracker list wins over the file's.
  const r = parsePeerArgs(["127.0.0.1:6003", "mine.txt", "--config", "p.json"], { readConfig });
  assert.equal(r.kind === "run" && r.config.trackerInfoPath, "mine.txt");
  assert.equal(r.kind === "run" && r.config.trackers, undefined);
});

Deno.test("parsePeerArgs() refuses a bad config file in one line that names it", () => {
  const readConfig = files({
    "bad.json": "{ nope",
    "list.json": [1],
    "key.json": { uploadSlot: 3 },
    "type.json": { pieceTimeoutMs: "soon" },
    "value.json": { pieceTimeoutMs: 1 },
    "trackers.json": { trackers: ["nowhere"] },
  });
  const cases: Array<[string, RegExp]> = [
    ["bad.json", /^Bad config file "bad\.json": not JSON/],
    ["list.json", /expected a JSON object/],
    ["key.json", /unknown key "uploadSlot"/],
    ["type.json", /"pieceTimeoutMs" must be a number/],
    ["value.json", /Invalid "pieceTimeoutMs" in value\.json "1"/],
    ["trackers.json", /^Bad config file "trackers\.json": .*nowhere/],
    ["missing.json", /^Bad config file "missing\.json": not found/],
  ];
  for (const [path, pattern] of cases) {
    assert.throws(() => parsePeerArgs(["127.0.0.1:1", "t.txt", "--config", path], { readConfig }), (
      error: Error,
    ) => {
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  }
});

Deno.test("PEER_HELP lists every flag with its default and an example", () => {
  for (
    const flag of [
      "--json",
      "--state-dir",
      "--config",
      "--upload-limit",
      "--download-limit",
      "--request-timeout-ms",
      "--connect-timeout-ms",
      "--piece-timeout-ms",
      "--peer-refresh-ms",
      "--upload-slots",
      "--no-super-seed",
      "--progress-interval-ms",
      "--help",
    ]
  ) {
    const line = PEER_HELP.split("\n").find((text) =>
      text.trimStart().startsWith(flag) ||
      text.includes(`, ${flag}`)
    );
    assert.ok(line, flag);
    if (flag !== "--help") assert.match(line, /default/, flag);
  }
  assert.match(PEER_HELP, /^Usage:/);
  assert.match(PEER_HELP, /Example:\n {2}deno task peer 127\.0\.0\.1:6001 tracker_info\.txt/);
});
