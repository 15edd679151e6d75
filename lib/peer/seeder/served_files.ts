/**
 * What this peer can serve: one {@linkcode PieceSource} per (group, file id), registered by
 * shares (complete files) and by downloads (partial files, whose verified pieces are served
 * while they download). The seeder looks sources up here and never knows which kind it has.
 */
import type { Bitfield } from "../../wire/peer_frames.ts";

/** A file this peer can serve pieces of. */
export interface PieceSource {
  readonly group: string;
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
  /** Pieces that are verified and on disk. */
  readonly bitfield: Bitfield;
  /** Whether every piece is available. */
  readonly isComplete: boolean;
  /**
   * Read piece `index` into `into` (exactly the piece's length), with a positional read.
   *
   * @throws {Error} when the file changed on disk (the source stops serving, with a warning)
   */
  readPiece(index: number, into: Uint8Array): Promise<void>;
  /** Called with each newly verified piece, so connected downloaders get a HAVE. */
  onPiece(listener: (index: number) => void): () => void;
  /**
   * Count bytes sent to others (show_shares), and to which peer id (show_download joins a
   * download's counts with its links; other sources may ignore it). Called once per piece sent.
   */
  addUploaded(bytes: number, peerId?: string): void;
  /**
   * Bytes our own download of this file received from each peer id (a partial source only):
   * the seeder gives its upload slots first to the peers that upload most to us.
   */
  readonly receivedFrom?: ReadonlyMap<string, number>;
}

/** Sources by group and file id. */
export class ServedFiles {
  readonly #sources = new Map<string, PieceSource>();
  readonly #listeners = new Set<(source: PieceSource, event: "added" | "removed") => void>();

  /** Serve a source (replacing any source of the same group and file). */
  add(source: PieceSource): void {
    this.#sources.set(key(source.group, source.fileId), source);
    for (const listener of this.#listeners) listener(source, "added");
  }

  /** Stop serving a group's file; open connections for it are closed by the seeder. */
  remove(group: string, fileId: string): void {
    const source = this.#sources.get(key(group, fileId));
    if (!source) return;
    this.#sources.delete(key(group, fileId));
    for (const listener of this.#listeners) listener(source, "removed");
  }

  get(group: string, fileId: string): PieceSource | undefined {
    return this.#sources.get(key(group, fileId));
  }

  /** Every source served now. */
  all(): PieceSource[] {
    return [...this.#sources.values()];
  }

  /** Be told when sources come and go. */
  subscribe(listener: (source: PieceSource, event: "added" | "removed") => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function key(group: string, fileId: string): string {
  return `${group}/${fileId}`;
}
