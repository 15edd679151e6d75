/**
 * Lifecycle of shares and downloads between real peer processes (issue 10): downloading a file
 * this peer already seeds, a download whose file left its group, leave_group, and what
 * show_downloads says of a download that is not running or is waiting.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { MiB, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk } from "./helpers/peer.ts";
import {
  downloadOf,
  eventWith,
  GROUP,
  listedFile,
  PASSWORD,
  sharesOf,
  startDownload,
  Swarm,
  waitUntil,
} from "./helpers/swarm.ts";

Deno.test("download_file of a file this peer seeds copies it locally and keeps it a seeder", async () => {
  await using swarm = await Swarm.start([[], []]);
  const [bob, other] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/report.bin`;
  const sha1 = await writeRandomFile(source, 3 * MiB + 1234);
  await assertOk(bob, `upload_file ${source} ${GROUP}`);
  equal((await listedFile(other, "report.bin"))?.seeders, 1);

  const { id, path } = await startDownload(bob, "report.bin", `${swarm.dir}/again.bin`);
  await eventWith(bob, "download_finished", { id }, 10_000);
  equal(await sha1OfFile(path), sha1);
  equal((await downloadOf(bob, id))?.state, "C");
  const listed = await listedFile(other, "report.bin");
  equal(listed?.seeders, 1, `bob is no longer listed as a seeder: ${JSON.stringify(listed)}`);
  equal(listed?.partial, 0);
  // The original stays the shared copy.
  const shares = await sharesOf(bob);
  equal(shares.length, 1);
  equal(shares[0]?.state, "complete");
});

Deno.test("cancel_download withdraws a partial download at the tracker", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "512KiB/s"], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/data.bin`;
  await writeRandomFile(source, 8 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const { id } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("the downloader is listed as partial", async () => {
    const listed = await listedFile(seeder, "data.bin");
    return listed?.partial === 1 ? listed : undefined;
  });
  await assertOk(downloader, `cancel_download ${id}`);
  await waitUntil("the downloader is no longer listed", async () => {
    const listed = await listedFile(seeder, "data.bin");
    return listed?.partial === 0 && listed.seeders === 1 ? listed : undefined;
  });
});

Deno.test("a download fails once the tracker says its file left the group", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "512KiB/s"], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/data.bin`;
  await writeRandomFile(source, 8 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const { id } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("a piece arrives", async () => {
    const view = await downloadOf(downloader, id);
    return view && view.piecesDone > 0 ? view : undefined;
  });
  await assertOk(seeder, `stop_share ${GROUP} data.bin`);
  // The sharer shares new content under the same name: still not the file being downloaded.
  await Deno.remove(source);
  await writeRandomFile(source, 2 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const failed = await eventWith(downloader, "download_failed", { id }, 10_000);
  match(String(failed.reason), /no longer shared/);
  const view = await downloadOf(downloader, id);
  equal(view?.state, "F");
  match(String(view?.reason), /no longer shared/);
});

Deno.test("leave_group stops sharing the group's files, fails its downloads, and re-joining works", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "512KiB/s"], []]);
  const [owner, carol] = [swarm.peer(0), swarm.peer(1)];
  const big = `${swarm.dir}/big.bin`;
  await writeRandomFile(big, 8 * MiB);
  await assertOk(owner, `upload_file ${big} ${GROUP}`);
  const mine = `${swarm.dir}/mine.bin`;
  await writeRandomFile(mine, 1 * MiB);
  await assertOk(carol, `upload_file ${mine} ${GROUP}`);
  const { id } = await startDownload(carol, "big.bin", `${swarm.dir}/big-copy.bin`);
  await waitUntil("carol is listed as partial", async () => {
    const listed = await listedFile(owner, "big.bin");
    return listed?.partial === 1 ? listed : undefined;
  });

  const left = await assertOk(carol, `leave_group ${GROUP}`);
  deepStrictEqual(left.stoppedShares, ["mine.bin"]);
  equal((left.failedDownloads as string[]).join(), id);
  equal((await sharesOf(carol)).length, 0);
  const view = await downloadOf(carol, id);
  equal(view?.state, "F");
  match(String(view?.reason), /left group "g"/);
  const stored = await Deno.readTextFile(`${swarm.members[1]!.stateDir}/shares.json`);
  ok(!stored.includes("mine.bin"), `shares.json still lists mine.bin: ${stored}`);
  const failed = await eventWith(carol, "download_failed", { id });
  match(String(failed.reason), /left group "g"/);

  await swarm.admit(swarm.members[1]!);
  // Nothing is listed for carol until she shares again.
  const bigListed = await listedFile(owner, "big.bin");
  equal(bigListed?.partial, 0, `carol is still listed: ${JSON.stringify(bigListed)}`);
  equal(await listedFile(owner, "mine.bin"), undefined);
  const again = await assertOk(carol, `upload_file ${mine} ${GROUP}`);
  equal(again.added, true);
  equal((await sharesOf(carol)).length, 1);
  equal((await listedFile(owner, "mine.bin"))?.seeders, 1);
  // The failed download can go on after re-joining.
  await assertOk(carol, `resume_download ${id}`);
  equal((await downloadOf(carol, id))?.state, "D");
});

Deno.test("show_downloads before login shows the pieces recorded as done, waiting for login", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "1MiB/s"], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/data.bin`;
  await writeRandomFile(source, 8 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const { id } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("a quarter is done", async () => {
    const view = await downloadOf(downloader, id);
    return view && view.piecesDone >= 4 ? view : undefined;
  }, { timeoutMs: 20_000 });
  // SIGTERM pauses downloads (their records are saved) and exits without waiting.
  downloader.child.kill("SIGTERM");
  await downloader.exited();
  const restarted = await swarm.restart(1);
  const view = await downloadOf(restarted, id);
  equal(view?.state, "P");
  ok(view!.piecesDone >= 4, `only ${view?.piecesDone} pieces shown as done`);
  ok(view!.bytes >= 4 * 512 * 1024, `only ${view?.bytes} bytes shown as done`);
  equal((view as { waitingFor?: string }).waitingFor, "login");
  await assertOk(restarted, `login ${swarm.members[1]!.user} ${PASSWORD}`);
});

Deno.test("a download whose only seeder left shows no rate while it waits", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "1MiB/s"], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/data.bin`;
  await writeRandomFile(source, 8 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const { id } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("pieces arrive", async () => {
    const view = await downloadOf(downloader, id);
    return view && view.piecesDone >= 2 ? view : undefined;
  });
  await swarm.kill(0);
  const view = await waitUntil("the download waits for peers", async () => {
    const view = await downloadOf(downloader, id);
    return view?.waiting ? view : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100 });
  equal(view.state, "D");
  equal(view.rate, 0);
});
