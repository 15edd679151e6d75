/**
 * Encryption and pinned keys, end to end: a passive reader between peers and the tracker, and
 * between a downloader and a seeder, sees none of the secrets; a tracker whose key is not the
 * one pinned (in tracker_info.txt, or on first use) is refused in one line.
 */
import { equal, match, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  CIPHER_MAGIC,
  openConnection,
  preferredCipher,
  RpcClient,
  UNENCRYPTED_BENCH_ENV,
  UNENCRYPTED_BENCH_MAGIC,
} from "../lib/wire/mod.ts";
import { type TestIdentity, testIdentity } from "../lib/peer/testing/identities.ts";
import { Download } from "../lib/peer/engine/download.ts";
import { ServedFiles } from "../lib/peer/seeder/served_files.ts";
import {
  FakeSwarm,
  makeIdentity,
  planFor,
  randomFile,
  startSeeder,
  TestTracker,
} from "../lib/peer/testing/swarm_fixture.ts";
import { Cluster } from "./helpers/cluster.ts";
import { sha1OfFile, writeRandomFile } from "./helpers/files.ts";
import { assertOk, assertRefused, PeerProcess } from "./helpers/peer.ts";
import { ROOT, run, tempDir } from "./helpers/processes.ts";
import { RecordingProxy } from "./helpers/recording_proxy.ts";
import { eventWith } from "./helpers/swarm.ts";

const MiB = 1024 * 1024;
const PASSWORD = "correct-horse-battery-staple";

/** The key fingerprint a tracker printed on its start line. */
function printedKey(tracker: { stdout: { lines: readonly string[] } }): string {
  for (const line of tracker.stdout.lines) {
    const key = /; key ([A-Za-z0-9_-]{43})\)/.exec(line)?.[1];
    if (key) return key;
  }
  throw new Error(`The tracker printed no key: ${tracker.stdout.lines.join("\n")}`);
}

Deno.test("a recording proxy between peers and the tracker sees no password, token or name", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  await cluster.start(1);
  await using proxy = RecordingProxy.start({ host: "127.0.0.1", port: cluster.ports[0]! });
  const viaProxy = `${dir.path}/via_proxy.txt`;
  await Deno.writeTextFile(viaProxy, `127.0.0.1:${proxy.port}\n`);

  await using alice = await PeerProcess.startLoggedIn(viaProxy, `${dir.path}/alice`, {
    user: "alice-secretly",
    password: PASSWORD,
  });
  await using bob = await PeerProcess.startLoggedIn(viaProxy, `${dir.path}/bob`, {
    user: "bob-secretly",
    password: PASSWORD,
  });
  const source = `${dir.path}/quarterly-plans.bin`;
  const sha1 = await writeRandomFile(source, 3 * MiB);
  await assertOk(alice, "create_group hidden-club");
  await assertOk(alice, `upload_file ${source} hidden-club`);
  await assertOk(bob, "join_group hidden-club");
  await assertOk(alice, "accept_request hidden-club bob-secretly");
  const reply = await assertOk(
    bob,
    `download_file hidden-club quarterly-plans.bin ${dir.path}/copy.bin`,
  );
  await eventWith(bob, "download_finished", { id: reply.id }, 20_000);
  equal(await sha1OfFile(`${dir.path}/copy.bin`), sha1);

  // A client of our own through the proxy too, so the test knows a token to look for.
  const me = await testIdentity();
  const client = await openVia(proxy, me);
  const { token } = await client.request("login", {
    user: "alice-secretly",
    password: PASSWORD,
    peerId: me.peerId,
    port: 1,
  });
  await client.request("list_groups", {}, { token });
  await client.close();

  ok(proxy.connections >= 3, `${proxy.connections} connections went through the proxy`);
  ok(proxy.recorded.length > 4096, `the proxy carried ${proxy.recorded.length} bytes`);
  ok(proxy.saw(CIPHER_MAGIC[preferredCipher()]), "the connections opened with the Noise magic");
  for (
    const secret of [
      PASSWORD,
      token,
      "alice-secretly",
      "bob-secretly",
      "hidden-club",
      "quarterly-plans",
      sha1,
      Buffer.from(sha1, "hex"),
      "login",
      "PSHR", // protocol 1's magic: the Hello runs inside the channel
    ]
  ) {
    ok(!proxy.saw(secret), `the proxy saw ${String(secret)}`);
  }
});

