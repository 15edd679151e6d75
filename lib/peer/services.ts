/**
 * What the share and download commands, login and logout need of the rest of the peer. The
 * shell's tests pass a fake; run.ts passes a {@linkcode PeerApp} (peer_app.ts).
 */
import type { ResultOf } from "../wire/messages.ts";
import type { DownloadStatus } from "./engine/types.ts";
import type { StartOutcome } from "./download/manager.ts";
import type { ReshareReport } from "./share/reshare.ts";
import type { ShareRecord } from "./share/share_store.ts";
import type { ShareStatus } from "./share/sharing.ts";

/** What login did besides logging in. */
export interface LoginReport {
  /** Files shared before, shared again (or not, with a warning each). */
  readonly reshared: ReshareReport;
  /** Downloads that continue. */
  readonly resumed: number;
}

/** What the tracker answers to leave_group. */
export type LeaveResult = ResultOf<"leave_group">;

/** What leave_group did here besides leaving. */
export type LeaveReport = LeaveResult & {
  /** Names of the files of the group this peer no longer shares. */
  readonly stoppedShares: readonly string[];
  /** Ids of the downloads from the group that failed. */
  readonly failedDownloads: readonly string[];
};

/** The peer's sharing and downloading, as commands see them. */
export interface PeerServices {
  /** upload_file. */
  share(
    path: string,
    group: string,
    signal: AbortSignal,
  ): Promise<{ record: ShareRecord; added: boolean }>;
  /** stop_share. */
  stopShare(group: string, name: string, signal: AbortSignal): Promise<void>;
  /** show_shares: complete files shared and partial ones downloading. */
  shares(): ShareStatus[];
  /** download_file. */
  download(
    group: string,
    name: string,
    destination: string,
    signal: AbortSignal,
  ): Promise<StartOutcome>;
  /** show_downloads. */
  downloads(): DownloadStatus[];
  pauseDownload(id: string): Promise<void>;
  resumeDownload(id: string, signal: AbortSignal): Promise<void>;
  cancelDownload(id: string, signal: AbortSignal): Promise<void>;
  /**
   * clear_downloads: forget a complete download for good (its file stays, and stays shared).
   *
   * @throws {CommandError} `no_such_download`, or `wrong_state` for one that is not complete
   */
  forgetDownload(id: string): Promise<void>;
  /**
   * leave_group: `leave` asks the tracker; around it, this peer stops seeding the group's files
   * (the tracker stops listing it first, and lists it again if the leave is refused), forgets
   * its shares of the group, and fails the group's downloads.
   *
   * @throws {CommandError} the tracker's refusal (nothing changed then)
   */
  leaveGroup(
    group: string,
    leave: () => Promise<LeaveResult>,
    signal: AbortSignal,
  ): Promise<LeaveReport>;
  /** After a login: heartbeats, share again, continue downloads. */
  afterLogin(user: string, signal: AbortSignal): Promise<LoginReport>;
  /** Before a logout: pause downloads, stop sharing and heartbeating. */
  beforeLogout(): Promise<void>;
}
