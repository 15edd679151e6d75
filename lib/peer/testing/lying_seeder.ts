/**
 * A seeder that lies: a real {@linkcode SeederServer} (same Hello, handshake and ticket checks)
 * whose source flips a byte of some pieces after reading them, so they fail the downloader's
 * SHA-1 check. Tests use it to see a liar banned while the file completes from honest seeders.
 *
 * ```ts
 * await using liar = startLyingSeeder(honestSource, { trackerKeys, lieAbout: () => true });
 * ```
 */
import { Logger } from "../../common/logger.ts";
import { SeederServer } from "../seeder/server.ts";
import type { PieceSource } from "../seeder/served_files.ts";
import { ServedFiles } from "../seeder/served_files.ts";
import type { TransportIdentity } from "../../wire/transport_identity.ts";
import { testIdentity } from "./identities.ts";

/** Options of {@linkcode startLyingSeeder}. */
export interface LyingSeederOptions {
  trackerKeys: { get(keyId: string): Promise<CryptoKey | undefined> };
  /** Which pieces to corrupt; default every piece. */
  lieAbout?: (index: number) => boolean;
  /** Who the liar is; a fresh identity by default. */
  identity?: { readonly peerId: string; readonly transport: TransportIdentity };
}

/** A running lying seeder. */
export interface LyingSeeder extends AsyncDisposable {
  readonly server: SeederServer;
  /** `IP:PORT`, as a tracker would list it. */
  readonly address: string;
  readonly peerId: string;
  /** Pieces served corrupted so far. */
  readonly lies: number[];
}

/** Serve `honest`'s pieces from 127.0.0.1:0, corrupting those `lieAbout` picks. */
export async function startLyingSeeder(
  honest: PieceSource,
  options: LyingSeederOptions,
): Promise<LyingSeeder> {
  const lies: number[] = [];
  const lieAbout = options.lieAbout ?? (() => true);
  const liar: PieceSource = {
    group: honest.group,
    fileId: honest.fileId,
    size: honest.size,
    pieceLength: honest.pieceLength,
    bitfield: honest.bitfield,
    get isComplete() {
      return honest.isComplete;
    },
    async readPiece(index, into) {
      await honest.readPiece(index, into);
      if (!lieAbout(index) || into.length === 0) return;
      into[into.length >> 1]! ^= 0xff;
      lies.push(index);
    },
    onPiece: (listener) => honest.onPiece(listener),
    addUploaded: () => {},
  };
  const served = new ServedFiles();
  served.add(liar);
  const { peerId, transport } = options.identity ?? await testIdentity();
  const server = SeederServer.listen({ host: "127.0.0.1", port: 0 }, {
    peerId,
    transport,
    served,
    trackerKeys: options.trackerKeys,
    logger: new Logger("liar", { sink: () => {} }),
  });
  return {
    server,
    address: `127.0.0.1:${server.address.port}`,
    peerId,
    lies,
    [Symbol.asyncDispose]: () => server.close(),
  };
}
