/**
 * A download's pieces on disk: the `.part` file, the bitfield of pieces verified and written,
 * the resume record beside it, and the partial source that serves the written pieces. Pieces
 * from the network go to the piece worker (piece_writer.ts), which checks each one's SHA-1,
 * writes the good ones and keeps the whole-file hash of the contiguous front, on a thread of its
 * own; the bit is set, the source told and the record marked dirty once the worker has written
 * the piece. At most `MAX_PENDING_WRITES` pieces are with the worker at once: past that,
 * {@linkcode PieceStore.room} is a promise, and the link that delivered the piece stops reading
 * until it settles.
 */
import type { Logger } from "../../common/logger.ts";
import { describeError } from "../../common/errors.ts";
import { Bitfield } from "../../wire/peer_frames.ts";
import type { DownloadPlan } from "./types.ts";
import { PieceWriter, type PutResult } from "./piece_writer.ts";
import { PartialSource } from "./partial_source.ts";
import { loadResume, removeResume, RESUME_SUFFIX, ResumeSaver } from "./resume.ts";
import { linkInPlace, PART_SUFFIX, PartFile, removeIfPresent } from "./part_file.ts";
import { verifyPieces } from "./verify.ts";
import { pieceSpan } from "../../common/hash.ts";

/** Pieces with the worker at once (2 MiB of 512 KiB pieces: 4 MiB was no faster). */
export const MAX_PENDING_WRITES = 4;

/** Options of {@linkcode PieceStore}. */
export interface PieceStoreOptions {
  /** A piece is verified, written and announced. */
  onWritten(index: number, length: number): void;
  /** A write failed: the download cannot go on. */
  onError(error: unknown): void;
  logger?: Logger;
}

/** The pieces of one download on disk. */
export class PieceStore {
  readonly bitfield: Bitfield;
  readonly source: PartialSource;
  readonly partPath: string;
  readonly recordPath: string;
  readonly #plan: DownloadPlan;
  readonly #options: PieceStoreOptions;
  readonly #saver: ResumeSaver;
  readonly #writes = new Set<Promise<PutResult>>();
  #part: PartFile | null = null;
  #writer: PieceWriter | null = null;
  #bytes = 0;

