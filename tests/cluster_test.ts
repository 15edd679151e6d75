/**
 * Tracker cluster scenarios, as scripts: start, write, kill, restart, compare digests.
 * Real tracker processes on 127.0.0.1; clients speak the wire protocol directly.
 */
import { encode } from "@msgpack/msgpack";
import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { toHex } from "../lib/common/base64.ts";
import { CommandError } from "../lib/common/errors.ts";
import { computeFileId, sha1 } from "../lib/common/hash.ts";
import { encodeFrame, FrameType, MAGIC, PROTOCOL_VERSION, ReplFrame } from "../lib/wire/mod.ts";
import { allGroups, Cluster, type TestClient } from "./helpers/cluster.ts";
import { type TestIdentity, testIdentity } from "../lib/peer/testing/identities.ts";
import { tempDir } from "./helpers/processes.ts";
import { waitUntil } from "../lib/common/test_util.ts";

interface Session {
  client: TestClient;
  /** The key the client proves: a token is good only on connections that prove it. */
  identity: TestIdentity;
  token: string;
}

async function session(
  cluster: Cluster,
  n: number,
  user: string,
  options: { create?: boolean; password?: string; identity?: TestIdentity } = {},
): Promise<Session> {
  const identity = options.identity ?? await testIdentity();
  const client = await cluster.client(n, identity);
  const password = options.password ?? "pw";
  if (options.create) await client.request("create_user", { user, password });
  const { token } = await client.request("login", {
    user,
    password,
    peerId: client.peerId,
    port: 9,
  });
  return { client, token, identity };
}

async function groupsOf(s: Session): Promise<Map<string, { owner: string; members: number }>> {
  const page = await s.client.request("list_groups", {}, { token: s.token });
  return new Map(page.groups.map((g) => [g.id, { owner: g.owner, members: g.members }]));
}

/**
 * Start trackers 1 and 2 of a three-tracker `cluster` from a list naming only the two of them:
 * tracker 3 joins later, and they trim without waiting for it.
 *
 * @returns that list's path, to restart either of them from
 */
async function startFirstTwo(cluster: Cluster): Promise<string> {
  const twoOnly = await cluster.writeFirst(2);
  await cluster.start(1, [], twoOnly);
  await cluster.start(2, [], twoOnly);
  return twoOnly;
}

/** Wait until trackers 1 and 2 have trimmed part of their logs, or with `whole`, all of them. */
async function firstTwoTrimmed(cluster: Cluster, options: { whole: boolean }): Promise<void> {
  for (const n of [1, 2]) {
    await waitUntil(
      `tracker ${n} trims ${options.whole ? "its whole log" : "its log"}`,
      async () => {
        const status = await cluster.status(n);
        const isTrimmed = options.whole ? status.logged === 0 : status.logged < status.ops;
        return isTrimmed ? status : undefined;
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
  }
}

async function refusedWith(promise: Promise<unknown>, code: string): Promise<void> {
  await rejects(promise, (error: unknown) => error instanceof CommandError && error.code === code);
}

Deno.test("a write on one tracker reaches the other and digests converge within 5 s", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const alice = await session(cluster, 1, "alice", { create: true });
  await alice.client.request("create_group", { group: "g1" }, { token: alice.token });
  const { ms } = await cluster.converged(5000);
  ok(ms < 5000);
  // The user created on tracker 1 logs in on tracker 2 and sees the group.
  const again = await session(cluster, 2, "alice");
  deepStrictEqual(await groupsOf(again), new Map([["g1", { owner: "alice", members: 1 }]]));
  // A token issued by tracker 1 works on tracker 2: no re-login after a failover.
  const viaOther = await cluster.client(2, alice.identity);
  const page = await viaOther.request("list_groups", {}, { token: alice.token });
  equal(page.groups.length, 1);
  // But only from alice's key: a stolen token is no use on another peer's connection.
  const thief = await cluster.client(2);
  await refusedWith(thief.request("list_groups", {}, { token: alice.token }), "not_logged_in");
  for (const c of [alice.client, again.client, viaOther, thief]) await c.close();
});

Deno.test("a killed tracker catches up on restart and nothing is resurrected", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const alice = await session(cluster, 1, "alice", { create: true });
  const bob = await session(cluster, 1, "bob", { create: true });
  await alice.client.request("create_group", { group: "g1" }, { token: alice.token });
  await alice.client.request("create_group", { group: "gone" }, { token: alice.token });
  await bob.client.request("join_group", { group: "g1" }, { token: bob.token });
  await cluster.converged();
  await cluster.kill(2);
  // While tracker 2 is down: a request is consumed, a group is deleted, a member joins.
  await alice.client.request("accept_request", { group: "g1", user: "bob" }, {
    token: alice.token,
  });
  await alice.client.request("leave_group", { group: "gone" }, { token: alice.token });
  await alice.client.request("create_group", { group: "g2" }, { token: alice.token });
  await cluster.start(2);
  const { digest } = await cluster.converged();
  equal((await cluster.status(1)).digest, digest);
  const onTwo = await session(cluster, 2, "alice");
  const groups = await groupsOf(onTwo);
  deepStrictEqual([...groups.keys()].sort(), ["g1", "g2"]);
  equal(groups.get("g1")?.members, 2);
  const requests = await onTwo.client.request("list_requests", { group: "g1" }, {
    token: onTwo.token,
  });
  deepStrictEqual(requests.requests, []);
  for (const c of [alice.client, bob.client, onTwo.client]) await c.close();
});

