/**
 * Initial seeding (BEP 16, "super-seeding"): while a complete file has few copies among the
 * downloaders connected to us, we do not show a downloader everything we have. We reveal a few
 * pieces at a time with HAVE (`REVEAL_AHEAD_PIECES` outstanding per downloader): pieces that no connected downloader holds or is about to get
 * ("fresh"), so each piece leaves us about once and the downloaders trade the rest among
 * themselves. A downloader gets a new piece revealed each time it reports (HAVE) one of the
 * pieces revealed to it, from us or from anyone else, so a fast downloader is never starved.
 * No piece is shown twice while its first downloader is connected: showing a piece that is on
 * its way to another (our sends sit in socket buffers for seconds on a slow link) only sends it
 * twice. When that downloader leaves before it got the piece, or every holder leaves, the piece
 * is fresh again, so nobody waits on peers that left. A downloader that arrives once every
 * piece has a copy among the connected ones sees every piece, as from any seeder.
 */
import type { Bitfield } from "../../wire/peer_frames.ts";

/**
 * Pieces revealed to one downloader and not yet held by it, at most: enough to keep its requests
 * flowing, few enough that an early downloader does not hold back pieces the later ones could be
 * shown (with 32, the first of 8 downloaders sat on a quarter of the file: 1.55× the bound).
 */
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
  /** Per piece, how many connected downloaders were shown it and do not hold it yet. */
  readonly inFlight: Uint32Array;
  /** Random number in [0, 1). */
  readonly random: () => number;
}

/**
 * The next piece to reveal to a downloader: a fresh one (no connected downloader holds it or was
 * shown it without holding it yet), chosen at random; null when none is left.
 */
export function nextReveal(inputs: RevealInputs): number | null {
  const { ours, theirs, revealed, availability, inFlight, random } = inputs;
  let chosen: number | null = null;
  let fresh = 0;
  for (let i = 0; i < ours.length; i++) {
    if (!ours.has(i) || theirs.has(i) || revealed.has(i)) continue;
    if (availability[i] !== 0 || inFlight[i] !== 0) continue;
    if ((1 - random()) * ++fresh <= 1) chosen = i; // the k-th fresh piece replaces with 1/k
  }
  return chosen;
}

/** Whether every piece we hold has a copy at some connected downloader. */
export function isSpread(ours: Bitfield, availability: Uint32Array): boolean {
  for (let i = 0; i < ours.length; i++) if (ours.has(i) && availability[i] === 0) return false;
  return true;
}
