/**
 * show_downloads and show_shares as people read them:
 *
 *   [D] [g1] f.bin  42%  85.3 MiB/s  3 peers  ETA 4s  (d1)
 *   [C] [g1] f.bin  (d2)
 *   [D] [g1] f.bin  42%  waiting for peers  (d4)
 *   [P] [g1] f.bin  33%  waiting for login  (d5)
 *   [F] [g1] f.bin  no peer has the file  (d3)
 */
import type { DownloadStatus, PeerStatus } from "../engine/types.ts";
import type { ShareStatus } from "../share/sharing.ts";
import { formatBytes } from "../support/units.ts";
import { formatTable } from "./output.ts";

/** `word` for one, `words` otherwise: `1 peer`, `2 peers`, `0 downloads`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return count === 1 ? word : many;
}

/** `4s`, `2m05s`, `1h03m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Percent done, rounded down, so 100% means complete. */
export function percentOf(status: DownloadStatus): number {
  if (status.size === 0) return status.state === "C" ? 100 : 0;
  return Math.floor((status.bytes / status.size) * 100);
}

/** The peers a download is linked to now (those that only sent pieces earlier this run left). */
export function connectedPeers(status: DownloadStatus): number {
  return status.peers.filter((peer) => peer.isConnected !== false).length;
}

/** One line of show_downloads. */
export function formatDownload(status: DownloadStatus): string {
  const head = `[${status.state}] [${status.group}] ${status.file}`;
  const parts = [head];
  if (status.state === "D" || status.state === "P") parts.push(`${percentOf(status)}%`);
  // A download waiting for peers gets nothing: a rate, peers or ETA would be from before.
  if (status.state === "D" && status.isWaiting) parts.push("waiting for peers");
  else if (status.state === "D") {
    const peers = connectedPeers(status);
    parts.push(`${formatBytes(status.rate)}/s`, `${peers} ${plural(peers, "peer")}`);
    if (status.rate > 0) {
      parts.push(`ETA ${formatDuration((status.size - status.bytes) / status.rate)}`);
    }
  }
  if (status.state === "P" && status.waitingFor === "login") parts.push("waiting for login");
  if (status.state === "F") parts.push(status.reason ?? "failed");
  return `${parts.join("  ")}  (${status.id})`;
}

/** A download as its JSON line lists it. */
export function downloadFields(status: DownloadStatus): Record<string, unknown> {
  return {
    id: status.id,
    group: status.group,
    file: status.file,
    state: status.state,
    piecesDone: status.piecesDone,
    pieces: status.pieces,
    bytes: status.bytes,
    size: status.size,
    rate: Math.round(status.rate),
    peers: status.peers.map((peer) => ({ addr: peer.addr, bytes: peer.bytes })),
    waiting: status.isWaiting,
    ...(status.waitingFor === undefined ? {} : { waitingFor: status.waitingFor }),
    path: status.path,
    ...(status.reason === undefined ? {} : { reason: status.reason }),
  };
}

/** uploaded ÷ size of one share, 2 decimals; null for an empty file. */
export function shareRatio(share: ShareStatus): number | null {
  return share.size === 0 ? null : Math.round((share.uploaded / share.size) * 100) / 100;
}

/** One line of show_shares: `[S] [g1] f.bin  complete  12.0 MiB  uploaded 24.0 MiB  ratio 2.00`. */
export function formatShare(share: ShareStatus): string {
  const ratio = shareRatio(share);
  return `[${share.state === "complete" ? "S" : "P"}] [${share.group}] ${share.file}  ` +
    `${share.state}  ${formatBytes(share.size)}  uploaded ${formatBytes(share.uploaded)}  ` +
    `ratio ${ratio === null ? "-" : ratio.toFixed(2)}`;
}

