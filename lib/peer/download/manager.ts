/**
 * The downloads of this peer: download_file, show_downloads, pause, resume and cancel, and what
 * login and logout do to them. Each download is one engine (download_runs.ts) and one record
 * in downloads.json, which says what the user wants (run, paused) or how it ended.
 */
import { CommandError, describeError } from "../../common/errors.ts";
import { PeerErrorCode } from "../support/codes.ts";
import { refuseTakenPartPath, resolveDestination } from "./destination.ts";
import { fetchPlan, type FileInfo } from "./plan.ts";
import type { DownloadRecord, DownloadStore, RecordState } from "./download_store.ts";
import { announceEvent } from "./events.ts";
import { type EngineKit, type Running, RunningDownloads } from "./runs.ts";
import type { DownloadEvent, DownloadPlan, DownloadStatus, PieceMap } from "../engine/types.ts";
import type { FinishedFile } from "../share/sharing.ts";
import type { EventSink } from "../client/tracker_client.ts";
import { PIECE_SIZE_BYTES, pieceCount, pieceSpan } from "../../common/hash.ts";
import { loadResumeSync, RESUME_SUFFIX } from "../engine/resume.ts";
import { PART_SUFFIX } from "../engine/part_file.ts";
import type { Bitfield } from "../../wire/peer_frames.ts";

export type { DownloadHandle, EngineFactory, EngineTimings } from "./runs.ts";

/** Options of {@linkcode Downloads}. */
export interface DownloadsOptions extends EngineKit {
  store: DownloadStore;
  /** Prints download_finished, download_failed and peer_banned. */
  onEvent: EventSink;
  /** A download finished: from now on its file is shared like an uploaded one. */
  onFinished(file: FinishedFile): Promise<void>;
}

/** What download_file did. */
export interface StartOutcome {
  readonly id: string;
  /** The final path. */
  readonly path: string;
  /** It continues an earlier download of the same file to the same place. */
  readonly isResumed: boolean;
}

/** Every download of this state folder. */
export class Downloads {
  readonly #options: DownloadsOptions;
  readonly #running: RunningDownloads;
  /** Pieces the resume records of downloads with no engine list, by download id. */
  readonly #recorded = new Map<string, Bitfield>();

