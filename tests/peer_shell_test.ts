/**
 * The shell as a user meets it, with real peer processes (issue 10): download_progress events
 * at --progress-interval-ms, show_download, quit with a running download (what it waits for,
 * Logged out before Bye), the notice of an accepted join request, --help and the config file.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { MiB, writeRandomFile } from "./helpers/files.ts";
import { assertOk, type JsonLine, peerArgs, PeerProcess, STACK_LINE } from "./helpers/peer.ts";
import { Child, run, tempDir } from "./helpers/processes.ts";
import { PEER_HELP } from "../lib/peer/mod.ts";
import { eventWith, GROUP, PASSWORD, startDownload, Swarm, waitUntil } from "./helpers/swarm.ts";

/** A float with more digits than a person or a parser needs. */
const FLOAT_NOISE = /\d\.\d{4,}/;

Deno.test("--json prints download_progress at --progress-interval-ms; quit says what it waits for", async () => {
  await using swarm = await Swarm.start([[], [
    "--download-limit",
    "2MiB/s",
    "--progress-interval-ms",
    "200",
  ]]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/movie.bin`;
  await writeRandomFile(source, 6 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const { id } = await startDownload(downloader, "movie.bin", `${swarm.dir}/copy.bin`);
  const progress = () =>
    downloader.events.filter((event) => event.event === "download_progress" && event.id === id);
  const seen = await waitUntil("three download_progress events with bytes", () => {
    const events = progress().filter((event) => Number(event.bytes) > 0);
    return events.length >= 3 && events;
  }, { timeoutMs: 10_000 });
  deepStrictEqual(Object.keys(seen[0]!).sort(), [
    "bytes",
    "eta",
    "event",
    "file",
    "group",
    "id",
    "peers",
    "percent",
    "pieces",
    "piecesDone",
    "rate",
    "size",
  ]);
  const last = seen.at(-1)!;
  ok(Number.isInteger(last.percent) && Number(last.percent) < 100, JSON.stringify(last));
  ok(Number(last.bytes) >= Number(seen[0]!.bytes), "bytes only grow");
  equal(last.peers, 1);
  equal(last.size, 6 * MiB);

  // show_download: the detail of one download, each peer with what it sent and its rate.
  const detail = (await assertOk(downloader, `show_download ${id}`)).download as JsonLine;
  equal(detail.id, id);
  equal(detail.state, "D");
  equal(detail.size, 6 * MiB);
  const peers = detail.peers as { addr: string; bytes: number; rate: number }[];
  equal(peers.length, 1);
  equal(peers[0]!.addr, swarm.members[0]!.address);
  ok(peers[0]!.bytes > 0 && peers[0]!.rate > 0, JSON.stringify(peers));
  deepStrictEqual(detail.banned, []);
  equal((await downloader.command("show_download d99")).code, "no_such_download");

  // quit: one line saying what it waits for, then the download ends, then the logout.
  deepStrictEqual(await downloader.command("quit"), { ok: true, command: "quit" });
  const waiting = await eventWith(downloader, "waiting_for_downloads", {});
  deepStrictEqual(waiting.ids, [id]);
  equal((await downloader.exited(20_000)).code, 0, downloader.transcript());
  const names = downloader.events.map((event) => event.event);
  const finishedAt = names.indexOf("download_finished");
  ok(names.indexOf("waiting_for_downloads") < finishedAt, names.join(" "));
  equal(names.at(-1), "logged_out");
  // No progress after the download ended, and no float noise in any line.
  ok(!names.slice(finishedAt).includes("download_progress"), names.join(" "));
  for (const line of downloader.lines) ok(!FLOAT_NOISE.test(line), line);
});

Deno.test("--progress-interval-ms 0 prints no download_progress", async () => {
  await using swarm = await Swarm.start([[], ["--progress-interval-ms", "0"]]);
  const [seeder, downloader] = [swarm.peer(0), swarm.peer(1)];
  const source = `${swarm.dir}/small.bin`;
  await writeRandomFile(source, 2 * MiB);
  await assertOk(seeder, `upload_file ${source} ${GROUP}`);
  const { id } = await startDownload(downloader, "small.bin", `${swarm.dir}/copy.bin`);
  await eventWith(downloader, "download_finished", { id }, 20_000);
  equal(downloader.events.filter((event) => event.event === "download_progress").length, 0);
});

Deno.test("human shell: accepted-into-group notice, did you mean, quit waits with Ctrl-C hint, Logged out before Bye", async () => {
  await using swarm = await Swarm.start([[]]);
  const owner = swarm.peer(0);
  const source = `${swarm.dir}/movie.bin`;
  await writeRandomFile(source, 4 * MiB);
  await assertOk(owner, `upload_file ${source} ${GROUP}`);
  await using bob = await PeerProcess.start(swarm.cluster.infoPath, `${swarm.dir}/bob`, {
    isJson: false,
    extraArgs: ["--download-limit", "1MiB/s"],
  });
  await bob.expect(`create_user bob ${PASSWORD}`, /^User "bob" created$/);
  await bob.expect(`login bob ${PASSWORD}`, /^Logged in as bob/);
  await bob.expect(
    "lsit_groups",
    /^Error: Unknown command "lsit_groups": did you mean "list_groups"\?/,
  );
  await bob.expect(`join_group ${GROUP}`, /^Asked to join group "g"/);
  await assertOk(owner, `accept_request ${GROUP} bob`);
  await bob.expect("", /^You were accepted into group "g"$/, 15_000);
  await bob.expect(
    `download_file ${GROUP} movie.bin ${swarm.dir}/copy.bin`,
    /^Download d1 started/,
  );
  await bob.write("quit");
  equal((await bob.exited(30_000)).code, 0, bob.transcript());
  const lines = bob.lines;
  const waiting = lines.findIndex((line) => /^Waiting for 1 download to finish/.test(line));
  ok(waiting >= 0, bob.transcript());
  match(lines[waiting]!, /d1 \[g\] movie\.bin \d+%.*Ctrl-C/);
  const finished = lines.findIndex((line) => /^Download d1 finished/.test(line));
  ok(finished > waiting, bob.transcript());
  deepStrictEqual(lines.slice(-2), ["Logged out bob", "Bye"]);
});

Deno.test("peer.ts --help and -h print usage, every flag with its default and an example; exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const result = await run(peerArgs([flag]));
    equal(result.code, 0, result.stderr);
    equal(result.stderr, "");
    match(result.stdout, /^Usage:\n {2}peer\.ts <IP>:<PORT> <tracker_info\.txt> \[flags\]/);
    match(result.stdout, /--progress-interval-ms MS .*\(default 1000; 0: off\)/);
    match(result.stdout, /--config FILE/);
    match(result.stdout, /Example:\n {2}deno task peer /);
  }
});

Deno.test("peer.ts reads peershare.json from its state folder and --config FILE; a bad one is one line, exit 2", async () => {
  await using dir = await tempDir();
  await using swarm = await Swarm.start([]);
  const [tracker] = (await Deno.readTextFile(swarm.cluster.infoPath)).trim().split("\n");
  // In the state folder: the output mode comes from the file.
  const state = `${dir.path}/alice`;
  await Deno.mkdir(state, { recursive: true });
  await Deno.writeTextFile(`${state}/peershare.json`, JSON.stringify({ json: true }));
  await using alice = await PeerProcess.start(swarm.cluster.infoPath, state, { isJson: false });
  // Started without --json: the JSON line comes from the file's "json": true.
  await alice.write("help quit");
  equal((await alice.nextResult()).ok, true);
  equal((await alice.endInput()).code, 0);
  // Named by --config, with the trackers listed in it: no positional argument needed.
  const config = `${dir.path}/bob.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({ listen: "127.0.0.1:0", trackers: [tracker], stateDir: `${dir.path}/bob` }),
  );
  await using child = new Child(peerArgs(["--config", config, "--json"]), { stdin: true });
  await child.stdout.waitFor((line) => /"event":"listening"/.test(line), 0, 15_000);
  await child.write(`create_user bob ${PASSWORD}`);
  await child.stdout.waitFor((line) => /"ok":true,"command":"create_user"/.test(line), 0);
  await child.closeStdin();
  equal((await child.exited()).code, 0);
  // A bad file: one line naming it, exit 2, nothing on stdout.
  const bad = `${dir.path}/bad.json`;
  await Deno.writeTextFile(bad, JSON.stringify({ uploadSlot: 3 }));
  const result = await run(peerArgs(["127.0.0.1:0", swarm.cluster.infoPath, "--config", bad]));
  equal(result.code, 2);
  equal(result.stdout, "");
  const lines = result.stderr.trim().split("\n");
  equal(lines.length, 1, result.stderr);
  match(lines[0]!, /^peer: Bad config file ".*bad\.json": unknown key "uploadSlot"/);
  ok(!STACK_LINE.test(result.stderr));
});

Deno.test("README's peer flags are exactly those of peer.ts --help", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("### peer\n"), readme.indexOf("### Permissions"));
  const flagsOf = (text: string) =>
    new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
  const table = section.split("\n").filter((line) => line.startsWith("| `-"));
  const inReadme = flagsOf(table.join("\n"));
  const inHelp = flagsOf(
    PEER_HELP.slice(PEER_HELP.indexOf("Flags:"), PEER_HELP.indexOf("Config file")),
  );
  deepStrictEqual([...inReadme].sort(), [...inHelp].sort());
  ok(inReadme.size >= 13, [...inReadme].join(" "));
});
