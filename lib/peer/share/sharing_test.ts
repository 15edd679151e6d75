import assert from "node:assert/strict";
import { utimes } from "node:fs/promises";
import { CommandError } from "../../common/errors.ts";
import { fakeFileTracker } from "../testing/fake_files.ts";
import { FileHandles } from "../support/file_handles.ts";
import { shareAgain } from "./reshare.ts";
import { ServedFiles } from "../seeder/served_files.ts";
import { ShareStore } from "./share_store.ts";
import { Sharing } from "./sharing.ts";
import { tempDir } from "../../common/test_util.ts";

const signal = new AbortController().signal;

interface Event {
  name: string;
  fields: Record<string, unknown>;
}

async function setUp(dir: string) {
  const tracker = fakeFileTracker();
  const events: Event[] = [];
  const served = new ServedFiles();
  const handles = new FileHandles();
  const store = await ShareStore.open(dir);
  const sharing = new Sharing({
    tracker: tracker.api,
    store,
    served,
    handles,
    onEvent: (name, fields) => events.push({ name, fields }),
  });
  return { ...tracker, events, served, handles, store, sharing };
}

async function withDir(body: (dir: string) => Promise<void>) {
  await using temp = await tempDir();
  const dir = temp.path;
  await body(dir);
}

Deno.test("Sharing.share() registers, records, serves and announces a file", async () => {
  await withDir(async (dir) => {
    const { sharing, served, ops, handles, api } = await setUp(dir);
    await Deno.writeFile(`${dir}/f.bin`, new Uint8Array(1000).fill(1));
    const { record, added } = await sharing.share(`${dir}/f.bin`, "g1", signal);
    assert.equal(added, true);
    assert.equal(record.name, "f.bin");
    assert.deepEqual(ops(), ["upload_file", "stage_hashes", "upload_file", "announce"]);
    assert.deepEqual(api.calls.at(-1)?.args, {
      group: "g1",
      fileId: record.fileId,
      complete: true,
    });
    const source = served.get("g1", record.fileId)!;
    assert.equal(source.isComplete, true);
    const piece = new Uint8Array(1000);
    await source.readPiece(0, piece);
    source.addUploaded(1000);
    assert.deepEqual(sharing.statuses(), [
      {
        group: "g1",
        file: "f.bin",
        fileId: record.fileId,
        size: 1000,
        state: "complete",
        uploaded: 1000,
      },
    ]);
    const reopened = await ShareStore.open(dir);
    assert.deepEqual(reopened.list("alice"), [record]);
    await handles.closeAll();
  });
});

Deno.test("Sharing.stopShare() tells the tracker and stops serving at once", async () => {
  await withDir(async (dir) => {
    const { sharing, served, store, api } = await setUp(dir);
    await Deno.writeTextFile(`${dir}/f.txt`, "hello");
    const { record } = await sharing.share(`${dir}/f.txt`, "g1", signal);
    await sharing.stopShare("g1", "f.txt", signal);
    assert.equal(served.get("g1", record.fileId), undefined);
    assert.deepEqual(store.list(), []);
    assert.deepEqual(api.calls.at(-1), { op: "stop_share", args: { group: "g1", name: "f.txt" } });
  });
});

Deno.test("Sharing stops sharing a file changed on disk, with a warning event", async () => {
  await withDir(async (dir) => {
    const { sharing, served, store, events, api, handles } = await setUp(dir);
    await Deno.writeTextFile(`${dir}/f.txt`, "hello");
    const { record } = await sharing.share(`${dir}/f.txt`, "g1", signal);
    const later = new Date(Date.now() + 10_000);
    await utimes(`${dir}/f.txt`, later, later);
    const source = served.get("g1", record.fileId)!;
    await assert.rejects(source.readPiece(0, new Uint8Array(5)), /changed on disk/);
    assert.equal(served.get("g1", record.fileId), undefined);
    assert.equal(events[0]?.name, "share_stopped");
    assert.equal(events[0]?.fields.file, "f.txt");
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(store.list(), []);
    assert.equal(api.calls.at(-1)?.op, "stop_share");
    await handles.closeAll();
  });
});

Deno.test("shareAgain() shares unchanged files without hashing and drops changed ones", async () => {
  await withDir(async (dir) => {
    const { sharing, served, store, events, ops, api } = await setUp(dir);
    await Deno.writeTextFile(`${dir}/same.txt`, "same");
    await Deno.writeTextFile(`${dir}/edited.txt`, "old");
    const same = (await sharing.share(`${dir}/same.txt`, "g1", signal)).record;
    const edited = (await sharing.share(`${dir}/edited.txt`, "g1", signal)).record;
    await sharing.unserveAll();
    assert.deepEqual(served.all(), []);
    await Deno.writeTextFile(`${dir}/edited.txt`, "new content");
    api.calls.length = 0;
    const report = await shareAgain(sharing, "alice", { tracker: api, onEvent: push, signal });
    function push(name: string, fields: Record<string, unknown>) {
      events.push({ name, fields });
    }
    assert.deepEqual(report, { shared: 1, dropped: 1, kept: 0 });
    assert.deepEqual(ops(), ["upload_file", "announce", "stop_share"]);
    assert.ok(served.get("g1", same.fileId));
    assert.equal(served.get("g1", edited.fileId), undefined);
    assert.deepEqual(store.list().map((r) => r.name), ["same.txt"]);
    assert.equal(events[0]?.name, "share_stopped");
    assert.match(String(events[0]?.fields.reason), /changed on disk/);
  });
});

Deno.test("shareAgain() hashes again when the tracker lost the hashes, and keeps a record on a transient error", async () => {
  await withDir(async (dir) => {
    const { sharing, ops, api, hashes, store } = await setUp(dir);
    await Deno.writeTextFile(`${dir}/f.txt`, "x".repeat(100));
    const { record } = await sharing.share(`${dir}/f.txt`, "g1", signal);
    await sharing.unserveAll();
    hashes.clear();
    api.calls.length = 0;
    const events: string[] = [];
    const onEvent = (name: string) => void events.push(name);
    const first = await shareAgain(sharing, "alice", { tracker: api, onEvent, signal });
    assert.deepEqual(first, { shared: 1, dropped: 0, kept: 0 });
    assert.deepEqual(ops(), ["upload_file", "stage_hashes", "upload_file", "announce"]);
    await sharing.unserveAll();
    api.answers.upload_file = () => {
      throw new CommandError("tracker_unreachable", "No tracker answered");
    };
    const second = await shareAgain(sharing, "alice", { tracker: api, onEvent, signal });
    assert.deepEqual(second, { shared: 0, dropped: 0, kept: 1 });
    assert.deepEqual(events, ["share_not_restored"]);
    assert.deepEqual(store.list(), [record]);
  });
});
