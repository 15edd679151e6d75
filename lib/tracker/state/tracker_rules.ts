/**
 * The cluster's own rows in the state: each tracker's key (set once), where it listens (the
 * latest address wins) and its removal for good. Applied in order like every operation; and,
 * unlike the others, taken even when they sort below what a checkpoint folded (`absorbLate`):
 * a new tracker stamps its key when it starts, before it reaches the others, and they may have
 * trimmed past that stamp meanwhile.
 */
import type { Entity, TrackerKeyEntity } from "./entities.ts";
import type { OpBody } from "./op_schema.ts";

/** What the tracker rules may read and change of the state's rows. */
export interface TrackerRows {
  has(key: string): boolean;
  put(key: string, entity: Entity): void;
}

/** An operation body about a tracker. */
export type TrackerBody = Extract<
  OpBody,
  { type: "tracker_key" | "tracker_address" | "tracker_removed" }
>;

/** Whether `body` is about a tracker. */
export function isTrackerBody(body: OpBody): body is TrackerBody {
  return body.type === "tracker_key" || body.type === "tracker_address" ||
    body.type === "tracker_removed";
}

/**
 * Apply an operation about a tracker at its place in the order.
 *
 * @returns false (set aside) for a second key or a second removal of one tracker
 */
export function applyTrackerOp(rows: TrackerRows, body: TrackerBody): boolean {
  const { trackerId } = body;
  switch (body.type) {
    case "tracker_key": {
      const key = `tracker/${trackerId}`;
      if (rows.has(key)) return false; // a tracker's key is set once
      rows.put(key, { kind: "tracker_key", trackerId, publicKey: body.publicKey });
      return true;
    }
    case "tracker_address":
      rows.put(`trackeraddr/${trackerId}`, {
        kind: "tracker_address",
        trackerId,
        address: body.address,
      });
      return true;
    case "tracker_removed": {
      const key = `trackergone/${trackerId}`;
      if (rows.has(key)) return false;
      rows.put(key, { kind: "tracker_removed", trackerId });
      return true;
    }
  }
}

/**
 * Take an operation about a tracker that sorts at or below what was folded. Each of its rows is
 * set once or, for an address, only fills a gap (never replaces a later address), so taking it
 * late gives the same row as taking it in order.
 */
export function absorbLateTrackerOp(rows: TrackerRows, body: TrackerBody): void {
  const key = body.type === "tracker_key"
    ? `tracker/${body.trackerId}`
    : body.type === "tracker_address"
    ? `trackeraddr/${body.trackerId}`
    : `trackergone/${body.trackerId}`;
  if (!rows.has(key)) applyTrackerOp(rows, body);
}

/** The ids of trackers removed from the cluster for good. */
export function removedTrackers(entities: Iterable<Entity>): Set<string> {
  const removed = new Set<string>();
  for (const entity of entities) {
    if (entity.kind === "tracker_removed") removed.add(entity.trackerId);
  }
  return removed;
}

/** Where trackers said they listen, by tracker id: the removed ones, or the others. */
export function trackerAddresses(
  entities: Iterable<Entity>,
  removed: ReadonlySet<string>,
  wantRemoved: boolean,
): Map<string, string> {
  const addresses = new Map<string, string>();
  for (const entity of entities) {
    if (entity.kind === "tracker_address" && removed.has(entity.trackerId) === wantRemoved) {
      addresses.set(entity.trackerId, entity.address);
    }
  }
  return addresses;
}

/** Every tracker public key. */
export function trackerKeys(entities: Iterable<Entity>): TrackerKeyEntity[] {
  const keys: TrackerKeyEntity[] = [];
  for (const entity of entities) if (entity.kind === "tracker_key") keys.push(entity);
  return keys;
}
