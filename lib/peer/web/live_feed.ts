/**
 * What every dashboard page sees, kept current: the session, each download (progress, peers,
 * bans), its piece map and recent rates, and the shares. A timer compares each with what was
 * sent last and broadcasts only what changed, so a download sends at most one progress event
 * and one piece-map delta per tick (every {@linkcode FEED_INTERVAL_MS}), however fast it goes;
 * a page that connects gets all of it at once as a snapshot. The peer's events (the `--json`
 * stream) are passed on as they come.
 */
import type { DownloadStatus } from "../engine/types.ts";
import { progressFields } from "../shell/progress.ts";
import { encodeRuns, PieceStates } from "./piece_runs.ts";
import { EventHub, formatEvent } from "./sse.ts";
import type { DashboardSources } from "./types.ts";

/** How often the feed looks for changes: at most this many progress events per second. */
export const FEED_INTERVAL_MS = 500;
/** One rate sample a second, kept this long for the rate graph (5 minutes). */
export const RATE_HISTORY_POINTS = 300;
const RATE_SAMPLE_MS = 1000;

/** A download as the page draws it: the `download_progress` fields and the show_download detail. */
export function downloadView(status: DownloadStatus): Record<string, unknown> {
  return {
    ...progressFields(status),
    state: status.state,
    path: status.path,
    isWaiting: status.isWaiting,
    ...(status.waitingFor ? { waitingFor: status.waitingFor } : {}),
    ...(status.reason !== undefined ? { reason: status.reason } : {}),
    uploaded: status.uploaded ?? 0,
    uploadRate: Math.round(status.uploadRate ?? 0),
    links: status.peers,
    banned: status.banned ?? [],
  };
}

/** Options of {@linkcode LiveFeed}. */
export interface LiveFeedOptions {
  intervalMs?: number;
  /** Milliseconds since some start, injected by tests. */
  now?: () => number;
}

/** The feed of one dashboard server. */
export class LiveFeed {
  readonly #sources: DashboardSources;
  readonly #hub: EventHub;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #session = "";
  readonly #downloads = new Map<string, string>();
  readonly #maps = new Map<string, PieceStates>();
  readonly #rates = new Map<string, number[]>();
  #shares = "";
  #lastSampleAt = -Infinity;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: () => void = () => {};

  constructor(sources: DashboardSources, hub: EventHub, options: LiveFeedOptions = {}) {
    this.#sources = sources;
    this.#hub = hub;
    this.#intervalMs = options.intervalMs ?? FEED_INTERVAL_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Look now, then every interval; pass the peer's events on. */
  start(): void {
    this.tick();
    this.#timer = setInterval(() => this.tick(), this.#intervalMs);
    this.#unsubscribe = this.#sources.onEvent((line) => this.#hub.broadcast("peer", line));
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#unsubscribe();
  }

  /** Everything a page needs to start, as one SSE message. */
  snapshot(): string {
    const pieces = Object.fromEntries(
      [...this.#maps].map(([id, map]) => [id, {
        pieces: map.states.length,
        sources: map.sources,
        runs: encodeRuns(map.states),
      }]),
    );
    return formatEvent("snapshot", {
      session: JSON.parse(this.#session || "null"),
      downloads: [...this.#downloads.values()].map((text) => JSON.parse(text)),
      pieces,
      rates: Object.fromEntries(this.#rates),
      rateSampleMs: RATE_SAMPLE_MS,
      shares: JSON.parse(this.#shares || "[]"),
    });
  }

  /** Compare everything with what was sent, and broadcast the differences. */
  tick(): void {
    const session = JSON.stringify(this.#sources.session());
    if (session !== this.#session) this.#hub.broadcast("session", JSON.parse(session));
    this.#session = session;
    const statuses = this.#sources.downloads();
    this.#updateDownloads(statuses);
    this.#updateMaps(statuses);
    this.#sampleRates(statuses);
    const shares = JSON.stringify(this.#sources.shares());
    if (shares !== this.#shares) this.#hub.broadcast("shares", JSON.parse(shares));
    this.#shares = shares;
  }

  #updateDownloads(statuses: readonly DownloadStatus[]): void {
    const seen = new Set<string>();
    for (const status of statuses) {
      seen.add(status.id);
      const text = JSON.stringify(downloadView(status));
      if (this.#downloads.get(status.id) === text) continue;
      this.#downloads.set(status.id, text);
      this.#hub.broadcast("download", JSON.parse(text));
    }
    for (const id of [...this.#downloads.keys()]) {
      if (seen.has(id)) continue;
      this.#downloads.delete(id);
      this.#maps.delete(id);
      this.#rates.delete(id);
      this.#hub.broadcast("download_removed", { id });
    }
  }

  #updateMaps(statuses: readonly DownloadStatus[]): void {
    for (const { id } of statuses) {
      const map = this.#sources.pieceMap(id);
      if (map === null) continue;
      let states = this.#maps.get(id);
      if (!states || states.states.length !== map.done.length) {
        states = new PieceStates(map.done.length);
        this.#maps.set(id, states);
      }
      const { changes, newSources } = states.update(map);
      if (changes.length === 0 && newSources.length === 0) continue;
      const pieces = states.states.length;
      this.#hub.broadcast("pieces", { id, pieces, newSources, changes });
    }
  }

  #sampleRates(statuses: readonly DownloadStatus[]): void {
    const now = this.#now();
    if (now - this.#lastSampleAt < RATE_SAMPLE_MS) return;
    this.#lastSampleAt = now;
    const sample: Record<string, number> = {};
    for (const status of statuses) {
      if (status.state !== "D") continue;
      const history = this.#rates.get(status.id) ?? [];
      history.push(Math.round(status.rate));
      if (history.length > RATE_HISTORY_POINTS) history.shift();
      this.#rates.set(status.id, history);
      sample[status.id] = Math.round(status.rate);
    }
    if (Object.keys(sample).length > 0) this.#hub.broadcast("rates", sample);
  }
}