/** show_download: one download in full, as people read it. */
export function formatDownloadDetail(status: DownloadStatus): string {
  const lines = [formatDownload(status)];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(10)}${value}`);
  row("path", status.path);
  row("size", `${formatBytes(status.size)} (${formatBytes(status.bytes)} verified)`);
  row("pieces", `${status.piecesDone} of ${status.pieces}`);
  if (status.state === "D") {
    const up = status.uploadRate ?? 0;
    row("rate", `${formatBytes(status.rate)}/s down, ${formatBytes(up)}/s up`);
  }
  if (status.uploaded !== undefined) row("uploaded", formatBytes(status.uploaded));
  row("peers", describePeers(status.peers));
  if (status.peers.length > 0) {
    const table = formatTable(
      ["PEER", "LINK", "RECEIVED", "DOWN RATE", "SENT", "UP RATE"],
      status.peers.map((p) => [
        p.addr,
        linkOf(p),
        formatBytes(p.bytes),
        `${formatBytes(p.rate ?? 0)}/s`,
        formatBytes(p.uploaded ?? 0),
        `${formatBytes(p.uploadRate ?? 0)}/s`,
      ]),
    );
    lines.push(...table.split("\n").map((line) => `    ${line}`));
  }
  for (const ban of status.banned ?? []) row("banned", `${ban.peer}: ${ban.reason}`);
  return lines.join("\n");
}

/** `2 connected, 1 gone:` (or `none this run`). */
function describePeers(peers: readonly PeerStatus[]): string {
  if (peers.length === 0) return "none this run";
  const connected = peers.filter((peer) => peer.isConnected !== false).length;
  const gone = peers.length - connected;
  return `${connected} connected${gone === 0 ? "" : `, ${gone} gone (sent pieces this run)`}:`;
}

/** The LINK column: whether the seeder serves us now, and how many requests wait on it. */
function linkOf(peer: PeerStatus): string {
  if (peer.isConnected === false) return "gone";
  if (peer.isChoked === undefined) return "connected";
  return peer.isChoked ? "choked" : `unchoked, ${peer.inflight ?? 0} asked`;
}

/** show_download's JSON fields: show_downloads' and the detail. */
export function downloadDetailFields(status: DownloadStatus): Record<string, unknown> {
  return {
    ...downloadFields(status),
    peers: status.peers.map((peer) => ({
      addr: peer.addr,
      ...(peer.peerId === undefined ? {} : { peerId: peer.peerId }),
      connected: peer.isConnected !== false,
      ...(peer.isChoked === undefined ? {} : { choked: peer.isChoked }),
      ...(peer.inflight === undefined ? {} : { inflight: peer.inflight }),
      bytes: peer.bytes,
      rate: Math.round(peer.rate ?? 0),
      uploaded: peer.uploaded ?? 0,
      uploadRate: Math.round(peer.uploadRate ?? 0),
    })),
    uploaded: status.uploaded ?? 0,
    uploadRate: Math.round(status.uploadRate ?? 0),
    banned: status.banned ?? [],
  };
}

/** What this peer sent and received over every share and download. */
export interface TransferTotals {
  readonly uploaded: number;
  readonly downloaded: number;
  /** uploaded ÷ downloaded, 2 decimals; null before anything was downloaded. */
  readonly ratio: number | null;
}

/** Totals over the shares (bytes sent) and the downloads (verified bytes received). */
export function transferTotals(
  shares: readonly ShareStatus[],
  downloads: readonly DownloadStatus[],
): TransferTotals {
  const uploaded = shares.reduce((sum, share) => sum + share.uploaded, 0);
  const downloaded = downloads.reduce((sum, download) => sum + download.bytes, 0);
  const ratio = downloaded === 0 ? null : Math.round((uploaded / downloaded) * 100) / 100;
  return { uploaded, downloaded, ratio };
}

/** The last line of show_shares. */
export function formatTotals(totals: TransferTotals): string {
  const ratio = totals.ratio === null ? "-" : totals.ratio.toFixed(2);
  return `Total: uploaded ${formatBytes(totals.uploaded)}, downloaded ` +
    `${formatBytes(totals.downloaded)}, ratio ${ratio}`;
}
