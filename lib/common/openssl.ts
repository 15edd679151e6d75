/**
 * The system's OpenSSL (libcrypto 3) through Deno's FFI, loaded once per thread where the
 * process may load native libraries (`--allow-ffi`) and the library is there. It gives the
 * connections' ciphers (wire/openssl_aead.ts) at 2.5–3× node:crypto's speed here, and SHA-1
 * (sha1.ts) without node:crypto, whose compatibility layer costs a worker thread 5–10 MiB.
 * Where it cannot load, {@linkcode libcrypto} says why and callers use node:crypto: the bytes
 * are the same either way.
 */

/** Where libcrypto 3 is found, by name (the loader's search path) on Linux. */
const LIBRARY_NAMES = ["libcrypto.so.3"];

const SYMBOLS = {
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_chacha20_poly1305: { parameters: [], result: "pointer" },
  EVP_aes_256_gcm: { parameters: [], result: "pointer" },
  EVP_CipherInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_CipherUpdate: { parameters: ["pointer", "buffer", "buffer", "buffer", "i32"], result: "i32" },
  EVP_CipherFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  EVP_CIPHER_CTX_ctrl: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  // SHA-1's context is a plain struct, so it lives in a buffer of ours (nothing to free).
  SHA1_Init: { parameters: ["buffer"], result: "i32" },
  SHA1_Update: { parameters: ["buffer", "buffer", "usize"], result: "i32" },
  SHA1_Final: { parameters: ["buffer", "buffer"], result: "i32" },
} as const;

/** libcrypto's functions that PeerShare calls. */
export type Libcrypto = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** This thread's libcrypto, or why there is none. */
export type LibcryptoLoad = { readonly symbols: Libcrypto; readonly unavailable: null } | {
  readonly symbols: null;
  readonly unavailable: string;
};

function load(): LibcryptoLoad {
  // Asked first: without --allow-ffi, dlopen would throw (--no-prompt) or prompt the user.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return { symbols: null, unavailable: "no --allow-ffi" };
  }
  let unavailable = "";
  for (const name of LIBRARY_NAMES) {
    try {
      return { symbols: Deno.dlopen(name, SYMBOLS).symbols, unavailable: null };
    } catch (error) {
      unavailable = `${name}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { symbols: null, unavailable };
}

/** libcrypto for this thread, or why not (then node:crypto is used). */
export const libcrypto: LibcryptoLoad = load();
