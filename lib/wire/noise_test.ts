/** The Noise XX handshake against the published test vectors, and its failures. */
import assert from "node:assert/strict";
import { ProtocolError } from "../common/errors.ts";
import {
  dhKeyPairFromPrivate,
  generateDhKeyPair,
  type NoiseCipher,
  noiseProtocolName,
  XXHandshake,
} from "./noise.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Noise_XX_25519_ChaChaPoly_SHA256 from the cacophony test vectors (public test data). */
const CHACHAPOLY_VECTOR = {
  prologue: "4a6f686e2047616c74",
  initStatic: "e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1",
  initEphemeral: "893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a",
  respStatic: "4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893",
  respEphemeral: "bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b",
  handshakeHash: "c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e",
  messages: [
    {
      payload: "4c756477696720766f6e204d69736573",
      ciphertext:
        "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573",
    },
    {
      payload: "4d757272617920526f746862617264",
      ciphertext:
        "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad",
    },
    {
      payload: "462e20412e20486179656b",
      ciphertext:
        "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030",
    },
    {
      payload: "4361726c204d656e676572",
      ciphertext: "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df",
    },
    {
      payload: "4a65616e2d426170746973746520536179",
      ciphertext: "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5",
    },
    {
      payload: "457567656e2042f6686d20766f6e2042617765726b",
      ciphertext: "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f",
    },
  ],
};

/** Noise_XX_25519_AESGCM_SHA256 from the same file: the same keys and payloads. */
const AESGCM_VECTOR = {
  ...CHACHAPOLY_VECTOR,
  handshakeHash: "1b7aefb1125762aa21a252890d00af54519638b76437444538f9a52f21e2e0dc",
  messages: [
    // Message 1 is the ephemeral key and the payload in clear: the same under either cipher.
    CHACHAPOLY_VECTOR.messages[0]!,
    {
      payload: "4d757272617920526f746862617264",
      ciphertext:
        "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843757117acceb05bd7a45733bc22015c97a9d0cbaf41b80446d5988ff5127235d76b79eade70f473d6a4ef521fdcbeda5340d01e028ba793fc059f2724a83af05f12dda0448a7621a926b379a92477fd",
    },
    {
      payload: "462e20412e20486179656b",
      ciphertext:
        "c90f1cf77eba4e50edb038991565e36c9758943a989229b6051244dc4fbecb6946744b401af2ee1a5881b65fbb87fd07cb6a328ececc9ce6ce84c399dc332d4fd521fa4bb7f467ce909395",
    },
    {
      payload: "4361726c204d656e676572",
      ciphertext: "bc3fa77f6aca3e8466d7dc6bea10013e88a6a29add5132b461806c",
    },
    {
      payload: "4a65616e2d426170746973746520536179",
      ciphertext: "250b01074cdfe0df2ecf8ccbf1737b15a2ddb5b52fd9a396604e9c793cee3b3bb9",
    },
    {
      payload: "457567656e2042f6686d20766f6e2042617765726b",
      ciphertext: "449d4d433b3cdc3d02bf6fc881774b9df54366ebcffb9689bb13f14709822cd7ef42bcdb4d",
    },
  ],
};

const VECTORS: readonly [NoiseCipher, typeof CHACHAPOLY_VECTOR][] = [
  ["ChaChaPoly", CHACHAPOLY_VECTOR],
  ["AESGCM", AESGCM_VECTOR],
];

