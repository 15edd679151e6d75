/**
 * One direction of an encrypted connection after the Noise handshake (noise.ts): a key for one
 * of Noise's two AEADs, ChaCha20-Poly1305 (`ChaChaPoly`) or AES-256-GCM (`AESGCM`), and its
 * message counter, encrypting and decrypting messages of at most `MAX_NOISE_MESSAGE_BYTES`. The
 * implementation is OpenSSL's where the process may load it (openssl_aead.ts), else
 * node:crypto's; messages with associated data (the handshake's, a few per connection) always
 * use node:crypto's. {@linkcode preferredCipher} is the one this machine runs faster.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { ProtocolError } from "../common/errors.ts";
import { releaseBuffer } from "../common/memory.ts";
import { WireErrorCode } from "./limits.ts";
import { type Aead, nativeAead, type NoiseCipher, openSsl } from "./openssl_aead.ts";

export type { NoiseCipher } from "./openssl_aead.ts";

/** The tag after every ciphertext (Poly1305's or GCM's). */
export const TAG_BYTES = 16;
/** Noise caps every message, handshake or transport, at this many bytes. */
export const MAX_NOISE_MESSAGE_BYTES = 65_535;
/** The most plaintext one transport message carries. */
export const MAX_PLAINTEXT_BYTES = MAX_NOISE_MESSAGE_BYTES - TAG_BYTES;
const EMPTY = new Uint8Array(0);

/** node:crypto's encrypting side of `cipher` (an overload of createCipheriv each). */
function nodeCipher(cipher: NoiseCipher, key: Uint8Array, nonce: Uint8Array) {
  const options = { authTagLength: TAG_BYTES };
  return cipher === "AESGCM"
    ? createCipheriv("aes-256-gcm", key, nonce, options)
    : createCipheriv("chacha20-poly1305", key, nonce, options);
}

/** node:crypto's decrypting side of `cipher`. */
function nodeDecipher(cipher: NoiseCipher, key: Uint8Array, nonce: Uint8Array) {
  const options = { authTagLength: TAG_BYTES };
  return cipher === "AESGCM"
    ? createDecipheriv("aes-256-gcm", key, nonce, options)
    : createDecipheriv("chacha20-poly1305", key, nonce, options);
}

/**
 * The cipher this process runs faster, which a connecting side asks for: measured once, where
 * OpenSSL is loaded, by sealing 1.5 MiB with each (on this machine AES-256-GCM, with the
 * processor's AES instructions, 3.3 GB/s against ChaCha20-Poly1305's 1.8; about 3 ms, once).
 * Without OpenSSL, ChaCha20-Poly1305, node:crypto's faster one. Deno lets only a process with
 * every permission read /proc/cpuinfo, and libcrypto keeps its CPU flags to itself: hence the
 * measurement.
 */
export function preferredCipher(): NoiseCipher {
  measuredCipher ??= fasterNativeCipher();
  return measuredCipher;
}

let measuredCipher: NoiseCipher | undefined;

/** Rounds of sealing 512 KiB with each cipher, interleaved; the best round of each counts. */
const MEASURE_ROUNDS = 3;
const MEASURE_RECORD_BYTES = 65_536 - TAG_BYTES;
const MEASURE_RECORDS = 8;

function fasterNativeCipher(): NoiseCipher {
  const { aesGcm, chachaPoly } = openSsl;
  if (aesGcm === null || chachaPoly === null) return "ChaChaPoly";
  const key = new Uint8Array(32);
  const nonce = new Uint8Array(12);
  const plaintext = new Uint8Array(MEASURE_RECORD_BYTES);
  const target = new Uint8Array(MEASURE_RECORD_BYTES + TAG_BYTES);
  const sealTime = (aead: Aead) => {
    const start = performance.now();
    for (let i = 0; i < MEASURE_RECORDS; i++) aead.seal(key, nonce, plaintext, target, 0);
    return performance.now() - start;
  };
  let aes = Infinity;
  let chacha = Infinity;
  for (let round = 0; round < MEASURE_ROUNDS; round++) {
    aes = Math.min(aes, sealTime(aesGcm));
    chacha = Math.min(chacha, sealTime(chachaPoly));
  }
  return aes < chacha ? "AESGCM" : "ChaChaPoly";
}

/**
 * The cipher's stand-in on a connection in the benchmarks' unencrypted mode (secure_conn.ts):
 * the plaintext copied where the ciphertext goes, a tag of zeros, nothing checked. The records
 * keep their size and their copy, so a benchmark compares the cipher's work and nothing else.
 */
const UNENCRYPTED: Aead = {
  seal(_key, _nonce, plaintext, target, offset) {
    target.set(plaintext, offset);
    target.fill(0, offset + plaintext.length, offset + plaintext.length + TAG_BYTES);
  },
  open(_key, _nonce, message, target, offset) {
    const body = message.subarray(0, message.length - TAG_BYTES);
    if (target !== message || offset !== 0) target.set(body, offset);
    return true;
  },
};

/**
 * A key for `cipher` and its 64-bit message counter: the nonce is 4 zero bytes and the counter,
 * little-endian for ChaChaPoly and big-endian for AESGCM (as the Noise specification says). One
 * direction of one connection.
 */
