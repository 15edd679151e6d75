/**
 * The Noise protocol's XX handshake, `Noise_XX_25519_ChaChaPoly_SHA256` or
 * `Noise_XX_25519_AESGCM_SHA256`, as the Noise specification (revision 34) defines them: X25519
 * for the key exchanges, ChaCha20-Poly1305 or AES-256-GCM for every encrypted byte, SHA-256 for
 * the transcript hash and the HKDF. Pure: no sockets, no clocks; `secure_conn.ts` carries its
 * messages over TCP. Checked against the published test vectors (noise_test.ts).
 *
 * XX: `-> e`, `<- e, ee, s, es`, `-> s, se`. Both sides learn each other's static key during
 * the handshake, encrypted, and each static key is proven by a key exchange with it.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { ProtocolError } from "../common/errors.ts";
import { WireErrorCode } from "./limits.ts";
import { CipherState, type NoiseCipher, TAG_BYTES } from "./cipher_state.ts";

export {
  CipherState,
  MAX_NOISE_MESSAGE_BYTES,
  MAX_PLAINTEXT_BYTES,
  type NoiseCipher,
  preferredCipher,
  TAG_BYTES,
} from "./cipher_state.ts";

/** The protocol name for `cipher`, hashed into the transcript first. */
export function noiseProtocolName(cipher: NoiseCipher): string {
  return `Noise_XX_25519_${cipher}_SHA256`;
}
/** X25519 public keys and shared secrets. */
export const DH_BYTES = 32;

const HASH_BYTES = 32;
const EMPTY = new Uint8Array(0);
/** PKCS#8 DER up to the 32 raw bytes of an X25519 private key. */
const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/** An X25519 key pair: the private key for node:crypto, the raw public key for the wire. */
export interface DhKeyPair {
  /** The private key, as node:crypto's `diffieHellman` takes it. */
  readonly privateKey: KeyObject;
  /** Raw, 32 bytes, as the handshake sends it. */
  readonly publicKey: Uint8Array;
}

/** A fresh random X25519 key pair. */
export function generateDhKeyPair(): DhKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

/** The X25519 key pair whose private key is these 32 bytes (test vectors, saved keys). */
export function dhKeyPairFromPrivate(raw: Uint8Array): DhKeyPair {
  if (raw.length !== DH_BYTES) throw new TypeError(`X25519 private key must be 32 bytes`);
  const der = new Uint8Array(X25519_PKCS8_PREFIX.length + DH_BYTES);
  der.set(X25519_PKCS8_PREFIX);
  der.set(raw, X25519_PKCS8_PREFIX.length);
  const privateKey = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.x ?? "", "base64url"));
}

