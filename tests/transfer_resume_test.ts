/**
 * Downloads stopped and continued, with real peer processes (issue 4): the downloader killed
 * with -9 and started again (a piece damaged on disk meanwhile), cancel, pause and resume.
 * Every result is checked with the SHA-1 of the whole file.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { decodeBase64Url } from "../lib/common/base64.ts";
import { RESUME_SAVE_INTERVAL_MS } from "../lib/peer/engine/resume.ts";
import { exists, MiB, PIECE, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk, assertRefused } from "./helpers/peer.ts";
import {
  downloadOf,
  eventWith,
  GROUP,
  PASSWORD,
  startDownload,
  Swarm,
  waitUntil,
} from "./helpers/swarm.ts";

/** The pieces a resume record lists as verified. */
async function recordedPieces(path: string, pieces: number): Promise<number[]> {
  const record = JSON.parse(await Deno.readTextFile(path));
  const bits = decodeBase64Url(record.bitfield);
  return Array.from({ length: pieces }, (_, i) => i).filter((i) =>
    ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0
  );
}

/** Flip 16 bytes in the middle of piece `index` of the file at `path`. */
async function corruptPiece(path: string, index: number): Promise<void> {
  await using file = await Deno.open(path, { read: true, write: true });
  const position = index * PIECE + PIECE / 2;
  const bytes = new Uint8Array(16);
  await file.seek(position, Deno.SeekMode.Start);
  ok((await file.read(bytes)) === 16);
  for (let i = 0; i < bytes.length; i++) bytes[i]! ^= 0xff;
  await file.seek(position, Deno.SeekMode.Start);
  equal(await file.write(bytes), 16);
}

Deno.test("a downloader killed with -9 resumes after login, re-fetching a piece damaged on disk", async () => {
  const limited = ["--download-limit", "4MiB/s"];
  await using swarm = await Swarm.start([[], limited]);
  const seeder = swarm.peer(0);
  const size = 16 * MiB;
  const pieces = size / PIECE;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const destination = `${swarm.dir}/copy.bin`;
  const part = `${destination}.part`;
  const record = `${part}.resume`;
  const { id } = await startDownload(swarm.peer(1), "data.bin", destination);
  const saved = await waitUntil("the resume record lists 6 pieces", async () => {
    if (!await exists(record)) return undefined;
    const done = await recordedPieces(record, pieces);
    return done.length >= 6 ? done : undefined;
  });
  await swarm.kill(1);
  ok(saved.length < pieces, `killed mid-way: ${saved.length} of ${pieces} pieces`);
  // While it is down, a piece the record says is done is damaged.
  await corruptPiece(part, saved[1]!);

  const again = await swarm.restart(1);
  const listed = (await assertOk(again, "show_downloads")).downloads as { id: string }[];
  deepStrictEqual(listed.map((download) => download.id), [id]);
  const login = await assertOk(again, `login u1 ${PASSWORD}`);
  equal(login.resumed, 1, JSON.stringify(login));
  // It continues where it stopped (less the damaged piece), not from zero.
  const resumed = await waitUntil("the kept pieces are counted", async () => {
    const view = await downloadOf(again, id);
    return view && view.piecesDone >= saved.length - 1 ? view : undefined;
  });
  equal(resumed.state, "D", JSON.stringify(resumed));
  // Repeating download_file continues the same download.
  const repeated = await assertOk(again, `download_file ${GROUP} data.bin ${destination}`);
  deepStrictEqual([repeated.id, repeated.resumed], [id, true]);

  const finished = await eventWith(again, "download_finished", { id }, 30_000);
  equal(finished.bytes, size);
  equal(await sha1OfFile(destination), sha1);
  equal(await exists(part), false);
  equal(await exists(record), false);
});

