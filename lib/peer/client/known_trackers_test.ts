import assert from "node:assert/strict";
import { ProtocolError } from "../../common/errors.ts";
import { tempDir } from "../../common/test_util.ts";
import { KNOWN_TRACKERS_FILE, KnownTrackers } from "./known_trackers.ts";

const A = "A".repeat(43);
const B = "B".repeat(42) + "A";
const T1 = { host: "127.0.0.1", port: 7001 };

function isWrongKey(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.code, "wrong_key");
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), "one line");
    return true;
  };
}

Deno.test("KnownTrackers learns a tracker's key on first use and holds it to it after a restart", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/${KNOWN_TRACKERS_FILE}`;
  const pins = await KnownTrackers.open(path);
  await pins.check(T1, A);
  await pins.check(T1, A);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { "127.0.0.1:7001": A });
  const again = await KnownTrackers.open(path);
  await assert.rejects(
    again.check(T1, B),
    isWrongKey(
      new RegExp(
        `^Tracker 127\\.0\\.0\\.1:7001 proved key ${B}, not the key ${A} kept for it \\(first ` +
          `seen there, or named by the cluster\\): if its key really changed, remove its line ` +
          `from .*known_trackers\\.json$`,
      ),
    ),
  );
  // Another address is a tracker of its own.
  await again.check({ host: "127.0.0.1", port: 7002 }, B);
  assert.equal(again.learned("127.0.0.1:7002"), B);
});

Deno.test("KnownTrackers holds a tracker to the key its tracker_info.txt line pins, over what it learned", async () => {
  const pins = KnownTrackers.inMemory();
  await pins.check(T1, A);
  await pins.check({ ...T1, fingerprint: B }, B);
  await assert.rejects(
    pins.check({ ...T1, fingerprint: B }, A),
    isWrongKey(/not the key .* its line in tracker_info\.txt names: if that tracker was given/),
  );
});

Deno.test("KnownTrackers.open() names a damaged file in one line and leaves it as it was", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/${KNOWN_TRACKERS_FILE}`;
  for (
    const [text, pattern] of [
      ["{not json", /is not JSON: fix it or remove it/],
      ["[1, 2]", /must map "IP:PORT" to a key fingerprint/],
      ['{"127.0.0.1:7001": "short"}', /the key of 127\.0\.0\.1:7001 is not a key fingerprint/],
    ] as const
  ) {
    await Deno.writeTextFile(path, text);
    await assert.rejects(KnownTrackers.open(path), (error: Error) => {
      assert.match(error.message, pattern);
      assert.ok(error.message.includes(path));
      return true;
    });
    assert.equal(await Deno.readTextFile(path), text);
  }
});

Deno.test("KnownTrackers keeps the cluster's trackers as failover targets, never replacing a pin", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/${KNOWN_TRACKERS_FILE}`;
  const pins = await KnownTrackers.open(path);
  await pins.check(T1, A);
  await pins.learnCluster([
    { address: "127.0.0.1:7001", fingerprint: B }, // pinned already: kept as it was
    { address: "127.0.0.1:7002", fingerprint: B },
    { address: "not an address", fingerprint: B },
    { address: "127.0.0.1:7003", fingerprint: "short" },
  ]);
  const listed = [T1];
  assert.deepEqual(pins.extra(listed), [{ host: "127.0.0.1", port: 7002 }]);
  // Kept across a restart, and held to that key.
  const again = await KnownTrackers.open(path);
  assert.deepEqual(again.extra(listed), [{ host: "127.0.0.1", port: 7002 }]);
  await assert.rejects(
    again.check({ host: "127.0.0.1", port: 7002 }, A),
    isWrongKey(/not the key .* kept for it .*: .*known_trackers\.json$/),
  );
  assert.equal(again.learned("127.0.0.1:7001"), A);
});
