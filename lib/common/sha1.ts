/**
 * SHA-1, whole or in parts: OpenSSL's (openssl.ts) where it loads, else node:crypto's. A thread
 * with OpenSSL never loads node:crypto for it: the piece worker and the upload's hashing worker
 * stay ~5 MiB smaller each. Both run at ~1.9 GB/s per core here (SHA-NI).
 */
import { libcrypto } from "./openssl.ts";

/** An incremental SHA-1: parts in order, then the 20-byte digest once. */
export interface Sha1 {
  update(bytes: Uint8Array): Sha1;
  digest(): Uint8Array;
}

/** OpenSSL's SHA_CTX is 96 bytes; room to spare. */
const SHA_CONTEXT_BYTES = 128;
const DIGEST_BYTES = 20;

const symbols = libcrypto.symbols;
// Loaded only where OpenSSL is not: the compatibility layer under node:crypto is large.
const node = symbols === null ? await import("node:crypto") : null;

class OpenSslSha1 implements Sha1 {
  readonly #context = new Uint8Array(SHA_CONTEXT_BYTES);
  #isDone = false;

  constructor() {
    if (symbols!.SHA1_Init(this.#context) !== 1) throw new Error("libcrypto's SHA1_Init failed");
  }

  update(bytes: Uint8Array): Sha1 {
    if (this.#isDone) throw new Error("SHA-1 updated after its digest");
    if (symbols!.SHA1_Update(this.#context, bytes, BigInt(bytes.length)) !== 1) {
      throw new Error("libcrypto's SHA1_Update failed");
    }
    return this;
  }

  digest(): Uint8Array {
    if (this.#isDone) throw new Error("SHA-1 digested twice");
    this.#isDone = true;
    const out = new Uint8Array(DIGEST_BYTES);
    if (symbols!.SHA1_Final(out, this.#context) !== 1) {
      throw new Error("libcrypto's SHA1_Final failed");
    }
    return out;
  }
}

class NodeSha1 implements Sha1 {
  readonly #hash = node!.createHash("sha1");

  update(bytes: Uint8Array): Sha1 {
    this.#hash.update(bytes);
    return this;
  }

  digest(): Uint8Array {
    const digest = this.#hash.digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
  }
}

/** A new SHA-1 hash. */
export function createSha1(): Sha1 {
  return symbols === null ? new NodeSha1() : new OpenSslSha1();
}

/** Which SHA-1 this thread uses (the tests compare the two). */
export const sha1Backend: "openssl" | "node:crypto" = symbols === null ? "node:crypto" : "openssl";