export class CipherState {
  readonly cipher: NoiseCipher;
  readonly #key: Uint8Array;
  readonly #native: Aead | null;
  readonly #isLittleEndian: boolean;
  #counter = 0n;
  readonly #nonce = new Uint8Array(12);
  readonly #nonceView = new DataView(this.#nonce.buffer);

  /**
   * @param native OpenSSL's implementation of `cipher` when loaded; null: node:crypto's (tests
   *   compare the two)
   */
  constructor(
    key: Uint8Array,
    cipher: NoiseCipher = "ChaChaPoly",
    native: Aead | null = nativeAead(cipher),
  ) {
    if (key.length !== 32) throw new TypeError(`${cipher} key must be 32 bytes`);
    this.cipher = cipher;
    // Our own copy: the native cipher keys a context per key object, once, so it must not change.
    this.#key = key.slice();
    this.#native = native;
    this.#isLittleEndian = cipher === "ChaChaPoly";
  }

  /**
   * A direction of a connection in the benchmarks' unencrypted mode: transport messages are
   * copied, not encrypted, and never fail (messages with associated data are still encrypted,
   * with a key of zeros).
   */
  static unencrypted(): CipherState {
    return new CipherState(new Uint8Array(32), "ChaChaPoly", UNENCRYPTED);
  }

  #nextNonce(): Uint8Array {
    // 2^64 - 1 is reserved; no connection comes near 2^63 messages, but never wrap.
    if (this.#counter >= 0xffff_ffff_ffff_fffen) throw new Error("Noise nonce exhausted");
    this.#nonceView.setBigUint64(4, this.#counter, this.#isLittleEndian);
    this.#counter++;
    return this.#nonce;
  }

  /** Encrypt `plaintext` with associated data `ad`: ciphertext then the 16-byte tag. */
  encrypt(plaintext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
    const out = new Uint8Array(plaintext.length + TAG_BYTES);
    this.encryptInto(plaintext, out, 0, ad);
    return out;
  }

  /** Encrypt into `target` at `offset` (`plaintext.length + 16` bytes), saving a copy. */
  encryptInto(
    plaintext: Uint8Array,
    target: Uint8Array,
    offset: number,
    ad: Uint8Array = EMPTY,
  ): void {
    if (this.#native !== null && ad.length === 0) {
      this.#native.seal(this.#key, this.#nextNonce(), plaintext, target, offset);
      return;
    }
    const cipher = nodeCipher(this.cipher, this.#key, this.#nextNonce());
    if (ad.length > 0) cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const ciphertext = cipher.update(plaintext);
    target.set(ciphertext, offset);
    releaseBuffer(ciphertext);
    cipher.final();
    target.set(cipher.getAuthTag(), offset + plaintext.length);
  }

  /**
   * Decrypt and authenticate one message.
   *
   * @throws {ProtocolError} `decrypt_failed` when the tag does not match (tampered, replayed,
   *   reordered or the wrong key)
   */
  decrypt(message: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
    if (message.length < TAG_BYTES) throw authenticationFailed(message);
    const body = message.subarray(0, message.length - TAG_BYTES);
    const decipher = nodeDecipher(this.cipher, this.#key, this.#nextNonce());
    if (ad.length > 0) decipher.setAAD(ad, { plaintextLength: body.length });
    decipher.setAuthTag(message.subarray(body.length));
    const out = decipher.update(body);
    // A view of node's buffer, not a copy of it: records carry up to 64 KiB each.
    const plaintext = new Uint8Array(out.buffer, out.byteOffset, out.length);
    try {
      decipher.final();
    } catch {
      throw authenticationFailed(message);
    }
    return plaintext;
  }

  /**
   * Decrypt and authenticate one transport message (no associated data), over its own bytes
   * where the cipher can: the message is not needed after this.
   *
   * @returns the plaintext, a view of `message` or a new buffer
   * @throws {ProtocolError} `decrypt_failed` as {@linkcode decrypt}
   */
  decryptInPlace(message: Uint8Array): Uint8Array {
    if (this.#native === null) return this.decrypt(message);
    this.#open(message, message, 0);
    return message.subarray(0, message.length - TAG_BYTES);
  }

  /**
   * Decrypt and authenticate one transport message (no associated data) into `target` at
   * `offset`, which must hold `message.length - 16` bytes: the plaintext is never copied.
   * After a failure the target's bytes there are garbage.
   *
   * @returns the plaintext's length
   * @throws {ProtocolError} `decrypt_failed` as {@linkcode decrypt}
   */
  decryptInto(message: Uint8Array, target: Uint8Array, offset: number): number {
    if (this.#native !== null) {
      this.#open(message, target, offset);
    } else {
      const plaintext = this.decrypt(message);
      target.set(plaintext, offset);
      releaseBuffer(plaintext);
    }
    return message.length - TAG_BYTES;
  }

  #open(message: Uint8Array, target: Uint8Array, offset: number): void {
    if (!this.#native!.open(this.#key, this.#nextNonce(), message, target, offset)) {
      throw authenticationFailed(message);
    }
  }
}

function authenticationFailed(message: Uint8Array): ProtocolError {
  return message.length < TAG_BYTES
    ? new ProtocolError(WireErrorCode.DECRYPT_FAILED, "Encrypted message shorter than a tag")
    : new ProtocolError(
      WireErrorCode.DECRYPT_FAILED,
      "An encrypted message failed its authentication tag: tampered with or the wrong key",
    );
}
