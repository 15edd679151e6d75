/**
 * `--download-limit` and `--upload-limit` with real peer processes (issue 4): each limit holds
 * for all transfers together, within a generous tolerance: a bucket may bank up to one second
 * of its rate while idle, and 2 shared cores make things slower, never faster.
 */
import { equal, ok } from "node:assert/strict";
import { MiB, sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk } from "./helpers/peer.ts";
import { eventWith, GROUP, startDownload, Swarm } from "./helpers/swarm.ts";

const LIMIT = 4 * MiB;
const FILE = 6 * MiB;
/** Two 6 MiB files at 4 MiB/s take 3 s; less one second of banked burst, at least 2 s. */
const MIN_MS = ((2 * FILE - LIMIT) / LIMIT) * 1000;
/** And not much longer than that: a limit that throttles far below its rate is a bug too. */
const MAX_MS = 9_000;

/** Two files of FILE bytes shared by peer 0; returns their SHA-1 by name. */
async function shareTwo(swarm: Swarm): Promise<Map<string, string>> {
  const sha1s = new Map<string, string>();
  for (const name of ["one.bin", "two.bin"]) {
    sha1s.set(name, await writeRandomFile(`${swarm.dir}/${name}`, FILE));
    await assertOk(swarm.peer(0), `upload_file ${swarm.dir}/${name} ${GROUP}`);
  }
  return sha1s;
}

Deno.test("--download-limit holds for two downloads together", async () => {
  await using swarm = await Swarm.start([[], ["--download-limit", "4MiB/s"]]);
  const downloader = swarm.peer(1);
  const sha1s = await shareTwo(swarm);
  const out = `${swarm.dir}/out`;
  await Deno.mkdir(out);
  const started = performance.now();
  const ids = [];
  for (const name of sha1s.keys()) ids.push((await startDownload(downloader, name, out)).id);
  for (const id of ids) await eventWith(downloader, "download_finished", { id }, 20_000);
  const elapsed = performance.now() - started;
  ok(elapsed >= MIN_MS, `12 MiB at 4 MiB/s took only ${elapsed.toFixed(0)} ms`);
  ok(elapsed <= MAX_MS, `12 MiB at 4 MiB/s took ${elapsed.toFixed(0)} ms`);
  for (const [name, sha1] of sha1s) equal(await sha1OfFile(`${out}/${name}`), sha1);
});

Deno.test("--upload-limit holds for two downloaders together", async () => {
  await using swarm = await Swarm.start([["--upload-limit", "4MiB/s"], [], []]);
  const sha1s = await shareTwo(swarm);
  const started = performance.now();
  const [one, two] = [swarm.peer(1), swarm.peer(2)];
  const a = await startDownload(one, "one.bin", `${swarm.dir}/a.bin`);
  const b = await startDownload(two, "two.bin", `${swarm.dir}/b.bin`);
  const finished = await Promise.all([
    eventWith(one, "download_finished", { id: a.id }, 20_000),
    eventWith(two, "download_finished", { id: b.id }, 20_000),
  ]);
  const elapsed = performance.now() - started;
  ok(elapsed >= MIN_MS, `12 MiB sent at 4 MiB/s in only ${elapsed.toFixed(0)} ms`);
  ok(elapsed <= MAX_MS, `12 MiB sent at 4 MiB/s took ${elapsed.toFixed(0)} ms`);
  for (const event of finished) ok(Number(event.seconds) > 0);
  equal(await sha1OfFile(a.path), sha1s.get("one.bin"));
  equal(await sha1OfFile(b.path), sha1s.get("two.bin"));
});
