/** OpenSSL's ChaCha20-Poly1305 and AES-256-GCM against node:crypto's: the same bytes, tampering caught. */
import assert from "node:assert/strict";
import { ProtocolError } from "../common/errors.ts";
import { CipherState, type NoiseCipher } from "./cipher_state.ts";
import { nativeAead, openSsl } from "./openssl_aead.ts";

const { unavailable } = openSsl;
// `deno task test` grants --allow-ffi: a machine without libcrypto.so.3 says so and skips.
if (unavailable !== null) console.log(`openssl_aead_test: skipped, ${unavailable}`);
const ignore = unavailable !== null;
const SIZES = [0, 1, 15, 16, 17, 100, 4096, 65_519];
const CIPHERS: readonly NoiseCipher[] = ["ChaChaPoly", "AESGCM"];

function random(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65_536)));
  }
  return bytes;
}

for (const cipher of CIPHERS) {
  const native = nativeAead(cipher);

  Deno.test({
    name: `${cipher}: OpenSSL writes node:crypto's bytes, and each reads the other's`,
    ignore,
    fn() {
      const key = random(32);
      const openSslSide = new CipherState(key, cipher, native);
      const node = new CipherState(key, cipher, null);
      for (const size of SIZES) {
        const plaintext = random(size);
        const sealed = openSslSide.encrypt(plaintext);
        assert.deepEqual(sealed, node.encrypt(plaintext), `${size} bytes`);
        // Both counters are at the same message: each side opens what the other sealed.
        const fromNode = new CipherState(key, cipher, null);
        const fromNative = new CipherState(key, cipher, native);
        for (let i = 0; i < SIZES.indexOf(size); i++) {
          fromNode.encrypt(new Uint8Array(0));
          fromNative.encrypt(new Uint8Array(0));
        }
        assert.deepEqual(fromNative.decryptInPlace(fromNode.encrypt(plaintext)), plaintext);
        assert.deepEqual(fromNode.decrypt(fromNative.encrypt(plaintext)), plaintext);
      }
    },
  });

  Deno.test({
    name:
      `${cipher}: OpenSSL's decryption in place refuses a flipped bit, a wrong tag, key or counter`,
    ignore,
    fn() {
      const key = random(32);
      const plaintext = random(1000);
      const sealed = new CipherState(key, cipher, null).encrypt(plaintext);
      const tampered = (at: number) => {
        const copy = sealed.slice();
        copy[at]! ^= 0x01;
        return copy;
      };
      const refuses = (receiver: CipherState, message: Uint8Array) =>
        assert.throws(
          () => receiver.decryptInPlace(message),
          (error) => error instanceof ProtocolError && error.code === "decrypt_failed",
        );
      refuses(new CipherState(key, cipher, native), tampered(0));
      refuses(new CipherState(key, cipher, native), tampered(sealed.length - 1));
      refuses(new CipherState(random(32), cipher, native), sealed.slice());
      const ahead = new CipherState(key, cipher, native);
      ahead.encrypt(new Uint8Array(0));
      refuses(ahead, sealed.slice());
      refuses(new CipherState(key, cipher, native), sealed.subarray(0, 15).slice());

      const message = sealed.slice();
      const opened = new CipherState(key, cipher, native).decryptInPlace(message);
      assert.deepEqual(opened, plaintext);
      assert.equal(opened.buffer, message.buffer, "decrypted over the message's own bytes");
    },
  });

  Deno.test({
    name: `${cipher}: OpenSSL's seal and open write at an offset and refuse a target too small`,
    ignore,
    fn() {
      const key = random(32);
      const nonce = new Uint8Array(12);
      const plaintext = random(300);
      const target = new Uint8Array(400).fill(0xaa);
      native!.seal(key, nonce, plaintext, target, 50);
      assert.equal(target[49], 0xaa);
      assert.equal(target[50 + 316], 0xaa);
      const opened = new Uint8Array(320).fill(0xbb);
      assert.ok(native!.open(key, nonce, target.subarray(50, 366), opened, 10));
      assert.deepEqual(opened.subarray(10, 310), plaintext);
      assert.equal(opened[9], 0xbb);
      assert.equal(opened[310], 0xbb);
      assert.throws(
        () => native!.open(key, nonce, target.subarray(50, 366), opened, 21),
        RangeError,
      );
      assert.throws(() => native!.seal(key, nonce, plaintext, target, 85), RangeError);
      assert.throws(() => native!.seal(key.subarray(1), nonce, plaintext, target, 0), TypeError);
    },
  });

  Deno.test({
    name:
      `${cipher}: OpenSSL keys each direction once; interleaved keys and a refused message change nothing`,
    ignore,
    fn() {
      const keys = [random(32), random(32)];
      const senders = keys.map((key) => new CipherState(key, cipher, null));
      const receivers = keys.map((key) => new CipherState(key, cipher, native));
      const checkers = keys.map((key) => new CipherState(key, cipher, native));
      for (let i = 0; i < 40; i++) {
        const side = i % 3 === 0 ? 1 : 0;
        const plaintext = random(i * 37);
        const sealed = senders[side]!.encrypt(plaintext);
        // The native sealer of the same key and counter writes node:crypto's bytes.
        assert.deepEqual(checkers[side]!.encrypt(plaintext), sealed, `message ${i}`);
        if (i % 5 === 4) {
          // A tampered copy is refused, and the counter has moved on as for any message.
          const tampered = sealed.slice();
          tampered[0]! ^= 1;
          assert.throws(() => receivers[side]!.decryptInPlace(tampered), ProtocolError);
          continue;
        }
        assert.deepEqual(receivers[side]!.decryptInPlace(sealed), plaintext, `message ${i}`);
      }
    },
  });

  Deno.test(`${cipher}: decryptInto() writes the plaintext at an offset with either implementation, and refuses a bad tag`, () => {
    const key = random(32);
    const plaintext = random(5000);
    for (const implementation of ignore ? [null] : [native, null]) {
      const sealed = new CipherState(key, cipher, null).encrypt(plaintext);
      const target = new Uint8Array(6000).fill(0xcc);
      assert.equal(
        new CipherState(key, cipher, implementation).decryptInto(sealed, target, 700),
        5000,
      );
      assert.deepEqual(target.subarray(700, 5700), plaintext);
      assert.equal(target[699], 0xcc);
      assert.equal(target[5700], 0xcc);
      const tampered = sealed.slice();
      tampered[10]! ^= 0x01;
      assert.throws(
        () => new CipherState(key, cipher, implementation).decryptInto(tampered, target, 0),
        (error) => error instanceof ProtocolError && error.code === "decrypt_failed",
      );
    }
  });
}

Deno.test("the two ciphers differ, and a message sealed with one does not open with the other", () => {
  const key = random(32);
  const plaintext = random(100);
  const chacha = new CipherState(key, "ChaChaPoly", null).encrypt(plaintext);
  assert.notDeepEqual(new CipherState(key, "AESGCM", null).encrypt(plaintext), chacha);
  assert.throws(
    () => new CipherState(key, "AESGCM").decrypt(chacha),
    (error) => error instanceof ProtocolError && error.code === "decrypt_failed",
  );
});