Deno.test("names created on both sides of a split: first creation wins everywhere, loser told", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  // Only tracker 1 runs: alice (first) makes group "team".
  await cluster.start(1);
  const first = await session(cluster, 1, "alice", { create: true, password: "one" });
  await first.client.request("create_group", { group: "team" }, { token: first.token });
  await first.client.close();
  await cluster.kill(1);
  // Only tracker 2 runs: another "alice" registers later, and a "team" of her own.
  await cluster.start(2);
  const second = await session(cluster, 2, "alice", { create: true, password: "two" });
  await second.client.request("create_group", { group: "team" }, { token: second.token });
  await second.client.request("create_group", { group: "side" }, { token: second.token });
  // Both up: they converge on the first creation.
  await cluster.start(1);
  await cluster.converged();
  for (const n of [1, 2]) {
    const c = await cluster.client(n);
    await c.request("login", { user: "alice", password: "one", peerId: c.peerId, port: 9 });
    await refusedWith(
      c.request("login", { user: "alice", password: "two", peerId: c.peerId, port: 9 }),
      "wrong_password",
    );
    await c.close();
  }
  // The losing alice is told on her next command; what she made is set aside, not merged.
  await refusedWith(
    second.client.request("list_groups", {}, { token: second.token }),
    "name_taken",
  );
  const winner = await session(cluster, 2, "alice", { password: "one" });
  deepStrictEqual([...(await groupsOf(winner)).keys()], ["team"]);
  for (const c of [second.client, winner.client]) await c.close();
});

Deno.test("a retried write with the same request id is applied once across trackers", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const a = await session(cluster, 1, "alice", { create: true });
  await cluster.converged();
  await a.client.request("create_group", { group: "g" }, { token: a.token, requestId: "r-1" });
  await cluster.converged();
  // The same write retried on tracker 2 (a failover) is answered as the original.
  const b = await cluster.client(2, a.identity);
  deepStrictEqual(
    await b.request("create_group", { group: "g" }, { token: a.token, requestId: "r-1" }),
    {},
  );
  // Committed on one side only, then retried on the other while they were apart.
  await cluster.kill(2);
  await a.client.request("create_group", { group: "h" }, { token: a.token, requestId: "r-2" });
  await a.client.close();
  await cluster.kill(1);
  await cluster.start(2);
  const b2 = await cluster.client(2, a.identity);
  await b2.request("create_group", { group: "h" }, { token: a.token, requestId: "r-2" });
  await cluster.start(1);
  await cluster.converged();
  const check = await session(cluster, 1, "alice");
  deepStrictEqual([...(await groupsOf(check)).keys()].sort(), ["g", "h"]);
  const digestBefore = (await cluster.status(1)).digest;
  ok(!digestBefore.includes("conflict"));
  for (const c of [b, b2, check.client]) await c.close();
});

