import assert from "node:assert/strict";
import {
  CONNECT_TIMEOUT_MS,
  parsePeerArgs,
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
    assert.match(error.message, /^Unknown option '--frobnicate': usage: peer\.ts/);
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

Deno.test("parsePeerArgs() returns help for --help and -h", () => {
  assert.deepEqual(parsePeerArgs(["--help"]), { kind: "help" });
  assert.deepEqual(parsePeerArgs(["-h"]), { kind: "help" });
});
