/**
 * Initial seeding (BEP 16, "super-seeding"): while a complete file has few copies among the
 * downloaders connected to us, we do not show a downloader everything we have. We reveal a few
 * pieces at a time with HAVE, choosing the ones fewest connected downloaders hold and that we
 * revealed least often, so each piece leaves us about once and the downloaders trade the rest
 * among themselves. A downloader gets a new piece revealed each time it reports (HAVE) one of
 * the pieces revealed to it, from us or from anyone else, so a fast downloader is never starved.
 * Super-seeding ends when every piece has a copy at some connected downloader: then the
 * unrevealed pieces are announced and serving goes on as usual.
 */
import type { Bitfield } from "../../wire/peer_frames.ts";

/** Pieces revealed to one downloader and not yet held by it, at most. */
export const REVEAL_AHEAD_PIECES = 6;

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
  /** Per piece, how often we revealed it to anyone. */
  readonly revealCount: Uint32Array;
  /** Random number in [0, 1). */
  readonly random: () => number;
}

/** The next piece to reveal to a downloader, or null when it has or was shown every piece. */
export function nextReveal(inputs: RevealInputs): number | null {
  const { ours, theirs, revealed, availability, revealCount, random } = inputs;
  let best: number | null = null;
  let bestScore = Infinity;
  let ties = 0;
  for (let i = 0; i < ours.length; i++) {
    if (!ours.has(i) || theirs.has(i) || revealed.has(i)) continue;
    // Rarity first; among equally rare pieces, the ones revealed least.
    const score = availability[i]! * 65_536 + Math.min(revealCount[i]!, 65_535);
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

/** How many revealed pieces the downloader still lacks. */
export function pendingReveals(theirs: Bitfield, revealed: Bitfield): number {
  let pending = 0;
  for (let i = 0; i < revealed.length; i++) if (revealed.has(i) && !theirs.has(i)) pending++;
  return pending;
}

/** Whether every piece we hold has a copy at some connected downloader. */
export function isSpread(ours: Bitfield, availability: Uint32Array): boolean {
  for (let i = 0; i < ours.length; i++) if (ours.has(i) && availability[i] === 0) return false;
  return true;
}
