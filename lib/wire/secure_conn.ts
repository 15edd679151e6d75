/**
 * An encrypted, authenticated byte stream over a TCP connection: the Noise XX handshake
 * (noise.ts) behind a magic that names its cipher ({@linkcode NOISE_MAGIC} for
 * ChaCha20-Poly1305, {@linkcode NOISE_AESGCM_MAGIC} for AES-256-GCM: the connecting side asks,
 * the accepting side takes either), then every byte in records of `u16 length | ciphertext`.
 * The cipher is in the protocol name hashed into the handshake, so a magic changed on the way
 * fails the handshake. Each side's Noise static key is signed by its Ed25519 identity key
 * (transport_identity.ts), sent inside the handshake, so after it each side knows which Ed25519
 * key the other holds; pinning that key is the caller's part.
 *
 * {@linkcode UNENCRYPTED_BENCH_ENV} turns encryption off in a process, for benchmarks only: its
 * connections open with a magic of their own, which every other process refuses.
 *
 * The channel after the handshake, {@linkcode SecureConn}, is in secure_channel.ts.
 */
import { sameBytes } from "../common/hash.ts";
import { ProtocolError } from "../common/errors.ts";
import {
  MAGIC,
  NOISE_AESGCM_MAGIC,
  NOISE_MAGIC,
  UNENCRYPTED_BENCH_MAGIC,
  WireErrorCode,
} from "./limits.ts";
import { RawReader, record, RECORD_HEADER_BYTES } from "./records.ts";
import { type NoiseCipher, preferredCipher, XXHandshake } from "./noise.ts";
import { SecureConn } from "./secure_channel.ts";
import { identityPayload, type TransportIdentity, verifiedIdentity } from "./transport_identity.ts";

export { type ByteConn, type ByteSink, SecureConn } from "./secure_channel.ts";

/** The magic that opens a connection with each cipher. */
export const CIPHER_MAGIC: Readonly<Record<NoiseCipher, Uint8Array>> = {
  ChaChaPoly: NOISE_MAGIC,
  AESGCM: NOISE_AESGCM_MAGIC,
};

/** The cipher a Noise magic names, or null when it is not one. */
function cipherOfMagic(magic: Uint8Array): NoiseCipher | null {
  if (sameBytes(magic, NOISE_MAGIC)) return "ChaChaPoly";
  if (sameBytes(magic, NOISE_AESGCM_MAGIC)) return "AESGCM";
  return null;
}

/**
 * Set to `1` in a process that is also granted `--allow-env=PEERSHARE_UNENCRYPTED_BENCH`, its
 * connections run the Noise handshake as usual and then send records that are not encrypted:
 * the plaintext where the ciphertext goes and a tag of zeros (cipher_state.ts). For measuring
 * what encryption costs (`deno task bench`), never for use: such a process opens with
 * {@linkcode UNENCRYPTED_BENCH_MAGIC} and takes only that, and every other process refuses it at
 * the magic, so nothing is ever sent in clear to a process that did not ask for it too. Without
 * the permission the variable is not read at all.
 */
export const UNENCRYPTED_BENCH_ENV = "PEERSHARE_UNENCRYPTED_BENCH";

let unencryptedBench: boolean | undefined;

/** Why an ordinary process refuses one in the benchmarks' unencrypted mode. */
const REMOTE_UNENCRYPTED =
  `The remote runs unencrypted (${UNENCRYPTED_BENCH_ENV}, for benchmarks only): refused`;

/** Whether this process runs unencrypted for benchmarks; the first call says so on stderr. */
export function isUnencryptedBench(): boolean {
  unencryptedBench ??= readUnencryptedBench();
  return unencryptedBench;
}

function readUnencryptedBench(): boolean {
  const query = { name: "env", variable: UNENCRYPTED_BENCH_ENV } as const;
  if (Deno.permissions.querySync(query).state !== "granted") return false;
  if (Deno.env.get(UNENCRYPTED_BENCH_ENV) !== "1") return false;
  console.error(
    `${UNENCRYPTED_BENCH_ENV}=1: this process's connections are NOT encrypted ` +
      "(for benchmarks only); it reaches only processes run the same way",
  );
  return true;
}

/** Options of the connecting side. */
export interface SecureConnectOptions {
  /** The cipher to ask for; {@linkcode preferredCipher} when not given. */
  readonly cipher?: NoiseCipher;
  /** Records not encrypted (benchmarks only); {@linkcode isUnencryptedBench} when not given. */
  readonly isUnencrypted?: boolean;
}

/** Hashed into the handshake, so it is bound to this protocol (and to the mode). */
const PROLOGUE = new TextEncoder().encode("peershare 2");
const UNENCRYPTED_PROLOGUE = new TextEncoder().encode("peershare 2 unencrypted");

