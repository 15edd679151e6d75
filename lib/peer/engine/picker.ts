/**
 * The piece picker: which piece to ask a peer for next. A plain class fed by calls, with no
 * sockets, timers or events, like webtorrent's rarity map: the download tells it what each peer
 * has (`addBitfield`, `addHave`), what it asked for (`next` assigns), what came back
 * (`markDone`) and what did not (`release`, `removePeer`).
 *
 * Rarest first: among the pieces a peer has that we lack and nobody was asked for, the ones
 * fewest connected peers have. Ties are broken uniformly at random over every equally rare piece
 * (reservoir sampling in one pass), never in a window in file order: with a window, every
 * downloader of a crowd asks the one seeder for the same few pieces, and they have nothing to
 * trade. The whole-file SHA-1 does not need file order (front_hash.ts reads back what it did not
 * hold; measured in docs/PERFORMANCE.md).
 *
 * Endgame: once every missing piece is assigned, a peer that has almost nothing left to receive
 * may also be asked for pieces already asked of others (at most `maxDuplicates` peers per piece;
 * of those asked of fewest, the one asked last); the duplicates are cancelled when the first copy
 * arrives, so a download never hangs on one slow peer at 99%. A piece that arrived is nobody's
 * while it is checked (`markArrived`): it is not asked for again unless the check fails
 * (`markFailed`).
 */
import { Bitfield } from "../../wire/peer_frames.ts";

/** In endgame, a piece is asked of at most this many peers at once. */
export const MAX_ENDGAME_DUPLICATES = 3;
/** In endgame, a peer with this many requests outstanding is not given duplicates. */
export const ENDGAME_BUSY_REQUESTS = 2;

/** Options of {@linkcode PiecePicker}. */
export interface PickerOptions {
  /** Random number in [0, 1), injected by tests. */
  random?: () => number;
  maxDuplicates?: number;
}

/** Chooses pieces to request, rarest first. */
export class PiecePicker {
  readonly #count: number;
  readonly #random: () => number;
  readonly #maxDuplicates: number;
  /** How many connected peers have each piece. */
  readonly #availability: Uint32Array;
  readonly #peers = new Map<string, Bitfield>();
  /** Pieces verified (written or being written): never asked for again. */
  readonly #done: Bitfield;
  /** Piece → peers it is asked of now. */
  readonly #assigned = new Map<number, Set<string>>();
  /** Pieces that arrived and are being checked. */
  readonly #checking = new Set<number>();
  /** Missing pieces that nobody is asked for and that are not being checked; 0 means endgame. */
  #unassigned: number;
  /** No piece below this is missing. */
  #lowestMissing = 0;

  constructor(pieceCount: number, options: PickerOptions = {}) {
    this.#count = pieceCount;
    this.#random = options.random ?? Math.random;
    this.#maxDuplicates = options.maxDuplicates ?? MAX_ENDGAME_DUPLICATES;
    this.#availability = new Uint32Array(pieceCount);
    this.#done = new Bitfield(pieceCount);
    this.#unassigned = pieceCount;
  }

  /** Pieces in the file. */
  get pieceCount(): number {
    return this.#count;
  }

  /** Pieces not yet done. */
  get remaining(): number {
    return this.#count - this.#done.count;
  }

  /** Every missing piece is asked of someone: duplicates are allowed. */
  get isEndgame(): boolean {
    return this.#unassigned === 0 && this.remaining > 0;
  }

  /** Whether piece `index` is done. */
  isDone(index: number): boolean {
    return this.#done.has(index);
  }

  /** Whether a copy of piece `index` arrived and is being checked. */
  isChecking(index: number): boolean {
    return this.#checking.has(index);
  }

