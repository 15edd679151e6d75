/**
 * Share and download between real peer processes (issue 4): the happy path, destinations,
 * edge sizes, and refusals (non-members, names that could escape a folder). Every result is
 * checked with the SHA-1 of the whole file.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { ErrorCode } from "../lib/wire/messages.ts";
import { exists, listDir, MiB, PIECE, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk, assertRefused } from "./helpers/peer.ts";
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

Deno.test("download_file returns at once, runs in the background and ends with download_finished", async () => {
  await using swarm = await Swarm.start([[], ["--download-limit", "4MiB/s"]]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/movie.bin`;
  const sha1 = await writeRandomFile(source, 8 * MiB);
  const shared = await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  equal(shared.file, "movie.bin");
  equal(shared.size, 8 * MiB);
  equal(shared.sha1, sha1);
  deepStrictEqual(
    { ...await listedFile(downloader, "movie.bin") },
    {
      name: "movie.bin",
      size: 8 * MiB,
      sha1,
      pieces: 16,
      seeders: 1,
      partial: 0,
      sharers: 1,
    },
  );

  const destination = `${swarm.dir}/copy.bin`;
  const started = Date.now();
  const { id, path } = await startDownload(downloader, "movie.bin", destination);
  ok(Date.now() - started < 1500, "download_file answers before the download ends");
  equal(path, destination);
  // The shell answers other commands while the download runs.
  await assertOk(downloader, "list_groups");
  const running = await downloadOf(downloader, id);
  ok(running, "show_downloads lists the download");
  ok(running.state === "D", `still downloading: ${JSON.stringify(running)}`);
  equal(downloader.events.some((event) => event.event === "download_finished"), false);

  const finished = await eventWith(downloader, "download_finished", { id }, 20_000);
  deepStrictEqual(Object.keys(finished).sort(), [
    "bytes",
    "event",
    "file",
    "group",
    "id",
    "path",
    "seconds",
  ]);
  deepStrictEqual(
    [finished.group, finished.file, finished.path, finished.bytes],
    [GROUP, "movie.bin", destination, 8 * MiB],
  );
  ok(typeof finished.seconds === "number" && finished.seconds > 0);
  equal(await sha1OfFile(destination), sha1);
  equal(await exists(`${destination}.part`), false, "the partial file is gone");
  equal(await exists(`${destination}.part.resume`), false, "the resume record is gone");
  const done = await downloadOf(downloader, id);
  deepStrictEqual([done?.state, done?.piecesDone, done?.pieces], ["C", 16, 16]);
});

Deno.test("download_file puts the file inside a folder, at a new file path, and never overwrites", async () => {
  await using swarm = await Swarm.start([[], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/report.bin`;
  const sha1 = await writeRandomFile(source, 3 * PIECE + 17);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);

  // A folder: the file goes inside under its own name.
  const folder = `${swarm.dir}/inbox`;
  await Deno.mkdir(folder);
  const intoFolder = await startDownload(downloader, "report.bin", folder);
  equal(intoFolder.path, `${folder}/report.bin`);
  await eventWith(downloader, "download_finished", { id: intoFolder.id });
  equal(await sha1OfFile(`${folder}/report.bin`), sha1);
  deepStrictEqual(await listDir(folder), ["report.bin"]);

  // A file path in an existing folder, under another name.
  const renamed = `${swarm.dir}/renamed.dat`;
  const atPath = await startDownload(downloader, "report.bin", renamed);
  equal(atPath.path, renamed);
  await eventWith(downloader, "download_finished", { id: atPath.id });
  equal(await sha1OfFile(renamed), sha1);

  // Existing destinations are refused at once, and left as they were.
  await Deno.writeTextFile(`${swarm.dir}/taken.bin`, "mine");
  await assertRefused(
    downloader,
    `download_file ${GROUP} report.bin ${swarm.dir}/taken.bin`,
    "destination_exists",
  );
  await assertRefused(
    downloader,
    `download_file ${GROUP} report.bin ${folder}`,
    "destination_exists",
  );
  equal(await Deno.readTextFile(`${swarm.dir}/taken.bin`), "mine");
  equal(await sha1OfFile(`${folder}/report.bin`), sha1);
  // A folder that does not exist is refused too.
  await assertRefused(
    downloader,
    `download_file ${GROUP} report.bin ${swarm.dir}/missing/`,
    "no_such_path",
  );
  await assertRefused(
    downloader,
    `download_file ${GROUP} report.bin ${swarm.dir}/missing/x.bin`,
    "no_such_path",
  );
  equal(downloader.events.filter((e) => e.event === "download_finished").length, 2);
});

Deno.test("edge sizes 0, 1, 524287, 524288, 524289 and 3×524288 bytes download intact", async () => {
  await using swarm = await Swarm.start([[], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const sizes = [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE];
  const sources = `${swarm.dir}/sources`;
  const copies = `${swarm.dir}/copies`;
  await Deno.mkdir(sources);
  await Deno.mkdir(copies);
  const sha1s = new Map<string, string>();
  for (const size of sizes) {
    const name = `size-${size}.bin`;
    sha1s.set(name, await writeRandomFile(`${sources}/${name}`, size));
    const shared = await assertOk(seeder, `upload_file ${sources}/${name} ${GROUP}`);
    deepStrictEqual([shared.size, shared.sha1], [size, sha1s.get(name)]);
  }
  const ids = new Map<string, string>();
  for (const name of sha1s.keys()) {
    ids.set(name, (await startDownload(downloader, name, copies)).id);
  }
  for (const [name, sha1] of sha1s) {
    const finished = await eventWith(downloader, "download_finished", { id: ids.get(name) });
    const size = Number(/\d+/.exec(name)![0]);
    equal(finished.bytes, size, name);
    equal((await Deno.stat(`${copies}/${name}`)).size, size, name);
    equal(await sha1OfFile(`${copies}/${name}`), sha1, name);
  }
  deepStrictEqual(await listDir(copies), [...sha1s.keys()].sort());
  const listed = (await assertOk(downloader, `list_files ${GROUP}`)).files as {
    name: string;
    pieces: number;
  }[];
  deepStrictEqual(
    Object.fromEntries(listed.map((file) => [file.name, file.pieces])),
    Object.fromEntries(sizes.map((size) => [`size-${size}.bin`, Math.ceil(size / PIECE)])),
  );
});

Deno.test("upload_file adds a member as seeder of the same content, refuses other content under the name", async () => {
  await using swarm = await Swarm.start([[], [], []]);
  const [alice, bob, carol] = [swarm.peer(0), swarm.peer(1), swarm.peer(2)];
  const source = `${swarm.dir}/data.bin`;
  const sha1 = await writeRandomFile(source, 2 * PIECE + 9);
  const first = await assertOk(alice, `upload_file ${source} ${GROUP}`);
  equal(first.added, true);
  equal((await assertOk(alice, `upload_file ${source} ${GROUP}`)).added, false);
  await Deno.mkdir(`${swarm.dir}/bob`);
  await Deno.copyFile(source, `${swarm.dir}/bob/data.bin`);
  const same = await assertOk(bob, `upload_file ${swarm.dir}/bob/data.bin ${GROUP}`);
  deepStrictEqual([same.added, same.fileId], [true, first.fileId]);
  await Deno.mkdir(`${swarm.dir}/carol`);
  await writeRandomFile(`${swarm.dir}/carol/data.bin`, 2 * PIECE + 9);
  await assertRefused(
    carol,
    `upload_file ${swarm.dir}/carol/data.bin ${GROUP}`,
    ErrorCode.NAME_EXISTS,
  );
  deepStrictEqual(
    { ...await listedFile(carol, "data.bin") },
    { name: "data.bin", size: 2 * PIECE + 9, sha1, pieces: 3, seeders: 2, partial: 0, sharers: 2 },
  );
  const { id, path } = await startDownload(carol, "data.bin", `${swarm.dir}/copy.bin`);
  await eventWith(carol, "download_finished", { id });
  equal(await sha1OfFile(path), sha1);
});

Deno.test("non-members are refused upload_file, download_file and stop_share with not_member", async () => {
  await using swarm = await Swarm.start([[]]);
  const owner = swarm.peer(0);
  const source = `${swarm.dir}/secret.bin`;
  await writeRandomFile(source, PIECE + 5);
  await assertOk(owner, `upload_file ${source} ${GROUP}`);
  const outsider = (await swarm.addPeer("outsider", [], { join: false })).process;
  const own = `${swarm.dir}/outsider.bin`;
  await writeRandomFile(own, 100);

  await assertRefused(outsider, `upload_file ${own} ${GROUP}`, ErrorCode.NOT_MEMBER);
  await assertRefused(
    outsider,
    `download_file ${GROUP} secret.bin ${swarm.dir}/stolen.bin`,
    ErrorCode.NOT_MEMBER,
  );
  await assertRefused(outsider, `stop_share ${GROUP} secret.bin`, ErrorCode.NOT_MEMBER);
  // A pending join request does not make a member either.
  await assertOk(outsider, `join_group ${GROUP}`);
  await assertRefused(
    outsider,
    `download_file ${GROUP} secret.bin ${swarm.dir}/stolen.bin`,
    ErrorCode.NOT_MEMBER,
  );
  equal(await exists(`${swarm.dir}/stolen.bin`), false);
  equal(await exists(`${swarm.dir}/stolen.bin.part`), false);
  deepStrictEqual((await assertOk(outsider, "show_downloads")).downloads, []);
  // The owner's file is still listed, with its one seeder.
  equal((await listedFile(owner, "secret.bin"))?.seeders, 1);
});

Deno.test("names that could escape a folder are refused by the peer and by the tracker", async () => {
  await using swarm = await Swarm.start([[], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const nested = `${swarm.dir}/a/b`;
  await Deno.mkdir(nested, { recursive: true });
  await writeRandomFile(`${nested}/ok.bin`, 1000);
  // The base name of "a/b/.." is "..": never a file name in a group.
  await assertRefused(seeder, `upload_file ${nested}/.. ${GROUP}`, "bad_file_name");
  // A backslash is a path separator elsewhere: refused too, though Linux allows it in a name.
  const backslash = `${swarm.dir}/evil\\..\\x.bin`;
  await Deno.writeTextFile(backslash, "x");
  await assertRefused(seeder, `upload_file '${backslash}' ${GROUP}`, "bad_file_name");
  const dots = `${swarm.dir}/..hidden`;
  await Deno.writeTextFile(dots, "x");
  await assertRefused(seeder, `upload_file ${dots} ${GROUP}`, "bad_file_name");
  deepStrictEqual((await assertOk(seeder, `list_files ${GROUP}`)).files, []);

  // download_file refuses such names before asking the tracker.
  for (const name of ["../x.bin", "..", "a/b.bin", "'a\\b.bin'"]) {
    const reply = await downloader.command(`download_file ${GROUP} ${name} ${swarm.dir}/out`);
    equal(reply.ok, false, name);
    ok(["bad_file_name", "bad_arguments"].includes(String(reply.code)), JSON.stringify(reply));
  }

  // The tracker itself refuses a name with a separator or "..", whoever sends it: such a
  // message breaks the protocol, so it answers with one error and closes the connection.
  for (const name of ["../evil.bin", "a/b.bin", "..", "x\\y.bin"]) {
    const client = await swarm.cluster.client(1);
    try {
      const { token } = await client.request("login", {
        user: "u0",
        password: PASSWORD,
        peerId: client.peerId,
        port: 1,
      });
      const args = {
        group: GROUP,
        name,
        fileId: "0".repeat(40),
        size: 1,
        pieceLength: PIECE,
        sha1: "0".repeat(40),
      };
      const refusal = await client.request("upload_file", args, { token, requestId: "probe.1" })
        .then(() => null, (error: Error) => error);
      ok(
        refusal?.message.includes('"name": must be a plain file name'),
        `the tracker did not refuse the name ${name}: ${refusal}`,
      );
    } finally {
      await client.close();
    }
  }
  deepStrictEqual((await assertOk(seeder, `list_files ${GROUP}`)).files, []);

  // Plain names, spaces and dots included, land inside the destination folder and nowhere else.
  const spaced = `${nested}/my report .. v2.bin`;
  await writeRandomFile(spaced, 10);
  await assertRefused(seeder, `upload_file '${spaced}' ${GROUP}`, "bad_file_name");
  const plain = `${nested}/my report. v2.bin`;
  const plainSha1 = await writeRandomFile(plain, 10);
  await assertOk(seeder, `upload_file ${nested}/ok.bin ${GROUP}`);
  await assertOk(seeder, `upload_file '${plain}' ${GROUP}`);
  const out = `${swarm.dir}/out`;
  await Deno.mkdir(out);
  const before = await listDir(swarm.dir);
  const { id, path } = await startDownload(downloader, "ok.bin", out);
  equal(path, `${out}/ok.bin`);
  await eventWith(downloader, "download_finished", { id });
  const other = await assertOk(downloader, `download_file ${GROUP} 'my report. v2.bin' ${out}`);
  equal(other.path, `${out}/my report. v2.bin`);
  await eventWith(downloader, "download_finished", { id: other.id });
  equal(await sha1OfFile(`${out}/my report. v2.bin`), plainSha1);
  deepStrictEqual(await listDir(out), ["my report. v2.bin", "ok.bin"]);
  deepStrictEqual(await listDir(swarm.dir), before);
});

// A link planted at `<destination>.part` must never be followed: download_file refuses a new
// download whose partial file's path is taken.
Deno.test({
  name: "download_file never writes through a link planted at the partial file's path",
}, async () => {
  await using swarm = await Swarm.start([[], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/ok.bin`;
  const sha1 = await writeRandomFile(source, PIECE + 3);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const out = `${swarm.dir}/out`;
  await Deno.mkdir(out);
  const victim = `${swarm.dir}/victim.txt`;
  await Deno.writeTextFile(victim, "precious");
  await Deno.symlink(victim, `${out}/ok.bin.part`);
  const reply = await downloader.command(`download_file ${GROUP} ok.bin ${out}`);
  equal(reply.code, "destination_exists", JSON.stringify(reply));
  if (reply.ok === true) {
    const id = String(reply.id);
    await waitUntil("the download ends", async () => {
      const view = await downloadOf(downloader, id);
      return view?.state === "C" || view?.state === "F" ? view : undefined;
    });
  }
  equal(await Deno.readTextFile(victim), "precious", "the file the link points to is untouched");
  if (reply.ok === true && await exists(`${out}/ok.bin`)) {
    equal((await Deno.lstat(`${out}/ok.bin`)).isFile, true, "the result is a regular file");
    equal(await sha1OfFile(`${out}/ok.bin`), sha1);
  }
});

// A file of the user's at `<destination>.part` is refused like an existing destination.
Deno.test({
  name: "download_file leaves alone a file of the user's at the partial file's path",
}, async () => {
  await using swarm = await Swarm.start([[], []]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/ok.bin`;
  await writeRandomFile(source, PIECE + 3);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const out = `${swarm.dir}/out`;
  await Deno.mkdir(out);
  await Deno.writeTextFile(`${out}/ok.bin.part`, "my own notes");
  const reply = await downloader.command(`download_file ${GROUP} ok.bin ${out}`);
  equal(reply.code, "destination_exists", JSON.stringify(reply));
  equal(await Deno.readTextFile(`${out}/ok.bin.part`), "my own notes");
});
