/**
 * The piece worker's thread (started by piece_writer.ts, which describes the messages): opens
 * the download's `.part` (refusing any file but the one the main thread opened), and for each
 * piece given it checks length and SHA-1 (verify.ts), writes a good piece at its offset and
 * feeds it to the whole-file hash of the contiguous front (front_hash.ts); a piece the main
 * thread found good on disk at resume goes to that hash alone. Messages are taken in order, one at
 * a time; a write is done when it is answered. This thread alone uses its handle, so a seek then
 * a write is a positional write; with no node: module it stays ~5 MiB smaller (common/sha1.ts).
 */
/// <reference lib="deno.worker" />
import { describeError } from "../../common/errors.ts";
import { releaseOwnedBuffer } from "../../common/memory.ts";
import { pieceSpan } from "../../common/hash.ts";
import { Bitfield } from "../../wire/bitfield.ts";
import { FrontHasher } from "./front_hash.ts";
import type { FromWorker, MovedBytes, PieceFile, ToWorker } from "./piece_writer.ts";
import { isGoodPiece } from "./verify.ts";

/** The `.part` this worker writes, with its bitfield and whole-file hash. */
class OpenPart {
  readonly file: PieceFile;
  readonly written: Bitfield;
  readonly hasher: FrontHasher;
  readonly #file: Deno.FsFile;

  constructor(file: PieceFile, written: Uint8Array) {
    this.file = file;
    const pieceCount = Math.ceil(file.size / file.pieceLength);
    this.written = new Bitfield(pieceCount, written);
    this.#file = Deno.openSync(file.path, { read: true, write: true });
    const { dev, ino } = this.#file.statSync();
    if (dev !== file.identity.dev || ino !== file.identity.ino) {
      this.#file.close();
      throw new Error(`"${file.path}" was replaced while the download opened it`);
    }
    this.hasher = new FrontHasher({
      pieceCount,
      pieceLength: file.pieceLength,
      size: file.size,
      isWritten: (index) => this.written.has(index),
      read: (index, into) => Promise.resolve(this.#read(index * file.pieceLength, into)),
    });
  }

  /** Check piece `index`; write it and hash it when good. */
  put(index: number, data: Uint8Array): boolean {
    if (!isGoodPiece(this.file, index, data)) return false;
    const { position } = pieceSpan(index, this.file.size, this.file.pieceLength);
    this.#file.seekSync(position, Deno.SeekMode.Start);
    for (let done = 0; done < data.length;) done += this.#file.writeSync(data.subarray(done));
    this.written.set(index);
    // This thread allocates little, so its garbage collector seldom runs: a piece it is done
    // with is freed now (a zero-length transfer releases the memory), not when a GC comes.
    if (!this.hasher.add(index, data, { canKeep: true })) releaseOwnedBuffer(data);
    return true;
  }

  /** Piece `index` is on disk and was checked there (resume): count it and hash it. */
  verified(index: number, data: Uint8Array): void {
    this.written.set(index);
    if (!this.hasher.add(index, data, { canKeep: true })) releaseOwnedBuffer(data);
  }

  async close(): Promise<void> {
    await this.hasher.stop();
    this.#file.close();
  }

  #read(position: number, into: Uint8Array): void {
    this.#file.seekSync(position, Deno.SeekMode.Start);
    for (let done = 0; done < into.length;) {
      const read = this.#file.readSync(into.subarray(done));
      if (read === null || read === 0) {
        throw new RangeError(`"${this.file.path}" ends before byte ${position + into.length}`);
      }
      done += read;
    }
  }
}

let part: OpenPart | null = null;

async function handle(message: ToWorker): Promise<boolean | string | undefined> {
  switch (message.type) {
    case "open":
      part = new OpenPart(message.file, message.written);
      return undefined;
    case "put":
      return opened().put(message.index, movedBytes(message));
    case "verified":
      opened().verified(message.index, movedBytes(message));
      return undefined;
    case "digest":
      return await opened().hasher.digest();
    case "close":
      await part?.close();
      part = null;
      return undefined;
  }
}

function movedBytes({ buffer, offset, length }: MovedBytes): Uint8Array {
  return new Uint8Array(buffer, offset, length);
}

function opened(): OpenPart {
  if (!part) throw new Error("The piece worker has no file open");
  return part;
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const { id } = event.data;
  let answer: FromWorker;
  try {
    const value = await handle(event.data);
    answer = value === undefined ? { id, ok: true } : { id, ok: true, value };
  } catch (error) {
    answer = { id, ok: false, error: describeError(error) };
  }
  self.postMessage(answer);
};
