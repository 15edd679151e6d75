/** The encrypted channel's two ciphers over real sockets, and a downgrade in the middle. */
import assert from "node:assert/strict";
import { ProtocolError } from "../common/errors.ts";
import { NOISE_AESGCM_MAGIC, NOISE_MAGIC } from "./limits.ts";
import type { NoiseCipher } from "./noise.ts";
import { CIPHER_MAGIC, secureAccept, type SecureConn, secureConnect } from "./secure_conn.ts";
import { createTransportIdentity } from "./transport_identity.ts";

const HOST = "127.0.0.1";
const SANITIZE = { sanitizeOps: true, sanitizeResources: true } as const;
const SERVER = await createTransportIdentity();
const CLIENT = await createTransportIdentity();

/** Read exactly `length` plaintext bytes. */
async function readExactly(conn: SecureConn, length: number): Promise<Uint8Array> {
  const view = new Uint8Array(length);
  const filled = await conn.read(view, length);
  assert.equal(filled.length, length, "the connection ended early");
  return view;
}

/** A MiB of random data written by `from` arrives whole at `to`. */
async function assertCarriesMiB(from: SecureConn, to: SecureConn): Promise<void> {
  const data = crypto.getRandomValues(new Uint8Array(65_536));
  const mib = new Uint8Array(1 << 20);
  for (let at = 0; at < mib.length; at += data.length) mib.set(data, at);
  const [received] = await Promise.all([readExactly(to, mib.length), from.write(mib)]);
  assert.deepEqual(received, mib);
}

const CIPHERS = ["ChaChaPoly", "AESGCM"] as const;

for (const asked of CIPHERS) {
  for (const preferred of CIPHERS) {
    // AES-256-GCM only where both sides run it faster; ChaCha20-Poly1305 is always taken.
    const expected = asked === "AESGCM" && preferred === "AESGCM" ? "AESGCM" : "ChaChaPoly";
    Deno.test({
      name:
        `asking for ${asked} of an acceptor that prefers ${preferred} gives ${expected}; a MiB goes through`,
      ...SANITIZE,
      async fn() {
        using listener = Deno.listen({ hostname: HOST, port: 0 });
        const accepting = listener.accept().then((tcp) =>
          secureAccept(tcp, SERVER, { cipher: preferred })
        );
        const tcp = await Deno.connect({ hostname: HOST, port: listener.addr.port });
        const [client, server] = await Promise.all([
          secureConnect(tcp, CLIENT, { cipher: asked }),
          accepting,
        ]);
        try {
          assert.equal(client.cipher, expected);
          assert.equal(server.cipher, expected);
          assert.deepEqual(server.remoteKey, CLIENT.identityKey);
          assert.deepEqual(client.handshakeHash, server.handshakeHash);
          await assertCarriesMiB(client, server);
        } finally {
          client.close();
          server.close();
        }
      },
    });
  }
}

/**
 * A proxy that rewrites the magic each way, `from` to `to` from the client and back from the
 * server: each side sees the magic it expects, but not the other's protocol name.
 */
function downgradingProxy(serverPort: number, from: NoiseCipher, to: NoiseCipher) {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const rewrite = (wanted: Uint8Array, into: Uint8Array) =>
  async (
    source: Deno.Conn,
    sink: Deno.Conn,
  ) => {
    const buffer = new Uint8Array(65_536);
    let seen = 0;
    try {
      for (;;) {
        const n = await source.read(buffer);
        if (n === null) break;
        const chunk = buffer.subarray(0, n);
        // The magic's bytes, wherever the first reads cut them.
        for (let i = 0; i < n && seen + i < wanted.length; i++) {
          if (chunk[i] === wanted[seen + i]) chunk[i] = into[seen + i]!;
        }
        seen += n;
        await sink.write(chunk);
      }
    } catch {
      // Either side closed: the other follows.
    } finally {
      sink.close();
    }
  };
  const fromClient = rewrite(CIPHER_MAGIC[from], CIPHER_MAGIC[to]);
  const fromServer = rewrite(CIPHER_MAGIC[to], CIPHER_MAGIC[from]);
  const done = listener.accept().then(async (client) => {
    const server = await Deno.connect({ hostname: HOST, port: serverPort });
    await Promise.all([fromClient(client, server), fromServer(server, client)]);
  });
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await done.catch(() => {});
    },
  };
}

