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

/**
 * One message at a time, in place or into a target: every call is whole and synchronous. A key
 * is an array whose bytes never change: OpenSSL's keys a context per array, once.
 */
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

/** A key's two contexts, each keyed once: sealing, opening (null until first used). */
interface KeyedContexts {
  seal: Deno.PointerValue;
  open: Deno.PointerValue;
}

class OpenSslAead implements Aead {
  readonly #symbols: Libcrypto;
  readonly #cipher: Deno.PointerValue;
  /**
   * A context per key (per direction of a connection: each has its own key object), keyed when
   * first used, so each message sets only its nonce: keying AES-256-GCM again cost 0.9 µs a
   * message, most of a small one's cost. Freed when the key is collected.
   */
  readonly #contexts = new WeakMap<Uint8Array, KeyedContexts>();
  readonly #freed: FinalizationRegistry<KeyedContexts>;
  /** OpenSSL's `int *outl`, and a place for Final's (empty) output. */
  readonly #length = new Uint8Array(4);
  readonly #scratch = new Uint8Array(TAG_BYTES);

  constructor(symbols: Libcrypto, cipher: NoiseCipher) {
    this.#symbols = symbols;
    this.#cipher = cipher === "AESGCM"
      ? this.#symbols.EVP_aes_256_gcm()
      : this.#symbols.EVP_chacha20_poly1305();
    if (this.#cipher === null) throw new Error(`libcrypto has no ${cipher}`);
    this.#freed = new FinalizationRegistry((contexts) => {
      if (contexts.seal !== null) symbols.EVP_CIPHER_CTX_free(contexts.seal);
      if (contexts.open !== null) symbols.EVP_CIPHER_CTX_free(contexts.open);
    });
  }

  /** `key`'s context for sealing (1) or opening (0), set to `nonce`. */
  #contextFor(key: Uint8Array, nonce: Uint8Array, enc: 0 | 1): Deno.PointerValue {
    checkSizes(key, nonce);
    const s = this.#symbols;
    let contexts = this.#contexts.get(key);
    if (contexts === undefined) {
      contexts = { seal: null, open: null };
      this.#contexts.set(key, contexts);
      this.#freed.register(key, contexts);
    }
    const which = enc === 1 ? "seal" : "open";
    let context = contexts[which];
    if (context === null) {
      context = s.EVP_CIPHER_CTX_new();
      if (context === null) throw new Error("libcrypto could not make a cipher context");
      contexts[which] = context;
      if (s.EVP_CipherInit_ex(context, this.#cipher, null, key, nonce, enc) !== 1) {
        throw new Error("libcrypto could not key the cipher");
      }
      return context;
    }
    if (s.EVP_CipherInit_ex(context, null, null, null, nonce, -1) !== 1) {
      throw new Error("libcrypto could not set the cipher's nonce");
    }
    return context;
  }

  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    target: Uint8Array,
    offset: number,
  ): void {
    const length = plaintext.length;
    if (offset < 0 || offset + length + TAG_BYTES > target.length) {
      throw new RangeError("The target cannot hold the ciphertext and its tag");
    }
    const out = target.subarray(offset, offset + length + TAG_BYTES);
    const s = this.#symbols;
    const context = this.#contextFor(key, nonce, 1);
    const ok = s.EVP_CipherUpdate(context, out, this.#length, plaintext, length) === 1 &&
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
    if (message.length < TAG_BYTES) {
      checkSizes(key, nonce);
      return false;
    }
    const length = message.length - TAG_BYTES;
    if (offset < 0 || offset + length > target.length) {
      throw new RangeError("The target cannot hold the plaintext");
    }
    const s = this.#symbols;
    const context = this.#contextFor(key, nonce, 0);
    const tag = message.subarray(length);
    const ready = s.EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, TAG_BYTES, tag) === 1 &&
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
