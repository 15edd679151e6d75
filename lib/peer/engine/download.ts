/**
 * The download engine: one {@linkcode Download} per file being fetched.
 *
 * DEV DOCS
 *
 * Objects, and who calls whom:
 * - `Download` (this file): the life cycle (start, pause, resume, cancel, finish, fail), events
 *   and status. Each run (start or resume to pause) makes a `PiecePicker` and a `LinkPool`.
 * - `LinkPool` (link_pool.ts): asks the `Swarm` for peers (every second at first, then every
 *   `peerRefreshMs`) and learns more from seeders' PEERS, keeps up to `maxPeers` `PeerLink`s,
 *   fills each unchoked one with up to `requestsPerPeer` requests chosen by the `PiecePicker`
 *   (picker.ts, rarest first with uniform random ties, endgame), hands every piece to the store
 *   to be checked and written, strikes and bans seeders that send bad pieces, drops stalled
 *   ones, and sends a HAVE to every seeder for each piece written.
 * - `PeerLink` (peer_link.ts): one connection: Hello, handshake with a ticket from the
 *   `TicketCache` and a proof, the two BITFIELDs, then a read loop that calls the pool back
 *   (pieces, HAVE, REJECT, CHOKE/UNCHOKE, PEERS).
 * - `PieceStore` (piece_store.ts): the bitfield, the resume record (resume.ts) and the
 *   `PieceWriter` (piece_writer.ts), a worker thread that checks each piece's SHA-1 (verify.ts),
 *   writes it at its offset in `<destination>.part` and hashes the contiguous front for the
 *   whole-file SHA-1 (front_hash.ts), and the `PartialSource` registered in `ServedFiles`, through which our own
 *   seeder serves verified pieces (and sends HAVE) while we download.
 *
 * A file this peer already serves complete (a share) is copied from that source, piece by piece
 * and checked like any other, without announcing this peer as a partial seeder of it: that
 * announcement would replace the complete one at the tracker and take a seeder off the list.
 *
 * Bounded: connections (`maxPeers`); pieces in flight (`maxPeers × requestsPerPeer`, each read
 * into one buffer by the socket read and never copied, then moved to the worker); pieces with
 * the worker (`MAX_PENDING_WRITES`, past which the delivering link stops reading); pieces held ahead of the hash front
 * (`MAX_HELD_PIECES`). Nothing grows with the file size except the bitfields (1 bit a piece).
 */
import { wholeFileMismatch } from "./verify.ts";
import { describeError } from "../../common/errors.ts";
import { PIECE_SIZE_BYTES, pieceCount } from "../../common/hash.ts";
import type {
  DownloadEvent,
  DownloadOptions,
  DownloadPlan,
  DownloadState,
  DownloadStatus,
  PeerStatus,
  PieceMap,
} from "./types.ts";
import { LinkPool, type PeerVerdicts } from "./link_pool.ts";
import { PieceStore } from "./piece_store.ts";
import { PiecePicker } from "./picker.ts";
import { RateMeter } from "./rate_meter.ts";
import { TransferMeters } from "./transfer_meters.ts";
import { copyLocally, localSourceOf } from "./local_copy.ts";
import { MAX_QUEUED_REQUESTS } from "../../wire/limits.ts";
import { isFinalTicketError } from "./ticket_cache.ts";

/**
 * While a run lasts, the byte counters are fed to the rate meters at least this often (pieces
 * received feed them too), so an upload-only peer's rate covers about a second, not the time
 * since show_download was last typed.
 */
const SAMPLE_MS = 1000;

/** Defaults of {@linkcode DownloadOptions}. */
export const DOWNLOAD_DEFAULTS = {
  maxPeers: 16,
  requestsPerPeer: 8,
  requestTimeoutMs: 15_000,
  peerRefreshMs: 5_000,
  maxStrikes: 3,
} as const;