  constructor(plan: DownloadPlan, options: PieceStoreOptions) {
    this.#plan = plan;
    this.#options = options;
    this.partPath = plan.destination + PART_SUFFIX;
    this.recordPath = this.partPath + RESUME_SUFFIX;
    this.bitfield = new Bitfield(Math.ceil(plan.size / plan.pieceLength));
    this.source = new PartialSource({ ...plan, path: this.partPath, bitfield: this.bitfield });
    this.#saver = new ResumeSaver(this.recordPath, plan, this.bitfield, {
      onError: (error) => options.logger?.warn(`Could not save progress: ${describeError(error)}`),
    });
  }

  /** Verified bytes on disk. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Open the `.part` for a run. With `verify` (the first run in this process), a matching
   * resume record's pieces are read back and re-hashed; only those that match are kept.
   */
  async open(options: { verify: boolean; signal?: AbortSignal }): Promise<void> {
    const plan = this.#plan;
    const listed = options.verify ? await loadResume(this.recordPath, plan) : null;
    const part = await PartFile.open(this.partPath, plan.size, {
      isFresh: options.verify && listed === null,
    });
    this.#part = part;
    if (part.isNew) this.#forgetAll();
    const writer = await PieceWriter.open({
      path: this.partPath,
      size: plan.size,
      pieceLength: plan.pieceLength,
      pieceHashes: plan.pieceHashes,
      identity: await part.identity(),
    }, this.bitfield);
    if (listed !== null) {
      let kept: Bitfield;
      try {
        kept = await recheck(part, writer, listed, {
          ...plan,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        await writer.close().catch(() => {}); // the re-check's error is the one to tell
        throw error;
      }
      for (let index = 0; index < kept.length; index++) {
        if (kept.has(index)) this.#setWritten(index);
      }
      if (kept.count < listed.count) {
        this.#options.logger?.info(`${listed.count - kept.count} piece(s) on disk were corrupt`);
      }
      this.#saver.markDirty();
    }
    this.#writer = writer;
  }

  /**
   * Check piece `index` and write it when good (`data`'s buffer moves to the worker). Resolves
   * `"corrupt"` when the bytes are not the piece, `"failed"` when the write failed (`onError`
   * was told: the download cannot go on).
   */
  put(index: number, data: Uint8Array): Promise<PutResult> {
    const writer = this.#writer;
    if (!writer) throw new Error("The partial file is not open");
    const { length } = data;
    const put: Promise<PutResult> = writer.put(index, data).then(
      (isWritten): PutResult => {
        if (!isWritten) return "corrupt";
        this.#setWritten(index);
        this.#options.onWritten(index, length);
        return "written";
      },
      (error): PutResult => {
        this.#options.onError(error);
        return "failed";
      },
    ).finally(() => this.#writes.delete(put));
    this.#writes.add(put);
    return put;
  }

  /** A promise while `MAX_PENDING_WRITES` pieces are with the worker: wait for it to read on. */
  room(): Promise<unknown> | undefined {
    return this.#writes.size < MAX_PENDING_WRITES ? undefined : Promise.race(this.#writes);
  }

  /** The hex SHA-1 of the whole file, once every piece is written. */
  async digest(): Promise<string> {
    if (!this.#writer) throw new Error("The partial file is not open");
    return await this.#writer.digest();
  }

  /** End a run: wait for writes, save progress, close the `.part` (the source keeps serving). */
  async close(): Promise<void> {
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes]);
    try {
      await this.#writer?.close();
    } catch (error) {
      this.#options.logger?.warn(`Could not close the piece worker: ${describeError(error)}`);
    }
    this.#writer = null;
    try {
      await this.#saver.flush();
    } catch (error) {
      this.#options.logger?.warn(`Could not save progress: ${describeError(error)}`);
    }
    await this.#part?.close();
    this.#part = null;
  }

  /**
   * Give the finished file its final name (never over an existing file), serve it from there,
   * and remove the `.part` and the resume record.
   *
   * @returns false when something is already at the destination
   */
  async place(): Promise<boolean> {
    await this.close();
    if (!await linkInPlace(this.partPath, this.#plan.destination)) return false;
    this.source.complete(this.#plan.destination);
    await removeIfPresent(this.partPath);
    await removeResume(this.recordPath);
    return true;
  }

  /** Remove the `.part` and the resume record (cancel). */
  async discard(): Promise<void> {
    await this.close();
    await removeIfPresent(this.partPath);
    await removeResume(this.recordPath);
  }

  #setWritten(index: number): void {
    if (!this.bitfield.set(index)) return;
    this.#bytes += pieceSpan(index, this.#plan.size, this.#plan.pieceLength).length;
    this.source.addPiece(index);
    this.#saver.markDirty();
  }

  /** The `.part` is new: whatever the bitfield said is not on disk. */
  #forgetAll(): void {
    for (let index = 0; index < this.bitfield.length; index++) this.bitfield.clear(index);
    this.#bytes = 0;
  }
}

/**
 * Re-check what a resume record lists, on this thread, and hand each good piece to the worker's
 * whole-file hash (a copy, `MAX_PENDING_WRITES` at most on their way): the `.part` is read once,
 * and the two hashes run on two threads; reading each piece into a new buffer instead of copying
 * it was no faster.
 */
async function recheck(
  part: PartFile,
  writer: PieceWriter,
  listed: Bitfield,
  options: { pieceLength: number; pieceHashes: Uint8Array; signal?: AbortSignal },
): Promise<Bitfield> {
  const handed: Promise<void>[] = [];
  try {
    const kept = await verifyPieces(part, listed, {
      ...options,
      onVerified: async (index, data) => {
        const sent = writer.verified(index, data.slice());
        sent.catch(() => {}); // awaited below; a rejection must not count as unhandled meanwhile
        handed.push(sent);
        if (handed.length >= MAX_PENDING_WRITES) await handed.shift();
      },
    });
    await Promise.all(handed);
    return kept;
  } catch (error) {
    await Promise.allSettled(handed);
    throw error;
  }
}
