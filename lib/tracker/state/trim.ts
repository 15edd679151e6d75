/**
 * Where the log may be trimmed. An operation can leave the log once every tracker holds it and
 * no operation that any tracker could still send sorts before it: the state at that point (the
 * checkpoint) then stands for everything below it.
 *
 * For each origin o, with m = the lowest sequence number of o that every tracker holds:
 * - every operation of o up to m is held everywhere, and any other sorts after operation (o, m);
 * - if every tracker holds all that o reported holding of its own, o's future operations sort
 *   after the clock o reported with it, which lets a quiet tracker not hold the point back.
 * The trim point is the least of these bounds over all origins.
 */
import { formatHlc, type Hlc } from "./hlc.ts";

/** What one tracker last said it holds. */
export interface TrackerView {
  readonly trackerId: string;
  /** Highest sequence number held per origin. */
  readonly vector: Readonly<Record<string, number>>;
  /** Its clock when it said so. */
  readonly clock: Hlc;
}

/**
 * The order key below which every operation may be trimmed, or "" when none may.
 *
 * @param orderKeyOf the order key of a held operation `(origin, seq)`
 */
export function trimPoint(
  views: readonly TrackerView[],
  orderKeyOf: (origin: string, seq: number) => string | undefined,
  gone: ReadonlySet<string> = new Set(),
): string {
  if (views.length === 0) return "";
  const origins = new Set(views.flatMap((v) => Object.keys(v.vector)));
  for (const view of views) origins.add(view.trackerId);
  let point: string | undefined;
  for (const origin of origins) {
    const bound = gone.has(origin)
      ? goneBound(origin, views, orderKeyOf)
      : originBound(origin, views, orderKeyOf);
    if (bound === null) continue;
    if (bound === "") return "";
    if (point === undefined || bound < point) point = bound;
  }
  return point ?? "";
}

/**
 * A removed tracker makes no more operations: once every tracker holds the same of its
 * operations it bounds nothing; until then, what the least of them holds.
 */
function goneBound(
  origin: string,
  views: readonly TrackerView[],
  orderKeyOf: (origin: string, seq: number) => string | undefined,
): string | null {
  const held = views.map((v) => v.vector[origin] ?? 0);
  const minHeld = Math.min(...held);
  if (minHeld === Math.max(...held)) return null;
  if (minHeld === 0) return "";
  return orderKeyOf(origin, minHeld) ?? "";
}

function originBound(
  origin: string,
  views: readonly TrackerView[],
  orderKeyOf: (origin: string, seq: number) => string | undefined,
): string {
  const own = views.find((v) => v.trackerId === origin);
  const held = views.map((v) => v.vector[origin] ?? 0);
  const minHeld = Math.min(...held);
  if (own && minHeld >= (own.vector[origin] ?? 0)) {
    // Everyone holds all o reported; o's next operation is stamped after the clock it reported.
    return formatHlc({ wall: own.clock.wall, counter: own.clock.counter + 1 });
  }
  if (minHeld === 0) return "";
  return orderKeyOf(origin, minHeld) ?? "";
}