  constructor(options: DownloadsOptions) {
    this.#options = options;
    this.#running = new RunningDownloads(
      options,
      (running, event) => this.#onEngineEvent(running, event),
    );
    this.#readRecordedProgress();
  }

  /**
   * Read what the resume records of unfinished downloads list, for show_downloads before their
   * engines start (synchronously: show_downloads may be the very first command).
   */
  #readRecordedProgress(): void {
    for (const record of this.#options.store.list()) {
      if (record.state === "C") continue;
      const path = record.destination + PART_SUFFIX + RESUME_SUFFIX;
      const key = { fileId: record.fileId, size: record.size, pieceLength: PIECE_SIZE_BYTES };
      try {
        const bitfield = loadResumeSync(path, key);
        if (bitfield) this.#recorded.set(record.id, bitfield);
      } catch (error) {
        // Only show_downloads' figure is at stake; the engine reads the record again itself.
        this.#options.logger?.warn(`Cannot read ${JSON.stringify(path)}: ${describeError(error)}`);
      }
    }
  }

  /**
   * download_file: start a download in the background, or continue the same one.
   *
   * @throws {CommandError} `destination_exists`, the tracker's refusal, or a permission line
   */
  async start(
    group: string,
    name: string,
    destination: string,
    signal: AbortSignal,
  ): Promise<StartOutcome> {
    const user = this.#requireUser();
    const info = await this.#options.tracker.request("file_info", { group, name }, { signal });
    const path = await resolveDestination(destination, name);
    const same = this.#options.store.list().find((record) =>
      record.user === user && record.group === group && record.fileId === info.fileId &&
      record.destination === path && record.state !== "C"
    );
    if (same) {
      await this.resume(same.id, signal);
      return { id: same.id, path, isResumed: true };
    }
    this.#refuseBusyDestination(path);
    await refuseTakenPartPath(path);
    const target = { group, name, destination: path };
    const plan = await fetchPlan(this.#options.tracker, { id: "", ...target }, info, signal);
    const id = await this.#options.store.newId();
    const record = {
      id,
      user,
      ...target,
      fileId: info.fileId,
      size: info.size,
      state: "D" as const,
    };
    await this.#options.store.put(record);
    this.#running.launch({ ...plan, id });
    return { id, path, isResumed: false };
  }

  /** Every download, oldest first, for show_downloads. */
  statuses(): DownloadStatus[] {
    return this.#options.store.list().map((record) => {
      const running = this.#running.get(record.id);
      return running ? running.engine.status() : idleStatus(record, this.#recorded.get(record.id));
    });
  }

  /** The piece map of a download with an engine in this process (null otherwise). */
  pieceMap(id: string): PieceMap | null {
    return this.#running.get(id)?.engine.pieceMap?.() ?? null;
  }

  /** Downloads with an engine in this process that are not complete: their pieces are served. */
  servedPartials(): { group: string; file: string; fileId: string }[] {
    return this.#options.store.list()
      .filter((record) => this.#running.has(record.id) && record.state !== "C")
      .map((record) => ({ group: record.group, file: record.name, fileId: record.fileId }));
  }

  /** pause_download: stop fetching; the partial file and its progress stay. */
  async pause(id: string): Promise<void> {
    const record = this.#own(id, ["D", "P"]);
    const running = this.#running.get(id);
    if (running && running.engine.status().state === "D") await running.engine.pause();
    await this.#options.store.setState(record.id, "P");
  }

  /** resume_download: continue a paused download, or try a failed one again. */
  async resume(id: string, signal: AbortSignal): Promise<void> {
    const record = this.#own(id, ["D", "P", "F"]);
    const running = this.#running.get(id);
    const state = running?.engine.status().state;
    if (running && state === "P") await running.engine.resume();
    else if (!running || state === "F") await this.#relaunch(record, signal);
    await this.#options.store.setState(id, "D");
  }

  /** cancel_download: stop, and remove the partial file and its resume record. */
  async cancel(id: string, signal: AbortSignal): Promise<void> {
    const record = this.#own(id, ["D", "P", "F"]);
    let running = this.#running.get(id);
    // A download not running in this process gets an engine, never started, to clean up.
    if (!running) {
      running = this.#running.launch(await this.#cancelPlan(record, signal), { isStarted: false });
    }
    await running.engine.cancel();
    this.#running.settle(running);
    this.#running.delete(id);
    this.#recorded.delete(id);
    await this.#options.store.remove(id);
  }

  /**
   * clear_downloads, for a complete download: forget its record for good (also in
   * downloads.json). Its file stays where it is and stays shared: sharing keeps its own record.
   *
   * @throws {CommandError} `no_such_download`, or `wrong_state` for one that is not complete
   */
  async forget(id: string): Promise<void> {
    this.#own(id, ["C"]);
    this.#running.delete(id);
    this.#recorded.delete(id);
    await this.#options.store.remove(id);
  }

  /**
   * The user left `group` (leave_group): every unfinished download of theirs from it fails
   * with `reason`; the `.part` stays, so resume_download continues after re-joining.
   *
   * @returns the ids of the downloads that failed
   */
  async failGroup(group: string, reason: string): Promise<string[]> {
    const user = this.#requireUser();
    const failed: string[] = [];
    for (const record of this.#options.store.list()) {
      if (record.user !== user || record.group !== group) continue;
      const running = this.#running.get(record.id);
      const state = running?.engine.status().state ?? record.state;
      if (state !== "D" && state !== "P") continue;
      failed.push(record.id);
      if (running && !running.isSettled) {
        await running.engine.fail(reason);
        // The engine's event did this already unless it was settled another way.
        this.#running.settle(running);
        await this.#options.store.setState(record.id, "F", reason);
      } else {
        this.#running.delete(record.id);
        await this.#failRecord(record, reason);
      }
    }
    return failed;
  }

  /** Logout: pause every running download; what the user wants of each is unchanged. */
  async pauseAll(): Promise<void> {
    for (const running of this.#running.values()) {
      if (running.engine.status().state === "D") await running.engine.pause();
    }
  }

  /**
   * Login: continue every download of `user` that should run. One that cannot (the file left
   * its group) fails with an event; never throws for one download.
   */
  async resumeUser(user: string, signal: AbortSignal): Promise<number> {
    let count = 0;
    for (const record of this.#options.store.list()) {
      if (record.user !== user || record.state !== "D") continue;
      try {
        const running = this.#running.get(record.id);
        if (running?.engine.status().state === "P") await running.engine.resume();
        else if (!running || running.isSettled) await this.#relaunch(record, signal);
        count++;
      } catch (error) {
        if (signal.aborted) throw error;
        await this.#failRecord(record, describeError(error));
      }
    }
    return count;
  }

  /** End of input: wait until every running download finishes or fails. */
  async waitForRunning(): Promise<void> {
    await this.#running.waitForRunning();
  }

  async #relaunch(record: DownloadRecord, signal: AbortSignal): Promise<void> {
    const plan = await this.#plan(record, signal);
    this.#running.delete(record.id);
    this.#running.launch(plan);
  }

  /**
   * A plan to cancel with: the tracker's, or, when the file left its group, one without hashes
   * (an engine that is never started needs only the destination to remove its files).
   */
  async #cancelPlan(record: DownloadRecord, signal: AbortSignal): Promise<DownloadPlan> {
    try {
      return await this.#plan(record, signal);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      const { id, group, name, fileId, size, destination } = record;
      const pieceHashes = new Uint8Array();
      return {
        id,
        group,
        name,
        fileId,
        size,
        destination,
        pieceHashes,
        sha1: fileId,
        pieceLength: PIECE_SIZE_BYTES,
      };
    }
  }

  /** The plan of a known download, from the tracker again (the file must still be the same). */
  async #plan(record: DownloadRecord, signal: AbortSignal): Promise<DownloadPlan> {
    const { group, name } = record;
    const info: FileInfo = await this.#options.tracker.request(
      "file_info",
      { group, name },
      { signal },
    );
    if (info.fileId !== record.fileId) {
      throw new CommandError(
        PeerErrorCode.FILE_CHANGED,
        `"${name}" in group "${group}" is now a different file: download it again`,
      );
    }
    const { id, destination } = record;
    return await fetchPlan(this.#options.tracker, { id, group, name, destination }, info, signal);
  }

  /** Record and print what happened; a finished file is shared. */
  async #onEngineEvent(running: Running, event: DownloadEvent): Promise<void> {
    const record = this.#options.store.get(running.id);
    if (!record || running.isSettled) return;
    if (event.type !== "finished") announceEvent(record, event, this.#options.onEvent);
    if (event.type === "finished") {
      this.#running.settle(running);
      await this.#options.store.setState(record.id, "C");
      const { group, name, fileId, size } = record;
      const file = { group, name, fileId, size, sha1: running.sha1, path: event.path };
      // Shared under the user who downloaded it, and only while that user is logged in; said
      // once it is, so show_shares right after download_finished lists it.
      if (this.#options.tracker.user === record.user) {
        await this.#options.onFinished(file).catch((error) =>
          this.#options.logger?.warn(
            `Could not share "${name}" after it downloaded: ${describeError(error)}`,
          )
        );
      }
      announceEvent(record, event, this.#options.onEvent);
    } else if (event.type === "failed") {
      this.#running.settle(running);
      await this.#options.store.setState(record.id, "F", event.reason);
    }
  }

  async #failRecord(record: DownloadRecord, reason: string): Promise<void> {
    announceEvent(record, { type: "failed", reason }, this.#options.onEvent);
    await this.#options.store.setState(record.id, "F", reason);
  }

  /** The record of `id`, which the logged-in user owns, in one of `states`. */
  #own(id: string, states: readonly RecordState[]): DownloadRecord {
    const user = this.#requireUser();
    const record = this.#options.store.get(id);
    if (!record || record.user !== user) {
      throw new CommandError(
        PeerErrorCode.NO_SUCH_DOWNLOAD,
        `No download "${id}" of user "${user}": see show_downloads`,
      );
    }
    const state = this.#running.get(id)?.engine.status().state ?? record.state;
    if (!states.includes(state)) {
      const what = state === "C" ? "is complete" : state === "F" ? "failed" : "is running";
      throw new CommandError(PeerErrorCode.WRONG_STATE, `Download "${id}" ${what}`);
    }
    return record;
  }

  #refuseBusyDestination(path: string): void {
    const busy = this.#options.store.list().find((record) =>
      record.destination === path && (record.state === "D" || record.state === "P")
    );
    if (busy) {
      throw new CommandError(
        PeerErrorCode.DESTINATION_EXISTS,
        `Download "${busy.id}" already writes to ${JSON.stringify(path)}: cancel it or choose ` +
          `another destination`,
      );
    }
  }

  #requireUser(): string {
    const user = this.#options.tracker.user;
    if (user !== null) return user;
    throw new CommandError(
      PeerErrorCode.NOT_LOGGED_IN,
      `Not logged in: use "login <user_id> <passwd>" first`,
    );
  }
}

