/**
 * A download's events as the shell prints them: one JSON line each with `--json`, carrying the
 * download id, or one line of text.
 */
import type { DownloadRecord } from "./download_store.ts";
import type { DownloadEvent } from "../engine/types.ts";
import type { EventSink } from "../client/api.ts";
import { formatBytes } from "../support/units.ts";

/** Print what happened to a download (waiting for peers shows in show_downloads only). */
export function announceEvent(record: DownloadRecord, event: DownloadEvent, sink: EventSink): void {
  const { id, group, name: file } = record;
  const where = `[${group}] ${file}`;
  switch (event.type) {
    case "finished": {
      const { path, bytes, seconds } = event;
      const rate = seconds > 0 ? `, ${formatBytes(bytes / seconds)}/s` : "";
      sink(
        "download_finished",
        { id, group, file, path, bytes, seconds },
        `Download ${id} finished: ${where} -> ${path} (${formatBytes(bytes)} in ` +
          `${seconds.toFixed(1)} s${rate})`,
      );
      return;
    }
    case "failed":
      sink(
        "download_failed",
        { id, group, file, reason: event.reason },
        `Download ${id} failed: ${where}: ${event.reason}`,
      );
      return;
    case "peer_banned":
      sink(
        "peer_banned",
        { id, group, file, peer: event.peer, reason: event.reason },
        `Download ${id}: banned peer ${event.peer} (${event.reason}) ${where}`,
      );
      return;
    case "waiting_for_peers":
      return;
  }
}
