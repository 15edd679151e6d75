import assert from "node:assert/strict";
import { parseTrackerInfo, pickTracker, readTrackerInfo } from "./config.ts";
import { tempDir } from "./test_util.ts";

const T1 = { host: "127.0.0.1", port: 7001 };
const T2 = { host: "127.0.0.1", port: 7002 };

Deno.test("parseTrackerInfo() reads IP:PORT and IP PORT lines", () => {
  assert.deepStrictEqual(parseTrackerInfo("127.0.0.1:7001\n127.0.0.1 7002\n"), [T1, T2]);
});

Deno.test("parseTrackerInfo() skips blank lines and # comments", () => {
  const text =
    "# PeerShare trackers\n\n   \n127.0.0.1:7001  # first\n\t\n# 10.0.0.1:1\n127.0.0.1 7002\n";
  assert.deepStrictEqual(parseTrackerInfo(text), [T1, T2]);
});

Deno.test("parseTrackerInfo() accepts CRLF line ends", () => {
  assert.deepStrictEqual(parseTrackerInfo("# list\r\n127.0.0.1:7001\r\n\r\n127.0.0.1 7002\r\n"), [
    T1,
    T2,
  ]);
});

Deno.test("parseTrackerInfo() uses a last line without a newline", () => {
  assert.deepStrictEqual(parseTrackerInfo("127.0.0.1:7001\n127.0.0.1:7002"), [T1, T2]);
  assert.deepStrictEqual(parseTrackerInfo("127.0.0.1 7001"), [T1]);
});

Deno.test("parseTrackerInfo() keeps the order and duplicates of the file", () => {
  assert.deepStrictEqual(parseTrackerInfo("127.0.0.1:7002\n127.0.0.1:7001\n127.0.0.1:7002"), [
    T2,
    T1,
    T2,
  ]);
});

Deno.test("parseTrackerInfo() names the line number of a bad line", () => {
  const text = "# trackers\n127.0.0.1:7001\n\nnot an address\n127.0.0.1:7002\n";
  assert.throws(() => parseTrackerInfo(text), {
    name: "SyntaxError",
    message: 'tracker_info.txt line 4: Invalid address "not an address": expected IP:PORT',
  });
  assert.throws(() => parseTrackerInfo("127.0.0.1:7001\r\n127.0.0.1:99999\r\n", "conf/t.txt"), {
    name: "SyntaxError",
    message: 'conf/t.txt line 2: Invalid address "127.0.0.1:99999": port must be 1..65535',
  });
});

const KEY = "q".repeat(42) + "A";

Deno.test("parseTrackerInfo() reads a key fingerprint after either form of address", () => {
  const text = `127.0.0.1:7001 ${KEY}\n127.0.0.1 7002\t${KEY}  # pinned\n[::1]:7003 ${KEY}\n`;
  assert.deepStrictEqual(parseTrackerInfo(text), [
    { ...T1, fingerprint: KEY },
    { ...T2, fingerprint: KEY },
    { host: "::1", port: 7003, fingerprint: KEY },
  ]);
  assert.deepStrictEqual(parseTrackerInfo("127.0.0.1 7002"), [T2], "a port is not a key");
});

Deno.test("parseTrackerInfo() refuses a fingerprint that is not one, naming the line", () => {
  for (const bad of ["abc", KEY.slice(1), KEY.slice(0, 42) + "B", KEY.slice(0, 42) + "+"]) {
    assert.throws(() => parseTrackerInfo(`127.0.0.1:7001\n127.0.0.1:7002 ${bad}\n`), {
      name: "SyntaxError",
      message: `tracker_info.txt line 2: "${bad}" is not a key fingerprint (43 characters, ` +
        "as the tracker prints at start)",
    });
  }
});

Deno.test("parseTrackerInfo() refuses port 0, naming the line", () => {
  assert.throws(() => parseTrackerInfo("127.0.0.1:7001\n127.0.0.1:0"), {
    name: "SyntaxError",
    message: 'tracker_info.txt line 2: Invalid address "127.0.0.1:0": port must be 1..65535',
  });
});

Deno.test("parseTrackerInfo() refuses a file that lists no tracker", () => {
  for (const text of ["", "\n", "# only a comment\n\r\n   \n"]) {
    assert.throws(() => parseTrackerInfo(text, "empty.txt"), {
      name: "SyntaxError",
      message: "empty.txt lists no tracker",
    }, JSON.stringify(text));
  }
});

Deno.test("readTrackerInfo() reads and parses a file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".txt" });
  try {
    await Deno.writeTextFile(path, "127.0.0.1:7001\n127.0.0.1 7002");
    assert.deepStrictEqual(await readTrackerInfo(path), [T1, T2]);
    await Deno.writeTextFile(path, "127.0.0.1:7001\nbogus\n");
    await assert.rejects(readTrackerInfo(path), {
      name: "SyntaxError",
      message: `${path} line 2: Invalid address "bogus": expected IP:PORT`,
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readTrackerInfo() names a missing file in one line", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  const path = `${dir}/missing.txt`;
  await assert.rejects(readTrackerInfo(path), {
    name: "Error",
    message: `Cannot read tracker list "${path}": file not found`,
  });
});

Deno.test("pickTracker() returns tracker n, counted from 1", () => {
  assert.deepStrictEqual(pickTracker([T1, T2], "1"), T1);
  assert.deepStrictEqual(pickTracker([T1, T2], "2"), T2);
});

Deno.test("pickTracker() out of range names the valid range", () => {
  for (const n of ["0", "3", "-1", "1.5", "", "two", " 1"]) {
    assert.throws(() => pickTracker([T1, T2], n), {
      name: "RangeError",
      message: `Tracker number "${n}" is out of range: the list has 2 tracker(s), use 1..2`,
    }, JSON.stringify(n));
  }
});