/**
 * The status of a download with no engine in this process (before login, after a restart):
 * the pieces its resume record lists as done (`recorded`), which the engine checks again when
 * it starts.
 */
export function idleStatus(record: DownloadRecord, recorded?: Bitfield): DownloadStatus {
  const isDone = record.state === "C";
  const pieces = pieceCount(record.size, PIECE_SIZE_BYTES);
  const progress = isDone
    ? { piecesDone: pieces, bytes: record.size }
    : recorded?.length === pieces
    ? recordedProgress(recorded, record.size)
    : { piecesDone: 0, bytes: 0 };
  return {
    id: record.id,
    group: record.group,
    file: record.name,
    // A download that should run but has no engine waits for its user's login: paused.
    state: record.state === "D" ? "P" : record.state,
    ...(record.state === "D" ? { waitingFor: "login" as const } : {}),
    pieces,
    ...progress,
    size: record.size,
    rate: 0,
    peers: [],
    isWaiting: false,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    path: record.destination,
  };
}

function recordedProgress(recorded: Bitfield, size: number): { piecesDone: number; bytes: number } {
  let bytes = 0;
  for (let index = 0; index < recorded.length; index++) {
    if (recorded.has(index)) bytes += pieceSpan(index, size, PIECE_SIZE_BYTES).length;
  }
  return { piecesDone: recorded.count, bytes };
}
