import assert from "node:assert/strict";
import { DownloadStore } from "./download_store.ts";
import { ShareStore } from "../share/share_store.ts";
import { tempDir } from "../../common/test_util.ts";

async function withDir(body: (dir: string) => Promise<void>) {
  await using temp = await tempDir();
  const dir = temp.path;
  await body(dir);
}

const RECORD = {
  user: "alice",
  group: "g1",
  name: "f.bin",
  destination: "/tmp/f.bin",
  fileId: "c".repeat(40),
  size: 10,
};

Deno.test("DownloadStore never gives an id twice in one state folder, across restarts", async () => {
  await withDir(async (dir) => {
    const first = await DownloadStore.open(dir);
    const d1 = await first.newId();
    await first.put({ ...RECORD, id: d1, state: "D" });
    const d2 = await first.newId();
    await first.remove(d2);
    const second = await DownloadStore.open(dir);
    assert.equal(await second.newId(), "d3");
    assert.deepEqual(second.list(), [{ ...RECORD, id: "d1", state: "D" }]);
  });
});

Deno.test("DownloadStore.setState() keeps a reason only for a failure", async () => {
  await withDir(async (dir) => {
    const store = await DownloadStore.open(dir);
    await store.put({ ...RECORD, id: "d1", state: "D" });
    await store.setState("d1", "F", "no peer");
    assert.equal((await DownloadStore.open(dir)).get("d1")?.reason, "no peer");
    await store.setState("d1", "D");
    assert.equal("reason" in store.get("d1")!, false);
  });
});

Deno.test("ShareStore and DownloadStore refuse a damaged file with one line naming it", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/shares.json`, "{not json");
    await assert.rejects(ShareStore.open(dir), /shares\.json" is not JSON/);
    await Deno.writeTextFile(`${dir}/downloads.json`, '{"version":1,"nextId":0,"downloads":[]}');
    await assert.rejects(DownloadStore.open(dir), /downloads\.json" has a bad field "nextId"/);
  });
});

Deno.test("ShareStore keeps one record per user, group and name", async () => {
  await withDir(async (dir) => {
    const store = await ShareStore.open(dir);
    const record = {
      user: "alice",
      group: "g1",
      name: "f.bin",
      path: "/tmp/f.bin",
      fileId: "d".repeat(40),
      size: 1,
      mtimeMs: 1.5,
      sha1: "e".repeat(40),
    };
    await store.put(record);
    await store.put({ ...record, path: "/tmp/other/f.bin" });
    await store.put({ ...record, user: "bob" });
    const reopened = await ShareStore.open(dir);
    assert.deepEqual(reopened.list("alice").map((r) => r.path), ["/tmp/other/f.bin"]);
    assert.equal(reopened.list().length, 2);
    assert.equal(await reopened.remove("alice", "g1", "f.bin"), true);
    assert.equal(await reopened.remove("alice", "g1", "f.bin"), false);
  });
});
