/**
 * The tracker's options and the defaults of `tracker.ts`'s flags, shared by the server and its
 * start-up.
 */
import type { Address } from "../common/address.ts";
import type { TrackerEntry } from "../common/config.ts";
import type { Logger } from "../common/logger.ts";
import { PRESENCE_LEASE_MS } from "./presence.ts";
import { MAX_CLOCK_SKEW_MS, TRIM_INTERVAL_MS } from "./replication.ts";

/** Defaults for the flags of `tracker.ts`. */
export const TRACKER_DEFAULTS = {
  sessionTtlMs: 60 * 60 * 1000,
  loginMaxFailures: 5,
  loginWindowMs: 60_000,
  maxConnections: 1024,
  maxConnectionsPerAddress: 256,
  idleTimeoutMs: 30_000,
  frameTimeoutMs: 10_000,
  maxInFlight: 32,
  writeTimeoutMs: 30_000,
  helloTimeoutMs: 10_000,
  presenceLeaseMs: PRESENCE_LEASE_MS,
  maxClockSkewMs: MAX_CLOCK_SKEW_MS,
  trimIntervalMs: TRIM_INTERVAL_MS,
} as const;

/** Options of {@linkcode TrackerServer.start}. */
export interface TrackerOptions {
  /** Address to listen on (one line of tracker_info.txt). */
  listen: Address;
  /** Every tracker of tracker_info.txt, this one included: the others are replicated to. */
  trackers?: readonly TrackerEntry[];
  /** Operations stamped further ahead of our clock are refused. */
  maxClockSkewMs?: number;
  /** How often to trim log entries every tracker holds. */
  trimIntervalMs?: number;
  /** Shift this tracker's clock (to test clock skew between trackers). */
  clockOffsetMs?: number;
  /** Folder for the database and the lock. */
  dataDir: string;
  /** File with the cluster secret; made when missing. */
  clusterKeyPath: string;
  /** Session token lifetime. */
  sessionTtlMs?: number;
  /** Failed logins per user or address before throttling. */
  loginMaxFailures?: number;
  /** Throttle window. */
  loginWindowMs?: number;
  /** Open connections at most (at the cap, an idle one not logged in makes room, else `busy`). */
  maxConnections?: number;
  /** Open connections from one IP address at most. */
  maxConnectionsPerAddress?: number;
  /** A connection not logged in that sends no complete frame this long is closed (`idle`). */
  idleTimeoutMs?: number;
  /** A frame whose first byte arrived must be complete within this (`frame_timeout`). */
  frameTimeoutMs?: number;
  /** A reply not written within this closes the connection. */
  writeTimeoutMs?: number;
  /** How long a new connection may take to say Hello. */
  helloTimeoutMs?: number;
  /** Presence lease of a peer. */
  presenceLeaseMs?: number;
  /** Where log lines go. */
  logger?: Logger;
}