  /** The pieces asked of some peer now or being checked, in no particular order. */
  requested(): number[] {
    return [...this.#assigned.keys(), ...this.#checking];
  }

  /** A peer's whole bitfield (on connect); replaces what was known of it. */
  addBitfield(peer: string, bitfield: Bitfield): void {
    this.removePeer(peer);
    const copy = new Bitfield(this.#count, bitfield.bytes);
    this.#peers.set(peer, copy);
    for (let i = 0; i < this.#count; i++) if (copy.has(i)) this.#availability[i]!++;
  }

  /** A peer got piece `index`. */
  addHave(peer: string, index: number): void {
    const field = this.#peers.get(peer);
    if (field?.set(index)) this.#availability[index]!++;
  }

  /** A peer refused piece `index`: do not ask it again for that piece. */
  dropHave(peer: string, index: number): void {
    const field = this.#peers.get(peer);
    if (!field?.has(index)) return;
    field.clear(index);
    this.#availability[index]!--;
    this.release(peer, index);
  }

  /** Whether `peer` has any piece we still lack. */
  isInteresting(peer: string): boolean {
    const field = this.#peers.get(peer);
    if (!field) return false;
    for (let i = this.#lowestMissing; i < this.#count; i++) {
      if (!this.#done.has(i) && field.has(i)) return true;
    }
    return false;
  }

  /**
   * A peer is gone: forget its pieces and release what it was asked for.
   *
   * @returns the pieces it was asked for
   */
  removePeer(peer: string): number[] {
    const field = this.#peers.get(peer);
    if (!field) return [];
    this.#peers.delete(peer);
    for (let i = 0; i < this.#count; i++) if (field.has(i)) this.#availability[i]!--;
    const released: number[] = [];
    for (const [index, peers] of this.#assigned) {
      if (peers.has(peer)) {
        released.push(index);
        this.release(peer, index);
      }
    }
    return released;
  }

  /** A request ended without a good piece (time-out, reject, bad data): others may be asked. */
  release(peer: string, index: number): void {
    const peers = this.#assigned.get(index);
    if (!peers?.delete(peer)) return;
    if (peers.size > 0) return;
    this.#assigned.delete(index);
    if (!this.#done.has(index)) this.#unassigned++;
  }

  /**
   * A copy of piece `index` came from `from` and goes to be checked: nobody else need send it,
   * and it is not asked for again unless {@linkcode markFailed} says so.
   *
   * @returns the other peers it was asked of, whose requests can be cancelled now
   */
  markArrived(from: string, index: number): string[] {
    if (this.#done.has(index) || this.#checking.has(index)) return [];
    this.#checking.add(index);
    const peers = this.#assigned.get(index);
    this.#assigned.delete(index);
    if (!peers) this.#unassigned--;
    peers?.delete(from);
    return peers ? [...peers] : [];
  }

  /** The copy of piece `index` being checked was bad or not written: it is missing again. */
  markFailed(index: number): void {
    if (this.#checking.delete(index)) this.#unassigned++;
  }

  /**
   * Piece `index` is verified (or was found on disk at start).
   *
   * @returns the peers it was also asked of, whose requests can now be cancelled
   */
  markDone(index: number): string[] {
    if (!this.#done.set(index)) return [];
    const peers = this.#assigned.get(index);
    this.#assigned.delete(index);
    if (!peers && !this.#checking.delete(index)) this.#unassigned--;
    while (this.#lowestMissing < this.#count && this.#done.has(this.#lowestMissing)) {
      this.#lowestMissing++;
    }
    return peers ? [...peers] : [];
  }

  /**
   * Choose the next piece to ask `peer` for, and record that it was asked.
   *
   * @returns the piece index, or null when this peer has nothing we can ask for now
   */
  next(peer: string): number | null {
    const field = this.#peers.get(peer);
    if (!field) return null;
    const index = this.#unassigned > 0 ? this.#rarest(field) : this.#duplicate(peer, field);
    if (index === null) return null;
    let peers = this.#assigned.get(index);
    if (!peers) {
      peers = new Set();
      this.#assigned.set(index, peers);
      this.#unassigned--;
    }
    peers.add(peer);
    return index;
  }

  #rarest(field: Bitfield): number | null {
    let rarity = Infinity;
    let ties = 0;
    let chosen: number | null = null;
    for (let i = this.#lowestMissing; i < this.#count; i++) {
      if (this.#done.has(i) || !field.has(i) || this.#assigned.has(i) || this.#checking.has(i)) {
        continue;
      }
      const available = this.#availability[i]!;
      if (available < rarity) {
        rarity = available;
        ties = 1;
        chosen = i;
      } else if (available === rarity && (1 - this.#random()) * ++ties <= 1) {
        chosen = i; // the k-th equally rare piece replaces the choice with probability 1/k
      }
    }
    return chosen;
  }

  #duplicate(peer: string, field: Bitfield): number | null {
    // Only a peer that has (nearly) run out of its own requests takes over others' pieces:
    // filling every free slot with duplicates would make seeders send small files twice.
    let own = 0;
    for (const peers of this.#assigned.values()) if (peers.has(peer)) own++;
    if (own >= ENDGAME_BUSY_REQUESTS) return null;
    // Of the pieces asked of the fewest peers, the one asked last (the map keeps request order):
    // the others are likely on their way already, and it is likely still in a seeder's queue,
    // where the CANCEL sent when our copy arrives stops it.
    let best: number | null = null;
    let fewest = this.#maxDuplicates - 1;
    for (const [index, peers] of this.#assigned) {
      if (peers.size <= fewest && !peers.has(peer) && field.has(index)) {
        best = index;
        fewest = peers.size;
      }
    }
    return best;
  }
}
