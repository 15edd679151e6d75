import assert from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { waitUntil } from "../../common/test_util.ts";
import type { RequestHandler } from "../../wire/rpc.ts";
import { closedPort, FakeTracker } from "../testing/fake_tracker.ts";
import { testIdentity } from "../testing/identities.ts";
import { TrackerClient } from "./tracker_client.ts";

const ME = await testIdentity();
const PEER_ID = ME.peerId;
const HOUR_MS = 3_600_000;

/** Answers login, renew and logout, and `{}` to everything else. */
function sessionHandler(lifetimeMs = HOUR_MS): RequestHandler {
  let tokens = 0;
  return (request) => {
    switch (request.op) {
      case "login":
        if (request.args.password !== "pw") {
          return Promise.reject(new CommandError("wrong_password", "Wrong password"));
        }
        return Promise.resolve({
          token: `t${++tokens}`,
          expiresAt: Date.now() + lifetimeMs,
          user: request.args.user,
        });
      case "renew":
        return Promise.resolve({ token: `t${++tokens}`, expiresAt: Date.now() + lifetimeMs });
      case "list_groups":
        return Promise.resolve({ groups: [] });
      default:
        return Promise.resolve({});
    }
  };
}

function login(client: TrackerClient) {
  return client.login({ user: "alice", password: "pw", port: 4000 });
}

Deno.test("TrackerClient.request() refuses a session op locally when not logged in", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await assert.rejects(
    client.request("create_group", { group: "g1" }),
    (error: CommandError) => error.code === "not_logged_in",
  );
  assert.equal(tracker.connections, 0);
});

Deno.test("TrackerClient.login() sends the peer id and port, then every op carries the token", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  const session = await login(client);
  assert.deepEqual(session, { user: "alice", tracker: tracker.address });
  await client.request("create_group", { group: "g1" });
  await client.request("list_groups", {});
  await client.request("join_group", { group: "g2" });
  const [loginRequest, create, list, join] = tracker.requests;
  assert.deepEqual(loginRequest?.args, {
    user: "alice",
    password: "pw",
    peerId: PEER_ID,
    port: 4000,
  });
  assert.equal(loginRequest?.token, undefined);
  assert.equal(create?.token, "t1");
  assert.equal(list?.token, "t1");
  assert.equal(list?.requestId, undefined, "a read carries no requestId");
  const [peer, processId, counter] = create!.requestId!.split(".");
  assert.equal(peer, PEER_ID);
  assert.equal(join?.requestId, `${PEER_ID}.${processId}.${Number(counter) + 1}`);
});

Deno.test("TrackerClient.login() refuses a second login and passes the tracker's code on", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await assert.rejects(
    client.login({ user: "alice", password: "nope", port: 4000 }),
    (error: CommandError) => error.code === "wrong_password" && error.message === "Wrong password",
  );
  assert.equal(client.user, null);
  await login(client);
  await assert.rejects(login(client), (error: CommandError) => error.code === "already_logged_in");
});

Deno.test("TrackerClient.logout() sends the token with a requestId and forgets the session", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await login(client);
  await client.logout();
  const logout = tracker.requests.at(-1);
  assert.equal(logout?.op, "logout");
  assert.equal(logout?.token, "t1");
  assert.ok(logout?.requestId?.startsWith(`${PEER_ID}.`));
  assert.equal(client.user, null);
  await assert.rejects(client.logout(), (error: CommandError) => error.code === "not_logged_in");
});

Deno.test("TrackerClient forgets the session when the tracker says it expired", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await login(client);
  tracker.setHandler(() => Promise.reject(new CommandError("session_expired", "Session expired")));
  await assert.rejects(client.request("list_groups", {}), /Session expired/);
  assert.equal(client.user, null);
});

Deno.test("TrackerClient connects to the first tracker in the list that answers", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([closedPort(), tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await client.request("create_user", { user: "bob", password: "pw" });
  assert.deepEqual(client.tracker, tracker.address);
});

Deno.test("TrackerClient tries the next tracker when one refuses it as busy, and says so", async () => {
  await using busy = FakeTracker.start(sessionHandler());
  busy.refusal = { code: "busy", message: "Tracker busy: 64 connections from 127.0.0.1" };
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([busy.address, tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await client.request("create_user", { user: "bob", password: "pw" });
  assert.deepEqual(client.tracker, tracker.address);
  tracker.refusal = busy.refusal;
  await tracker.dropConnections();
  await assert.rejects(
    client.request("create_user", { user: "carol", password: "pw" }),
    (error: CommandError) =>
      error.code === "tracker_unreachable" &&
      error.message.includes(`:${busy.address.port} (busy: Tracker busy: 64 connections`),
  );
});

Deno.test("TrackerClient fails with tracker_unreachable naming every tracker", async () => {
  const [first, second] = [closedPort(), closedPort()];
  await using client = new TrackerClient([first, second], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await assert.rejects(
    client.request("create_user", { user: "bob", password: "pw" }),
    (error: CommandError) =>
      error.code === "tracker_unreachable" &&
      error.message.includes(`:${first.port}`) && error.message.includes(`:${second.port}`),
  );
});

Deno.test("TrackerClient reconnects on the next request after the connection dropped", async () => {
  await using tracker = FakeTracker.start(sessionHandler());
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await login(client);
  await tracker.dropConnections();
  await client.request("list_groups", {});
  assert.equal(tracker.connections, 2);
  assert.equal(tracker.requests.at(-1)?.token, "t1", "the session survives the reconnect");
});

Deno.test("TrackerClient fails a request that outlives its deadline with timeout", async () => {
  const never = Promise.withResolvers<Record<string, unknown>>();
  await using tracker = FakeTracker.start(() => never.promise);
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
    requestTimeoutMs: 100,
  });
  await assert.rejects(
    client.request("create_user", { user: "bob", password: "pw" }),
    (error: CommandError) => error.code === "timeout" && /within 100 ms/.test(error.message),
  );
  assert.equal(client.tracker, null, "a tracker that stopped answering is dropped");
  never.resolve({});
});

Deno.test("TrackerClient renews the token at half its lifetime", async () => {
  await using tracker = FakeTracker.start(sessionHandler(400));
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
  });
  await login(client);
  const renew = await waitUntil(
    "the client renews",
    () => tracker.requests.find((r) => r.op === "renew"),
    { timeoutMs: 5_000 },
  );
  assert.equal(renew.token, "t1");
  // The tracker has the renewal; the client uses the new token once it has read the answer.
  await waitUntil("a request carries the renewed token", async () => {
    await client.request("list_groups", {});
    return tracker.requests.at(-1)?.token === "t2";
  }, { timeoutMs: 5_000 });
});

Deno.test("TrackerClient reports a refused renewal as a session_lost event", async () => {
  await using tracker = FakeTracker.start(sessionHandler(200));
  const events: string[] = [];
  await using client = new TrackerClient([tracker.address], {
    peerId: PEER_ID,
    transport: ME.transport,
    onEvent: (name, fields) => events.push(`${name} ${fields.code}`),
  });
  await login(client);
  tracker.setHandler(() => Promise.reject(new CommandError("session_expired", "Session expired")));
  await waitUntil("an event", () => events.length > 0, { timeoutMs: 5_000 });
  assert.deepEqual(events, ["session_lost session_expired"]);
  assert.equal(client.user, null);
});
