/**
 * Slow check, outside CI (`deno task test:slow`): a file over 4 GiB, shared from a sparse source
 * (mostly holes, a few random blocks), downloaded between two peer processes and compared by
 * SHA-1. Needs about 5 GiB of free disk for the copy.
 */
import { randomBytes } from "node:crypto";
import { equal } from "node:assert/strict";
import { open } from "node:fs/promises";
import { hashFile } from "../../lib/common/file_hash.ts";
import { Cluster } from "../helpers/cluster.ts";
import { assertOk, PeerProcess } from "../helpers/peer.ts";
import { tempDir } from "../helpers/processes.ts";

const SIZE_BYTES = 4 * 1024 ** 3 + 3 * 512 * 1024 + 12345; // past 4 GiB, not a piece multiple

Deno.test("a file over 4 GiB from a sparse source downloads intact", async () => {
  await using dir = await tempDir();
  const source = `${dir.path}/huge.bin`;
  {
    await using file = await open(source, "w");
    await file.truncate(SIZE_BYTES);
    // Random blocks at the start, around 2^32 and at the very end, so offsets past 4 GiB matter.
    for (const at of [0, 2 ** 32 - 700_000, 2 ** 32 + 1, SIZE_BYTES - 300_000]) {
      const block = randomBytes(300_000);
      await file.write(block, 0, block.length, at);
    }
  }
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
  await using bob = await PeerProcess.start(cluster.infoPath, `${dir.path}/bob`);
  await assertOk(alice, "create_user alice pw");
  await assertOk(alice, "login alice pw");
  await assertOk(alice, "create_group big");
  await assertOk(bob, "create_user bob pw");
  await assertOk(bob, "login bob pw");
  await assertOk(bob, "join_group big");
  await assertOk(alice, "accept_request big bob");
  const shared = await alice.command(`upload_file ${source} big`, 300_000);
  equal(shared.ok, true, JSON.stringify(shared));
  await assertOk(bob, `download_file big huge.bin ${dir.path}/copy.bin`);
  const finished = await bob.event("download_finished", 900_000);
  equal(finished.bytes, SIZE_BYTES);
  const [a, b] = await Promise.all([
    hashFile(source, { pieceLength: 512 * 1024 }),
    hashFile(`${dir.path}/copy.bin`, { pieceLength: 512 * 1024 }),
  ]);
  equal(b.sha1, a.sha1);
  equal(b.size, SIZE_BYTES);
});
