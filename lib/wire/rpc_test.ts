import assert from "node:assert/strict";
import { CommandError, ProtocolError } from "../common/errors.ts";
import { decodeMessage } from "./codec.ts";
import { acceptConnection, openConnection, type WireConnection } from "./connection.ts";
import { FrameType } from "./limits.ts";
import { ErrorFrameSchema, ResponseSchema } from "./messages.ts";
import { createTransportIdentity } from "./transport_identity.ts";
import {
  ConnectionLostError,
  type RequestHandler,
  RpcClient,
  type ServeOptions,
  serveRequests,
  type ValidRequest,
} from "./rpc.ts";

const HOST = "127.0.0.1";
/** Socket tests check for leaked ops and resources even where `deno test` has them off. */
const SANITIZE = { sanitizeOps: true, sanitizeResources: true } as const;
const TRACKER_KEY = await createTransportIdentity();
const PEER_KEY = await createTransportIdentity();

/** A client and a server past their Hello exchange, over a real socket. */
async function wirePair() {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  try {
    const [server, client] = await Promise.allSettled([
      listener.accept().then((conn) =>
        acceptConnection(conn, { role: "tracker", id: "t-1", identity: TRACKER_KEY })
      ),
      openConnection({ host: HOST, port: listener.addr.port }, {
        role: "peer",
        id: "p-1",
        identity: PEER_KEY,
      }),
    ]);
    if (server.status === "rejected" || client.status === "rejected") {
      if (server.status === "fulfilled") server.value.close();
      if (client.status === "fulfilled") client.value.close();
      throw server.status === "rejected" ? server.reason : (client as PromiseRejectedResult).reason;
    }
    return { client: client.value, server: server.value };
  } finally {
    listener.close();
  }
}

/** An RpcClient talking to serveRequests(handler) over a real socket. */
async function rpcPair(handler: RequestHandler, options: ServeOptions = {}) {
  const wires = await wirePair();
  const client = new RpcClient(wires.client);
  // Settled to a value so that a ProtocolError is asserted on, never left unhandled.
  const serving = serveRequests(wires.server, handler, options).then(
    () => null,
    (error: unknown) => error,
  );
  return {
    client,
    server: wires.server,
    serving,
    async [Symbol.asyncDispose]() {
      await client.close();
      wires.server.close();
      await serving;
    },
  };
}

/** A raw client (no RpcClient) talking to serveRequests(handler). */
async function rawPair(handler: RequestHandler) {
  const wires = await wirePair();
  const serving = serveRequests(wires.server, handler).then(
    () => null,
    (error: unknown) => error,
  );
  return {
    client: wires.client,
    serving,
    async [Symbol.asyncDispose]() {
      wires.client.close();
      wires.server.close();
      await serving;
    },
  };
}

async function readResponse(wire: WireConnection) {
  const frame = await wire.reader.read();
  assert.equal(frame?.type, FrameType.RESPONSE);
  return decodeMessage(ResponseSchema, frame.payload, "response");
}

async function readErrorFrame(wire: WireConnection) {
  const frame = await wire.reader.read();
  assert.equal(frame?.type, FrameType.ERROR);
  return decodeMessage(ErrorFrameSchema, frame.payload, "error frame");
}

function isConnectionLost(error: unknown): boolean {
  return error instanceof ConnectionLostError;
}

const echoStatus: RequestHandler = () =>
  Promise.resolve({ trackerId: "t-1", ops: 0, logged: 0, digest: "d" });

Deno.test({
  name: "RpcClient.request() matches responses that come back out of order to their requests",
  ...SANITIZE,
  async fn() {
    const count = 20;
    const held: PromiseWithResolvers<void>[] = [];
    const allArrived = Promise.withResolvers<void>();
    await using rpc = await rpcPair(async (request) => {
      assert.equal(request.op, "list_groups");
      const release = Promise.withResolvers<void>();
      held.push(release);
      if (held.length === count) allArrived.resolve();
      await release.promise;
      return { groups: [{ id: request.args.cursor ?? "none", owner: "ana", members: 1 }] };
    });
    const answered: number[] = [];
    const requests = Array.from(
      { length: count },
      (_, i) =>
        rpc.client.request("list_groups", { cursor: `g${i}` }).then((result) => {
          answered.push(i);
          return result;
        }),
    );
    await allArrived.promise; // all of them are in flight on one connection at once
    for (const release of held.toReversed()) release.resolve();
    const results = await Promise.all(requests);
    results.forEach((result, i) => assert.equal(result.groups[0]?.id, `g${i}`));
    assert.deepStrictEqual(answered, Array.from({ length: count }, (_, i) => count - 1 - i));
  },
});

