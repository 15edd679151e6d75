import assert from "node:assert/strict";
import { computeFileId, PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { fakeFileTracker } from "../testing/fake_files.ts";
import { testIdentity } from "../testing/identities.ts";
import { DownloadStore } from "./download_store.ts";
import { Downloads } from "./manager.ts";
import { FakeEngine } from "../testing/fake_engine.ts";
import { ServedFiles } from "../seeder/served_files.ts";
import type { FinishedFile } from "../share/sharing.ts";
import { registerFile } from "../share/uploader.ts";
import { tempDir } from "../../common/test_util.ts";

const signal = new AbortController().signal;

async function setUp(dir: string, tracker = fakeFileTracker()) {
  const engines: FakeEngine[] = [];
  const events: { name: string; fields: Record<string, unknown> }[] = [];
  const finished: FinishedFile[] = [];
  const downloads = new Downloads({
    tracker: tracker.api,
    store: await DownloadStore.open(`${dir}/state`),
    served: new ServedFiles(),
    identity: await testIdentity(),
    createEngine: (plan, options) => {
      const engine = new FakeEngine(plan, options);
      engines.push(engine);
      return engine;
    },
    onEvent: (name, fields) => events.push({ name, fields }),
    onFinished: (file) => Promise.resolve(void finished.push(file)),
    timings: { peerRefreshMs: 100 },
  });
  return { ...tracker, tracker, engines, events, finished, downloads };
}

/** A file of 3 pieces known to the fake tracker as g1/f.bin. */
async function shareFake(tracker: ReturnType<typeof fakeFileTracker>) {
  const size = 2 * PIECE_SIZE_BYTES + 10;
  const hashes = crypto.getRandomValues(new Uint8Array(60));
  const fileId = computeFileId(size, PIECE_SIZE_BYTES, hashes);
  const args = {
    group: "g1",
    name: "f.bin",
    fileId,
    size,
    pieceLength: PIECE_SIZE_BYTES,
    sha1: fileId,
  };
  await registerFile(tracker.api, args, { pieceHashes: () => Promise.resolve(hashes), signal });
  return { size, hashes, fileId };
}

async function withDir(body: (dir: string) => Promise<void>) {
  await using temp = await tempDir();
  const dir = temp.path;
  await Deno.mkdir(`${dir}/state`);
  await body(dir);
}

Deno.test("Downloads.start() plans the file, starts an engine in the background and returns its id", async () => {
  await withDir(async (dir) => {
    const { downloads, engines, tracker } = await setUp(dir);
    const { size, hashes, fileId } = await shareFake(tracker);
    const first = await downloads.start("g1", "f.bin", dir, signal);
    assert.deepEqual(first, { id: "d1", path: `${dir}/f.bin`, isResumed: false });
    const engine = engines[0]!;
    assert.deepEqual(engine.calls, ["start"]);
    assert.deepEqual(engine.plan.pieceHashes, hashes);
    assert.equal(engine.plan.size, size);
    assert.equal(engine.plan.fileId, fileId);
    assert.equal(engine.options.peerRefreshMs, 100);
    const second = await downloads.start("g1", "f.bin", `${dir}/copy.bin`, signal);
    assert.equal(second.id, "d2");
    assert.deepEqual(downloads.statuses().map((s) => [s.id, s.state, s.path]), [
      ["d1", "D", `${dir}/f.bin`],
      ["d2", "D", `${dir}/copy.bin`],
    ]);
  });
});

Deno.test("Downloads.start() never overwrites a file and refuses a folder that does not exist", async () => {
  await withDir(async (dir) => {
    const { downloads, tracker, engines } = await setUp(dir);
    await shareFake(tracker);
    await Deno.writeTextFile(`${dir}/f.bin`, "mine");
    await assert.rejects(downloads.start("g1", "f.bin", dir, signal), {
      code: "destination_exists",
    });
    await assert.rejects(downloads.start("g1", "f.bin", `${dir}/f.bin`, signal), {
      code: "destination_exists",
    });
    await assert.rejects(downloads.start("g1", "f.bin", `${dir}/nope/x.bin`, signal), {
      code: "no_such_path",
    });
    assert.equal(engines.length, 0);
    assert.equal(await Deno.readTextFile(`${dir}/f.bin`), "mine");
  });
});

Deno.test("Downloads reports a finished download with its id, then shares the file", async () => {
  await withDir(async (dir) => {
    const { downloads, engines, events, finished, tracker } = await setUp(dir);
    const { fileId, size } = await shareFake(tracker);
    await downloads.start("g1", "f.bin", dir, signal);
    const waiting = downloads.waitForRunning();
    engines[0]!.finish();
    await waiting;
    assert.deepEqual(events, [{
      name: "download_finished",
      fields: {
        id: "d1",
        group: "g1",
        file: "f.bin",
        path: `${dir}/f.bin`,
        bytes: size,
        seconds: 2,
      },
    }]);
    assert.deepEqual(finished, [{
      group: "g1",
      name: "f.bin",
      fileId,
      size,
      sha1: fileId,
      path: `${dir}/f.bin`,
    }]);
    const store = await DownloadStore.open(`${dir}/state`);
    assert.equal(store.get("d1")?.state, "C");
  });
});

Deno.test("Downloads.forget() removes a complete download for good, across a restart, and only one", async () => {
  await withDir(async (dir) => {
    const { downloads, engines, tracker } = await setUp(dir);
    await shareFake(tracker);
    await downloads.start("g1", "f.bin", dir, signal);
    await downloads.start("g1", "f.bin", `${dir}/second.bin`, signal);
    await assert.rejects(downloads.forget("d1"), { code: "wrong_state" });
    await downloads.pause("d2");
    const waiting = downloads.waitForRunning();
    engines[0]!.finish();
    await waiting;
    await assert.rejects(downloads.forget("d2"), { code: "wrong_state" });
    await assert.rejects(downloads.forget("d9"), { code: "no_such_download" });
    await downloads.forget("d1");
    assert.deepEqual(engines[0]!.calls, ["start"], "a finished engine is not cancelled");
    assert.deepEqual(downloads.statuses().map((s) => s.id), ["d2"]);
    await assert.rejects(downloads.forget("d1"), { code: "no_such_download" });
    const after = await setUp(dir, tracker);
    assert.deepEqual(after.downloads.statuses().map((s) => s.id), ["d2"]);
    // The file stays where it was; ids are still never given twice.
    const third = await after.downloads.start("g1", "f.bin", `${dir}/third.bin`, signal);
    assert.equal(third.id, "d3");
  });
});

Deno.test("Downloads pauses, resumes and cancels by id, and refuses an unknown id", async () => {
  await withDir(async (dir) => {
    const { downloads, engines, tracker } = await setUp(dir);
    await shareFake(tracker);
    await downloads.start("g1", "f.bin", dir, signal);
    await downloads.pause("d1");
    assert.equal(downloads.statuses()[0]?.state, "P");
    await downloads.pause("d1");
    await downloads.resume("d1", signal);
    assert.equal(downloads.statuses()[0]?.state, "D");
    await downloads.cancel("d1", signal);
    assert.deepEqual(engines[0]!.calls, ["start", "pause", "resume", "cancel"]);
    assert.equal(engines.length, 1);
    assert.deepEqual(downloads.statuses(), []);
    await assert.rejects(downloads.resume("d1", signal), { code: "no_such_download" });
  });
});

Deno.test("Downloads continue after a restart and a login; download_file again resumes too", async () => {
  await withDir(async (dir) => {
    const tracker = fakeFileTracker();
    await shareFake(tracker);
    const before = await setUp(dir, tracker);
    await before.downloads.start("g1", "f.bin", dir, signal);
    await before.downloads.start("g1", "f.bin", `${dir}/paused.bin`, signal);
    await before.downloads.pause("d2");
    const after = await setUp(dir, tracker);
    assert.deepEqual(after.downloads.statuses().map((s) => s.state), ["P", "P"]);
    assert.equal(await after.downloads.resumeUser("bob", signal), 0);
    assert.equal(await after.downloads.resumeUser("alice", signal), 1);
    assert.deepEqual(after.engines.map((e) => [e.plan.id, e.calls]), [["d1", ["start"]]]);
    const again = await after.downloads.start("g1", "f.bin", `${dir}/paused.bin`, signal);
    assert.deepEqual(again, { id: "d2", path: `${dir}/paused.bin`, isResumed: true });
    assert.equal(after.engines.length, 2);
    const third = await after.downloads.start("g1", "f.bin", `${dir}/third.bin`, signal);
    assert.equal(third.id, "d3");
  });
});

Deno.test("Downloads.pauseAll() pauses running engines but keeps them meant to run", async () => {
  await withDir(async (dir) => {
    const { downloads, engines, tracker, events } = await setUp(dir);
    await shareFake(tracker);
    await downloads.start("g1", "f.bin", dir, signal);
    await downloads.pauseAll();
    assert.equal(engines[0]!.state, "P");
    assert.equal(await downloads.resumeUser("alice", signal), 1);
    assert.equal(engines[0]!.state, "D");
    tracker.files.clear();
    engines[0]!.options.onEvent({ type: "peer_banned", peer: "1.2.3.4:5", reason: "bad piece" });
    engines[0]!.state = "F";
    engines[0]!.options.onEvent({ type: "failed", reason: "no peer" });
    await downloads.waitForRunning();
    assert.deepEqual(events.map((e) => e.name), ["peer_banned", "download_failed"]);
    assert.equal(events[0]?.fields.id, "d1");
    await assert.rejects(downloads.pause("d1"), { code: "wrong_state" });
    await assert.rejects(downloads.resume("d1", signal), { code: "no_such_file" });
  });
});

Deno.test("Downloads.cancel() cleans up a download not running here, even when its file left the group", async () => {
  await withDir(async (dir) => {
    const tracker = fakeFileTracker();
    await shareFake(tracker);
    const before = await setUp(dir, tracker);
    await before.downloads.start("g1", "f.bin", dir, signal);
    tracker.files.clear();
    const after = await setUp(dir, tracker);
    await after.downloads.cancel("d1", signal);
    assert.deepEqual(after.engines.map((e) => [e.plan.destination, e.calls]), [
      [`${dir}/f.bin`, ["cancel"]],
    ]);
    assert.deepEqual(after.downloads.statuses(), []);
  });
});
