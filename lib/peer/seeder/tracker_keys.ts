/**
 * The trackers' public ticket keys, for the seeder to check tickets. Fetched with `tracker_keys`
 * (no session needed) and kept; an unknown key id fetches the list again, at most once per
 * `refreshMs`, so a flood of tickets with made-up key ids cannot flood the tracker.
 */
import { describeError } from "../../common/errors.ts";
import { importPublicKey } from "../../common/tickets.ts";
import type { Logger } from "../../common/logger.ts";

/** An unknown key id refreshes the list at most this often. */
export const KEYS_REFRESH_MS = 10_000;
/** After a fetch that failed (no tracker answered), the next unknown key id may retry this soon. */
export const KEYS_RETRY_MS = 1_000;

/** A tracker key as `tracker_keys` lists it. */
export interface TrackerKeyEntry {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
}

/** Options of {@linkcode TrackerKeys}. */
export interface TrackerKeysOptions {
  /** Ask a tracker for the list. */
  fetch(): Promise<readonly TrackerKeyEntry[]>;
  refreshMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** Public keys by key id, fetched on demand. */
export class TrackerKeys {
  readonly #options: TrackerKeysOptions;
  readonly #keys = new Map<string, CryptoKey>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #fetching: Promise<void> | null = null;

  constructor(options: TrackerKeysOptions) {
    this.#options = options;
  }

  /** The key with this id, or undefined when no tracker knows it. Never throws. */
  async get(keyId: string): Promise<CryptoKey | undefined> {
    const known = this.#keys.get(keyId);
    if (known) return known;
    const now = (this.#options.now ?? Date.now)();
    const refreshMs = this.#options.refreshMs ?? KEYS_REFRESH_MS;
    if (this.#fetching === null && now - this.#fetchedAt >= refreshMs) {
      this.#fetchedAt = now;
      this.#fetching = this.#refresh(now, refreshMs).finally(() => this.#fetching = null);
    }
    await this.#fetching;
    return this.#keys.get(keyId);
  }

  async #refresh(startedAt: number, refreshMs: number): Promise<void> {
    try {
      const entries = await this.#options.fetch();
      for (const entry of entries) {
        if (this.#keys.has(entry.keyId)) continue;
        try {
          this.#keys.set(entry.keyId, await importPublicKey(entry.publicKey));
        } catch (error) {
          if (!(error instanceof Error)) throw error;
          this.#options.logger?.warn(`Tracker key "${entry.keyId}" is unusable: ${error.message}`);
        }
      }
    } catch (error) {
      // No tracker answered: tickets signed by unknown keys are refused until one does.
      this.#fetchedAt = startedAt - refreshMs + KEYS_RETRY_MS;
      const reason = describeError(error);
      this.#options.logger?.warn(`Could not fetch the trackers' keys: ${reason}`);
    }
  }
}
