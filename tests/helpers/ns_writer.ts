/**
 * A client run inside a network namespace by fault tests: creates users `<prefix>-1` to
 * `<prefix>-<count>` on the tracker at `IP:PORT`, each an acknowledged durable write, and prints
 * `{"acked": n}`. Exits 1 with the error when a write is refused or fails.
 *
 * Usage: ns_writer.ts <IP:PORT> <prefix> <count>
 */
import { parseAddress } from "../../lib/common/address.ts";
import { testIdentity } from "../../lib/peer/testing/identities.ts";
import { openConnection, RpcClient } from "../../lib/wire/mod.ts";

const [addressText, prefix, countText] = Deno.args;
if (!addressText || !prefix || !countText) {
  throw new TypeError("Usage: ns_writer.ts <IP:PORT> <prefix> <count>");
}
const me = await testIdentity();
const wire = await openConnection(parseAddress(addressText), {
  role: "peer",
  id: me.peerId,
  identity: me.transport,
  timeoutMs: 5000,
});
const client = new RpcClient(wire);
let acked = 0;
try {
  for (let i = 1; i <= Number(countText); i++) {
    await client.request("create_user", { user: `${prefix}-${i}`, password: "pw" }, {
      requestId: `${me.peerId}.${i}`,
      signal: AbortSignal.timeout(5000),
    });
    acked++;
  }
} finally {
  await client.close();
}
console.log(JSON.stringify({ acked }));
