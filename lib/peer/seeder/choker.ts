/**
 * Upload slots, as BitTorrent's choking: which downloaders of one file this seeder serves now.
 * A plain class fed by calls (no sockets, no timers), so its rules are tested alone.
 *
 * Every round (the seeder runs one every `CHOKE_INTERVAL_MS`, and at once when a downloader
 * arrives or leaves) the interested downloaders are ranked and the first `slots` unchoked:
 * - while we download the file ourselves, by the bytes each sent *us* so far (tit for tat: our
 *   upload goes to the peers that upload to us), a slot's holder keeping it unless another sent
 *   `KEEP_SLOT_FACTOR` times more. Totals rather than the last round's bytes, and the bonus for
 *   the holder, keep the slots steady: each change costs a round trip before the new
 *   downloader's requests arrive, and a choked downloader drops the requests it had with us;
 * - as a complete seeder, by the bytes we sent *them* so far, fewest first, so the slots rotate
 *   among all downloaders instead of feeding the fastest.
 * One more slot is optimistic: a random choked, interested downloader, kept for
 * `optimisticRounds` rounds, so a newcomer with nothing to trade yet gets its first pieces.
 */

/** Regular upload slots per file (the peer's `--upload-slots` default). */
export const UPLOAD_SLOTS = 4;
/** Rounds an optimistic unchoke lasts before another downloader gets it. */
export const OPTIMISTIC_ROUNDS = 3;

/** What the choker knows of one downloader. */
export interface ChokeCandidate {
  readonly id: string;
  /** It lacks a piece we have. */
  readonly isInterested: boolean;
  /** Bytes our download of the file received from it so far (0 when we are complete). */
  readonly receivedFrom: number;
  /** Bytes we sent it so far. */
  readonly sentTotal: number;
  /** It holds a slot now. */
  readonly isUnchoked?: boolean;
}

/**
 * A downloader holding a slot keeps it against one that sent us up to this much more (measured:
 * ranking by the last round's bytes alone changed 1 to 3 of the 5 slots every round and left about
 * a third of the downloaders' uploads idle in a swarm of 16).
 */
export const KEEP_SLOT_FACTOR = 1.5;

/** Options of {@linkcode Choker}. */
export interface ChokerOptions {
  slots?: number;
  optimisticRounds?: number;
  /** Random number in [0, 1), injected by tests. */
  random?: () => number;
}

/** Chooses the unchoked downloaders of one file, round after round. */
export class Choker {
  readonly #slots: number;
  readonly #optimisticRounds: number;
  readonly #random: () => number;
  #optimistic: string | null = null;
  #optimisticLeft = 0;

  constructor(options: ChokerOptions = {}) {
    this.#slots = Math.max(1, options.slots ?? UPLOAD_SLOTS);
    this.#optimisticRounds = Math.max(1, options.optimisticRounds ?? OPTIMISTIC_ROUNDS);
    this.#random = options.random ?? Math.random;
  }

  /** The optimistic slot's holder, if any. */
  get optimistic(): string | null {
    return this.#optimistic;
  }

  /**
   * One round: the ids to unchoke (everyone else is choked).
   *
   * @param isSeeding we hold the whole file (rank by bytes sent, fewest first)
   */
  round(candidates: readonly ChokeCandidate[], isSeeding: boolean): Set<string> {
    const interested = candidates.filter((c) => c.isInterested);
    const ranked = [...interested].sort(isSeeding ? bySentAscending : byReceivedDescending);
    const unchoked = new Set(ranked.slice(0, this.#slots).map((c) => c.id));
    this.#chooseOptimistic(interested, unchoked);
    if (this.#optimistic !== null) unchoked.add(this.#optimistic);
    return unchoked;
  }

  #chooseOptimistic(interested: readonly ChokeCandidate[], regular: ReadonlySet<string>): void {
    const current = interested.find((c) => c.id === this.#optimistic);
    if (current && !regular.has(current.id) && --this.#optimisticLeft > 0) return;
    const choked = interested.filter((c) => !regular.has(c.id) && c.id !== this.#optimistic);
    const pool = choked.length > 0 ? choked : interested.filter((c) => !regular.has(c.id));
    if (pool.length === 0) {
      this.#optimistic = null;
      return;
    }
    this.#optimistic = pool[Math.floor(this.#random() * pool.length)]!.id;
    this.#optimisticLeft = this.#optimisticRounds;
  }
}

function byReceivedDescending(a: ChokeCandidate, b: ChokeCandidate): number {
  return kept(b) - kept(a) || Number(b.isUnchoked ?? false) - Number(a.isUnchoked ?? false) ||
    a.sentTotal - b.sentTotal;
}

function kept(candidate: ChokeCandidate): number {
  return candidate.receivedFrom * (candidate.isUnchoked ? KEEP_SLOT_FACTOR : 1);
}

function bySentAscending(a: ChokeCandidate, b: ChokeCandidate): number {
  return a.sentTotal - b.sentTotal;
}
