/**
 * Sharing between real peer processes (issue 4): several seeders that each contribute, upload
 * counters that add up, partial seeding, stop_share, and what logout and login do to shares
 * and downloads.
 */
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { RemoteError } from "../lib/wire/connection.ts";
import { MiB, PIECE, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { TrackerMember } from "./helpers/member.ts";
import { assertOk, type PeerProcess } from "./helpers/peer.ts";
import {
  downloadOf,
  eventWith,
  GROUP,
  listedFile,
  PASSWORD,
  sharesOf,
  startDownload,
  Swarm,
  uploadedBy,
  waitUntil,
} from "./helpers/swarm.ts";

/** Put a copy of `source` at `<dir>/<folder>/<its name>` and share it from `peer`. */
async function shareCopy(peer: PeerProcess, source: string, folder: string): Promise<string> {
  await Deno.mkdir(folder, { recursive: true });
  const copy = `${folder}/${source.split("/").at(-1)}`;
  await Deno.copyFile(source, copy);
  const reply = await assertOk(peer, `upload_file ${copy} ${GROUP}`);
  equal(reply.added, true);
  return copy;
}

Deno.test("three throttled seeders each contribute to one download, and their counters add up", async () => {
  const throttled = ["--upload-limit", "3MiB/s"];
  await using swarm = await Swarm.start([throttled, throttled, throttled, []]);
  const seeders = [swarm.peer(0), swarm.peer(1), swarm.peer(2)];
  const downloader = swarm.peer(3);
  const size = 12 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  for (const [i, seeder] of seeders.entries()) {
    await shareCopy(seeder, source, `${swarm.dir}/share-${i}`);
  }
  const listed = await listedFile(downloader, "data.bin");
  deepStrictEqual([listed?.seeders, listed?.sharers], [3, 3]);

  const { id, path } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  // While it runs, show_downloads names the seeders it gets bytes from.
  const seen = new Map<string, number>();
  await waitUntil("the download ends", async () => {
    const view = await downloadOf(downloader, id);
    for (const peer of view?.peers ?? []) {
      seen.set(peer.addr, Math.max(seen.get(peer.addr) ?? 0, peer.bytes));
    }
    return view?.state === "D" ? undefined : view;
  }, { timeoutMs: 20_000, intervalMs: 200 });
  await eventWith(downloader, "download_finished", { id });
  equal(await sha1OfFile(path), sha1);

  const uploaded = await Promise.all(seeders.map((seeder) => uploadedBy(seeder, "data.bin")));
  for (const [i, bytes] of uploaded.entries()) {
    ok(bytes > 0, `seeder ${i} uploaded nothing: ${uploaded}`);
    ok(bytes < size, `seeder ${i} did it all: ${uploaded}`);
  }
  const total = uploaded.reduce((a, b) => a + b, 0);
  ok(total >= size, `the seeders uploaded ${total} bytes, less than the file (${size})`);
  ok(total <= size + 8 * PIECE, `the seeders uploaded ${total} bytes for a ${size}-byte file`);
  for (const member of swarm.members.slice(0, 3)) {
    ok(
      (seen.get(member.address) ?? 0) > 0,
      `show_downloads never showed bytes from ${member.address}: ${JSON.stringify([...seen])}`,
    );
  }
});

Deno.test("show_shares counters add up to what two downloaders received", async () => {
  const throttled = ["--upload-limit", "4MiB/s"];
  await using swarm = await Swarm.start([throttled, throttled, [], []]);
  const size = 8 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  await shareCopy(swarm.peer(0), source, `${swarm.dir}/share-0`);
  await shareCopy(swarm.peer(1), source, `${swarm.dir}/share-1`);
  const downloaders = [swarm.peer(2), swarm.peer(3)];
  const started = await Promise.all(
    downloaders.map((peer, i) => startDownload(peer, "data.bin", `${swarm.dir}/copy-${i}.bin`)),
  );
  for (const [i, peer] of downloaders.entries()) {
    const finished = await eventWith(peer, "download_finished", { id: started[i]!.id }, 20_000);
    equal(finished.bytes, size);
    equal(await sha1OfFile(started[i]!.path), sha1);
  }
  // Every byte a downloader received was counted by the peer that sent it (downloaders that
  // served each other included); endgame duplicates may add a few pieces.
  const uploaded = await Promise.all(swarm.peers.map((peer) => uploadedBy(peer, "data.bin")));
  const total = uploaded.reduce((a, b) => a + b, 0);
  ok(total >= 2 * size, `uploads ${uploaded} add up to ${total}, less than ${2 * size} received`);
  ok(total <= 2 * size + 8 * PIECE, `uploads ${uploaded} add up to ${total}, far over ${2 * size}`);
  ok(uploaded[0]! > 0 && uploaded[1]! > 0, `both seeders uploaded: ${uploaded}`);
});

Deno.test("a downloader serves the pieces it has to a second downloader before it finishes", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "2MiB/s"], [], []]);
  const [seeder, first, second] = [swarm.peer(0), swarm.peer(1), swarm.peer(2)];
  const firstAddress = swarm.members[1]!.address;
  const size = 8 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const a = await startDownload(first, "data.bin", `${swarm.dir}/first.bin`);
  // The first downloader is announced as a partial peer as soon as it starts.
  await waitUntil("the tracker lists a partial peer", async () => {
    const listed = await listedFile(second, "data.bin");
    return listed?.partial === 1 ? listed : undefined;
  });
  await waitUntil("the first downloader has two pieces", async () => {
    const view = await downloadOf(first, a.id);
    return view && view.piecesDone >= 2 ? view : undefined;
  });
  const b = await startDownload(second, "data.bin", `${swarm.dir}/second.bin`);
  const fromFirst = await waitUntil("the second downloader gets bytes from the first", async () => {
    const view = await downloadOf(second, b.id);
    const peer = view?.peers.find((p) => p.addr === firstAddress);
    return peer && peer.bytes > 0 ? peer : undefined;
  }, { intervalMs: 50 });
  ok(fromFirst.bytes > 0);
  const firstNow = await downloadOf(first, a.id);
  equal(firstNow?.state, "D", "the first downloader had not finished yet");
  const partial = (await sharesOf(first)).find((share) => share.file === "data.bin");
  equal(partial?.state, "partial");
  ok(
    (partial?.uploaded ?? 0) > 0,
    `show_shares counts partial uploads: ${JSON.stringify(partial)}`,
  );

  await eventWith(first, "download_finished", { id: a.id }, 20_000);
  await eventWith(second, "download_finished", { id: b.id }, 20_000);
  equal(await sha1OfFile(a.path), sha1);
  equal(await sha1OfFile(b.path), sha1);
});

