import assert from "node:assert/strict";
import { Bitfield } from "../../wire/peer_frames.ts";
import { FakeClock, tempDir, waitUntil } from "../../common/test_util.ts";
import { loadResume, removeResume, ResumeSaver, saveResume } from "./resume.ts";

const KEY = { fileId: "f".repeat(40), size: 10, pieceLength: 4 };

Deno.test("saveResume() and loadResume() round-trip a bitfield for the same file only", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/x.part.resume`;
  assert.equal(await loadResume(path, KEY), null, "no record yet");
  const bits = new Bitfield(3);
  bits.set(0);
  bits.set(2);
  await saveResume(path, KEY, bits);
  assert.deepEqual((await loadResume(path, KEY))?.bytes, bits.bytes);
  assert.equal(await loadResume(path, { ...KEY, fileId: "e".repeat(40) }), null);
  assert.equal(await loadResume(path, { ...KEY, size: 11 }), null);
  await Deno.writeTextFile(path, "{not json");
  assert.equal(await loadResume(path, KEY), null, "a damaged record is no record");
  await removeResume(path);
  await removeResume(path);
  assert.equal(await loadResume(path, KEY), null);
});

Deno.test("ResumeSaver saves at most once per interval, and flush() saves what is left", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/x.part.resume`;
  const clock = new FakeClock();
  const bits = new Bitfield(3);
  const saver = new ResumeSaver(path, KEY, bits, { intervalMs: 60, now: clock.now, timers: clock });
  bits.set(0);
  saver.markDirty();
  await saver.flush();
  assert.equal((await loadResume(path, KEY))?.count, 1);
  await clock.advance(30);
  bits.set(1);
  saver.markDirty();
  assert.equal(clock.pendingTimers, 1, "too soon after the last save: a save is deferred");
  await clock.advance(29);
  assert.equal((await loadResume(path, KEY))?.count, 1, "not saved before the interval");
  await clock.advance(1);
  assert.equal(clock.pendingTimers, 0, "the deferred save started");
  await waitUntil("the deferred save is written", async () => {
    return (await loadResume(path, KEY))?.count === 2;
  }, { timeoutMs: 2_000 });
  bits.set(2);
  saver.markDirty();
  await saver.flush();
  assert.equal((await loadResume(path, KEY))?.count, 3, "flush() does not wait for the interval");
});
