import assert from "node:assert/strict";
import { IDENTITY_FILE, loadOrCreateIdentity } from "./identity.ts";
import { tempDir } from "../common/test_util.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  await using temp = await tempDir();
  const dir = temp.path;
  await fn(dir);
}

Deno.test("loadOrCreateIdentity() makes an identity once and reuses it", async () => {
  await withTempDir(async (dir) => {
    const first = await loadOrCreateIdentity(dir);
    const second = await loadOrCreateIdentity(dir);
    assert.match(first.peerId, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(second.peerId, first.peerId);
    assert.equal(first.peerId, first.publicKeyJwk.x, "the peer id is the key's fingerprint");
    assert.deepEqual(second.publicKeyJwk.x, first.publicKeyJwk.x);
    const stat = await Deno.stat(`${dir}/${IDENTITY_FILE}`);
    if (Deno.build.os !== "windows") assert.equal(stat.mode! & 0o777, 0o600);
  });
});

Deno.test("loadOrCreateIdentity() keeps a key pair that signs and verifies", async () => {
  await withTempDir(async (dir) => {
    await loadOrCreateIdentity(dir);
    const { keyPair } = await loadOrCreateIdentity(dir);
    const data = new TextEncoder().encode("nonce");
    const signature = await crypto.subtle.sign("Ed25519", keyPair.privateKey, data);
    assert.ok(await crypto.subtle.verify("Ed25519", keyPair.publicKey, signature, data));
  });
});

Deno.test("loadOrCreateIdentity() refuses a damaged file in one line naming it", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/${IDENTITY_FILE}`;
    for (const text of ["{not json", '{"version":1}', "[]"]) {
      await Deno.writeTextFile(path, text);
      await assert.rejects(loadOrCreateIdentity(dir), (error: Error) => {
        assert.ok(error.message.startsWith(`Identity file "${path}" is unusable: `));
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    }
  });
});

Deno.test("loadOrCreateIdentity() refuses a public key that is not the private key's", async () => {
  await withTempDir(async (dir) => {
    await loadOrCreateIdentity(dir);
    const path = `${dir}/${IDENTITY_FILE}`;
    const record = JSON.parse(await Deno.readTextFile(path));
    const other = await crypto.subtle.generateKey("Ed25519", true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    record.publicKey = await crypto.subtle.exportKey("jwk", other.publicKey);
    await Deno.writeTextFile(path, JSON.stringify(record));
    await assert.rejects(loadOrCreateIdentity(dir), /does not match/);
  });
});
