/**
 * A download's ticket, fetched from the tracker once and reused for every connection until it
 * is half-way through its life, so a long download keeps getting fresh ones and a burst of new
 * connections makes one request.
 */
import { raceAbort } from "../../common/async.ts";
import { CommandError } from "../../common/errors.ts";
import type { Swarm } from "./types.ts";

/** Tracker refusals that will not change by asking again: the download cannot go on. */
const FINAL_TICKET_CODES = new Set(["not_member", "no_such_group", "no_such_file"]);

/**
 * Whether a ticket or peer-list request failed for good (the file left its group, or we left
 * the group) rather than for a tracker being unreachable, which is worth asking again.
 */
export function isFinalTicketError(error: unknown): error is CommandError {
  return error instanceof CommandError && FINAL_TICKET_CODES.has(error.code);
}

/** Why a download ends on a final refusal, as show_downloads says it. */
export function finalRefusalReason(error: CommandError): string {
  if (error.code === "no_such_file") {
    return `the file is no longer shared in its group (withdrawn, or replaced by new content: ` +
      `download it again): ${error.message}`;
  }
  return `no longer a member of its group: ${error.message}`;
}

/** Caches a ticket from a {@linkcode Swarm}. */
export class TicketCache {
  readonly #swarm: Swarm;
  readonly #now: () => number;
  readonly #signal: AbortSignal | undefined;
  #ticket: Uint8Array | null = null;
  #refreshAt = 0;
  #fetching: Promise<Uint8Array> | null = null;

  /**
   * `now` is the wall clock tickets' `expiresAt` is on (ms since the epoch); `signal` ends every
   * fetch (the download's run).
   */
  constructor(swarm: Swarm, options: { now?: () => number; signal?: AbortSignal } = {}) {
    this.#swarm = swarm;
    this.#now = options.now ?? Date.now;
    this.#signal = options.signal;
  }

  /**
   * A ticket that is valid for a while yet.
   *
   * @throws {Error} what the tracker said (see {@linkcode isFinalTicketError}), or the abort
   */
  async get(signal: AbortSignal): Promise<Uint8Array> {
    if (this.#ticket && this.#now() < this.#refreshAt) return this.#ticket;
    this.#fetching ??= this.#fetch().finally(() => this.#fetching = null);
    return await raceAbort(this.#fetching, signal);
  }

  async #fetch(): Promise<Uint8Array> {
    const fetchedAt = this.#now();
    // Not tied to one caller's signal: others may be waiting for the same ticket.
    const { ticket, expiresAt } = await this.#swarm.ticket(this.#signal);
    this.#ticket = ticket;
    this.#refreshAt = fetchedAt + (expiresAt - fetchedAt) / 2;
    return ticket;
  }
}
