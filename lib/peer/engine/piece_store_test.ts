import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { sha1 } from "../../common/hash.ts";
import { tempDir } from "../../common/test_util.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import { PART_SUFFIX } from "./part_file.ts";
import { PieceStore } from "./piece_store.ts";
import { RESUME_SUFFIX, saveResume } from "./resume.ts";
import type { DownloadPlan } from "./types.ts";

const PIECE = 64 * 1024;

/** A download of random content whose `.part` holds it all, and a resume record listing `listed`. */
async function resumed(dir: string, pieces: number, listed: Bitfield) {
  const content = new Uint8Array(randomBytes(pieces * PIECE));
  const pieceHashes = new Uint8Array(pieces * 20);
  for (let i = 0; i < pieces; i++) {
    pieceHashes.set(sha1(content.subarray(i * PIECE, (i + 1) * PIECE)), i * 20);
  }
  const plan: DownloadPlan = {
    id: "d1",
    group: "g",
    name: "f",
    fileId: createHash("sha1").update(pieceHashes).digest("hex"),
    size: content.length,
    pieceLength: PIECE,
    pieceHashes,
    sha1: createHash("sha1").update(content).digest("hex"),
    destination: `${dir}/f`,
  };
  const part = plan.destination + PART_SUFFIX;
  await Deno.writeFile(part, content);
  await saveResume(part + RESUME_SUFFIX, plan, listed);
  const errors: unknown[] = [];
  const store = new PieceStore(plan, { onWritten: () => {}, onError: (e) => errors.push(e) });
  return { content, plan, part, store, errors };
}

/** Bytes this process has read so far (Linux: `rchar` of /proc/self/io), or null elsewhere. */
function bytesRead(): number | null {
  try {
    const line = Deno.readTextFileSync("/proc/self/io").match(/^rchar: (\d+)$/m);
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

Deno.test("a resumed .part is read once: the re-check feeds the whole-file hash", async () => {
  await using dir = await tempDir();
  const pieces = 512; // 32 MiB
  const { content, plan, store, errors } = await resumed(dir.path, pieces, Bitfield.full(pieces));
  const before = bytesRead();
  await store.open({ verify: true });
  assert.equal(store.bitfield.count, pieces);
  assert.equal(await store.digest(), plan.sha1);
  const after = bytesRead();
  await store.close();
  assert.deepEqual(errors, []);
  if (before !== null && after !== null) {
    const read = after - before;
    assert.ok(read < 1.25 * content.length, `read ${read} bytes for a ${content.length}-byte file`);
  }
});

Deno.test("a resumed .part keeps its good pieces; the rest complete the whole-file hash", async () => {
  await using dir = await tempDir();
  const listed = Bitfield.full(6);
  listed.clear(4); // the record never had piece 4
  const { content, plan, part, store, errors } = await resumed(dir.path, 6, listed);
  const damaged = content.slice();
  damaged[2 * PIECE + 5]! ^= 1; // piece 2 changed on disk since
  await Deno.writeFile(part, damaged);
  await store.open({ verify: true });
  assert.deepEqual([0, 1, 2, 3, 4, 5].filter((i) => store.bitfield.has(i)), [0, 1, 3, 5]);
  const piece = (i: number) => content.slice(i * PIECE, (i + 1) * PIECE);
  assert.deepEqual(await Promise.all([4, 2].map((i) => store.put(i, piece(i)))), [
    "written",
    "written",
  ]);
  assert.equal(await store.digest(), plan.sha1);
  await store.close();
  assert.deepEqual(errors, []);
});

Deno.test("a re-check stops at an aborted signal and leaves the store closed", async () => {
  await using dir = await tempDir();
  const { store } = await resumed(dir.path, 64, Bitfield.full(64));
  const abort = new AbortController();
  abort.abort(new Error("paused"));
  await assert.rejects(store.open({ verify: true, signal: abort.signal }), /paused/);
  assert.throws(() => store.put(0, new Uint8Array(PIECE)), /not open/);
  await store.close();
});