Deno.test({
  name: "serveRequests() runs at most maxInFlight requests of one connection at once",
  ...SANITIZE,
  async fn() {
    let running = 0;
    let most = 0;
    await using rpc = await rpcPair(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return { trackerId: "t-1", ops: 0, logged: 0, digest: "d" };
    }, { maxInFlight: 3 });
    await Promise.all(Array.from({ length: 10 }, () => rpc.client.request("status", {})));
    assert.equal(most, 3);
  },
});

Deno.test({
  name: "serveRequests() answers a CommandError with { rid, ok: false, code, message }",
  ...SANITIZE,
  async fn() {
    await using raw = await rawPair(() => {
      throw new CommandError("not_member", 'Not a member of group "g1"');
    });
    await raw.client.send(FrameType.REQUEST, { rid: 7, op: "leave_group", args: { group: "g1" } });
    assert.deepStrictEqual(await readResponse(raw.client), {
      rid: 7,
      ok: false,
      code: "not_member",
      message: 'Not a member of group "g1"',
    });
  },
});

Deno.test({
  name: "RpcClient.request() rejects with a CommandError carrying the server's code",
  ...SANITIZE,
  async fn() {
    await using rpc = await rpcPair(() =>
      Promise.reject(new CommandError("not_owner", 'Only the owner of group "g1" can do that'))
    );
    await assert.rejects(
      rpc.client.request("list_requests", { group: "g1" }),
      (error: unknown) =>
        error instanceof CommandError && error.code === "not_owner" &&
        error.message === 'Only the owner of group "g1" can do that',
    );
    assert.equal(rpc.client.isClosed, false);
  },
});

Deno.test({
  name: "serveRequests() answers an unexpected handler error with code internal and reports it",
  ...SANITIZE,
  async fn() {
    const reported: unknown[] = [];
    const bug = new TypeError("handler bug");
    let calls = 0;
    await using rpc = await rpcPair(() => {
      if (++calls === 1) throw bug;
      return echoStatus({} as ValidRequest);
    }, { onInternalError: (error) => reported.push(error) });
    await assert.rejects(
      rpc.client.request("status", {}),
      (error: unknown) =>
        error instanceof CommandError && error.code === "internal" &&
        error.message === "Internal error",
    );
    assert.deepStrictEqual(reported, [bug]);
    assert.deepStrictEqual(await rpc.client.request("status", {}), {
      trackerId: "t-1",
      ops: 0,
      logged: 0,
      digest: "d",
    });
  },
});

Deno.test({
  name: "serveRequests() hands the handler the validated request with its token and requestId",
  ...SANITIZE,
  async fn() {
    const seen: ValidRequest[] = [];
    await using rpc = await rpcPair((request) => {
      seen.push(request);
      return Promise.resolve({});
    });
    await rpc.client.request("create_group", { group: "g1" }, {
      token: "tok.sig",
      requestId: "p-1:1",
    });
    await rpc.client.request("join_group", { group: "g2" });
    assert.deepStrictEqual(seen, [
      { rid: 1, op: "create_group", args: { group: "g1" }, token: "tok.sig", requestId: "p-1:1" },
      { rid: 2, op: "join_group", args: { group: "g2" } },
    ]);
  },
});

Deno.test({
  name:
    "serveRequests() closes a connection that sends a schema-invalid request with an error frame",
  ...SANITIZE,
  async fn() {
    let calls = 0;
    await using raw = await rawPair(() => {
      calls++;
      return Promise.resolve({});
    });
    await raw.client.send(FrameType.REQUEST, {
      rid: 1,
      op: "create_group",
      args: { group: "bad name" },
    });
    const error = await readErrorFrame(raw.client);
    assert.equal(error.code, "invalid_message");
    assert.match(error.message, /^Invalid arguments for "create_group" "group": /);
    assert.equal(await raw.client.reader.read(), null, "then the connection is closed");
    const served = await raw.serving;
    assert.ok(served instanceof ProtocolError && served.code === "invalid_message");
    assert.equal(calls, 0, "the handler never saw it");
  },
});