Deno.test({
  name: "a man in the middle who swaps the cipher's magic both ways fails the handshake",
  ...SANITIZE,
  async fn() {
    assert.notDeepEqual(NOISE_MAGIC, NOISE_AESGCM_MAGIC);
    using listener = Deno.listen({ hostname: HOST, port: 0 });
    const accepting = listener.accept().then(async (tcp) => {
      try {
        return await secureAccept(tcp, SERVER, { cipher: "AESGCM" });
      } catch (error) {
        tcp.close();
        throw error;
      }
    });
    await using proxy = downgradingProxy(listener.addr.port, "AESGCM", "ChaChaPoly");
    const tcp = await Deno.connect({ hostname: HOST, port: proxy.port });
    const connecting = secureConnect(tcp, CLIENT, { cipher: "AESGCM" }).catch((error) => {
      tcp.close(); // the acceptor, waiting for message 3, sees the end
      throw error;
    });
    const [client, server] = await Promise.allSettled([connecting, accepting]);
    if (client.status === "fulfilled") client.value.close();
    if (server.status === "fulfilled") server.value.close();
    assert.equal(client.status, "rejected", "the client refused the changed handshake");
    const reason = (client as PromiseRejectedResult).reason;
    assert.ok(reason instanceof ProtocolError, String(reason));
    assert.equal(reason.code, "handshake_failed");
    assert.equal(server.status, "rejected", "the acceptor never got a handshake to finish");
  },
});

/** Connect `connecting` options to an acceptor with `accepting` options; both outcomes. */
async function openPair(
  connecting: { isUnencrypted: boolean },
  accepting: { isUnencrypted: boolean },
) {
  using listener = Deno.listen({ hostname: HOST, port: 0 });
  const accepted = listener.accept().then(async (tcp) => {
    try {
      return await secureAccept(tcp, SERVER, accepting);
    } catch (error) {
      tcp.close();
      throw error;
    }
  });
  const tcp = await Deno.connect({ hostname: HOST, port: listener.addr.port });
  const connected = secureConnect(tcp, CLIENT, connecting).catch((error) => {
    tcp.close();
    throw error;
  });
  return await Promise.allSettled([connected, accepted]);
}

/** The ProtocolError a side was refused with. */
function refusal(outcome: PromiseSettledResult<SecureConn>): ProtocolError {
  if (outcome.status === "fulfilled") {
    outcome.value.close();
    assert.fail("the side opened a channel");
  }
  assert.ok(outcome.reason instanceof ProtocolError, String(outcome.reason));
  return outcome.reason;
}

Deno.test({
  name: "the benchmarks' unencrypted mode: two such ends authenticate and carry a MiB in clear",
  ...SANITIZE,
  async fn() {
    const [connected, accepted] = await openPair({ isUnencrypted: true }, { isUnencrypted: true });
    assert.equal(connected.status, "fulfilled");
    assert.equal(accepted.status, "fulfilled");
    const client = (connected as PromiseFulfilledResult<SecureConn>).value;
    const server = (accepted as PromiseFulfilledResult<SecureConn>).value;
    try {
      assert.ok(client.isUnencrypted && server.isUnencrypted);
      assert.deepEqual(server.remoteKey, CLIENT.identityKey);
      assert.deepEqual(client.remoteKey, SERVER.identityKey);
      await assertCarriesMiB(client, server);
    } finally {
      client.close();
      server.close();
    }
  },
});

Deno.test({
  name: "an encrypted end and an unencrypted one refuse each other at the magic, saying why",
  ...SANITIZE,
  async fn() {
    const [toUnencrypted, unencryptedAcceptor] = await openPair(
      { isUnencrypted: false },
      { isUnencrypted: true },
    );
    assert.match(refusal(toUnencrypted).message, /remote runs unencrypted .*refused/);
    assert.equal(refusal(toUnencrypted).code, "bad_magic");
    assert.match(refusal(unencryptedAcceptor).message, /takes only connections run the same way/);

    const [fromUnencrypted, encryptedAcceptor] = await openPair(
      { isUnencrypted: true },
      { isUnencrypted: false },
    );
    // This acceptor just closes; a real one answers in clear (tests/encryption_test.ts).
    assert.equal(refusal(fromUnencrypted).code, "truncated");
    assert.match(refusal(encryptedAcceptor).message, /remote runs unencrypted .*refused/);
  },
});
