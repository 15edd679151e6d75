/**
 * A client run inside a network namespace by fault tests, against the tracker at `IP:PORT`.
 * Prints one JSON line and exits 0; exits 1 with the error when something unexpected fails.
 *
 * - `create <IP:PORT> <prefix> <count>`: create users `<prefix>-1` to `<prefix>-<count>`, each
 *   an acknowledged durable write; prints `{"acked": n}`.
 * - `contest <IP:PORT> <user> <password>`: create `user` (a name the other side may create too);
 *   prints `{"acked": true}` or `{"acked": false, "code": "…"}` when refused.
 * - `login <IP:PORT> <user> <password>`: prints `{"ok": true}` or `{"ok": false, "code": "…"}`.
 * - `as <IP:PORT> <user> <password> <op> <args as JSON>`: log in, then one command; prints
 *   `{"ok": true, "result": …}` or `{"ok": false, "code": "…"}` when the command is refused.
 */
import { parseAddress } from "../../lib/common/address.ts";
import { CommandError } from "../../lib/common/errors.ts";
import { testIdentity } from "../../lib/peer/testing/identities.ts";
import { type Op, openConnection, RpcClient, WRITE_OPS } from "../../lib/wire/mod.ts";

const USAGE = "Usage: ns_writer.ts create|contest|login|as <IP:PORT> …";
const [mode, addressText, ...rest] = Deno.args;
if (!mode || !addressText) throw new TypeError(USAGE);
const me = await testIdentity();
const wire = await openConnection(parseAddress(addressText), {
  role: "peer",
  id: me.peerId,
  identity: me.transport,
  timeoutMs: 5000,
});
const client = new RpcClient(wire);
const options = (n: number) => ({
  requestId: `${me.peerId}.${n}`,
  signal: AbortSignal.timeout(5000),
});

/** The code of a refusal, or rethrow anything else. */
function refusal(error: unknown): string {
  if (error instanceof CommandError) return error.code;
  throw error;
}

try {
  if (mode === "create") {
    const [prefix, countText] = rest;
    let acked = 0;
    for (let i = 1; i <= Number(countText); i++) {
      await client.request("create_user", { user: `${prefix}-${i}`, password: "pw" }, options(i));
      acked++;
    }
    console.log(JSON.stringify({ acked }));
  } else if (mode === "contest") {
    const [user, password] = rest as [string, string];
    try {
      await client.request("create_user", { user, password }, options(1));
      console.log(JSON.stringify({ acked: true }));
    } catch (error) {
      console.log(JSON.stringify({ acked: false, code: refusal(error) }));
    }
  } else if (mode === "login") {
    const [user, password] = rest as [string, string];
    try {
      await client.request("login", { user, password, peerId: me.peerId, port: 1 }, {
        signal: AbortSignal.timeout(5000),
      });
      console.log(JSON.stringify({ ok: true }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, code: refusal(error) }));
    }
  } else if (mode === "as") {
    const [user, password, op, argsText] = rest as [string, string, Op, string];
    const { token } = await client.request("login", {
      user,
      password,
      peerId: me.peerId,
      port: 1,
    }, { signal: AbortSignal.timeout(5000) });
    try {
      const result = await client.request(op, JSON.parse(argsText), {
        token,
        ...(WRITE_OPS.has(op) ? options(2) : { signal: AbortSignal.timeout(5000) }),
      });
      console.log(JSON.stringify({ ok: true, result }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, code: refusal(error) }));
    }
  } else {
    throw new TypeError(USAGE);
  }
} finally {
  await client.close();
}