Deno.test("three trackers stay in sync with writes on each", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 3);
  for (const n of [1, 2, 3]) await cluster.start(n);
  const s1 = await session(cluster, 1, "u1", { create: true });
  const s2 = await session(cluster, 2, "u2", { create: true });
  const s3 = await session(cluster, 3, "u3", { create: true });
  await s1.client.request("create_group", { group: "g1" }, { token: s1.token });
  await s2.client.request("create_group", { group: "g2" }, { token: s2.token });
  await s3.client.request("create_group", { group: "g3" }, { token: s3.token });
  await cluster.converged();
  for (const s of [s1, s2, s3]) {
    deepStrictEqual([...(await groupsOf(s)).keys()].sort(), ["g1", "g2", "g3"]);
  }
  // Tracker 3 down; the others keep writing; it returns and catches up.
  await cluster.kill(3);
  await s1.client.request("join_group", { group: "g2" }, { token: s1.token });
  // The request was made on tracker 1: tracker 2 knows of it once replicated, not before.
  await cluster.converged();
  await s2.client.request("accept_request", { group: "g2", user: "u1" }, { token: s2.token });
  await cluster.start(3);
  await cluster.converged();
  for (const s of [s1, s2, s3]) await s.client.close();
});

Deno.test("a tracker added to a running cluster receives everything", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 3);
  await startFirstTwo(cluster);
  const s = await session(cluster, 1, "alice", { create: true });
  await s.client.request("create_group", { group: "early" }, { token: s.token });
  await cluster.converged();
  await cluster.start(3);
  await s.client.request("create_group", { group: "late" }, { token: s.token });
  await cluster.converged();
  const onThree = await session(cluster, 3, "alice");
  deepStrictEqual([...(await groupsOf(onThree)).keys()].sort(), ["early", "late"]);
  for (const c of [s.client, onThree.client]) await c.close();
});

Deno.test("a replication stream without the cluster key is refused and changes nothing", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 1);
  await cluster.start(1);
  const before = await cluster.status(1);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: cluster.ports[0]! });
  const hello = encode({ version: PROTOCOL_VERSION, role: "tracker", id: "impostor" });
  const auth = encode({ nonce: new Uint8Array(32), mac: new Uint8Array(32), port: 1 });
  const ops = encode({
    ops: [[
      "impostor",
      1,
      Date.now(),
      0,
      "user/mallory",
      null,
      encode({
        type: "create_user",
        user: "mallory",
        salt: "",
        hash: "",
        params: { N: 2, r: 1, p: 1 },
      }),
    ]],
  });
  // The tracker may answer and close before the last frames arrive: a refused write is fine.
  for (
    const bytes of [
      MAGIC,
      encodeFrame(FrameType.HELLO, hello),
      encodeFrame(ReplFrame.AUTH, auth),
      encodeFrame(ReplFrame.OPS, ops),
    ]
  ) {
    const written = await conn.write(bytes).catch((error) => error);
    if (written instanceof Error) break;
  }
  const received: number[] = [];
  const buffer = new Uint8Array(65536);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      received.push(...buffer.subarray(0, n));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  } finally {
    conn.close();
  }
  // Magic, Hello, challenge, then an error frame: never a welcome.
  const bytes = Uint8Array.from(received);
  ok(bytes.includes(FrameType.ERROR), "an error frame was sent");
  ok(!new TextDecoder().decode(bytes).includes("vector"), "no welcome was sent");
  deepStrictEqual(await cluster.status(1), before);
});