for (const [cipher, VECTOR] of VECTORS) {
  Deno.test(`${noiseProtocolName(cipher)}: handshake and transport match the published test vector byte for byte`, () => {
    const prologue = hex(VECTOR.prologue);
    const initiator = new XXHandshake(true, {
      staticKey: dhKeyPairFromPrivate(hex(VECTOR.initStatic)),
      ephemeralKey: dhKeyPairFromPrivate(hex(VECTOR.initEphemeral)),
      prologue,
      cipher,
    });
    const responder = new XXHandshake(false, {
      staticKey: dhKeyPairFromPrivate(hex(VECTOR.respStatic)),
      ephemeralKey: dhKeyPairFromPrivate(hex(VECTOR.respEphemeral)),
      prologue,
      cipher,
    });
    const [m1, m2, m3, ...transport] = VECTOR.messages;
    for (const [index, message] of [m1!, m2!, m3!].entries()) {
      const [writer, reader] = index % 2 === 0 ? [initiator, responder] : [responder, initiator];
      const sent = writer.write(hex(message.payload));
      assert.equal(toHex(sent), message.ciphertext, `handshake message ${index + 1}`);
      assert.equal(toHex(reader.read(sent)), message.payload);
    }
    const alice = initiator.finish();
    const bob = responder.finish();
    assert.equal(toHex(alice.handshakeHash), VECTOR.handshakeHash);
    assert.equal(toHex(bob.handshakeHash), VECTOR.handshakeHash);
    assert.equal(
      toHex(alice.remoteStatic),
      toHex(dhKeyPairFromPrivate(hex(VECTOR.respStatic)).publicKey),
    );
    // After the handshake the responder speaks first, then they alternate.
    for (const [index, message] of transport.entries()) {
      const [writer, reader] = index % 2 === 0 ? [bob, alice] : [alice, bob];
      const sent = writer.send.encrypt(hex(message.payload));
      assert.equal(toHex(sent), message.ciphertext, `transport message ${index + 1}`);
      assert.equal(toHex(reader.receive.decrypt(sent)), message.payload);
    }
  });
}

function handshakePair() {
  const initiator = new XXHandshake(true, { staticKey: generateDhKeyPair() });
  const responder = new XXHandshake(false, { staticKey: generateDhKeyPair() });
  return { initiator, responder };
}

Deno.test("a flipped bit in any encrypted handshake message fails the handshake", () => {
  for (const target of [1, 2]) {
    const { initiator, responder } = handshakePair();
    const m1 = initiator.write();
    responder.read(m1);
    const m2 = responder.write(new Uint8Array(10));
    if (target === 1) {
      m2[m2.length - 1]! ^= 1;
      assert.throws(
        () => initiator.read(m2),
        (e) => e instanceof ProtocolError && e.code === "handshake_failed",
      );
      continue;
    }
    initiator.read(m2);
    const m3 = initiator.write(new Uint8Array(10));
    m3[40]! ^= 0x80;
    assert.throws(
      () => responder.read(m3),
      (e) => e instanceof ProtocolError && e.code === "handshake_failed",
    );
  }
});

function sessionPair() {
  const { initiator, responder } = handshakePair();
  responder.read(initiator.write());
  initiator.read(responder.write());
  responder.read(initiator.write());
  return { alice: initiator.finish(), bob: responder.finish() };
}

Deno.test("a transport message that is tampered with, replayed or reordered is refused", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  const isDecryptFailure = (e: unknown) =>
    e instanceof ProtocolError && e.code === "decrypt_failed";

  const reordered = sessionPair();
  reordered.alice.send.encrypt(text("first"));
  const second = reordered.alice.send.encrypt(text("second"));
  assert.throws(() => reordered.bob.receive.decrypt(second), isDecryptFailure);

  const replayed = sessionPair();
  const once = replayed.alice.send.encrypt(text("once"));
  assert.equal(new TextDecoder().decode(replayed.bob.receive.decrypt(once)), "once");
  assert.throws(() => replayed.bob.receive.decrypt(once), isDecryptFailure);

  const tampered = sessionPair();
  const message = tampered.alice.send.encrypt(text("pay me"));
  message[0]! ^= 1;
  assert.throws(() => tampered.bob.receive.decrypt(message), isDecryptFailure);

  const crossed = sessionPair();
  const own = crossed.alice.send.encrypt(text("to bob"));
  assert.throws(() => crossed.alice.receive.decrypt(own), isDecryptFailure, "directions differ");
});

Deno.test("a short or truncated handshake message is refused with handshake_failed", () => {
  const { initiator, responder } = handshakePair();
  assert.throws(
    () => responder.read(new Uint8Array(5)),
    (e) => e instanceof ProtocolError && e.code === "handshake_failed",
  );
  responder.read(initiator.write());
  const m2 = responder.write();
  assert.throws(
    () => initiator.read(m2.subarray(0, 40)),
    (e) => e instanceof ProtocolError && e.code === "handshake_failed",
  );
});

Deno.test("writing or reading out of turn throws", () => {
  const { initiator, responder } = handshakePair();
  assert.throws(() => responder.write(), /Not our turn/);
  assert.throws(() => initiator.read(new Uint8Array(32)), /Not our turn/);
});
