/** `tracker.ts status`: ask every tracker in the list for its operation count and digest. */
import { formatAddress } from "../common/address.ts";
import type { TrackerEntry } from "../common/config.ts";
import { keyFingerprint } from "../common/ids.ts";
import { openConnection, RpcClient } from "../wire/mod.ts";
import { createTransportIdentity } from "../wire/transport_identity.ts";
import { describeError } from "../common/errors.ts";

/** How long to wait for one tracker before calling it down. */
export const STATUS_TIMEOUT_MS = 3000;

/** One tracker's answer. */
export type TrackerStatus =
  | {
    address: string;
    up: true;
    /** The fingerprint of the key it proved (what tracker_info.txt may pin). */
    key: string;
    trackerId: string;
    ops: number;
    logged: number;
    digest: string;
  }
  | { address: string; up: false; error: string };

/**
 * Query one tracker. Never throws: a tracker that does not answer, or proves another key than
 * its line pins, is reported down.
 */
export async function queryStatus(
  address: TrackerEntry,
  timeoutMs = STATUS_TIMEOUT_MS,
): Promise<TrackerStatus> {
  const text = formatAddress(address);
  const signal = AbortSignal.timeout(timeoutMs);
  let client: RpcClient | undefined;
  try {
    // Status reads public counters: the channel is encrypted, the tool is nobody in particular.
    const identity = await createTransportIdentity();
    const wire = await openConnection(address, { role: "status", id: "status", identity, signal });
    client = new RpcClient(wire);
    const key = keyFingerprint(wire.remoteKey);
    if (address.fingerprint !== undefined && key !== address.fingerprint) {
      return {
        address: text,
        up: false,
        error: `proved key ${key}, not the key ${address.fingerprint} tracker_info.txt names`,
      };
    }
    const result = await client.request("status", {}, { signal });
    return { address: text, up: true, key, ...result };
  } catch (error) {
    const reason = describeError(error);
    return { address: text, up: false, error: reason };
  } finally {
    await client?.close();
  }
}

/** Query every tracker in the list at once. */
export function queryAll(addresses: readonly TrackerEntry[]): Promise<TrackerStatus[]> {
  return Promise.all(addresses.map((address) => queryStatus(address)));
}

/**
 * A human table: address, up/down, operations held (as the tracker's start line counts them) and
 * how many are still in its log, digest.
 */
export function formatStatus(statuses: readonly TrackerStatus[]): string {
  const lines = statuses.map((s, i) =>
    s.up
      ? `${i + 1}  ${s.address.padEnd(21)}  up    ${String(s.ops).padStart(8)} operation${
        s.ops === 1 ? " " : "s"
      } ` +
        `(${String(s.logged).padStart(8)} in the log)  ${s.digest}  key ${s.key}`
      : `${i + 1}  ${s.address.padEnd(21)}  down  ${s.error}`
  );
  const up = statuses.filter((s) => s.up);
  const digests = new Set(up.map((s) => s.digest));
  const summary = up.length === 0
    ? "No tracker answered"
    : digests.size === 1
    ? `${up.length} of ${statuses.length} up, all in the same state`
    : `${up.length} of ${statuses.length} up, states differ`;
  return [...lines, summary].join("\n");
}