/** The remote opened in clear, with protocol 1's magic: answered by the acceptor in clear. */
export class PlaintextOpening extends ProtocolError {
  constructor() {
    super(
      WireErrorCode.ENCRYPTION_REQUIRED,
      "Connections must be encrypted (PeerShare protocol 2): this remote spoke in clear; " +
        "upgrade it",
    );
    this.name = "PlaintextOpening";
  }
}

/**
 * Open the encrypted channel as the connecting side: the magic of the cipher we ask for, Noise
 * XX as initiator, our identity in message 3. An acceptor that would rather not run AES-256-GCM
 * answers ChaCha20-Poly1305's magic alone; then we open again with that cipher, once.
 *
 * @throws {ProtocolError} `encryption_required` when the remote answers in clear (an older
 *   PeerShare), `bad_magic` when it is not PeerShare or answers a cipher it may not,
 *   `handshake_failed` / `wrong_key`
 */
export async function secureConnect(
  conn: Deno.Conn,
  identity: TransportIdentity,
  options: SecureConnectOptions = {},
): Promise<SecureConn> {
  const reader = new RawReader(conn);
  const writer = conn.writable.getWriter();
  if (options.isUnencrypted ?? isUnencryptedBench()) {
    return await connectUnencrypted(conn, identity, reader, writer);
  }
  let cipher = options.cipher ?? preferredCipher();
  for (;;) {
    const handshake = new XXHandshake(true, {
      staticKey: identity.staticKey,
      prologue: PROLOGUE,
      cipher,
    });
    const first = handshake.write();
    const ownMagic = CIPHER_MAGIC[cipher];
    const opening = new Uint8Array(ownMagic.length + RECORD_HEADER_BYTES + first.length);
    opening.set(ownMagic);
    opening.set(record(first), ownMagic.length);
    await writer.write(opening);
    const magic = await remoteMagic(reader);
    const answer = cipherOfMagic(magic);
    if (answer !== cipher) {
      if (cipher === "AESGCM" && answer === "ChaChaPoly") {
        cipher = answer; // the acceptor's counter-offer: open again with ChaCha20-Poly1305
        continue;
      }
      throw new ProtocolError(
        WireErrorCode.BAD_MAGIC,
        answer !== null
          ? `The remote answered ${answer} to an opening with ${cipher}`
          : sameBytes(magic, UNENCRYPTED_BENCH_MAGIC)
          ? REMOTE_UNENCRYPTED
          : "Wrong magic: the remote is not PeerShare",
      );
    }
    return await finishConnect(conn, identity, reader, writer, handshake);
  }
}

/** Messages 2 and 3 of the connecting side's handshake, then the channel. */
async function finishConnect(
  conn: Deno.Conn,
  identity: TransportIdentity,
  reader: RawReader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
  handshake: XXHandshake,
  isUnencrypted = false,
): Promise<SecureConn> {
  const second = await reader.handshakeRecord("handshake message 2");
  const remoteKey = await verifiedIdentity(handshake.read(second), remoteStaticOf(handshake));
  await writer.write(record(handshake.write(identityPayload(identity))));
  return new SecureConn(conn, reader, writer, handshake, remoteKey, isUnencrypted);
}

