/**
 * What an outgoing replication link tells the operator: one line when it goes down, one when it
 * is back, and nothing while it keeps retrying a partner that stays down (the link retries
 * every 2 s at most, which logged a warning per attempt).
 */
import type { Logger } from "../common/logger.ts";

/** The up/down state of the link to one address. */
export class LinkHealth {
  readonly #address: string;
  readonly #logger: Logger;
  readonly #now: () => number;
  #downSince: number | null = null;

  /** The link to `address` (as `IP:PORT`), logging to `logger`. */
  constructor(address: string, logger: Logger, now: () => number = Date.now) {
    this.#address = address;
    this.#logger = logger;
    this.#now = now;
  }

  /** True from a failure until the next successful handshake. */
  get isDown(): boolean {
    return this.#downSince !== null;
  }

  /** The handshake with tracker `trackerId` succeeded. */
  up(trackerId: string): void {
    const target = `${trackerId} at ${this.#address}`;
    if (this.#downSince === null) {
      this.#logger.info(`Replicating to ${target}`);
      return;
    }
    const seconds = Math.round((this.#now() - this.#downSince) / 1000);
    this.#downSince = null;
    this.#logger.info(`Replication to ${target} is back after ${seconds} s down`);
  }

  /** The link failed or ended; only the first failure of a down period is logged. */
  down(reason: string): void {
    if (this.#downSince !== null) return;
    this.#downSince = this.#now();
    this.#logger.warn(
      `Replication to ${this.#address} is down: ${reason} (retrying; one line when it is back)`,
    );
  }
}