function dh(pair: DhKeyPair, remotePublic: Uint8Array): Uint8Array {
  if (remotePublic.length !== DH_BYTES) {
    throw new ProtocolError(WireErrorCode.HANDSHAKE_FAILED, "Bad X25519 public key length");
  }
  const publicKey = createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: Buffer.from(remotePublic).toString("base64url") },
    format: "jwk",
  });
  try {
    return new Uint8Array(diffieHellman({ privateKey: pair.privateKey, publicKey }));
  } catch (error) {
    // A low-order point gives an all-zero secret, which node:crypto refuses.
    throw new ProtocolError(
      WireErrorCode.HANDSHAKE_FAILED,
      `Key exchange failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return new Uint8Array(mac.digest());
}

/** The Noise HKDF: two 32-byte outputs from a chaining key and input key material. */
function hkdf(chainingKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = hmac(chainingKey, input);
  const first = hmac(temp, Uint8Array.of(1));
  const second = hmac(temp, first, Uint8Array.of(2));
  return [first, second];
}

/** The transcript: chaining key, handshake hash and the current key, if any. */
class SymmetricState {
  readonly #cipherName: NoiseCipher;
  #chainingKey: Uint8Array;
  #hash: Uint8Array;
  #cipher: CipherState | null = null;

  constructor(cipher: NoiseCipher) {
    this.#cipherName = cipher;
    const name = new TextEncoder().encode(noiseProtocolName(cipher));
    this.#hash = name.length <= HASH_BYTES
      ? Uint8Array.from({ length: HASH_BYTES }, (_, i) => name[i] ?? 0)
      : sha256(name);
    this.#chainingKey = this.#hash;
  }

  get hash(): Uint8Array {
    return this.#hash;
  }

  mixHash(data: Uint8Array): void {
    this.#hash = sha256(this.#hash, data);
  }

  mixKey(input: Uint8Array): void {
    const [chainingKey, key] = hkdf(this.#chainingKey, input);
    this.#chainingKey = chainingKey;
    this.#cipher = new CipherState(key, this.#cipherName);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const out = this.#cipher ? this.#cipher.encrypt(plaintext, this.#hash) : plaintext;
    this.mixHash(out);
    return out;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const out = this.#cipher ? this.#cipher.decrypt(ciphertext, this.#hash) : ciphertext;
    this.mixHash(ciphertext);
    return out;
  }

  split(): [CipherState, CipherState] {
    const [first, second] = hkdf(this.#chainingKey, EMPTY);
    return [new CipherState(first, this.#cipherName), new CipherState(second, this.#cipherName)];
  }
}

/** The handshake's result: a key for each direction and what the remote proved. */
export interface NoiseSession {
  /** Encrypts what we send. */
  readonly send: CipherState;
  /** Decrypts what we receive. */
  readonly receive: CipherState;
  /** The remote's static X25519 public key. */
  readonly remoteStatic: Uint8Array;
  /** The final handshake hash: unique to this connection (a channel binding). */
  readonly handshakeHash: Uint8Array;
}

/** Options of a handshake: our static key, and fixed ephemeral keys only in tests. */
export interface HandshakeOptions {
  readonly staticKey: DhKeyPair;
  /** The AEAD, named in the protocol name; ChaChaPoly when not given. */
  readonly cipher?: NoiseCipher;
  readonly prologue?: Uint8Array;
  /** For test vectors only: a real handshake always makes a fresh one. */
  readonly ephemeralKey?: DhKeyPair;
}

/**
 * One side of an XX handshake, driven a message at a time. The initiator writes message 1,
 * reads 2, writes 3; the responder reads 1, writes 2, reads 3. Each message may carry a payload
 * (encrypted from message 2 on).
 */
export class XXHandshake {
  readonly isInitiator: boolean;
  readonly #state: SymmetricState;
  readonly #static: DhKeyPair;
  readonly #ephemeral: DhKeyPair;
  #remoteEphemeral: Uint8Array | null = null;
  #remoteStatic: Uint8Array | null = null;
  #step = 0;

  constructor(isInitiator: boolean, options: HandshakeOptions) {
    this.isInitiator = isInitiator;
    this.#state = new SymmetricState(options.cipher ?? "ChaChaPoly");
    this.#static = options.staticKey;
    this.#ephemeral = options.ephemeralKey ?? generateDhKeyPair();
    this.#state.mixHash(options.prologue ?? EMPTY);
  }

  /** The remote's static key, once a message has carried it. */
  get remoteStatic(): Uint8Array | null {
    return this.#remoteStatic;
  }

  /** Whether all three messages have passed. */
  get isDone(): boolean {
    return this.#step === 3;
  }

  /**
   * Write the next message (ours to write), with `payload`.
   *
   * @throws {Error} when it is the remote's turn
   */
  write(payload: Uint8Array = EMPTY): Uint8Array {
    this.#expectTurn(true);
    const parts: Uint8Array[] = [];
    const state = this.#state;
    if (this.#step === 0) {
      parts.push(this.#ephemeral.publicKey);
      state.mixHash(this.#ephemeral.publicKey);
    } else if (this.#step === 1) {
      const remoteEphemeral = this.#remoteEphemeral!;
      parts.push(this.#ephemeral.publicKey);
      state.mixHash(this.#ephemeral.publicKey);
      state.mixKey(dh(this.#ephemeral, remoteEphemeral));
      parts.push(state.encryptAndHash(this.#static.publicKey));
      state.mixKey(dh(this.#static, remoteEphemeral));
    } else {
      parts.push(state.encryptAndHash(this.#static.publicKey));
      state.mixKey(dh(this.#static, this.#remoteEphemeral!));
    }
    parts.push(state.encryptAndHash(payload));
    this.#step++;
    return concat(parts);
  }

  /**
   * Read the remote's next message; returns its payload.
   *
   * @throws {ProtocolError} `handshake_failed` when it is malformed or does not authenticate
   */
  read(message: Uint8Array): Uint8Array {
    this.#expectTurn(false);
    const state = this.#state;
    let at = 0;
    const take = (length: number): Uint8Array => {
      if (message.length - at < length) {
        throw new ProtocolError(
          WireErrorCode.HANDSHAKE_FAILED,
          `Handshake message ${this.#step + 1} is too short`,
        );
      }
      const part = message.subarray(at, at + length);
      at += length;
      return part;
    };
    try {
      if (this.#step === 0) {
        this.#remoteEphemeral = take(DH_BYTES).slice();
        state.mixHash(this.#remoteEphemeral);
      } else if (this.#step === 1) {
        this.#remoteEphemeral = take(DH_BYTES).slice();
        state.mixHash(this.#remoteEphemeral);
        state.mixKey(dh(this.#ephemeral, this.#remoteEphemeral));
        this.#remoteStatic = state.decryptAndHash(take(DH_BYTES + TAG_BYTES));
        state.mixKey(dh(this.#ephemeral, this.#remoteStatic));
      } else {
        this.#remoteStatic = state.decryptAndHash(take(DH_BYTES + TAG_BYTES));
        state.mixKey(dh(this.#ephemeral, this.#remoteStatic));
      }
      const payload = state.decryptAndHash(message.subarray(at));
      this.#step++;
      return payload;
    } catch (error) {
      if (error instanceof ProtocolError && error.code === WireErrorCode.DECRYPT_FAILED) {
        throw new ProtocolError(
          WireErrorCode.HANDSHAKE_FAILED,
          `Handshake message ${this.#step + 1} does not authenticate`,
        );
      }
      throw error;
    }
  }

  /**
   * The session, once all three messages have passed.
   *
   * @throws {Error} before then
   */
  finish(): NoiseSession {
    if (!this.isDone || this.#remoteStatic === null) throw new Error("Handshake not finished");
    const [first, second] = this.#state.split();
    return {
      send: this.isInitiator ? first : second,
      receive: this.isInitiator ? second : first,
      remoteStatic: this.#remoteStatic,
      handshakeHash: this.#state.hash,
    };
  }

  #expectTurn(writing: boolean): void {
    if (this.#step >= 3) throw new Error("Handshake already finished");
    const initiatorWrites = this.#step % 2 === 0;
    if ((initiatorWrites === this.isInitiator) !== writing) {
      throw new Error(`Not our turn to ${writing ? "write" : "read"}`);
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
