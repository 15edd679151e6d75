/**
 * The peer's sharing and downloading tied together, and what login and logout do to them:
 * after login, heartbeats start, the files shared before are shared again and downloads
 * continue; before logout, downloads pause, nothing is served and heartbeats stop.
 */
import { describeError } from "../common/errors.ts";
import type { Logger } from "../common/logger.ts";
import type { TrackerApi } from "./client/api.ts";
import type { DownloadStatus } from "./engine/types.ts";
import type { Downloads, StartOutcome } from "./download/manager.ts";
import { PresenceLoop } from "./client/presence.ts";
import { shareAgain } from "./share/reshare.ts";
import type { PieceSource, ServedFiles } from "./seeder/served_files.ts";
import type { LoginReport, PeerServices } from "./services.ts";
import type { ShareRecord } from "./share/share_store.ts";
import { type ShareStatus, type Sharing, uploadedOf } from "./share/sharing.ts";
import type { EventSink } from "./client/tracker_client.ts";

/** Options of {@linkcode PeerApp}. */
export interface PeerAppOptions {
  tracker: TrackerApi;
  served: ServedFiles;
  sharing: Sharing;
  downloads: Downloads;
  /** The seeder's port, sent with each heartbeat. */
  listenPort: number;
  onEvent: EventSink;
  logger?: Logger;
}

/** {@linkcode PeerServices} over the real sharing, downloads and presence. */
export class PeerApp implements PeerServices {
  readonly #options: PeerAppOptions;
  readonly #presence: PresenceLoop;
  /** Partial sources of downloads taken down at logout, served again at login. */
  #stashed: PieceSource[] = [];

  constructor(options: PeerAppOptions) {
    this.#options = options;
    const { tracker, listenPort: port } = options;
    this.#presence = new PresenceLoop({
      heartbeat: (signal) => tracker.request("heartbeat", { port }, { signal }),
      announceAll: (signal) => this.#announceAll(signal),
      ...(options.logger ? { logger: options.logger.child("presence") } : {}),
    });
  }

  share(
    path: string,
    group: string,
    signal: AbortSignal,
  ): Promise<{ record: ShareRecord; added: boolean }> {
    return this.#options.sharing.share(path, group, signal);
  }

  stopShare(group: string, name: string, signal: AbortSignal): Promise<void> {
    return this.#options.sharing.stopShare(group, name, signal);
  }

  /** Complete shares, then downloads whose verified pieces are served. */
  shares(): ShareStatus[] {
    const { sharing, served, downloads } = this.#options;
    const partial = downloads.servedPartials().flatMap((download): ShareStatus[] => {
      if (sharing.isShared(download.group, download.fileId)) return [];
      const source = served.get(download.group, download.fileId);
      if (!source || source.isComplete) return [];
      const { group, file, fileId } = download;
      return [{ group, file, fileId, state: "partial", uploaded: uploadedOf(source) }];
    });
    return [...sharing.statuses(), ...partial];
  }

  download(
    group: string,
    name: string,
    destination: string,
    signal: AbortSignal,
  ): Promise<StartOutcome> {
    return this.#options.downloads.start(group, name, destination, signal);
  }

  downloads(): DownloadStatus[] {
    return this.#options.downloads.statuses();
  }

  pauseDownload(id: string): Promise<void> {
    return this.#options.downloads.pause(id);
  }

  resumeDownload(id: string, signal: AbortSignal): Promise<void> {
    return this.#options.downloads.resume(id, signal);
  }

  cancelDownload(id: string, signal: AbortSignal): Promise<void> {
    return this.#options.downloads.cancel(id, signal);
  }

  async afterLogin(user: string, signal: AbortSignal): Promise<LoginReport> {
    const { tracker, onEvent, sharing, downloads } = this.#options;
    // Heartbeats first: sharing again may hash for a while, longer than one lease.
    await this.#presence.start();
    const reshared = await shareAgain(sharing, user, { tracker, onEvent, signal });
    const resumed = await downloads.resumeUser(user, signal);
    this.#restoreStashed();
    return { reshared, resumed };
  }

  async beforeLogout(): Promise<void> {
    await this.#options.downloads.pauseAll();
    await this.stopServing();
  }

  /** Serve nothing and stop heartbeating (logout, a lost session, exit). */
  async stopServing(): Promise<void> {
    await this.#presence.stop();
    await this.#options.sharing.unserveAll();
    const { served } = this.#options;
    for (const source of served.all()) {
      if (!source.isComplete) this.#stashed.push(source);
      served.remove(source.group, source.fileId);
    }
  }

  /** A resumed download whose engine did not register its source again gets it back. */
  #restoreStashed(): void {
    const { served, downloads } = this.#options;
    const running = new Set(downloads.servedPartials().map((d) => `${d.group}/${d.fileId}`));
    for (const source of this.#stashed) {
      const isRunning = running.has(`${source.group}/${source.fileId}`);
      if (isRunning && !served.get(source.group, source.fileId)) served.add(source);
    }
    this.#stashed = [];
  }

  /** The session ended without a logout: behave as if the user logged out. */
  async onSessionLost(): Promise<void> {
    await this.beforeLogout();
  }

  /** End of input: wait until every running download finishes or fails. */
  waitForDownloads(): Promise<void> {
    return this.#options.downloads.waitForRunning();
  }

  /** Exit: pause downloads so their resume records are current, then stop serving. */
  async close(): Promise<void> {
    await this.beforeLogout();
  }

  /** The tracker forgot us: every served file, complete or partial, is announced again. */
  async #announceAll(signal: AbortSignal): Promise<void> {
    for (const source of this.#options.served.all()) {
      const { group, fileId, isComplete: complete } = source;
      try {
        await this.#options.tracker.request("announce", { group, fileId, complete }, { signal });
      } catch (error) {
        if (signal.aborted) throw error;
        this.#options.logger?.warn(
          `Could not announce a file of "${group}": ${describeError(error)}`,
        );
      }
    }
  }
}
