/**
 * A download's piece map as the dashboard sends it: one small number per piece (missing, in
 * flight, done, or done and sent by the k-th seeder), run-length coded in full when a page
 * connects, then as runs of the pieces that changed since the last send.
 */
import type { PieceMap } from "../engine/types.ts";

/** A piece nobody has sent yet. */
export const PIECE_MISSING = 0;
/** A piece asked of a seeder now. */
export const PIECE_IN_FLIGHT = 1;
/** A verified piece whose sender is unknown (found on disk at start, copied locally). */
export const PIECE_DONE = 2;
/** Verified and sent by `sources[value - PIECE_FROM_SOURCE]`. */
export const PIECE_FROM_SOURCE = 3;
/** Seeders named in one map; pieces of later ones show as {@linkcode PIECE_DONE}. */
export const MAX_SOURCES = 255 - PIECE_FROM_SOURCE;

/** One download's map as sent last, and the seeders its values name. */
export class PieceStates {
  readonly states: Uint8Array;
  readonly sources: string[] = [];
  readonly #sourceIndex = new Map<string, number>();

  constructor(pieces: number) {
    this.states = new Uint8Array(pieces);
  }

  /**
   * Bring the states up to `map`.
   *
   * @returns the runs that changed, `[start, length, value, …]`, and the seeders first named
   */
  update(map: PieceMap): { changes: number[]; newSources: string[] } {
    const before = this.sources.length;
    const next = this.#valuesOf(map);
    const changes = changedRuns(this.states, next);
    this.states.set(next);
    return { changes, newSources: this.sources.slice(before) };
  }

  #valuesOf(map: PieceMap): Uint8Array {
    const next = new Uint8Array(this.states.length);
    for (const index of map.inflight) if (index < next.length) next[index] = PIECE_IN_FLIGHT;
    for (let index = 0; index < next.length; index++) {
      if (!map.done.has(index)) continue;
      const from = map.sentBy.get(index);
      next[index] = from === undefined ? PIECE_DONE : this.#valueOf(from);
    }
    return next;
  }

  #valueOf(source: string): number {
    let index = this.#sourceIndex.get(source);
    if (index === undefined) {
      if (this.sources.length >= MAX_SOURCES) return PIECE_DONE;
      index = this.sources.length;
      this.sources.push(source);
      this.#sourceIndex.set(source, index);
    }
    return PIECE_FROM_SOURCE + index;
  }
}

/** Run-length code `[value, length, value, length, …]` of every piece. */
export function encodeRuns(states: Uint8Array): number[] {
  const runs: number[] = [];
  for (let start = 0; start < states.length;) {
    let end = start + 1;
    while (end < states.length && states[end] === states[start]) end++;
    runs.push(states[start]!, end - start);
    start = end;
  }
  return runs;
}

/** The pieces whose value differs, as runs of one value: `[start, length, value, …]`. */
export function changedRuns(before: Uint8Array, after: Uint8Array): number[] {
  const changes: number[] = [];
  for (let index = 0; index < after.length; index++) {
    if (before[index] === after[index]) continue;
    let end = index + 1;
    while (end < after.length && after[end] === after[index] && before[end] !== after[end]) end++;
    changes.push(index, end - index, after[index]!);
    index = end - 1;
  }
  return changes;
}

/** Undo {@linkcode encodeRuns} (for tests, and as the page does it). */
export function decodeRuns(runs: readonly number[], pieces: number): Uint8Array {
  const states = new Uint8Array(pieces);
  let at = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    states.fill(runs[i]!, at, at + runs[i + 1]!);
    at += runs[i + 1]!;
  }
  return states;
}
