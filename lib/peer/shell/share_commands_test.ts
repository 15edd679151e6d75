import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { FakeApi, FakeServices } from "../testing/fake_api.ts";
import { COMMANDS } from "./commands.ts";
import { Output } from "./output.ts";
import { Shell } from "./shell.ts";

async function runLines(lines: string[], services = new FakeServices()) {
  const written: string[] = [];
  const api = new FakeApi();
  const shell = new Shell({
    input: Readable.from(lines.map((line) => line + "\n")),
    output: new Output({ isJson: true, write: (text) => written.push(text) }),
    commands: COMMANDS,
    tracker: api,
    listenPort: 4000,
    services,
  });
  await shell.run();
  return { services, api, results: written.map((text) => JSON.parse(text)) };
}

Deno.test("Share and download commands reach the services with checked arguments", async () => {
  const { services, results } = await runLines([
    "upload_file '/tmp/my file.bin' g1",
    "download_file g1 f.bin /tmp/out",
    "pause_download d1",
    "resume_download d1",
    "cancel_download d1",
    "stop_share g1 f.bin",
  ]);
  assert.deepEqual(services.calls, [
    "share /tmp/my file.bin g1",
    "download g1 f.bin /tmp/out",
    "pause d1",
    "resume d1",
    "cancel d1",
    "stopShare g1 f.bin",
  ]);
  assert.ok(results.every((result) => result.ok === true));
  assert.deepEqual(results[1], {
    ok: true,
    command: "download_file",
    id: "d1",
    group: "g1",
    file: "f.bin",
    path: "/tmp/out/f.bin",
    resumed: false,
  });
});

Deno.test("download_file and stop_share refuse a file name that could escape a folder", async () => {
  const { services, results } = await runLines([
    "download_file g1 ../etc/passwd /tmp",
    "download_file g1 .. /tmp",
    "stop_share g1 a/b",
  ]);
  assert.deepEqual(services.calls, []);
  assert.deepEqual(results.map((result) => result.code), [
    "bad_file_name",
    "bad_file_name",
    "bad_file_name",
  ]);
});

Deno.test("login and logout start and stop sharing and downloads", async () => {
  const { services } = await runLines(["login alice pw", "logout", "logout"]);
  assert.deepEqual(services.calls, ["afterLogin alice", "beforeLogout"]);
});

Deno.test("show_shares and show_downloads print JSON lists", async () => {
  const services = new FakeServices();
  services.shareList = [{
    group: "g1",
    file: "f.bin",
    fileId: "0".repeat(40),
    state: "partial",
    size: 14,
    uploaded: 7,
  }];
  const { results } = await runLines(["show_shares", "show_downloads"], services);
  assert.deepEqual(results[0], {
    ok: true,
    command: "show_shares",
    shares: [{
      group: "g1",
      file: "f.bin",
      state: "partial",
      size: 14,
      uploaded: 7,
      ratio: 0.5,
      fileId: "0".repeat(40),
    }],
    totals: { uploaded: 7, downloaded: 0, ratio: null },
  });
  assert.deepEqual(results[1], { ok: true, command: "show_downloads", downloads: [] });
});
