/**
 * Initial seeding (BEP 16, "super-seeding"): while a complete file has few copies among the
 * downloaders connected to us, we do not show a downloader everything we have. We reveal a few
 * pieces at a time with HAVE (`REVEAL_AHEAD_PIECES` outstanding per downloader): pieces that no
 * connected downloader holds or is about to get ("fresh"), so each piece leaves us about once and
 * the downloaders trade the rest among themselves. Each is drawn at random from the whole file,
 * except for a lone downloader: from the first fresh pieces in file order
 * (`REVEAL_WINDOW_PIECES`), so it gets the file nearly in order and hashes the whole file as it
 * comes (engine/front_hash.ts) instead of after its last piece. A downloader gets a new piece
 * revealed each time it reports (HAVE) one of the pieces revealed to it, from us or from anyone
 * else, so a fast downloader is never starved.
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

/**
 * Fresh pieces, first in file order, that a reveal to a lone downloader is drawn from: near the
 * front, so its whole-file hash keeps up (drawn from the whole file, the hash of 1 GiB from 4
 * seeders ran after the last piece: 0.66 s of a 3.5 s download), and wide enough that seeders
 * that do not know of each other seldom show it the same piece. With several downloaders, reveals
 * are drawn from the whole file, as before the window: with the window for every downloader,
 * 1 → 16 in a shaped network sent 1.02, 1.03 and 1.15 copies of the file, against 1.00–1.01.
 */
export const REVEAL_WINDOW_PIECES = 64;

/** The fresh pieces, first in file order, a reveal is drawn from when `downloaders` are connected. */
export function revealWindow(downloaders: number): number {
  return downloaders === 1 ? REVEAL_WINDOW_PIECES : Infinity;
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
  /** Fresh pieces, first in file order, to draw from ({@linkcode revealWindow}). */
  readonly window: number;
  /** Random number in [0, 1). */
  readonly random: () => number;
}

/**
 * The next piece to reveal to a downloader: a fresh one (no connected downloader holds it or was
 * shown it without holding it yet), chosen at random among the first `window` fresh ones in
 * file order; null when none is left.
 */
export function nextReveal(inputs: RevealInputs): number | null {
  const { ours, theirs, revealed, availability, inFlight, window, random } = inputs;
  let chosen: number | null = null;
  let fresh = 0;
  for (let i = 0; i < ours.length && fresh < window; i++) {
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
