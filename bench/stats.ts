/**
 * Small statistics for the benchmark suite: the median and best of a few rounds, and
 * percentiles of a latency sample. Rounds are few (the page cache makes a single run
 * meaningless, and a round of 1 GiB costs seconds), so the median of an even count is the mean
 * of the middle two.
 */

/** Several runs of one figure: every run, its median and its best. */
export interface Runs {
  readonly runs: number[];
  readonly median: number;
  /** The smallest run (for times; for rates, see {@linkcode summarize}'s `isHigherBetter`). */
  readonly best: number;
}

/** The median of `values` (not empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Cannot take the median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Every run with its median and best (the lowest, or the highest when `isHigherBetter`). */
export function summarize(runs: readonly number[], isHigherBetter = false): Runs {
  const best = isHigherBetter ? Math.max(...runs) : Math.min(...runs);
  return { runs: [...runs], median: median(runs), best };
}

/**
 * The `p`th percentile (0–100) of `sorted`, ascending, by the nearest-rank method.
 *
 * @throws {RangeError} for an empty sample
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("Cannot take a percentile of no values");
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