Deno.test("a recording proxy between a downloader and a seeder sees none of the file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/shared.bin`;
  const hashes = await randomFile(path, 6 * 512 * 1024 + 77);
  const tracker = await TestTracker.create();
  await using seeder = await startSeeder(tracker, { path, fileId: hashes.fileId });
  await using proxy = RecordingProxy.start(seeder.server.address);
  const identity = await makeIdentity();
  const viaProxy = { ...seeder.endpoint, address: `127.0.0.1:${proxy.port}` };
  const swarm = new FakeSwarm(tracker, hashes.fileId, identity, [viaProxy]);
  await Deno.mkdir(`${dir.path}/out`);
  const download = new Download(planFor(hashes, `${dir.path}/out/copy.bin`), {
    identity,
    swarm,
    served: new ServedFiles(),
    onEvent: () => {},
  });
  await download.start();
  await download.done;
  equal(await sha1OfFile(`${dir.path}/out/copy.bin`), hashes.sha1);
  ok(proxy.recorded.length > hashes.size, "the file went through the proxy");
  // No 64-byte run of the file, at a hundred places, crossed the wire in clear.
  const content = await Deno.readFile(path);
  for (let i = 0; i < 100; i++) {
    const at = Math.floor((i / 100) * (content.length - 64));
    ok(!proxy.saw(content.subarray(at, at + 64)), `bytes ${at}..${at + 64} were seen`);
  }
});