Deno.test("stop_share: the tracker stops listing the peer within 2 s and its seeder refuses", async () => {
  // Without super-seeding a seeder's BITFIELD shows every piece it serves.
  const showAll = ["--no-super-seed"];
  await using swarm = await Swarm.start([showAll, showAll]);
  const [alice, bob] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/data.bin`;
  await writeRandomFile(source, 3 * PIECE);
  const shared = await assertOk(alice, `upload_file ${source} ${GROUP}`);
  await shareCopy(bob, source, `${swarm.dir}/bob`);
  deepStrictEqual(
    [(await listedFile(bob, "data.bin"))?.seeders, (await listedFile(bob, "data.bin"))?.sharers],
    [2, 2],
  );
  await using probe = await TrackerMember.join(swarm, "probe");
  const fileId = String(shared.fileId);
  const aliceSeeder = swarm.members[0]!;
  const before = await probe.connectSeeder(aliceSeeder, fileId, 3);
  equal(before.bitfield.count, 3, "alice's seeder serves the file before stop_share");
  before.close();

  const stopped = Date.now();
  await assertOk(alice, `stop_share ${GROUP} data.bin`);
  const listed = await waitUntil("the tracker lists one seeder", async () => {
    const file = await listedFile(bob, "data.bin");
    return file?.seeders === 1 ? file : undefined;
  }, { timeoutMs: 2000, intervalMs: 50 });
  ok(Date.now() - stopped <= 2000);
  equal(listed.sharers, 1, "the file stays listed while bob shares it");
  await rejects(probe.connectSeeder(aliceSeeder, fileId, 3), RemoteError);
  deepStrictEqual((await sharesOf(alice)).map((share) => share.file), []);
  // Bob's seeder still serves it.
  const fromBob = await probe.connectSeeder(swarm.members[1]!, fileId, 3);
  equal(fromBob.bitfield.count, 3);
  fromBob.close();
  // When its last sharer stops, the file leaves the group.
  await assertOk(bob, `stop_share ${GROUP} data.bin`);
  equal(await listedFile(alice, "data.bin"), undefined);
  equal((await alice.command(`stop_share ${GROUP} data.bin`)).ok, false);
});

Deno.test("logout pauses downloads and stops sharing; login resumes both, in the same process", async () => {
  await using swarm = await Swarm.start([[], ["--download-limit", "3MiB/s"]]);
  const [alice, bob] = [swarm.peer(0), swarm.peer(1)];
  const size = 8 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  const fileId = String((await assertOk(alice, `upload_file ${source} ${GROUP}`)).fileId);
  await using probe = await TrackerMember.join(swarm, "probe");
  const { id, path } = await startDownload(bob, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("bob has a piece", async () => {
    const view = await downloadOf(bob, id);
    return view && view.piecesDone >= 1 ? view : undefined;
  });

  // Bob's seeder serves the pieces he has, until he logs out.
  const bobSeeder = swarm.members[1]!;
  const partial = await probe.connectSeeder(bobSeeder, fileId, size / PIECE);
  ok(partial.bitfield.count >= 1 && !partial.bitfield.isComplete);
  partial.close();
  await assertOk(bob, "logout");
  await rejects(probe.connectSeeder(bobSeeder, fileId, size / PIECE), RemoteError);
  const paused = await downloadOf(bob, id);
  equal(paused?.state, "P", JSON.stringify(paused));
  await assertOk(alice, "logout");
  // Alice's seeder serves nothing while she is logged out.
  await rejects(probe.connectSeeder(swarm.members[0]!, fileId, size / PIECE), RemoteError);
  await assertOk(bob, `login u1 ${PASSWORD}`);
  // Bob's download runs again, but no one seeds: alice logged out.
  const listed = await listedFile(bob, "data.bin");
  deepStrictEqual([listed?.seeders, listed?.sharers], [0, 1]);
  equal((await downloadOf(bob, id))?.state, "D");

  const login = await assertOk(alice, `login u0 ${PASSWORD}`);
  equal(login.reshared, 1, JSON.stringify(login));
  equal((await listedFile(alice, "data.bin"))?.seeders, 1);
  await eventWith(bob, "download_finished", { id }, 20_000);
  equal(await sha1OfFile(path), sha1);
});

Deno.test("a new process with the same state folder shares again at login, unless the file changed", async () => {
  await using swarm = await Swarm.start([[], []]);
  const [alice, bob] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/data.bin`;
  const second = `${swarm.dir}/notes.bin`;
  await writeRandomFile(source, 2 * PIECE);
  const notesSha1 = await writeRandomFile(second, PIECE + 1);
  await assertOk(alice, `upload_file ${source} ${GROUP}`);
  await assertOk(alice, `upload_file ${second} ${GROUP}`);
  equal((await alice.endInput()).code, 0);
  equal((await listedFile(bob, "data.bin"))?.seeders, 0, "alice logged out at exit");

  const again = await swarm.restart(0);
  const login = await assertOk(again, `login u0 ${PASSWORD}`);
  equal(login.reshared, 2, JSON.stringify(login));
  equal((await listedFile(bob, "data.bin"))?.seeders, 1);
  deepStrictEqual((await sharesOf(again)).map((share) => share.file).sort(), [
    "data.bin",
    "notes.bin",
  ]);
  equal((await again.endInput()).code, 0);

  // data.bin changes on disk while no peer runs: it is not shared again, with a warning.
  await Deno.writeFile(source, new Uint8Array([1, 2, 3]), { append: true });
  const third = await swarm.restart(0);
  const relogin = await assertOk(third, `login u0 ${PASSWORD}`);
  equal(relogin.reshared, 1, JSON.stringify(relogin));
  const warning = await eventWith(third, "share_stopped", { file: "data.bin" });
  equal(warning.group, GROUP);
  ok(/changed/.test(String(warning.reason)), JSON.stringify(warning));
  deepStrictEqual((await sharesOf(third)).map((share) => share.file), ["notes.bin"]);
  equal((await listedFile(bob, "data.bin"))?.seeders ?? 0, 0);
  // The unchanged file is served as before.
  const { id, path } = await startDownload(bob, "notes.bin", `${swarm.dir}/notes-copy.bin`);
  await eventWith(bob, "download_finished", { id });
  equal(await sha1OfFile(path), notesSha1);
});
