/**
 * The peer's sharing and downloading tied together, and what login and logout do to them:
 * after login, heartbeats start, the files shared before are shared again and downloads
 * continue; before logout, downloads pause, nothing is served and heartbeats stop.
 */
import { CommandError, describeError } from "../common/errors.ts";
import { ErrorCode } from "../wire/messages.ts";
import type { Logger } from "../common/logger.ts";
import type { TrackerApi } from "./client/api.ts";
import type { DownloadStatus, PieceMap } from "./engine/types.ts";
import type { Downloads, StartOutcome } from "./download/manager.ts";
import { PresenceLoop } from "./client/presence.ts";
import { shareAgain } from "./share/reshare.ts";
import type { PieceSource, ServedFiles } from "./seeder/served_files.ts";
import type { LeaveReport, LeaveResult, LoginReport, PeerServices } from "./services.ts";
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
      const { size } = source;
      return [{ group, file, fileId, size, state: "partial", uploaded: uploadedOf(source) }];
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

  /** A running download's piece map, for the dashboard (null when it has no engine here). */
  pieceMap(id: string): PieceMap | null {
    return this.#options.downloads.pieceMap(id);
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

  forgetDownload(id: string): Promise<void> {
    return this.#options.downloads.forget(id);
  }

  /**
   * leave_group: the tracker drops the user's shares of the group when they leave, but not
   * what this peer announced, so the peer withdraws first (as a member still), leaves, then
   * forgets its shares of the group and fails the group's downloads (keeping their `.part`s,
   * so resume_download continues after joining again).
   */
  async leaveGroup(
    group: string,
    leave: () => Promise<LeaveResult>,
    signal: AbortSignal,
  ): Promise<LeaveReport> {
    const served = this.#options.served.all().filter((source) => source.group === group);
    await this.#eachServed(served, "withdraw", signal);
    let result: LeaveResult;
    try {
      result = await leave();
    } catch (error) {
      const isGone = error instanceof CommandError &&
        (error.code === ErrorCode.NOT_MEMBER || error.code === ErrorCode.NO_SUCH_GROUP);
      if (!isGone) {
        await this.#eachServed(served, "announce", signal);
        throw error;
      }
      // Not a member already (left from another peer): what is left here goes all the same.
      await this.#dropGroup(group);
      throw error;
    }
    return { ...result, ...await this.#dropGroup(group) };
  }

  async #dropGroup(group: string) {
    const stoppedShares = await this.#options.sharing.dropGroup(group);
    const failedDownloads = await this.#options.downloads.failGroup(group, `left group "${group}"`);
    return { stoppedShares, failedDownloads };
  }

  /** Withdraw or announce again each of `sources`, warning of failures but never throwing. */
  async #eachServed(
    sources: readonly PieceSource[],
    op: "withdraw" | "announce",
    signal: AbortSignal,
  ): Promise<void> {
    const { tracker, logger } = this.#options;
    for (const { group, fileId, isComplete: complete } of sources) {
      try {
        if (op === "withdraw") await tracker.request("withdraw", { group, fileId }, { signal });
        else await tracker.request("announce", { group, fileId, complete }, { signal });
      } catch (error) {
        if (signal.aborted) throw error;
        logger?.warn(`Could not ${op} a file of "${group}": ${describeError(error)}`);
      }
    }
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