Deno.test("after kill -9 and a restart, download_file to the same folder continues the same download", async () => {
  const limited = ["--download-limit", "4MiB/s"];
  await using swarm = await Swarm.start([[], limited]);
  const size = 8 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  await assertOk(swarm.peer(0), `upload_file ${source} ${GROUP}`);
  const destination = `${swarm.dir}/out`;
  await Deno.mkdir(destination);
  const { id, path } = await startDownload(swarm.peer(1), "data.bin", destination);
  await waitUntil("the resume record lists 2 pieces", async () => {
    const record = `${path}.part.resume`;
    if (!await exists(record)) return undefined;
    return (await recordedPieces(record, size / PIECE)).length >= 2 ? true : undefined;
  });
  await swarm.kill(1);
  const again = await swarm.restart(1);
  await assertOk(again, `login u1 ${PASSWORD}`);
  // The same folder as before: the same download, not a new one.
  const repeated = await assertOk(again, `download_file ${GROUP} data.bin ${destination}`);
  deepStrictEqual([repeated.id, repeated.path, repeated.resumed], [id, path, true]);
  await eventWith(again, "download_finished", { id }, 30_000);
  equal(await sha1OfFile(path), sha1);
});

Deno.test("cancel_download removes the partial file and its resume record", async () => {
  await using swarm = await Swarm.start([[], ["--download-limit", "2MiB/s"]]);
  const downloader = swarm.peer(1);
  const source = `${swarm.dir}/data.bin`;
  await writeRandomFile(source, 8 * MiB);
  await assertOk(swarm.peer(0), `upload_file ${source} ${GROUP}`);
  const destination = `${swarm.dir}/copy.bin`;
  const { id } = await startDownload(downloader, "data.bin", destination);
  await waitUntil("the resume record is written", async () => {
    return await exists(`${destination}.part.resume`) ? true : undefined;
  });
  await assertOk(downloader, `cancel_download ${id}`);
  equal(await exists(`${destination}.part`), false);
  equal(await exists(`${destination}.part.resume`), false);
  equal(await exists(destination), false);
  equal(await downloadOf(downloader, id), undefined);
  await assertRefused(downloader, `cancel_download ${id}`, "no_such_download");
  // Nothing comes back after the next save would have been due (no late write of the engine).
  await new Promise((resolve) => setTimeout(resolve, RESUME_SAVE_INTERVAL_MS + 300));
  equal(await exists(`${destination}.part`), false);
  equal(await exists(`${destination}.part.resume`), false);
  equal(downloader.events.some((event) => event.id === id), false);
});

Deno.test("pause_download stops a download; resume_download completes it", async () => {
  await using swarm = await Swarm.start([[], ["--download-limit", "3MiB/s"]]);
  const downloader = swarm.peer(1);
  const size = 6 * MiB;
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, size);
  await assertOk(swarm.peer(0), `upload_file ${source} ${GROUP}`);
  const { id, path } = await startDownload(downloader, "data.bin", `${swarm.dir}/copy.bin`);
  await waitUntil("a piece is done", async () => {
    const view = await downloadOf(downloader, id);
    return view && view.piecesDone >= 1 ? view : undefined;
  });
  await assertOk(downloader, `pause_download ${id}`);
  const paused = await downloadOf(downloader, id);
  equal(paused?.state, "P");
  await assertRefused(downloader, `pause_download nope`, "no_such_download");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const still = await downloadOf(downloader, id);
  deepStrictEqual([still?.state, still?.piecesDone], ["P", paused?.piecesDone]);
  ok(await exists(`${path}.part`), "a paused download keeps its partial file");
  equal(await exists(path), false);

  await assertOk(downloader, `resume_download ${id}`);
  equal((await downloadOf(downloader, id))?.state, "D");
  await eventWith(downloader, "download_finished", { id }, 20_000);
  equal(await sha1OfFile(path), sha1);
  await assertRefused(downloader, `resume_download ${id}`, "wrong_state");
  await assertRefused(downloader, `cancel_download ${id}`, "wrong_state");
});
