/**
 * Shared building blocks with no knowledge of trackers or peers: addresses, the tracker list,
 * errors, ids, logging and folder locks.
 *
 * @module
 */
export { type Address, formatAddress, parseAddress } from "./address.ts";
export { decodeBase64Url, encodeBase64Url, toHex } from "./base64.ts";
export { parseTrackerInfo, pickTracker, readTrackerInfo, type TrackerEntry } from "./config.ts";
export { CommandError, describeError, ProtocolError } from "./errors.ts";
export { NAME_PATTERN, randomId } from "./ids.ts";
export { FolderLock } from "./lock.ts";
export { Logger, type LogSink, RateLimitedLog, stderrSink } from "./logger.ts";