/** One file being downloaded. */
export class Download {
  /** Resolves when the download finished, failed or was cancelled; never rejects. */
  readonly done: Promise<void>;
  readonly #plan: DownloadPlan;
  readonly #options: DownloadOptions;
  readonly #settle: () => void;
  readonly #store: PieceStore;
  readonly #verdicts: PeerVerdicts = { banned: new Set(), strikes: new Map() };
  readonly #meter = new RateMeter();
  /** Bytes received by seeder address in the current (or last) run. */
  #received = new Map<string, number>();
  /** Rates each way per peer, for show_download. */
  readonly #meters = new TransferMeters();
  #sampler: ReturnType<typeof setInterval> | undefined;
  /** Banned seeders and why, for show_download. */
  readonly #bans: { peer: string; reason: string }[] = [];
  #state: DownloadState = "P";
  #reason: string | undefined;
  #hasStarted = false;
  /** The first run re-checked what a resume record listed. */
  #hasVerified = false;
  #pool: LinkPool | null = null;
  #picker: PiecePicker | null = null;
  /** Which seeder sent each piece received since this object was made (the piece map). */
  readonly #sentBy = new Map<number, string>();
  #runAbort: AbortController | null = null;
  #lifecycle: Promise<void> = Promise.resolve();
  #finishing: Promise<void> | null = null;
  #startedAt = 0;

  constructor(plan: DownloadPlan, options: DownloadOptions) {
    this.#plan = plan;
    this.#options = options;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.done = promise;
    this.#settle = resolve;
    this.#store = new PieceStore(plan, {
      onWritten: (_index, length) => this.#onWritten(length),
      onError: (error) =>
        void this.#fail(`Cannot write "${this.#store.partPath}": ${describeError(error)}`),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Start: verify what a previous run left, serve it, announce, and fetch the rest. */
  start(): Promise<void> {
    if (this.#hasStarted) return this.#lifecycle;
    return this.resume();
  }

  /** Stop fetching and close connections; the `.part`, its record and the served pieces stay. */
  pause(): Promise<void> {
    if (this.#state !== "D" || this.#finishing) return this.#lifecycle;
    this.#state = "P";
    this.#runAbort?.abort(); // a long verification stops now, not after it ends
    return this.#serially(() => this.#halt());
  }

  /** Continue a paused download (or start one never started). */
  resume(): Promise<void> {
    if (this.#state !== "P") return this.#lifecycle;
    this.#hasStarted = true;
    this.#state = "D";
    return this.#serially(() => this.#begin());
  }

  /** Stop, delete the `.part` and its resume record, and stop serving its pieces. */
  cancel(): Promise<void> {
    if (!this.#finishing) this.#runAbort?.abort();
    return this.#serially(async () => {
      await this.#finishing;
      if (this.#state === "C") return;
      const wasFailed = this.#state === "F";
      this.#state = "F";
      this.#reason ??= "cancelled";
      if (!wasFailed) await this.#halt();
      this.#unserve();
      if (!wasFailed) this.#withdraw();
      await this.#store.discard();
      this.#settle();
    });
  }

  /** End the download as failed (the user left its group): the `.part` and its record stay. */
  fail(reason: string): Promise<void> {
    this.#runAbort?.abort();
    return this.#serially(async () => {
      await this.#finishing;
      await this.#fail(reason);
    });
  }

  /** A snapshot for show_downloads. */
  status(): DownloadStatus {
    const { id, group, name, size, destination } = this.#plan;
    const isWaiting = this.#state === "D" && (this.#pool?.isWaiting ?? false);
    return {
      id,
      group,
      file: name,
      state: this.#state,
      piecesDone: this.#store.bitfield.count,
      pieces: this.#store.bitfield.length,
      bytes: this.#store.bytes,
      size,
      // A download waiting for peers receives nothing: no rate from before the wait.
      rate: this.#state === "D" && !isWaiting ? this.#meter.rate() : 0,
      peers: this.#peerStatuses(this.#state === "D" && !isWaiting),
      uploaded: this.#sampleUpload(),
      uploadRate: this.#state === "D" ? this.#meters.uploadRate() : 0,
      banned: [...this.#bans],
      isWaiting,
      ...(this.#reason !== undefined && this.#state === "F" ? { reason: this.#reason } : {}),
      path: destination,
    };
  }

  /** Verified, requested and missing pieces, and who sent each, for the dashboard. */
  pieceMap(): PieceMap {
    const isRunning = this.#state === "D" && this.#pool !== null;
    return {
      done: this.#store.bitfield,
      inflight: isRunning ? this.#picker?.requested() ?? [] : [],
      sentBy: this.#sentBy,
    };
  }

  #peerStatuses(isReceiving: boolean): PeerStatus[] {
    this.#meters.sampleReceived(this.#received);
    const isRunning = this.#state === "D";
    return this.#meters.peers({
      links: isRunning ? this.#pool?.links() ?? [] : [],
      received: this.#received,
      uploadedTo: this.#store.source.uploadedTo,
      isReceiving,
      isRunning,
    });
  }

  /** Feed every meter; runs every `SAMPLE_MS` while a run lasts. */
  #sample(): void {
    this.#meters.sampleReceived(this.#received);
    this.#sampleUpload();
  }