/** {@linkcode secureConnect} in the benchmarks' unencrypted mode: its own magic, or nothing. */
async function connectUnencrypted(
  conn: Deno.Conn,
  identity: TransportIdentity,
  reader: RawReader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<SecureConn> {
  const handshake = new XXHandshake(true, {
    staticKey: identity.staticKey,
    prologue: UNENCRYPTED_PROLOGUE,
  });
  const first = handshake.write();
  const opening = new Uint8Array(
    UNENCRYPTED_BENCH_MAGIC.length + RECORD_HEADER_BYTES + first.length,
  );
  opening.set(UNENCRYPTED_BENCH_MAGIC);
  opening.set(record(first), UNENCRYPTED_BENCH_MAGIC.length);
  await writer.write(opening);
  const magic = await reader.required(NOISE_MAGIC.length, "the remote's magic");
  if (!sameBytes(magic, UNENCRYPTED_BENCH_MAGIC)) {
    throw new ProtocolError(
      WireErrorCode.BAD_MAGIC,
      `This process runs unencrypted (${UNENCRYPTED_BENCH_ENV}, for benchmarks) and the remote ` +
        "does not: refused",
    );
  }
  return await finishConnect(conn, identity, reader, writer, handshake, true);
}

/** The remote's 4 opening bytes; protocol 1's magic is `encryption_required`. */
async function remoteMagic(reader: RawReader): Promise<Uint8Array> {
  const magic = await reader.required(NOISE_MAGIC.length, "the remote's magic");
  if (sameBytes(magic, MAGIC)) {
    throw new ProtocolError(
      WireErrorCode.ENCRYPTION_REQUIRED,
      "The remote speaks PeerShare in clear (protocol 1, an older version) and cannot be " +
        "reached encrypted: upgrade it",
    );
  }
  return magic;
}

/** Options of the accepting side. */
export interface SecureAcceptOptions {
  /**
   * The cipher this side runs faster ({@linkcode preferredCipher} when not given): asked for
   * AES-256-GCM while preferring ChaCha20-Poly1305, it answers with ChaCha20-Poly1305's magic.
   */
  readonly cipher?: NoiseCipher;
  /** Records not encrypted (benchmarks only); {@linkcode isUnencryptedBench} when not given. */
  readonly isUnencrypted?: boolean;
}

/**
 * Open the encrypted channel as the accepting side: the remote's magic, Noise XX as responder
 * with its cipher, our identity in message 2. ChaCha20-Poly1305 is always taken; AES-256-GCM
 * only where this side runs it faster, else the opening is discarded and answered with
 * ChaCha20-Poly1305's magic alone, and the remote opens again.
 *
 * @throws {PlaintextOpening} when the remote opened with protocol 1's magic (nothing was
 *   answered yet: the caller refuses it in clear)
 * @throws {ProtocolError} `bad_magic`, `truncated`, `handshake_failed` / `wrong_key`
 */
export async function secureAccept(
  conn: Deno.Conn,
  identity: TransportIdentity,
  options: SecureAcceptOptions = {},
): Promise<SecureConn> {
  const reader = new RawReader(conn);
  const writer = conn.writable.getWriter();
  try {
    const isUnencrypted = options.isUnencrypted ?? isUnencryptedBench();
    if (isUnencrypted) await unencryptedOpening(reader, writer);
    let cipher = isUnencrypted ? "ChaChaPoly" : await openingCipher(reader);
    if (cipher === "AESGCM" && (options.cipher ?? preferredCipher()) !== "AESGCM") {
      await reader.handshakeRecord("handshake message 1");
      await writer.write(CIPHER_MAGIC.ChaChaPoly);
      cipher = await openingCipher(reader);
      if (cipher !== "ChaChaPoly") {
        throw new ProtocolError(
          WireErrorCode.BAD_MAGIC,
          "The remote opened again with AES-256-GCM after ChaCha20-Poly1305 was answered",
        );
      }
    }
    const handshake = new XXHandshake(false, {
      staticKey: identity.staticKey,
      prologue: isUnencrypted ? UNENCRYPTED_PROLOGUE : PROLOGUE,
      cipher,
    });
    handshake.read(await reader.handshakeRecord("handshake message 1"));
    const second = handshake.write(identityPayload(identity));
    const ownMagic = isUnencrypted ? UNENCRYPTED_BENCH_MAGIC : CIPHER_MAGIC[cipher];
    const reply = new Uint8Array(ownMagic.length + RECORD_HEADER_BYTES + second.length);
    reply.set(ownMagic);
    reply.set(record(second), ownMagic.length);
    await writer.write(reply);
    const payload = handshake.read(await reader.handshakeRecord("handshake message 3"));
    const remoteKey = await verifiedIdentity(payload, remoteStaticOf(handshake));
    return new SecureConn(conn, reader, writer, handshake, remoteKey, isUnencrypted);
  } catch (error) {
    // The caller may still answer in clear (the plaintext refusal): hand the writer back.
    writer.releaseLock();
    throw error;
  }
}

/**
 * The remote's magic, for an acceptor in the benchmarks' unencrypted mode: its own, or refused.
 * A refusal first answers that magic, which tells an encrypted connector why (it reads no further;
 * the caller's refusal in clear follows, as for any wrong magic).
 */
async function unencryptedOpening(
  reader: RawReader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<void> {
  const magic = await reader.required(NOISE_MAGIC.length, "the magic");
  if (sameBytes(magic, UNENCRYPTED_BENCH_MAGIC)) return;
  if (sameBytes(magic, MAGIC)) throw new PlaintextOpening();
  await writer.write(UNENCRYPTED_BENCH_MAGIC);
  throw new ProtocolError(
    WireErrorCode.BAD_MAGIC,
    `This process runs unencrypted (${UNENCRYPTED_BENCH_ENV}, for benchmarks) and takes only ` +
      "connections run the same way",
  );
}

/** The cipher the remote's magic asks for; protocol 1's magic is a {@linkcode PlaintextOpening}. */
async function openingCipher(reader: RawReader): Promise<NoiseCipher> {
  const magic = await reader.required(NOISE_MAGIC.length, "the magic");
  if (sameBytes(magic, MAGIC)) throw new PlaintextOpening();
  const cipher = cipherOfMagic(magic);
  if (cipher === null) {
    throw new ProtocolError(
      WireErrorCode.BAD_MAGIC,
      sameBytes(magic, UNENCRYPTED_BENCH_MAGIC)
        ? REMOTE_UNENCRYPTED
        : "Wrong magic: this is not a PeerShare connection",
    );
  }
  return cipher;
}

function remoteStaticOf(handshake: XXHandshake): Uint8Array {
  return handshake.remoteStatic ?? new Uint8Array(0);
}