Deno.test("every acknowledged write survives killing all trackers at a random moment", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const s1 = await session(cluster, 1, "alice", { create: true });
  await cluster.converged();
  const s2 = await session(cluster, 2, "alice");
  const acknowledged: string[] = [];
  const writer = async (s: Session, prefix: string) => {
    for (let i = 0; i < 3000; i++) {
      const group = `${prefix}${i}`;
      try {
        await s.client.request("create_group", { group }, { token: s.token, requestId: group });
      } catch {
        return; // the tracker died: this write may or may not have committed
      }
      acknowledged.push(group);
    }
  };
  const writers = [writer(s1, "a"), writer(s1, "b"), writer(s2, "c"), writer(s2, "d")];
  await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 700));
  await Promise.all([cluster.kill(1), cluster.kill(2)]);
  await Promise.all(writers);
  ok(acknowledged.length > 10, `only ${acknowledged.length} writes acknowledged`);
  await cluster.start(1);
  await cluster.start(2);
  await cluster.converged(10_000);
  const check = await session(cluster, 2, "alice");
  const names = await allGroups(check.client, check.token);
  const lost = acknowledged.filter((g) => !names.has(g));
  deepStrictEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged writes lost`);
  for (const c of [s1.client, s2.client, check.client]) await c.close();
});

Deno.test("a group made on both sides by different users: the later creator is told", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const ann = await session(cluster, 1, "ann", { create: true });
  const ben = await session(cluster, 2, "ben", { create: true });
  await cluster.converged();
  await cluster.kill(2);
  await ann.client.request("create_group", { group: "club" }, { token: ann.token });
  await cluster.kill(1);
  await cluster.start(2);
  const ben2 = await cluster.client(2, ben.identity);
  await ben2.request("create_group", { group: "club" }, { token: ben.token });
  await cluster.start(1);
  await cluster.converged();
  await refusedWith(ben2.request("list_groups", {}, { token: ben.token }), "name_taken");
  const groups = await ben2.request("list_groups", {}, { token: ben.token });
  deepStrictEqual(groups.groups, [{ id: "club", owner: "ann", members: 1 }]);
  for (const c of [ann.client, ben.client, ben2]) await c.close();
});

Deno.test("an owner's accept made after they left on the other side is set aside, and they are told", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2);
  await cluster.start(1);
  await cluster.start(2);
  const x = await session(cluster, 1, "xavi", { create: true });
  const carol = await session(cluster, 1, "carol", { create: true });
  const yan = await session(cluster, 1, "yan", { create: true });
  await x.client.request("create_group", { group: "g" }, { token: x.token });
  await carol.client.request("join_group", { group: "g" }, { token: carol.token });
  await x.client.request("accept_request", { group: "g", user: "carol" }, { token: x.token });
  await yan.client.request("join_group", { group: "g" }, { token: yan.token });
  await cluster.converged();
  // Apart: on tracker 1 xavi leaves (carol owns g now); later, on tracker 2, where he still
  // owns it, xavi accepts yan.
  await cluster.kill(2);
  await x.client.request("leave_group", { group: "g" }, { token: x.token });
  await cluster.kill(1);
  await cluster.start(2);
  const xOnTwo = await session(cluster, 2, "xavi", { identity: x.identity });
  await xOnTwo.client.request("accept_request", { group: "g", user: "yan" }, {
    token: xOnTwo.token,
  });
  await cluster.start(1);
  await cluster.converged();
  // At its place in the merged order the accept came from someone who no longer owned g.
  for (const n of [1, 2]) {
    const c = await session(cluster, n, "carol", { identity: carol.identity });
    deepStrictEqual(await groupsOf(c), new Map([["g", { owner: "carol", members: 1 }]]));
    const pending = await c.client.request("list_requests", { group: "g" }, { token: c.token });
    deepStrictEqual(pending.requests, ["yan"], "yan's request is still waiting for carol");
    await c.client.close();
  }
  // Xavi is told once, on his next command, with the owner-only code.
  await rejects(
    xOnTwo.client.request("list_groups", {}, { token: xOnTwo.token }),
    (error: unknown) =>
      error instanceof CommandError && error.code === "not_owner" &&
      /acceptance of "yan" into group "g" was set aside/.test(error.message),
  );
  await xOnTwo.client.request("list_groups", {}, { token: xOnTwo.token });
  for (const c of [x.client, carol.client, yan.client, xOnTwo.client]) await c.close();
});

Deno.test("presence reaches every tracker and ends with the lease", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2, ["--presence-lease-ms", "1500"]);
  await cluster.start(1);
  await cluster.start(2);
  const alice = await session(cluster, 1, "alice", { create: true });
  await alice.client.request("create_group", { group: "g" }, { token: alice.token });
  const content = new TextEncoder().encode("hello, peers");
  const pieceHashes = sha1(content);
  const fileId = computeFileId(content.length, 512 * 1024, pieceHashes);
  await alice.client.request("stage_hashes", { fileId, chunk: 0, hashes: pieceHashes }, {
    token: alice.token,
  });
  await alice.client.request("upload_file", {
    group: "g",
    name: "hello.txt",
    fileId,
    size: content.length,
    pieceLength: 512 * 1024,
    sha1: toHex(sha1(content)),
  }, { token: alice.token, requestId: "up-1" });
  const bob = await session(cluster, 2, "bob", { create: true });
  await bob.client.request("join_group", { group: "g" }, { token: bob.token });
  await cluster.converged();
  await alice.client.request("accept_request", { group: "g", user: "bob" }, { token: alice.token });
  await cluster.converged();
  const seen = await bob.client.request("get_peers", { group: "g", fileId }, { token: bob.token });
  deepStrictEqual(seen.peers.map((p) => [p.peerId, p.complete]), [[alice.client.peerId, true]]);
  const listed = await bob.client.request("list_files", { group: "g" }, { token: bob.token });
  equal(listed.files[0]?.seeders, 1);
  // No heartbeat from alice: once her lease ends, no tracker hands her out.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const later = await bob.client.request("get_peers", { group: "g", fileId }, { token: bob.token });
  deepStrictEqual(later.peers, []);
  const files = await bob.client.request("list_files", { group: "g" }, { token: bob.token });
  equal(files.files[0]?.seeders, 0);
  equal(files.files[0]?.sharers, 1, "the file stays listed while a member shares it");
  for (const c of [alice.client, bob.client]) await c.close();
});

Deno.test("logs are trimmed once every tracker holds them; a new tracker gets a snapshot", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 3, ["--trim-interval-ms", "200"]);
  const twoOnly = await startFirstTwo(cluster);
  const s = await session(cluster, 1, "alice", { create: true });
  for (let i = 0; i < 30; i++) {
    await s.client.request("create_group", { group: `g${i}` }, { token: s.token });
  }
  await s.client.request("leave_group", { group: "g0" }, { token: s.token });
  await cluster.converged();
  // Both trim before tracker 3 comes, so that whichever it catches up from sends a snapshot.
  await firstTwoTrimmed(cluster, { whole: false });
  // Tracker 3 is new: what it lacks has left the others' logs, so it gets a snapshot, then the tail.
  await cluster.start(3);
  await s.client.request("create_group", { group: "after" }, { token: s.token });
  const { digest } = await cluster.converged(5000);
  const three = await cluster.status(3);
  equal(three.digest, digest);
  equal(three.ops, (await cluster.status(1)).ops);
  ok(three.logged < three.ops, "tracker 3 started from a snapshot, not the whole log");
  const onThree = await session(cluster, 3, "alice");
  const groups = await groupsOf(onThree);
  ok(groups.has("g29") && groups.has("after") && !groups.has("g0"));
  // Restart after trimming: the checkpoint and the log still make the same state.
  await cluster.kill(1);
  await cluster.start(1, [], twoOnly);
  equal((await cluster.converged()).digest, digest);
  for (const c of [s.client, onThree.client]) await c.close();
});

Deno.test("a tracker whose clock is behind takes writes after a snapshot and after a restart with its log trimmed", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 3, ["--trim-interval-ms", "200"]);
  const twoOnly = await startFirstTwo(cluster);
  const s = await session(cluster, 1, "alice", { create: true });
  for (let i = 0; i < 10; i++) {
    await s.client.request("create_group", { group: `g${i}` }, { token: s.token });
  }
  await cluster.converged();
  await firstTwoTrimmed(cluster, { whole: true });
  // Tracker 3's clock is 30 s behind: its first write must still sort after the snapshot it took
  // (it answered `internal`: "out of order: rebuild the state").
  const behind = "--clock-offset-ms=-30000";
  await cluster.start(3, [behind]);
  const early = await session(cluster, 3, "bob", { create: true });
  await early.client.close();
  const { digest } = await cluster.converged(5000);
  // Restarted 30 s behind with nothing left in its log: the checkpoint still sets its clock.
  await waitUntil("tracker 1 trims its whole log", async () => {
    const status = await cluster.status(1);
    return status.logged === 0 && status.digest === digest ? status : undefined;
  }, { timeoutMs: 5000, intervalMs: 100 });
  await cluster.kill(1);
  await cluster.start(1, [behind], twoOnly);
  await session(cluster, 1, "carol", { create: true }).then((c) => c.client.close());
  await cluster.converged(5000);
  const onTwo = await session(cluster, 2, "carol");
  await onTwo.client.close();
  await s.client.close();
});

Deno.test({
  name:
    "a write made on a tracker whose clock is behind, before it first synced, survives its snapshot",
  // Known bug, open: tracker 3's own `create_user bob`, stamped 30 s behind, sorts below the
  // snapshot it takes on joining; installSnapshot's rebuild absorbs it (State.absorbLate keeps
  // only tracker operations), so the tracker that acknowledged the write loses it, while 1 and 2
  // applied it late: digests never converge. Fixing it needs a rule for operations that sort
  // below a checkpoint. Run it: `PEERSHARE_KNOWN_BUGS=1 deno test -A tests/cluster_test.ts
  // --filter "before it first synced"`.
  ignore: Deno.env.get("PEERSHARE_KNOWN_BUGS") === undefined,
  fn: async () => {
    await using dir = await tempDir();
    await using cluster = await Cluster.create(dir.path, 3, ["--trim-interval-ms", "200"]);
    await startFirstTwo(cluster);
    const alice = await session(cluster, 1, "alice", { create: true });
    await cluster.converged();
    await firstTwoTrimmed(cluster, { whole: true });
    // Tracker 3 first runs alone (a list naming only itself), 30 s behind, and takes a write.
    const lines = (await Deno.readTextFile(cluster.infoPath)).trim().split("\n");
    const alone = `${dir.path}/only-3.txt`;
    await Deno.writeTextFile(alone, `${lines[2]}\n`);
    const behind = "--clock-offset-ms=-30000";
    await cluster.start(3, [behind], alone, 1);
    await session(cluster, 3, "bob", { create: true }).then((s) => s.client.close());
    await cluster.kill(3);
    await cluster.start(3, [behind]);
    await cluster.converged(5000);
    for (const n of [1, 2, 3]) await session(cluster, n, "bob").then((s) => s.client.close());
    await alice.client.close();
  },
});

Deno.test("operations from a tracker whose clock runs too far ahead are refused", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path, 2, ["--max-clock-skew-ms", "30000"]);
  const slow = await cluster.start(1);
  await cluster.start(2, ["--clock-offset-ms=600000"]);
  const fast = await session(cluster, 2, "early", { create: true });
  await fast.client.close();
  const other = await session(cluster, 1, "bob", { create: true });
  await slow.stderr.waitFor((line) => line.includes("ahead of this tracker's clock"));
  // Tracker 1 took nothing from the tracker ahead of it: "early" cannot log in there.
  await refusedWith(
    other.client.request("login", {
      user: "early",
      password: "pw",
      peerId: other.client.peerId,
      port: 9,
    }),
    "no_such_user",
  );
  await other.client.close();
});
