/**
 * Downloads that meet trouble, with real peer processes (issue 4): a seeder killed among
 * others, the only seeder killed and back, a seeder that lies. Every result is checked with the
 * SHA-1 of the whole file.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { stat } from "node:fs/promises";
import { FileHandles } from "../lib/peer/support/file_handles.ts";
import { FileSource } from "../lib/peer/share/file_source.ts";
import { MiB, PIECE, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { startLyingSeeder } from "../lib/peer/testing/lying_seeder.ts";
import { TrackerMember } from "./helpers/member.ts";
import { assertOk } from "./helpers/peer.ts";
import {
  downloadOf,
  eventWith,
  GROUP,
  listedFile,
  PASSWORD,
  startDownload,
  Swarm,
  waitUntil,
} from "./helpers/swarm.ts";

Deno.test("a download completes from the other seeders when one is killed mid-way", async () => {
  const throttled = ["--upload-limit", "3MiB/s"];
  await using swarm = await Swarm.start([throttled, throttled, throttled, []]);
  const downloader = swarm.peer(3);
  const size = 12 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  for (const i of [0, 1, 2]) {
    await Deno.mkdir(`${swarm.dir}/s${i}`);
    await Deno.copyFile(source, `${swarm.dir}/s${i}/data.bin`);
    await assertOk(swarm.peer(i), `upload_file ${swarm.dir}/s${i}/data.bin ${GROUP}`);
  }
  const victim = swarm.members[0]!.address;
  const { id, path } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("the download gets bytes from the first seeder", async () => {
    const view = await downloadOf(downloader, id);
    return view?.peers.some((peer) => peer.addr === victim && peer.bytes > 0) ? view : undefined;
  }, { intervalMs: 50 });
  const before = await downloadOf(downloader, id);
  ok(before && before.state === "D" && before.piecesDone < before.pieces, "killed mid-way");
  await swarm.kill(0);

  const finished = await eventWith(downloader, "download_finished", { id }, 30_000);
  equal(finished.bytes, size);
  equal(await sha1OfFile(path), sha1);
  // Once its lease ends the killed seeder is no longer listed: the two others and the
  // downloader, which now seeds too.
  await waitUntil("the killed seeder's lease ends", async () => {
    const listed = await listedFile(downloader, "data.bin");
    return listed?.seeders === 3 ? listed : undefined;
  }, { timeoutMs: 5000 });
});

Deno.test("with its only seeder killed a download waits for peers, and completes when it returns", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "3MiB/s"], []]);
  const downloader = swarm.peer(1);
  const size = 8 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  await assertOk(swarm.peer(0), `upload_file ${source} ${GROUP}`);
  const { id, path } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("a piece is done", async () => {
    const view = await downloadOf(downloader, id);
    return view && view.piecesDone >= 1 ? view : undefined;
  });
  await swarm.kill(0);
  const waiting = await waitUntil("the download waits for peers", async () => {
    const view = await downloadOf(downloader, id);
    return view?.waiting === true ? view : undefined;
  }, { timeoutMs: 10_000 });
  equal(waiting.state, "D", "a download waiting for peers is still [D]");
  ok(waiting.piecesDone < waiting.pieces);
  equal(downloader.events.some((event) => event.event === "download_failed"), false);

  // The seeder comes back (same state folder): it shares again at login, the download ends.
  const back = await swarm.restart(0);
  equal((await assertOk(back, `login u0 ${PASSWORD}`)).reshared, 1);
  const finished = await eventWith(downloader, "download_finished", { id }, 20_000);
  equal(finished.bytes, size);
  equal(await sha1OfFile(path), sha1);
});

Deno.test("a seeder that sends corrupted pieces is banned with peer_banned; the file completes", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "2MiB/s"], []]);
  const [honest, downloader] = [swarm.peer(0), swarm.peer(1)];
  const size = 6 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  const shared = await assertOk(honest, `upload_file ${source} ${GROUP}`);
  const fileId = String(shared.fileId);

  // The liar: the test process logs in as a member, shares the same file with its real hashes
  // (so the tracker lists it), and serves every piece with one byte flipped.
  await using member = await TrackerMember.join(swarm, "liar");
  await using handles = new FileHandles();
  const { mtimeMs } = await stat(source);
  const truth = new FileSource({
    group: GROUP,
    fileId,
    path: source,
    size,
    pieceLength: PIECE,
    mtimeMs,
    handles,
    onChanged: () => {},
  });
  await using liar = await startLyingSeeder(truth, {
    trackerKeys: member.trackerKeys(),
    identity: member.identity,
  });
  await member.startHeartbeats(liar.server.address.port, 400);
  const added = await member.request("upload_file", {
    group: GROUP,
    name: "data.bin",
    fileId,
    size,
    pieceLength: PIECE,
    sha1,
  });
  equal(added.added, true);
  equal((await listedFile(downloader, "data.bin"))?.seeders, 2);

  const { id, path } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  const banned = await eventWith(downloader, "peer_banned", { id }, 20_000);
  deepStrictEqual(
    [banned.group, banned.file, banned.peer],
    [GROUP, "data.bin", liar.address],
  );
  ok(typeof banned.reason === "string" && banned.reason.length > 0);
  const finished = await eventWith(downloader, "download_finished", { id }, 30_000);
  equal(finished.bytes, size);
  equal(await sha1OfFile(path), sha1);
  ok(liar.lies.length >= 1, "the liar was asked for pieces");
  equal(downloader.events.filter((event) => event.event === "peer_banned").length, 1);
});
