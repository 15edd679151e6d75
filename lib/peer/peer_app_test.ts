import assert from "node:assert/strict";
import { computeFileId, PIECE_SIZE_BYTES } from "../common/hash.ts";
import { FakeEngine } from "./testing/fake_engine.ts";
import { testIdentity } from "./testing/identities.ts";
import { fakeFileTracker } from "./testing/fake_files.ts";
import { DownloadStore } from "./download/download_store.ts";
import { Downloads } from "./download/manager.ts";
import { FileHandles } from "./support/file_handles.ts";
import { PeerApp } from "./peer_app.ts";
import { ServedFiles } from "./seeder/served_files.ts";
import { ShareStore } from "./share/share_store.ts";
import { Sharing } from "./share/sharing.ts";
import { registerFile } from "./share/uploader.ts";
import { tempDir, waitUntil } from "../common/test_util.ts";

const signal = new AbortController().signal;

async function setUp(dir: string) {
  const tracker = fakeFileTracker();
  const served = new ServedFiles();
  const handles = new FileHandles();
  const onEvent = () => {};
  const sharing = new Sharing({
    tracker: tracker.api,
    store: await ShareStore.open(dir),
    served,
    handles,
    onEvent,
  });
  const engines: FakeEngine[] = [];
  const downloads = new Downloads({
    tracker: tracker.api,
    store: await DownloadStore.open(dir),
    served,
    identity: await testIdentity(),
    createEngine: (plan, options) => {
      engines.push(new FakeEngine(plan, options));
      return engines.at(-1)!;
    },
    onEvent,
    onFinished: (file) => sharing.adopt(file, signal),
  });
  const app = new PeerApp({
    tracker: tracker.api,
    served,
    sharing,
    downloads,
    onEvent,
    listenPort: 4000,
  });
  return { ...tracker, served, handles, app, engines };
}

/** g1/remote.bin exists at the tracker, shared by someone else. */
async function remoteFile(api: ReturnType<typeof fakeFileTracker>["api"]) {
  const size = PIECE_SIZE_BYTES + 1;
  const hashes = crypto.getRandomValues(new Uint8Array(40));
  const fileId = computeFileId(size, PIECE_SIZE_BYTES, hashes);
  const args = {
    group: "g1",
    name: "remote.bin",
    fileId,
    size,
    pieceLength: PIECE_SIZE_BYTES,
    sha1: fileId,
  };
  await registerFile(api, args, { pieceHashes: () => Promise.resolve(hashes), signal });
  api.calls.length = 0;
  return fileId;
}

Deno.test("PeerApp: logout serves nothing and pauses downloads; login shares and resumes again", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  const { app, api, served, engines, ops, handles } = await setUp(dir);
  const remoteId = await remoteFile(api);
  await Deno.writeTextFile(`${dir}/mine.txt`, "mine");
  const { record } = await app.share(`${dir}/mine.txt`, "g1", signal);
  await app.download("g1", "remote.bin", dir, signal);
  served.get("g1", remoteId)!.addUploaded(5);
  assert.deepEqual(app.shares().map((s) => [s.file, s.state, s.size, s.uploaded]), [
    ["mine.txt", "complete", 4, 0],
    ["remote.bin", "partial", PIECE_SIZE_BYTES + 1, 5],
  ]);
  await app.beforeLogout();
  assert.deepEqual(served.all(), []);
  assert.equal(engines[0]!.state, "P");
  api.calls.length = 0;
  const report = await app.afterLogin("alice", signal);
  assert.deepEqual(report, { reshared: { shared: 1, dropped: 0, kept: 0 }, resumed: 1 });
  assert.ok(served.get("g1", record.fileId));
  assert.equal(served.get("g1", remoteId)?.isComplete, false);
  assert.equal(engines[0]!.state, "D");
  assert.deepEqual(ops().filter((op) => op !== "heartbeat"), ["upload_file", "announce"]);
  await app.close();
  await handles.closeAll();
});

Deno.test("PeerApp announces every served file again when a heartbeat says it is unknown", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  const { app, api, handles } = await setUp(dir);
  const remoteId = await remoteFile(api);
  await Deno.writeTextFile(`${dir}/mine.txt`, "mine");
  const { record } = await app.share(`${dir}/mine.txt`, "g1", signal);
  await app.download("g1", "remote.bin", dir, signal);
  let beats = 0;
  api.answers.heartbeat = () => ({ known: ++beats > 1, leaseMs: 150 });
  api.calls.length = 0;
  await app.afterLogin("alice", signal);
  // Heartbeats run one after another: the second starts once the first one's announces are done.
  await waitUntil("a second heartbeat", () => beats >= 2, { timeoutMs: 2_000 });
  const announced = api.calls.filter((call) => call.op === "announce").map((call) => call.args);
  assert.deepEqual(
    announced.filter((args) => args.fileId === remoteId),
    [{ group: "g1", fileId: remoteId, complete: false }],
  );
  assert.ok(announced.some((args) => args.fileId === record.fileId && args.complete === true));
  await app.close();
  await handles.closeAll();
});

Deno.test("PeerApp shares a finished download like an uploaded file", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  const { app, api, served, engines, handles } = await setUp(dir);
  const remoteId = await remoteFile(api);
  await app.download("g1", "remote.bin", dir, signal);
  served.get("g1", remoteId)!.addUploaded(7);
  await Deno.writeFile(`${dir}/remote.bin`, new Uint8Array(PIECE_SIZE_BYTES + 1));
  engines[0]!.finish();
  await waitUntil("the finished download is shared", () => app.shares()[0]?.state === "complete", {
    timeoutMs: 2_000,
  });
  assert.deepEqual(app.shares(), [
    {
      group: "g1",
      file: "remote.bin",
      fileId: remoteId,
      size: PIECE_SIZE_BYTES + 1,
      state: "complete",
      uploaded: 7,
    },
  ]);
  const upload = api.calls.find((call) => call.op === "upload_file");
  assert.equal(upload?.args.name, "remote.bin");
  assert.equal((await ShareStore.open(dir)).list("alice")[0]?.path, `${dir}/remote.bin`);
  await handles.closeAll();
});
