/**
 * One direction of an encrypted connection after the Noise handshake (noise.ts): a
 * ChaCha20-Poly1305 key and its message counter, encrypting and decrypting messages of at most
 * `MAX_NOISE_MESSAGE_BYTES`. The cipher is OpenSSL's where the process may load it
 * (openssl_chacha.ts), else node:crypto's; messages with associated data (the handshake's, a few
 * per connection) always use node:crypto's.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { ProtocolError } from "../common/errors.ts";
import { releaseBuffer } from "../common/memory.ts";
import { WireErrorCode } from "./limits.ts";
import { type ChaChaPoly, openSsl } from "./openssl_chacha.ts";

/** The Poly1305 tag after every ciphertext. */
export const TAG_BYTES = 16;
/** Noise caps every message, handshake or transport, at this many bytes. */
export const MAX_NOISE_MESSAGE_BYTES = 65_535;
/** The most plaintext one transport message carries. */
export const MAX_PLAINTEXT_BYTES = MAX_NOISE_MESSAGE_BYTES - TAG_BYTES;
const EMPTY = new Uint8Array(0);

/**
 * A ChaCha20-Poly1305 key and its 64-bit message counter: the nonce is 4 zero bytes and the
 * counter, little-endian. One direction of one connection.
 */
export class CipherState {
  readonly #key: Uint8Array;
  readonly #native: ChaChaPoly | null;
  #counter = 0n;
  readonly #nonce = new Uint8Array(12);
  readonly #nonceView = new DataView(this.#nonce.buffer);

  /** @param native OpenSSL's cipher when loaded; null: node:crypto's (tests compare the two) */
  constructor(key: Uint8Array, native: ChaChaPoly | null = openSsl.chacha) {
    if (key.length !== 32) throw new TypeError("ChaChaPoly key must be 32 bytes");
    this.#key = key;
    this.#native = native;
  }

  #nextNonce(): Uint8Array {
    // 2^64 - 1 is reserved; no connection comes near 2^63 messages, but never wrap.
    if (this.#counter >= 0xffff_ffff_ffff_fffen) throw new Error("Noise nonce exhausted");
    this.#nonceView.setBigUint64(4, this.#counter, true);
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
    const cipher = createCipheriv("chacha20-poly1305", this.#key, this.#nextNonce(), {
      authTagLength: TAG_BYTES,
    });
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
    const decipher = createDecipheriv("chacha20-poly1305", this.#key, this.#nextNonce(), {
      authTagLength: TAG_BYTES,
    });
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