Deno.test({
  // An unknown-field message quotes remote text: a 5,000-byte key would make a message
  // over ErrorFrameSchema's 1024 characters and the error frame's 4096-byte limit, so the client
  // would never learn the code. The message sent is clipped.
  name: "serveRequests() sends a decodable error frame however long the offending key is",
  ...SANITIZE,
  async fn() {
    await using raw = await rawPair(echoStatus);
    await raw.client.send(FrameType.REQUEST, {
      rid: 1,
      op: "status",
      args: { ["k".repeat(5000)]: 1 },
    });
    const error = await readErrorFrame(raw.client);
    assert.equal(error.code, "invalid_message");
  },
});

Deno.test({
  name: "serveRequests() closes a connection that sends a frame other than a request",
  ...SANITIZE,
  async fn() {
    await using raw = await rawPair(echoStatus);
    await raw.client.send(FrameType.RESPONSE, { rid: 1, ok: true, result: {} });
    assert.deepStrictEqual(await readErrorFrame(raw.client), {
      code: "unexpected_frame",
      message: `Unexpected frame type ${FrameType.RESPONSE}`,
    });
    assert.equal(await raw.client.reader.read(), null);
    const served = await raw.serving;
    assert.ok(served instanceof ProtocolError && served.code === "unexpected_frame");
  },
});

Deno.test({
  name: "serveRequests() closing one connection for a bad frame leaves another one working",
  ...SANITIZE,
  async fn() {
    await using bad = await rawPair(echoStatus);
    await using good = await rpcPair(echoStatus);
    await bad.client.send(FrameType.REQUEST, { rid: 1, op: "no_such_op", args: {} });
    assert.equal((await readErrorFrame(bad.client)).code, "invalid_message");
    assert.equal((await good.client.request("status", {})).trackerId, "t-1");
  },
});

Deno.test({
  name: "RpcClient rejects requests in flight with ConnectionLostError when the server closes",
  ...SANITIZE,
  async fn() {
    const held = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    let count = 0;
    await using rpc = await rpcPair(async () => {
      if (++count === 3) arrived.resolve();
      await held.promise;
      return {};
    });
    const pending = [
      rpc.client.request("join_group", { group: "g1" }),
      rpc.client.request("join_group", { group: "g2" }),
      rpc.client.request("join_group", { group: "g3" }),
    ];
    await arrived.promise;
    rpc.server.close();
    for (const request of pending) await assert.rejects(request, isConnectionLost);
    await rpc.client.closed;
    assert.equal(rpc.client.isClosed, true);
    await assert.rejects(rpc.client.request("status", {}), isConnectionLost);
    held.resolve();
    assert.equal(await rpc.serving, null, "the server's loop ends without an error");
  },
});

Deno.test({
  name: "RpcClient rejects requests in flight with the message of the server's error frame",
  ...SANITIZE,
  async fn() {
    const held = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    await using rpc = await rpcPair(async () => {
      arrived.resolve();
      await held.promise;
      return {};
    });
    const pending = rpc.client.request("logout", {});
    await arrived.promise;
    await rpc.server.fail("shutting_down", "Tracker is shutting down");
    await assert.rejects(
      pending,
      (error: unknown) =>
        error instanceof ConnectionLostError &&
        error.message === "Remote closed the connection: Tracker is shutting down",
    );
    held.resolve();
  },
});

Deno.test({
  name: "RpcClient.request() rejects with the abort reason and drops the late reply",
  ...SANITIZE,
  async fn() {
    const held = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    let calls = 0;
    await using rpc = await rpcPair(async (request) => {
      if (++calls === 1) {
        arrived.resolve();
        await held.promise;
      }
      return echoStatus(request);
    });
    const controller = new AbortController();
    const first = rpc.client.request("status", {}, { signal: controller.signal });
    await arrived.promise;
    controller.abort();
    await assert.rejects(first, (error: unknown) => (error as Error).name === "AbortError");
    held.resolve();
    // The late reply to the first request arrives before this one's and must not be taken for it.
    assert.equal((await rpc.client.request("status", {})).trackerId, "t-1");
    assert.equal(rpc.client.isClosed, false);
  },
});

