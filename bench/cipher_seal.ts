/**
 * The connections' two ciphers alone, in a process of its own: seal, then open, `size` bytes in
 * full records (65,519 bytes of plaintext, a 16-byte tag) with lib/wire/cipher_state.ts's
 * CipherState, as a connection does (OpenSSL where it loads; opening is timed as sealing and
 * opening in step, less the sealing alone). Prints, as JSON, the seconds of each, the
 * implementation and the cipher this process would ask for (`preferredCipher`).
 *
 * Usage: cipher_seal.ts ChaChaPoly|AESGCM <size in bytes>
 */
import { CipherState, MAX_PLAINTEXT_BYTES, preferredCipher, TAG_BYTES } from "../lib/wire/noise.ts";
import { openSsl } from "../lib/wire/openssl_aead.ts";

const [cipher, sizeText] = Deno.args;
const size = Number(sizeText);
if ((cipher !== "ChaChaPoly" && cipher !== "AESGCM") || !Number.isSafeInteger(size) || size < 1) {
  throw new TypeError("Usage: cipher_seal.ts ChaChaPoly|AESGCM <size in bytes>");
}
const key = crypto.getRandomValues(new Uint8Array(32));
const plaintext = crypto.getRandomValues(new Uint8Array(MAX_PLAINTEXT_BYTES));
const record = new Uint8Array(MAX_PLAINTEXT_BYTES + TAG_BYTES);
const opened = new Uint8Array(MAX_PLAINTEXT_BYTES);
const records = Math.ceil(size / MAX_PLAINTEXT_BYTES);

const sender = new CipherState(key, cipher);
let started = performance.now();
for (let i = 0; i < records; i++) sender.encryptInto(plaintext, record, 0);
const sealSeconds = (performance.now() - started) / 1000;

// Opening needs each counter's own record: seal and open in step, less the sealing alone.
const pairedSender = new CipherState(key, cipher);
const receiver = new CipherState(key, cipher);
started = performance.now();
for (let i = 0; i < records; i++) {
  pairedSender.encryptInto(plaintext, record, 0);
  receiver.decryptInto(record, opened, 0);
}
const openSeconds = (performance.now() - started) / 1000 - sealSeconds;
if (opened.some((byte, at) => byte !== plaintext[at])) throw new Error("A record opened wrong");
console.log(JSON.stringify({
  cipher,
  implementation: openSsl.unavailable === null ? "OpenSSL" : "node:crypto",
  preferred: preferredCipher(),
  sealSeconds,
  openSeconds,
}));