  #sampleUpload(): number {
    const source = this.#store.source;
    return this.#meters.sampleUploaded(source.uploaded, source.uploadedTo);
  }

  #serially(step: () => Promise<void>): Promise<void> {
    const next = this.#lifecycle.then(step).catch((error) =>
      this.#fail(`Unexpected error: ${describeError(error)}`)
    );
    this.#lifecycle = next;
    return next;
  }

  /** A run: open (and the first time, verify) the `.part`, serve, announce, connect. */
  async #begin(): Promise<void> {
    if (this.#state !== "D") return; // paused, cancelled or failed before this step ran
    this.#startedAt ||= performance.now();
    const problem = checkPlan(this.#plan);
    if (problem) return await this.#fail(problem);
    const abort = new AbortController();
    this.#runAbort = abort;
    try {
      await this.#store.open({ verify: !this.#hasVerified, signal: abort.signal });
    } catch (error) {
      if (abort.signal.aborted) return;
      return await this.#fail(`Cannot open "${this.#store.partPath}": ${describeError(error)}`);
    }
    if (abort.signal.aborted) return;
    this.#hasVerified = true;
    this.#serve();
    const local = localSourceOf(this.#options.served, this.#plan, this.#store.source);
    if (!local) this.#announce(false);
    if (this.#store.bitfield.isComplete) return void this.#finish();
    const target = {
      written: this.#store.bitfield,
      sink: this.#store,
      isRunning: () => !abort.signal.aborted && this.#state === "D",
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
    };
    if (local && await copyLocally(local, this.#plan, target)) return; // finishes on the last write
    if (abort.signal.aborted || this.#state !== "D") return;
    this.#pool = this.#makePool();
    this.#pool.start();
    clearInterval(this.#sampler);
    this.#sampler = setInterval(() => this.#sample(), SAMPLE_MS);
  }

  #makePool(): LinkPool {
    const options = this.#options;
    const picker = new PiecePicker(this.#store.bitfield.length);
    this.#picker = picker;
    const written = this.#store.bitfield;
    for (let index = 0; index < written.length; index++) {
      if (written.has(index)) picker.markDone(index);
    }
    return new LinkPool({
      swarm: options.swarm,
      identity: options.identity,
      picker,
      file: this.#plan,
      verdicts: this.#verdicts,
      received: this.#received = new Map(),
      receivedByPeer: this.#store.source.receivedFrom,
      ours: this.#store.source,
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      maxPeers: options.maxPeers ?? DOWNLOAD_DEFAULTS.maxPeers,
      // A seeder queues at most MAX_QUEUED_REQUESTS and rejects more, which would read as "I
      // do not have it".
      requestsPerPeer: Math.max(
        1,
        Math.min(options.requestsPerPeer ?? DOWNLOAD_DEFAULTS.requestsPerPeer, MAX_QUEUED_REQUESTS),
      ),
      requestTimeoutMs: options.requestTimeoutMs ?? DOWNLOAD_DEFAULTS.requestTimeoutMs,
      peerRefreshMs: options.peerRefreshMs ?? DOWNLOAD_DEFAULTS.peerRefreshMs,
      maxStrikes: options.maxStrikes ?? DOWNLOAD_DEFAULTS.maxStrikes,
      sink: this.#store,
      onWritten: (index, from) => void this.#sentBy.set(index, from),
      onEvent: (event) => this.#emit(event),
      onFatal: (reason) => void this.#fail(reason),
    });
  }

  #onWritten(length: number): void {
    this.#meter.add(length);
    if (this.#store.bitfield.isComplete && this.#state === "D") void this.#finish();
  }

  /** Stop the run: connections first, then the store (writes, progress, `.part`). */
  async #halt(): Promise<void> {
    this.#runAbort?.abort();
    clearInterval(this.#sampler);
    const pool = this.#pool;
    this.#pool = null;
    try {
      await pool?.stop();
      await this.#store.close();
    } catch (error) {
      // Closing must not throw out of pause, cancel or fail: the run is over either way.
      this.#options.logger?.warn(`Could not stop cleanly: ${describeError(error)}`);
    }
  }

  #finish(): Promise<void> {
    this.#finishing ??= this.#place().catch((error) =>
      this.#fail(`Cannot finish: ${describeError(error)}`)
    );
    return this.#finishing;
  }

  async #place(): Promise<void> {
    const digest = await this.#store.digest();
    const pool = this.#pool;
    this.#pool = null;
    clearInterval(this.#sampler);
    await pool?.stop();
    const mismatch = wholeFileMismatch(this.#plan.sha1, digest);
    if (mismatch !== null) return await this.#fail(mismatch);
    if (!await this.#store.place()) return await this.#fail("destination exists");
    this.#state = "C";
    const seconds = (performance.now() - this.#startedAt) / 1000;
    this.#emit({ type: "finished", path: this.#plan.destination, bytes: this.#plan.size, seconds });
    this.#announce(true);
    this.#settle();
  }

  async #fail(reason: string): Promise<void> {
    if (this.#state === "F" || this.#state === "C") return;
    this.#state = "F";
    this.#reason = reason;
    await this.#halt();
    this.#unserve();
    this.#withdraw();
    this.#emit({ type: "failed", reason });
    this.#settle();
  }

  /** Serve our verified pieces, unless this file is already served complete. */
  #serve(): void {
    const { served } = this.#options;
    const current = served.get(this.#plan.group, this.#plan.fileId);
    if (current === this.#store.source || current?.isComplete) return;
    served.add(this.#store.source);
  }

  #unserve(): void {
    const { served } = this.#options;
    if (served.get(this.#plan.group, this.#plan.fileId) !== this.#store.source) return;
    served.remove(this.#plan.group, this.#plan.fileId);
  }

  #announce(isComplete: boolean): void {
    this.#options.swarm.announce(isComplete).catch((error) =>
      this.#options.logger?.warn(`Could not announce ${this.#plan.name}: ${describeError(error)}`)
    );
  }

  /** The tracker stops listing us as a partial seeder, unless we serve the file complete. */
  #withdraw(): void {
    if (this.#options.served.get(this.#plan.group, this.#plan.fileId)?.isComplete) return;
    this.#options.swarm.withdraw().catch((error) => {
      // Refused because the file or our membership is gone: the tracker lists nothing then.
      if (isFinalTicketError(error)) return;
      this.#options.logger?.warn(`Could not withdraw ${this.#plan.name}: ${describeError(error)}`);
    });
  }

  #emit(event: DownloadEvent): void {
    if (event.type === "peer_banned") this.#bans.push({ peer: event.peer, reason: event.reason });
    try {
      this.#options.onEvent(event);
    } catch (error) {
      this.#options.logger?.error(`Download event handler failed: ${describeError(error)}`);
    }
  }
}

/** What makes a plan impossible to download, or null. */
function checkPlan(plan: DownloadPlan): string | null {
  if (plan.pieceLength <= 0 || plan.pieceLength > PIECE_SIZE_BYTES) {
    return `piece length ${plan.pieceLength} is outside 1..${PIECE_SIZE_BYTES}`;
  }
  if (plan.pieceHashes.length !== pieceCount(plan.size, plan.pieceLength) * 20) {
    return `the plan has ${plan.pieceHashes.length / 20} piece hashes for ${plan.size} bytes`;
  }
  return null;
}
