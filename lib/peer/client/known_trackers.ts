/**
 * The tracker keys a peer holds trackers to. A tracker proves its key in every handshake; the
 * key it must prove comes from its line in tracker_info.txt (the optional fingerprint column)
 * or, when that line has none, from the first connection to that address (trust on first use),
 * kept in `known_trackers.json` in the state folder. The same file keeps the trackers a tracker
 * told us of at login (the cluster's members, with their keys), so a peer fails over to trackers
 * its tracker_info.txt never named.
 *
 * ```ts
 * const pins = await KnownTrackers.open(`${stateDir}/${KNOWN_TRACKERS_FILE}`);
 * await pins.check(tracker, keyFingerprint(wire.remoteKey)); // throws ProtocolError wrong_key
 * ```
 */
import { formatAddress, parseAddress } from "../../common/address.ts";
import type { TrackerEntry } from "../../common/config.ts";
import { describeError, ProtocolError } from "../../common/errors.ts";
import { writeFileAtomic } from "../../common/fs.ts";
import { isFingerprint } from "../../common/ids.ts";
import { WireErrorCode } from "../../wire/limits.ts";

/** The file, in the state folder, of keys learned on first use. */
export const KNOWN_TRACKERS_FILE = "known_trackers.json";

/** What the tracker connector asks of the pins. */
export interface TrackerPins {
  /**
   * Check the key `tracker` proved, and learn it when nothing is pinned for that address.
   *
   * @throws {ProtocolError} `wrong_key`, in one line that says which file to change
   */
  check(tracker: TrackerEntry, fingerprint: string): Promise<void>;
  /**
   * Trackers known beyond tracker_info.txt (`check` holds each to the key kept for it, and
   * names this file when it differs).
   */
  extra(listed: readonly TrackerEntry[]): TrackerEntry[];
  /**
   * Keep the cluster's trackers a tracker told us of (authenticated: it proved its key), for
   * addresses with no key pinned yet; a pinned key is never replaced this way.
   */
  learnCluster(trackers: readonly { address: string; fingerprint: string }[]): Promise<void>;
}

/** Pins from tracker_info.txt, then from `known_trackers.json` (learned on first use). */
export class KnownTrackers implements TrackerPins {
  readonly #path: string | null;
  readonly #known: Map<string, string>;
  #saving: Promise<void> = Promise.resolve();

  private constructor(path: string | null, known: Map<string, string>) {
    this.#path = path;
    this.#known = known;
  }

  /** Pins from tracker_info.txt only, and keys learned kept in memory (tests, tools). */
  static inMemory(): KnownTrackers {
    return new KnownTrackers(null, new Map());
  }

  /**
   * Read the learned keys from `path` (none yet when it does not exist); `null` keeps them in
   * memory only.
   *
   * @throws {Error} one line naming the file when it cannot be read or is not a key list
   */
  static async open(path: string | null): Promise<KnownTrackers> {
    if (path === null) return KnownTrackers.inMemory();
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return new KnownTrackers(path, new Map());
      throw new Error(`Cannot read the known tracker keys "${path}": ${describeError(error)}`);
    }
    return new KnownTrackers(path, parseKnown(text, path));
  }

  /** The fingerprint learned for `address` (`IP:PORT`), if any. */
  learned(address: string): string | undefined {
    return this.#known.get(address);
  }

  extra(listed: readonly TrackerEntry[]): TrackerEntry[] {
    const named = new Set(listed.map(formatAddress));
    const extra: TrackerEntry[] = [];
    for (const address of this.#known.keys()) {
      if (named.has(address)) continue;
      try {
        extra.push(parseAddress(address));
      } catch {
        // Not an address (the file was edited by hand): nothing to connect to.
      }
    }
    return extra;
  }

  async learnCluster(trackers: readonly { address: string; fingerprint: string }[]): Promise<void> {
    let isNew = false;
    for (const { address, fingerprint } of trackers) {
      if (this.#known.has(address) || !isFingerprint(fingerprint)) continue;
      try {
        parseAddress(address);
      } catch {
        continue;
      }
      this.#known.set(address, fingerprint);
      isNew = true;
    }
    if (isNew) await this.#save();
  }

  async check(tracker: TrackerEntry, fingerprint: string): Promise<void> {
    const address = formatAddress(tracker);
    if (tracker.fingerprint !== undefined) {
      if (fingerprint === tracker.fingerprint) return;
      throw new ProtocolError(
        WireErrorCode.WRONG_KEY,
        `Tracker ${address} proved key ${fingerprint}, not the key ${tracker.fingerprint} ` +
          `its line in tracker_info.txt names: if that tracker was given a new key, ` +
          `change the line`,
      );
    }
    const pinned = this.#known.get(address);
    if (pinned === fingerprint) return;
    if (pinned !== undefined) {
      throw new ProtocolError(
        WireErrorCode.WRONG_KEY,
        `Tracker ${address} proved key ${fingerprint}, not the key ${pinned} kept for it ` +
          `(first seen there, or named by the cluster): if its key really changed, remove its ` +
          `line from ` +
          `${this.#path ?? KNOWN_TRACKERS_FILE}`,
      );
    }
    this.#known.set(address, fingerprint);
    await this.#save();
  }

  /** Write the file; saves are queued so the last one holds every key. */
  #save(): Promise<void> {
    const path = this.#path;
    if (path === null) return Promise.resolve();
    const text = JSON.stringify(Object.fromEntries(this.#known), null, 2) + "\n";
    this.#saving = this.#saving.catch(() => {}).then(() => writeFileAtomic(path, text));
    return this.#saving;
  }
}

function parseKnown(text: string, path: string): Map<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`"${path}" is not JSON: fix it or remove it (its keys are learned again)`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`"${path}" must map "IP:PORT" to a key fingerprint: fix it or remove it`);
  }
  const known = new Map<string, string>();
  for (const [address, fingerprint] of Object.entries(value)) {
    if (typeof fingerprint !== "string" || !isFingerprint(fingerprint)) {
      throw new Error(
        `"${path}": the key of ${address} is not a key fingerprint: fix it or remove the line`,
      );
    }
    known.set(address, fingerprint);
  }
  return known;
}
