/**
 * Initial seeding (BEP 16, "super-seeding"): while a complete file has few copies among the
 * downloaders connected to us, we do not show a downloader everything we have. We reveal a few
 * pieces at a time with HAVE (`revealAhead()` outstanding per downloader): pieces that no connected downloader holds or is about to get
 * ("fresh"), so each piece leaves us about once and the downloaders trade the rest among
 * themselves. A downloader gets a new piece revealed each time it reports (HAVE) one of the
 * pieces revealed to it, from us or from anyone else, so a fast downloader is never starved.
 * When no fresh piece is left, a downloader with nothing revealed outstanding is shown one more,
 * the rarest, so none waits forever on peers that left. A downloader that arrives once every
 * piece has a copy among the connected ones sees every piece, as from any seeder.
 */
import type { Bitfield } from "../../wire/peer_frames.ts";

/** Pieces revealed to one downloader and not yet held by it, at least this many may be. */
export const REVEAL_AHEAD_PIECES = 6;
/**
 * With few downloaders each may have more outstanding (this many shared among them), so one
 * downloader alone keeps its pipeline of requests full.
 */
export const REVEAL_BUDGET_PIECES = 32;

/** Pieces one downloader may have revealed and not yet held, with `members` connected. */
export function revealAhead(members: number): number {
  return Math.max(REVEAL_AHEAD_PIECES, Math.ceil(REVEAL_BUDGET_PIECES / Math.max(1, members)));
}

/** What the choice of the next piece to reveal looks at. */
export interface RevealInputs {
  /** Pieces we hold (all of them: super-seeding is for complete files). */
  readonly ours: Bitfield;
  /** What the downloader holds. */
  readonly theirs: Bitfield;
  /** What we revealed to it already. */
  readonly revealed: Bitfield;
  /** Per piece, how many connected downloaders hold it. */
  readonly availability: Uint32Array;
  /** Per piece, how many connected downloaders were shown it and do not hold it yet. */
  readonly inFlight: Uint32Array;
  /** Only a piece nobody connected holds or is about to get. */
  readonly isFreshOnly: boolean;
  /** Random number in [0, 1). */
  readonly random: () => number;
}

/**
 * The next piece to reveal to a downloader: the rarest among the connected downloaders, then the
 * one fewest are about to get, ties at random; null when there is none (or none fresh).
 */
export function nextReveal(inputs: RevealInputs): number | null {
  const { ours, theirs, revealed, availability, inFlight, isFreshOnly, random } = inputs;
  let best: number | null = null;
  let bestScore = Infinity;
  let ties = 0;
  for (let i = 0; i < ours.length; i++) {
    if (!ours.has(i) || theirs.has(i) || revealed.has(i)) continue;
    const isFresh = availability[i] === 0 && inFlight[i] === 0;
    if (isFreshOnly && !isFresh) continue;
    const score = availability[i]! * 65_536 + Math.min(inFlight[i]!, 65_535);
    if (score < bestScore) {
      bestScore = score;
      best = i;
      ties = 1;
    } else if (score === bestScore && (1 - random()) * ++ties <= 1) {
      best = i;
    }
  }
  return best;
}

/** Whether every piece we hold has a copy at some connected downloader. */
export function isSpread(ours: Bitfield, availability: Uint32Array): boolean {
  for (let i = 0; i < ours.length; i++) if (ours.has(i) && availability[i] === 0) return false;
  return true;
}