Deno.test("the benchmarks' unencrypted mode takes its variable and a permission, and only its kind", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  // Children started while the variable is set get it and the permission to read it. This
  // process opens no encrypted connection meanwhile (its own mode is read once, at its first).
  Deno.env.set(UNENCRYPTED_BENCH_ENV, "1");
  const started = (async () => {
    const tracker = await cluster.start(1);
    const proxy = RecordingProxy.start({ host: "127.0.0.1", port: cluster.ports[0]! });
    const viaProxy = `${dir.path}/via_proxy.txt`;
    await Deno.writeTextFile(viaProxy, `127.0.0.1:${proxy.port}\n`);
    const peer = await PeerProcess.startLoggedIn(viaProxy, `${dir.path}/bench`, {
      user: "bench-user",
      password: PASSWORD,
    });
    return { tracker, proxy, peer };
  })().finally(() => Deno.env.delete(UNENCRYPTED_BENCH_ENV));
  const { tracker, proxy: startedProxy, peer: startedPeer } = await started;
  await using proxy = startedProxy;
  await using peer = startedPeer;
  await assertOk(peer, "create_group bench-club");
  // The records really are in clear: what the benchmark measures is the cipher's absence.
  ok(proxy.saw(UNENCRYPTED_BENCH_MAGIC), "the connection opened with the unencrypted magic");
  ok(proxy.saw(PASSWORD) && proxy.saw("bench-club"), "the records carried the plaintext");
  ok(tracker.stderr.lines.some((line) => line.includes("NOT encrypted")), "the tracker said so");

  // An ordinary peer is refused, in one line that says why, before it sends a password.
  await using plain = await PeerProcess.start(cluster.infoPath, `${dir.path}/plain`);
  const refused = await assertRefused(plain, "create_user carol pw", "tracker_unreachable");
  match(String(refused.error), /runs unencrypted \(PEERSHARE_UNENCRYPTED_BENCH, for benchmarks/);

  // The variable without the permission is never read: the process stays encrypted.
  const probe = `${dir.path}/probe.ts`;
  await Deno.writeTextFile(
    probe,
    `import { isUnencryptedBench } from "${ROOT}lib/wire/mod.ts";\n` +
      "console.log(isUnencryptedBench());\n",
  );
  const child = (flags: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--config=${ROOT}deno.json`,
        "--no-prompt",
        "--allow-read",
        "--allow-ffi",
        ...flags,
        probe,
      ],
      cwd: ROOT,
      env: { [UNENCRYPTED_BENCH_ENV]: "1", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const [without, granted] = await Promise.all([
    child([]),
    child([`--allow-env=${UNENCRYPTED_BENCH_ENV}`]),
  ]);
  const answer = (out: Deno.CommandOutput) =>
    new TextDecoder().decode(out.stdout).trim() || new TextDecoder().decode(out.stderr);
  equal(answer(without), "false");
  equal(answer(granted), "true");
});

Deno.test("a peer refuses a tracker whose key is not the one tracker_info.txt pins, in one line", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const tracker = await cluster.start(1);
  const key = printedKey(tracker);
  const wrong = (key[0] === "A" ? "B" : "A") + key.slice(1);
  const pinnedWrong = `${dir.path}/pinned_wrong.txt`;
  await Deno.writeTextFile(pinnedWrong, `127.0.0.1:${cluster.ports[0]} ${wrong}\n`);
  await using peer = await PeerProcess.start(pinnedWrong, `${dir.path}/wrong`);
  const refused = await assertRefused(peer, "create_user carol pw", "tracker_unreachable");
  match(
    String(refused.error),
    new RegExp(`proved key ${key}, not the key ${wrong} its line in tracker_info\\.txt names`),
  );
  // With the right key pinned, the same peer folder works.
  const pinnedRight = `${dir.path}/pinned_right.txt`;
  await Deno.writeTextFile(pinnedRight, `127.0.0.1 ${cluster.ports[0]} ${key}\n`);
  await using right = await PeerProcess.start(pinnedRight, `${dir.path}/right`);
  await assertOk(right, "create_user carol pw");
});

Deno.test("a tracker whose key changed since first use is refused, naming known_trackers.json", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  const first = await cluster.start(1);
  const key = printedKey(first);
  const stateDir = `${dir.path}/peer`;
  {
    await using peer = await PeerProcess.startLoggedIn(cluster.infoPath, stateDir, {
      user: "dana",
    });
    await assertOk(peer, "list_groups");
  }
  const known = JSON.parse(await Deno.readTextFile(`${stateDir}/known_trackers.json`));
  equal(known[`127.0.0.1:${cluster.ports[0]}`], key, "the key was learned on first use");
  // Another tracker (a fresh data folder: a new key) takes the same address.
  await cluster.kill(1);
  await Deno.remove(`${dir.path}/tracker-1`, { recursive: true });
  const impostor = await cluster.start(1);
  const newKey = printedKey(impostor);
  ok(newKey !== key);
  await using peer = await PeerProcess.start(cluster.infoPath, stateDir);
  const refused = await assertRefused(peer, "create_user erin pw", "tracker_unreachable");
  match(
    String(refused.error),
    new RegExp(
      `proved key ${newKey}, not the key ${key} kept for it \\(first seen there, or named ` +
        `by the cluster\\): if its key really changed, remove its line from ` +
        `.*known_trackers\\.json`,
    ),
  );
});

Deno.test("trackers refuse to replicate with a tracker that proves another key than pinned", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  const two = await cluster.start(2);
  const key = printedKey(two);
  const wrong = (key[0] === "A" ? "B" : "A") + key.slice(1);
  await Deno.writeTextFile(
    cluster.infoPath,
    `127.0.0.1:${cluster.ports[0]}\n127.0.0.1:${cluster.ports[1]} ${wrong}\n`,
  );
  const one = await cluster.start(1);
  await one.stderr.waitFor((line) =>
    line.includes(`proved key ${key}, not the key ${wrong} tracker_info.txt names for it`)
  );
  // And a tracker whose own line pins another key does not start at all.
  await cluster.kill(2);
  const refused = await run([
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-read",
    `--allow-write=${dir.path}`,
    `${ROOT}tracker.ts`,
    cluster.infoPath,
    "2",
    "--data-dir",
    `${dir.path}/tracker-2`,
    "--cluster-key",
    `${dir.path}/cluster.key`,
  ]);
  equal(refused.code, 2, refused.stderr);
  match(
    refused.stderr,
    new RegExp(
      // Its last line (tracker 1's replication connection may log its cancelling first).
      `(^|\n)tracker: .* pins key ${wrong} for tracker 2, but this tracker's key .* is ${key}: fix the line\n$`,
    ),
  );
});

async function openVia(proxy: RecordingProxy, me: TestIdentity): Promise<RpcClient> {
  const wire = await openConnection({ host: "127.0.0.1", port: proxy.port }, {
    role: "peer",
    id: me.peerId,
    identity: me.transport,
  });
  return new RpcClient(wire);
}
