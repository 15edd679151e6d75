/**
 * The contract between the download engine (download.ts and the files it uses) and the rest of
 * the peer (shell commands, downloads manager, tracker client). The engine knows nothing of the
 * shell or the tracker protocol: it is handed a plan, a swarm to ask for peers and tickets, and
 * the registry of served files where it publishes its verified pieces (partial seeding).
 */
import type { Logger } from "../../common/logger.ts";
import type { RateLimiter } from "../../common/rate.ts";
import type { ServedFiles } from "../seeder/served_files.ts";
import type { TransportIdentity } from "../../wire/transport_identity.ts";

/** What to download, and where: everything the tracker said about the file. */
export interface DownloadPlan {
  /** Download id shown to users and carried by events (e.g. "d1"). */
  readonly id: string;
  readonly group: string;
  readonly name: string;
  /** Hex SHA-1 file id. */
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
  /** Every piece's SHA-1, 20 bytes each, in order. */
  readonly pieceHashes: Uint8Array;
  /** Hex SHA-1 of the whole file. */
  readonly sha1: string;
  /** Final path; the engine writes `<destination>.part` and a resume record beside it. */
  readonly destination: string;
}

/** A peer that seeds the file, as the tracker lists it. */
export interface PeerEndpoint {
  readonly peerId: string;
  /** `IP:PORT` (or `[v6]:PORT`). */
  readonly address: string;
  readonly isComplete: boolean;
}

/** What the engine asks of the tracker, through the peer's tracker client. */
export interface Swarm {
  /** Online peers seeding this file (never this peer itself). */
  peers(signal?: AbortSignal): Promise<PeerEndpoint[]>;
  /** A fresh ticket for this file, bound to this peer's public key. */
  ticket(signal?: AbortSignal): Promise<{ ticket: Uint8Array; expiresAt: number }>;
  /** Tell the tracker this peer seeds the file: partial while downloading, then complete. */
  announce(isComplete: boolean, signal?: AbortSignal): Promise<void>;
  /** Tell the tracker this peer no longer seeds the file (a cancelled or failed download). */
  withdraw(signal?: AbortSignal): Promise<void>;
}

/** This peer's identity, for the handshake proof. */
export interface DownloaderIdentity {
  readonly peerId: string;
  readonly privateKey: CryptoKey;
  /** Raw 32-byte Ed25519 public key (the one tickets are bound to). */
  readonly publicKey: Uint8Array;
  /** The transport key `publicKey` signs, proven to every seeder in the handshake. */
  readonly transport: TransportIdentity;
  /** Where our own seeder listens, told to seeders so they can pass it on (peer exchange). */
  readonly listenPort?: number;
}

/** Something that happened to a download; the manager turns these into shell events. */
export type DownloadEvent =
  | { type: "finished"; path: string; bytes: number; seconds: number }
  | { type: "failed"; reason: string }
  | { type: "peer_banned"; peer: string; reason: string }
  | { type: "waiting_for_peers" };

/** Options of a download; timings are flags so tests can shorten them. */
export interface DownloadOptions {
  identity: DownloaderIdentity;
  swarm: Swarm;
  served: ServedFiles;
  /** Shared `--download-limit` bucket, if any. */
  limiter?: RateLimiter;
  logger?: Logger;
  onEvent(event: DownloadEvent): void;
  /** Peers connected at once (default 8). */
  maxPeers?: number;
  /** Piece requests in flight per peer (default 8: 4 MiB). */
  requestsPerPeer?: number;
  /** A piece not received within this is asked of another peer (default 15 s). */
  requestTimeoutMs?: number;
  /** How often the peer list is refreshed from the tracker (default 5 s). */
  peerRefreshMs?: number;
  /** Bad pieces from one peer before it is banned (default 3). */
  maxStrikes?: number;
}

/** Download state letters, as show_downloads prints them. */
export type DownloadState = "D" | "C" | "F" | "P";

/** One peer of a download, for show_download. */
export interface PeerStatus {
  /** `IP:PORT` of its seeder. */
  readonly addr: string;
  readonly peerId?: string;
  /** Bytes received from it this run. */
  readonly bytes: number;
  /** Bytes per second received from it lately. */
  readonly rate?: number;
  /** Bytes our seeder sent it of this file (while this download serves its pieces). */
  readonly uploaded?: number;
  /** Bytes per second sent to it lately. */
  readonly uploadRate?: number;
  /** Linked now; false for one that sent pieces this run and is gone. */
  readonly isConnected?: boolean;
  /** It serves no request of ours now (connected peers only). */
  readonly isChoked?: boolean;
  /** Our requests it has not answered yet (connected peers only). */
  readonly inflight?: number;
}

/**
 * Where each piece of a download is, for the dashboard's piece map: verified, asked of a seeder
 * now, or missing, and which seeder sent each piece received since the peer started.
 */
export interface PieceMap {
  /** Verified pieces (written to the `.part`, or the whole file once complete). */
  readonly done: { readonly length: number; has(index: number): boolean };
  /** Pieces asked of some seeder now (none while the download does not run). */
  readonly inflight: readonly number[];
  /** Address of the seeder each piece came from; pieces found on disk or copied locally have none. */
  readonly sentBy: ReadonlyMap<number, string>;
}

/** A snapshot for show_downloads. */
export interface DownloadStatus {
  readonly id: string;
  readonly group: string;
  readonly file: string;
  readonly state: DownloadState;
  readonly piecesDone: number;
  readonly pieces: number;
  /** Verified bytes on disk. */
  readonly bytes: number;
  readonly size: number;
  /** Bytes per second over the last few seconds. */
  readonly rate: number;
  /**
   * Every connected peer (the seeders this run links to), then the others that sent pieces this
   * run: bytes and rate each way.
   */
  readonly peers: ReadonlyArray<PeerStatus>;
  /** Bytes of this file our seeder sent to other peers while it downloads. */
  readonly uploaded?: number;
  /** Bytes per second sent of this file lately. */
  readonly uploadRate?: number;
  /** Seeders banned from this download (bad pieces), and why. */
  readonly banned?: ReadonlyArray<{ readonly peer: string; readonly reason: string }>;
  /** True while no peer is connected and none is known ("waiting for peers"). */
  readonly isWaiting: boolean;
  /** What a download that should run waits for before it can (state P): its user's login. */
  readonly waitingFor?: "login";
  /** Why it failed (state F). */
  readonly reason?: string;
  /** Final path. */
  readonly path: string;
}
