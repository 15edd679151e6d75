/**
 * One download: the {@linkcode Download} engine and the parts it is made of — the piece picker
 * (rarest first), the links to seeders with requests in flight, the piece store (the `.part`
 * file, positional writes, the bitfield), verification of every piece before it is written
 * (verify.ts: the piece SHA-1, the re-check on resume, the whole-file SHA-1), resume records,
 * tickets, and the partial source that serves verified pieces while downloading. It knows
 * nothing of the shell, the tracker client, sharing or the downloads manager: what it needs of
 * the tracker comes in as a {@linkcode Swarm}. It imports lib/common, lib/wire, peer/support and
 * peer/seeder (the piece-source type).
 *
 * @module
 */
export { Download, DOWNLOAD_DEFAULTS } from "./download.ts";
export type {
  DownloadEvent,
  DownloadOptions,
  DownloadPlan,
  DownloadState,
  DownloadStatus,
  PeerEndpoint,
  PeerStatus,
  Swarm,
} from "./types.ts";
