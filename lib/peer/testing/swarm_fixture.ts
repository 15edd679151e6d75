/**
 * Test helpers for the seeder and the download engine over real loopback sockets: temp folders,
 * random files, a tracker key that signs real tickets, real seeders serving a file, and a fake
 * {@linkcode Swarm} that lists them. Everything is disposable (`await using`).
 */
import { type FileHashes, PIECE_SIZE_BYTES } from "../../common/hash.ts";
import { hashFile } from "../../common/file_hash.ts";
import { Logger } from "../../common/logger.ts";
import { generateSigningKeys, signTicket, type TicketClaims } from "../../common/tickets.ts";
import { SimpleFileSource } from "./simple_file_source.ts";
import type { DownloaderIdentity, DownloadPlan, PeerEndpoint, Swarm } from "../engine/types.ts";
import { type SeederOptions, SeederServer } from "../seeder/server.ts";
import { ServedFiles } from "../seeder/served_files.ts";
import { testIdentity } from "./identities.ts";

/** The group every fixture file is in. */
export const GROUP = "g1";
const TICKET_TTL_MS = 5 * 60_000;

/** A temp folder removed on dispose (the one in lib/common/test_util.ts). */
export { tempDir } from "../../common/test_util.ts";

/** Write `size` random bytes to `path` and hash it as upload_file would. */
export async function randomFile(path: string, size: number): Promise<FileHashes> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  await Deno.writeFile(path, bytes);
  return await hashFile(path, { pieceLength: PIECE_SIZE_BYTES });
}

/** A plan to download the file `hashes` describes to `destination`. */
export function planFor(hashes: FileHashes, destination: string, id = "d1"): DownloadPlan {
  return {
    id,
    group: GROUP,
    name: "file.bin",
    fileId: hashes.fileId,
    size: hashes.size,
    pieceLength: hashes.pieceLength,
    pieceHashes: hashes.pieceHashes,
    sha1: hashes.sha1,
    destination,
  };
}

/** A logger whose lines go to an array. */
export function memoryLogger(lines: string[] = []): Logger {
  return new Logger("test", { sink: (line) => lines.push(line) });
}

/** A downloader identity with a fresh key pair (its peer id is the key's fingerprint). */
export function makeIdentity(): Promise<DownloaderIdentity> {
  return testIdentity();
}

/** A tracker's ticket key: signs tickets and answers the seeder's key look-ups. */
export class TestTracker {
  readonly keyId = "T1";
  readonly #keys: CryptoKeyPair;

  private constructor(keys: CryptoKeyPair) {
    this.#keys = keys;
  }

  static async create(): Promise<TestTracker> {
    return new TestTracker(await generateSigningKeys());
  }

  /** The seeder's `trackerKeys` option. */
  get lookup(): { get(keyId: string): Promise<CryptoKey | undefined> } {
    return {
      get: (keyId) => Promise.resolve(keyId === this.keyId ? this.#keys.publicKey : undefined),
    };
  }

  /** A ticket for `fileId`, bound to `peerKey`, valid for five minutes (or as overridden). */
  async ticket(fileId: string, peerKey: Uint8Array, claims: Partial<TicketClaims> = {}) {
    const issuedAt = Date.now();
    const full: TicketClaims = {
      user: "bob",
      group: GROUP,
      fileId,
      peerKey,
      issuedAt,
      expiresAt: issuedAt + TICKET_TTL_MS,
      keyId: this.keyId,
      ...claims,
    };
    return { ticket: await signTicket(full, this.#keys.privateKey), expiresAt: full.expiresAt };
  }
}

/** A swarm whose peer list the test sets; tickets are real, from a {@linkcode TestTracker}. */
export class FakeSwarm implements Swarm {
  endpoints: PeerEndpoint[];
  readonly announces: boolean[] = [];
  ticketCount = 0;
  withdrawals = 0;
  readonly #tracker: TestTracker;
  readonly #fileId: string;
  readonly #identity: DownloaderIdentity;

  constructor(
    tracker: TestTracker,
    fileId: string,
    identity: DownloaderIdentity,
    endpoints: PeerEndpoint[],
  ) {
    this.#tracker = tracker;
    this.#fileId = fileId;
    this.#identity = identity;
    this.endpoints = endpoints;
  }

  peers(): Promise<PeerEndpoint[]> {
    return Promise.resolve([...this.endpoints]);
  }

  ticket(): Promise<{ ticket: Uint8Array; expiresAt: number }> {
    this.ticketCount++;
    return this.#tracker.ticket(this.#fileId, this.#identity.publicKey);
  }

  announce(isComplete: boolean): Promise<void> {
    this.announces.push(isComplete);
    return Promise.resolve();
  }

  withdraw(): Promise<void> {
    this.withdrawals++;
    return Promise.resolve();
  }
}

/** A real seeder serving one complete file. */
export interface TestSeeder extends AsyncDisposable {
  readonly server: SeederServer;
  readonly source: SimpleFileSource;
  readonly served: ServedFiles;
  readonly endpoint: PeerEndpoint;
}

/** Start a seeder on 127.0.0.1:0 that serves `path`. */
export async function startSeeder(
  tracker: TestTracker,
  file: { path: string; fileId: string },
  options: Partial<SeederOptions> = {},
): Promise<TestSeeder> {
  const source = await SimpleFileSource.open(file.path, {
    group: GROUP,
    fileId: file.fileId,
    pieceLength: PIECE_SIZE_BYTES,
  });
  const served = new ServedFiles();
  served.add(source);
  const identity = options.peerId && options.transport ? undefined : await testIdentity();
  const peerId = options.peerId ?? identity!.peerId;
  const server = SeederServer.listen({ host: "127.0.0.1", port: 0 }, {
    served,
    trackerKeys: tracker.lookup,
    logger: memoryLogger(),
    // Tests of serving see every piece; super-seeding has tests of its own.
    isSuperSeeding: false,
    ...options,
    peerId,
    transport: options.transport ?? identity!.transport,
  });
  const endpoint = { peerId, address: `127.0.0.1:${server.address.port}`, isComplete: true };
  return {
    server,
    source,
    served,
    endpoint,
    async [Symbol.asyncDispose]() {
      await server.close();
      await source[Symbol.asyncDispose]();
    },
  };
}