Deno.test({
  name: "RpcClient.request() with an aborted signal rejects without sending",
  ...SANITIZE,
  async fn() {
    let calls = 0;
    await using rpc = await rpcPair((request) => {
      calls++;
      return echoStatus(request);
    });
    await assert.rejects(
      rpc.client.request("status", {}, { signal: AbortSignal.abort() }),
      (error: unknown) => (error as Error).name === "AbortError",
    );
    await rpc.client.request("status", {});
    assert.equal(calls, 1);
  },
});

Deno.test({
  name: "RpcClient.request() rejects a result that does not match its op with invalid_message",
  ...SANITIZE,
  async fn() {
    await using rpc = await rpcPair(() => Promise.resolve({ bogus: true }));
    await assert.rejects(
      rpc.client.request("status", {}),
      (error: unknown) => error instanceof ProtocolError && error.code === "invalid_message",
    );
    assert.equal(rpc.client.isClosed, false, "one bad result does not close the connection");
  },
});

Deno.test({
  name:
    "RpcClient rejects requests in flight with ConnectionLostError on a schema-invalid response",
  ...SANITIZE,
  async fn() {
    const wires = await wirePair();
    const client = new RpcClient(wires.client);
    try {
      const pending = client.request("status", {});
      const frame = await wires.server.reader.read();
      assert.equal(frame?.type, FrameType.REQUEST);
      await wires.server.send(FrameType.RESPONSE, { rid: 1, ok: "maybe" });
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(error instanceof ConnectionLostError);
        assert.ok(error.cause instanceof ProtocolError);
        assert.equal(error.cause.code, "invalid_message");
        return true;
      });
      assert.equal(await wires.server.reader.read(), null, "the client closed the connection");
    } finally {
      await client.close();
      wires.server.close();
    }
  },
});

Deno.test({
  name: "RpcClient.close() rejects requests in flight and resolves closed",
  ...SANITIZE,
  async fn() {
    const held = Promise.withResolvers<void>();
    const arrived = Promise.withResolvers<void>();
    await using rpc = await rpcPair(async () => {
      arrived.resolve();
      await held.promise;
      return {};
    });
    const pending = rpc.client.request("renew", {});
    await arrived.promise;
    await rpc.client.close();
    await assert.rejects(pending, isConnectionLost);
    assert.equal(rpc.client.isClosed, true);
    held.resolve();
  },
});

Deno.test({
  // Deno closes a TCP conn's resource, write side included, when `conn.readable` reaches the end
  // of the stream; the channel reads the socket with `conn.read()`, which does not, so answers
  // still in flight when the client half-closed go out.
  name: "serveRequests() answers requests sent before the client half-closed",
  ...SANITIZE,
  async fn() {
    const eofRead = Promise.withResolvers<void>();
    await using raw = await rawPair(async (request) => {
      await eofRead.promise;
      return echoStatus(request);
    });
    await raw.client.send(FrameType.REQUEST, { rid: 5, op: "status", args: {} });
    await raw.client.conn.closeWrite();
    // Answer only once the server has certainly read the end of the client's stream.
    setTimeout(() => eofRead.resolve(), 50);
    const response = await readResponse(raw.client);
    assert.deepStrictEqual(response, {
      rid: 5,
      ok: true,
      result: { trackerId: "t-1", ops: 0, logged: 0, digest: "d" },
    });
  },
});

Deno.test({
  name: "serveRequests() closes a connection whose client stopped reading its answers",
  ...SANITIZE,
  async fn() {
    const wires = await wirePair();
    const big = "x".repeat(60_000);
    const serving = serveRequests(
      wires.server,
      () => Promise.resolve({ trackerId: big, ops: 0, logged: 0, digest: "d" }),
      { writeTimeoutMs: 300 },
    ).then(() => null, (error: unknown) => error);
    // Requests for 60 KB answers, never read: the answers fill the socket and the writes stall.
    const flood = (async () => {
      for (let rid = 0; rid < 4000 && !wires.client.isClosed; rid++) {
        await wires.client.send(FrameType.REQUEST, { rid, op: "status", args: {} });
      }
    })().catch((error: unknown) => error);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closed = await Promise.race([
      serving.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(resolve, 10_000, false)),
    ]).finally(() => clearTimeout(timer));
    wires.client.close();
    await flood;
    await serving;
    assert.ok(closed, "the server kept a client that does not read for 10 s");
  },
});
