import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { computeFileId } from "../../common/hash.ts";
import { importPublicKey, verifyTicket } from "../../common/tickets.ts";
import { PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { CommandKit, KIT_LEASE_MS, type KitUser } from "../testing/command_kit.ts";
import { TICKET_TTL_MS } from "./peers.ts";

/** Alice shares a one-piece file in g, where bob is a member too. */
async function shared(kit: CommandKit): Promise<{ alice: KitUser; bob: KitUser; fileId: string }> {
  const alice = await kit.user("alice", "pw", 7001);
  const bob = await kit.user("bob", "pw", 7002);
  await kit.group("g", alice, [bob]);
  const hashes = new Uint8Array(20).fill(5);
  const fileId = computeFileId(10, PIECE_SIZE_BYTES, hashes);
  await kit.run("stage_hashes", { fileId, chunk: 0, hashes }, { token: alice.token });
  const upload = { group: "g", name: "a", fileId, size: 10, pieceLength: PIECE_SIZE_BYTES };
  await kit.run("upload_file", { ...upload, sha1: fileId }, { token: alice.token });
  return { alice, bob, fileId };
}

Deno.test("heartbeat renews the lease and says known: false once it ended", async () => {
  await using kit = await CommandKit.open();
  const alice = await kit.user("alice");
  const token = { token: alice.token };
  deepStrictEqual(await kit.run("heartbeat", { port: 7000 }, token), {
    known: true,
    leaseMs: KIT_LEASE_MS,
  });
  kit.time.ms += KIT_LEASE_MS;
  equal((await kit.run("heartbeat", { port: 7000 }, token)).known, false);
  equal((await kit.run("heartbeat", { port: 7000 }, token)).known, true);
});

Deno.test("get_peers lists other members' online seeders, not the caller", async () => {
  await using kit = await CommandKit.open();
  const { alice, bob, fileId } = await shared(kit);
  deepStrictEqual(await kit.run("get_peers", { group: "g", fileId }, { token: bob.token }), {
    peers: [{ peerId: alice.peerId, address: "127.0.0.1:7001", complete: true }],
  });
  deepStrictEqual(await kit.run("get_peers", { group: "g", fileId }, { token: alice.token }), {
    peers: [],
  });
  const unknown = computeFileId(11, PIECE_SIZE_BYTES, new Uint8Array(20));
  await kit.refuses("no_such_file", "get_peers", { group: "g", fileId: unknown }, {
    token: bob.token,
  });
});

Deno.test("announce and withdraw add and remove a seeder of a group's file", async () => {
  await using kit = await CommandKit.open();
  const { alice, bob, fileId } = await shared(kit);
  const args = { group: "g", fileId };
  deepStrictEqual(await kit.run("announce", { ...args, complete: false }, { token: bob.token }), {
    known: true,
  });
  const seen = await kit.run("get_peers", args, { token: alice.token });
  deepStrictEqual(seen.peers, [{ peerId: bob.peerId, address: "127.0.0.1:7002", complete: false }]);
  deepStrictEqual(await kit.run("withdraw", args, { token: bob.token }), {});
  deepStrictEqual((await kit.run("get_peers", args, { token: alice.token })).peers, []);
  const carol = await kit.user("carol");
  await kit.refuses("not_member", "announce", { ...args, complete: true }, { token: carol.token });
  await kit.refuses("not_member", "withdraw", args, { token: carol.token });
});

Deno.test("get_ticket signs a ticket that tracker_keys' key verifies", async () => {
  await using kit = await CommandKit.open();
  const { bob, fileId } = await shared(kit);
  const peerKey = bob.key;
  const args = { group: "g", fileId, publicKey: peerKey };
  const { ticket, expiresAt } = await kit.run("get_ticket", args, { token: bob.token });
  equal(expiresAt, kit.time.ms + TICKET_TTL_MS);
  const { keys } = await kit.run("tracker_keys", {});
  equal(keys.length, 1);
  const key = keys[0]!;
  equal(key.keyId, kit.store.trackerId);
  const verified = await verifyTicket(ticket, {
    keys: new Map([[key.keyId, await importPublicKey(key.publicKey)]]),
    now: kit.time.ms,
    skewMs: 0,
  });
  ok(typeof verified !== "string", `ticket refused: ${String(verified)}`);
  deepStrictEqual([verified.user, verified.group, verified.fileId], ["bob", "g", fileId]);
  deepStrictEqual(verified.peerKey, peerKey);
  await kit.refuses("bad_request", "get_ticket", { ...args, publicKey: peerKey.subarray(1) }, {
    token: bob.token,
  });
  // A ticket for another peer's key is refused: it would let bob's session serve someone else.
  const { key: carolsKey } = await kit.user("carol");
  await kit.refuses("bad_request", "get_ticket", { ...args, publicKey: carolsKey }, {
    token: bob.token,
  });
});
