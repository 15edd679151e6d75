/**
 * The engines of the downloads running in this process: made by an injected factory (so the
 * manager never imports the engine, and its tests use a fake one), started, and followed until
 * they finish, fail or are cancelled. The work each engine event causes (saving a record,
 * sharing a finished file) is tracked, so the peer can wait for it before it exits.
 */
import { describeError } from "../../common/errors.ts";
import type { Logger } from "../../common/logger.ts";
import type { RateLimiter } from "../../common/rate.ts";
import type { TrackerApi } from "../client/api.ts";
import type {
  DownloaderIdentity,
  DownloadEvent,
  DownloadOptions,
  DownloadPlan,
  DownloadStatus,
  PieceMap,
} from "../engine/types.ts";
import type { ServedFiles } from "../seeder/served_files.ts";
import { TrackerSwarm } from "./tracker_swarm.ts";

/** What the manager needs of a download engine (lib/peer/download.ts's `Download`). */
export interface DownloadHandle {
  start(): unknown;
  pause(): unknown;
  resume(): unknown;
  /** Stop, and remove the `.part` file and its resume record. */
  cancel(): unknown;
  /** End as failed with `reason` (keeping the `.part`), emitting a "failed" event. */
  fail(reason: string): unknown;
  status(): DownloadStatus;
  /** Where each piece is, for the dashboard (an engine without it shows no piece map). */
  pieceMap?(): PieceMap;
}

/** Makes an engine for a plan; run.ts passes the real one. */
export type EngineFactory = (plan: DownloadPlan, options: DownloadOptions) => DownloadHandle;

/** Engine settings that are flags. */
export type EngineTimings = Pick<
  DownloadOptions,
  "maxPeers" | "requestsPerPeer" | "requestTimeoutMs" | "peerRefreshMs" | "maxStrikes"
>;

/** What an engine needs besides its plan. */
export interface EngineKit {
  tracker: TrackerApi;
  served: ServedFiles;
  identity: DownloaderIdentity;
  createEngine: EngineFactory;
  /** The shared `--download-limit` bucket. */
  limiter?: RateLimiter;
  timings?: Partial<EngineTimings>;
  logger?: Logger;
}

/** One engine and when it is done. */
export interface Running {
  readonly id: string;
  readonly engine: DownloadHandle;
  readonly sha1: string;
  /** Resolved when the download finishes, fails or is cancelled. */
  readonly settled: PromiseWithResolvers<void>;
  isSettled: boolean;
}

/** Receives each engine event. */
export type EngineEventHandler = (running: Running, event: DownloadEvent) => Promise<void>;

/** The engines of this process, by download id. */
export class RunningDownloads {
  readonly #kit: EngineKit;
  readonly #onEvent: EngineEventHandler;
  readonly #running = new Map<string, Running>();
  /** Work that follows an engine's event, awaited at exit. */
  readonly #tasks = new Set<Promise<void>>();

  constructor(kit: EngineKit, onEvent: EngineEventHandler) {
    this.#kit = kit;
    this.#onEvent = onEvent;
  }

  get(id: string): Running | undefined {
    return this.#running.get(id);
  }

  has(id: string): boolean {
    return this.#running.has(id);
  }

  delete(id: string): void {
    this.#running.delete(id);
  }

  values(): IterableIterator<Running> {
    return this.#running.values();
  }

  /** Make an engine for `plan` (replacing any of the same id) and start it, unless told not to. */
  launch(plan: DownloadPlan, options: { isStarted?: boolean } = {}): Running {
    const { tracker, identity, served, limiter, logger } = this.#kit;
    const running: Running = {
      id: plan.id,
      sha1: plan.sha1,
      settled: Promise.withResolvers<void>(),
      isSettled: false,
      engine: this.#kit.createEngine(plan, {
        ...this.#kit.timings,
        identity,
        served,
        swarm: new TrackerSwarm(tracker, plan, identity.publicKey),
        ...(limiter ? { limiter } : {}),
        ...(logger ? { logger: logger.child(plan.id) } : {}),
        onEvent: (event) => this.#track(this.#onEvent(running, event)),
      }),
    };
    this.#running.set(plan.id, running);
    if (options.isStarted === false) return running;
    try {
      const started = running.engine.start();
      if (started instanceof Promise) {
        started.catch((error) => this.#track(this.#onEvent(running, failure(error))));
      }
    } catch (error) {
      this.#track(this.#onEvent(running, failure(error)));
    }
    return running;
  }

  /** The download is over (finished, failed or cancelled). */
  settle(running: Running): void {
    running.isSettled = true;
    running.settled.resolve();
  }

  /** Wait until every running engine finishes or fails, and what their events caused. */
  async waitForRunning(): Promise<void> {
    const pending = [...this.#running.values()].filter((running) =>
      !running.isSettled && running.engine.status().state === "D"
    );
    await Promise.all(pending.map((running) => running.settled.promise));
    await Promise.all(this.#tasks);
  }

  #track(task: Promise<void>): void {
    const tracked = task.catch((error) =>
      this.#kit.logger?.error(`Download bookkeeping failed: ${describeError(error)}`)
    ).finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
  }
}

function failure(error: unknown): DownloadEvent {
  return { type: "failed", reason: describeError(error) };
}
