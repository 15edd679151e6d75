/**
 * A tracker's start-up: its data folder locked (and created, removed again on failure), the
 * listener bound, and the parts over the open store made and started: state, clock, keys,
 * commands, presence and the replicator.
 */
import { dirname } from "node:path";
import { type Address, formatAddress } from "../common/address.ts";
import { describeError } from "../common/errors.ts";
import { FolderLock } from "../common/lock.ts";
import { Logger } from "../common/logger.ts";
import { createTransportIdentity, type TransportIdentity } from "../wire/transport_identity.ts";
import { Commands } from "./commands/mod.ts";
import { TRACKER_DEFAULTS, type TrackerOptions } from "./options.ts";
import { Presence } from "./presence.ts";
import { Replicator } from "./replication.ts";
import { loadSigningKeys } from "./signing.ts";
import { HashStaging } from "./staging.ts";
import { SessionKeys } from "./sessions.ts";
import { hlcOfOrderKey, HybridClock, type State } from "./state/mod.ts";
import type { Store } from "./store.ts";
import { LoginThrottle } from "./throttle.ts";

export interface TrackerParts {
  lock: FolderLock;
  store: Store;
  listener: Deno.TcpListener;
  commands: Commands;
  state: State;
  presence: Presence;
  replicator: Replicator;
  /** Our transport key, signed by the ticket-signing key: what clients and trackers pin. */
  identity: TransportIdentity;
}

/** The parts of a tracker over an open store, listener and lock; the replicator started. */
export async function assemble(
  options: TrackerOptions,
  opened: { lock: FolderLock; listener: Deno.TcpListener; store: Store; secret: Uint8Array },
): Promise<TrackerParts> {
  const { lock, listener, store, secret } = opened;
  const state = store.loadState();
  const offset = options.clockOffsetMs ?? 0;
  const clock = new HybridClock(() => Date.now() + offset);
  // Past every operation held, in the log or folded into the checkpoint (whose point may be
  // later than any left in the log), so a clock that is behind still stamps in order.
  for (const hlc of [store.maxHlc(), hlcOfOrderKey(store.trimmedAt)]) if (hlc) clock.observe(hlc);
  const keys = await loadSigningKeys(store);
  const identity = await createTransportIdentity(keys);
  const presence = new Presence({
    leaseMs: options.presenceLeaseMs ?? TRACKER_DEFAULTS.presenceLeaseMs,
  });
  const commands = new Commands({
    store,
    state,
    clock,
    presence,
    staging: new HashStaging(),
    signer: { keyId: store.trackerId, privateKey: keys.privateKey },
    sessions: new SessionKeys(secret),
    throttle: new LoginThrottle({
      maxFailures: options.loginMaxFailures ?? TRACKER_DEFAULTS.loginMaxFailures,
      windowMs: options.loginWindowMs ?? TRACKER_DEFAULTS.loginWindowMs,
    }),
    sessionTtlMs: options.sessionTtlMs ?? TRACKER_DEFAULTS.sessionTtlMs,
  });
  await commands.registerTrackerKey(keys.publicKey);
  const advertised = advertisedAddress(options.listen, listener);
  if (advertised) await commands.registerTrackerAddress(advertised);
  const replicator = new Replicator({
    trackerId: store.trackerId,
    identity,
    self: options.listen,
    trackers: options.trackers ?? [],
    secret,
    store,
    state,
    clock,
    presence,
    logger: options.logger ?? new Logger("tracker"),
    maxClockSkewMs: options.maxClockSkewMs ?? TRACKER_DEFAULTS.maxClockSkewMs,
    trimIntervalMs: options.trimIntervalMs ?? TRACKER_DEFAULTS.trimIntervalMs,
    now: () => Date.now() + offset,
  });
  commands.onCommit = () => replicator.notify();
  replicator.start();
  return { lock, store, listener, commands, state, presence, replicator, identity };
}

export async function lockFolder(dir: string): Promise<FolderLock> {
  try {
    return await FolderLock.acquire(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
    throw new Error(
      `Cannot use data folder "${dir}": run with --allow-write for it ` +
        "(deno task tracker may write under .peershare/ only)",
    );
  }
}

/** `dir` and each parent of it that does not exist yet, deepest first. */
export async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let path = dir; path !== dirname(path); path = dirname(path)) {
    try {
      await Deno.stat(path);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) break; // the lock will report it
      missing.push(path);
    }
  }
  return missing;
}

/**
 * Remove the folders a failed start made: the data folder with what we put in it, then each
 * parent we made, if nothing else has appeared in it meanwhile.
 */
export async function removeFolders(created: readonly string[]): Promise<void> {
  for (const [i, path] of created.entries()) {
    try {
      await Deno.remove(path, { recursive: i === 0 });
    } catch (error) {
      // Best effort: the start-up error matters more than a folder left behind.
      if (!(error instanceof Error)) throw error;
      return;
    }
  }
}

export function listen(address: Address): Deno.TcpListener {
  try {
    return Deno.listen({ hostname: address.host, port: address.port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(`Cannot listen on ${formatAddress(address)}: the port is already in use`);
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new Error(`Cannot listen on ${formatAddress(address)}: run with --allow-net`);
    }
    throw new Error(`Cannot listen on ${formatAddress(address)}: ${describeError(error)}`);
  }
}

/**
 * The address other trackers and peers should use for us: our tracker_info.txt line, with the
 * port we got when it said 0. None for a wildcard host, which names no one.
 */
function advertisedAddress(listen: Address, listener: Deno.TcpListener): string | null {
  if (listen.host === "0.0.0.0" || listen.host === "::") return null;
  return formatAddress({ host: listen.host, port: listener.addr.port });
}
