/**
 * show_downloads and show_shares as people read them:
 *
 *   [D] [g1] f.bin  42%  85.3 MiB/s  3 peers  ETA 4s  (d1)
 *   [C] [g1] f.bin  (d2)
 *   [D] [g1] f.bin  42%  waiting for peers  (d4)
 *   [P] [g1] f.bin  33%  waiting for login  (d5)
 *   [F] [g1] f.bin  no peer has the file  (d3)
 */
import type { DownloadStatus } from "../engine/types.ts";
import type { ShareStatus } from "../share/sharing.ts";
import { formatBytes } from "../support/units.ts";

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

/** One line of show_downloads. */
export function formatDownload(status: DownloadStatus): string {
  const head = `[${status.state}] [${status.group}] ${status.file}`;
  const parts = [head];
  if (status.state === "D" || status.state === "P") parts.push(`${percentOf(status)}%`);
  // A download waiting for peers gets nothing: a rate, peers or ETA would be from before.
  if (status.state === "D" && status.isWaiting) parts.push("waiting for peers");
  else if (status.state === "D") {
    const peers = status.peers.length;
    parts.push(`${formatBytes(status.rate)}/s`, `${peers} peer${peers === 1 ? "" : "s"}`);
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

/** One line of show_shares. */
export function formatShare(share: ShareStatus): string {
  return `[${share.state === "complete" ? "S" : "P"}] [${share.group}] ${share.file}  ` +
    `${share.state}  uploaded ${formatBytes(share.uploaded)}`;
}
