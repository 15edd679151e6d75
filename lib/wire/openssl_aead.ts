/**
 * The connections' two AEADs from the system's OpenSSL (common/openssl.ts): ChaCha20-Poly1305
 * and AES-256-GCM, the same ciphers as node:crypto's, byte for byte, at 2.5–3× its speed on this
 * machine and without a new output buffer per message. Where libcrypto cannot load,
 * {@linkcode openSsl} says why and cipher_state.ts uses node:crypto. The two interoperate: the
 * wire does not say which implementation a side uses.
 */
import { type Libcrypto, libcrypto } from "../common/openssl.ts";

/** The tag after every ciphertext (Poly1305's or GCM's). */
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const KEY_BYTES = 32;
/** EVP_CIPHER_CTX_ctrl's commands for an AEAD's tag. */
const EVP_CTRL_AEAD_GET_TAG = 0x10;
const EVP_CTRL_AEAD_SET_TAG = 0x11;

/** The Noise names of the ciphers a connection may use. */
export type NoiseCipher = "ChaChaPoly" | "AESGCM";

/** One message at a time, in place or into a target: every call is whole and synchronous. */
export interface Aead {
  /** Encrypt `plaintext` into `target` at `offset`: ciphertext, then the 16-byte tag. */
  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    target: Uint8Array,
    offset: number,
  ): void;
  /**
   * Check the tag of `message` (ciphertext and tag) and write its plaintext into `target` at
   * `offset`: in place when `target` is `message` and `offset` 0.
   *
   * @returns false when the tag does not match (then the plaintext's bytes are garbage)
   * @throws {RangeError} when the target cannot hold the plaintext
   */
  open(
    key: Uint8Array,
    nonce: Uint8Array,
    message: Uint8Array,
    target: Uint8Array,
    offset: number,
  ): boolean;
}

class OpenSslAead implements Aead {
  readonly #symbols: Libcrypto;
  /** One context for every message of this thread: each call sets the key and nonce anew. */
  readonly #context: Deno.PointerValue;
  readonly #cipher: Deno.PointerValue;
  /** OpenSSL's `int *outl`, and a place for Final's (empty) output. */
  readonly #length = new Uint8Array(4);
  readonly #scratch = new Uint8Array(TAG_BYTES);

  constructor(symbols: Libcrypto, cipher: NoiseCipher) {
    this.#symbols = symbols;
    this.#context = this.#symbols.EVP_CIPHER_CTX_new();
    this.#cipher = cipher === "AESGCM"
      ? this.#symbols.EVP_aes_256_gcm()
      : this.#symbols.EVP_chacha20_poly1305();
    if (this.#context === null || this.#cipher === null) {
      throw new Error(`libcrypto has no ${cipher}`);
    }
  }

  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    target: Uint8Array,
    offset: number,
  ): void {
    checkSizes(key, nonce);
    const length = plaintext.length;
    if (offset < 0 || offset + length + TAG_BYTES > target.length) {
      throw new RangeError("The target cannot hold the ciphertext and its tag");
    }
    const out = target.subarray(offset, offset + length + TAG_BYTES);
    const s = this.#symbols;
    const context = this.#context;
    const ok = s.EVP_CipherInit_ex(context, this.#cipher, null, key, nonce, 1) === 1 &&
      s.EVP_CipherUpdate(context, out, this.#length, plaintext, length) === 1 &&
      s.EVP_CipherFinal_ex(context, this.#scratch, this.#length) === 1 &&
      s.EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, TAG_BYTES, out.subarray(length)) === 1;
    if (!ok) throw new Error("libcrypto failed to encrypt a message");
  }

  open(
    key: Uint8Array,
    nonce: Uint8Array,
    message: Uint8Array,
    target: Uint8Array,
    offset: number,
  ): boolean {
    checkSizes(key, nonce);
    if (message.length < TAG_BYTES) return false;
    const length = message.length - TAG_BYTES;
    if (offset < 0 || offset + length > target.length) {
      throw new RangeError("The target cannot hold the plaintext");
    }
    const s = this.#symbols;
    const context = this.#context;
    const tag = message.subarray(length);
    const ready = s.EVP_CipherInit_ex(context, this.#cipher, null, key, nonce, 0) === 1 &&
      s.EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, TAG_BYTES, tag) === 1 &&
      s.EVP_CipherUpdate(context, target.subarray(offset), this.#length, message, length) === 1;
    if (!ready) throw new Error("libcrypto failed to decrypt a message");
    return s.EVP_CipherFinal_ex(context, this.#scratch, this.#length) === 1;
  }
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new TypeError("The cipher's key must be 32 bytes");
  if (nonce.length !== NONCE_BYTES) throw new TypeError("The cipher's nonce must be 12 bytes");
}

/** OpenSSL's ciphers for this thread, or why there are none. */
export type OpenSslLoad =
  | { readonly chachaPoly: Aead; readonly aesGcm: Aead; readonly unavailable: null }
  | { readonly chachaPoly: null; readonly aesGcm: null; readonly unavailable: string };

/** OpenSSL's ChaCha20-Poly1305 and AES-256-GCM for this thread, or why not (then node:crypto's). */
export const openSsl: OpenSslLoad = libcrypto.symbols === null
  ? { chachaPoly: null, aesGcm: null, unavailable: libcrypto.unavailable }
  : {
    chachaPoly: new OpenSslAead(libcrypto.symbols, "ChaChaPoly"),
    aesGcm: new OpenSslAead(libcrypto.symbols, "AESGCM"),
    unavailable: null,
  };

/** OpenSSL's implementation of `cipher`, or null where libcrypto is not loaded. */
export function nativeAead(cipher: NoiseCipher): Aead | null {
  return cipher === "AESGCM" ? openSsl.aesGcm : openSsl.chachaPoly;
}
