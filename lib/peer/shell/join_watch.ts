/**
 * "You were accepted into group X" and "Your request to join group X was rejected": after
 * join_group, ask the tracker now and then what became of the request. The tracker sends no
 * event to a peer, so each round asks `my_requests` (one call for every watched group) and
 * stops watching a group once its request is answered.
 *
 * A watched group missing from `my_requests` is asked with `list_files` (members only): the
 * tracker we ask may not hold the request yet (another tracker took it and has not replicated
 * it), the group may be gone (`no_such_group`), or we were let in and the answer is no longer
 * kept. The watch also ends when the user logs out, or after {@linkcode JOIN_WATCH_MAX_MS}.
 */
import type { TrackerApi } from "../client/api.ts";
import { CommandError } from "../../common/errors.ts";
import type { RequestState } from "../../wire/messages.ts";
import type { Output } from "./output.ts";

/** How often a pending join request is checked. */
export const JOIN_WATCH_INTERVAL_MS = 5_000;
/** A request not answered in this long is no longer watched. */
export const JOIN_WATCH_MAX_MS = 3_600_000;
/**
 * Pages of `my_requests` read in one round (the tracker sends 100 a page): a user with more
 * requests than that has the rest asked one by one with `list_files`.
 */
const MY_REQUESTS_MAX_PAGES = 10;

/** Options of {@linkcode JoinWatch}. */
export interface JoinWatchOptions {
  tracker: TrackerApi;
  output: Output;
  intervalMs?: number;
  maxMs?: number;
}

/** Watches the groups this user asked to join, one timer for all of them. */
export class JoinWatch {
  readonly #options: JoinWatchOptions;
  /** Group → (user who asked, when the watch gives up). */
  readonly #pending = new Map<string, { user: string; until: number }>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #isChecking = false;
  #isClosed = false;
  readonly #closing = new AbortController();

  constructor(options: JoinWatchOptions) {
    this.#options = options;
  }

  /** Groups watched now. */
  get groups(): string[] {
    return [...this.#pending.keys()];
  }

  /** Start watching `group` for the logged-in user. */
  watch(group: string): void {
    const user = this.#options.tracker.user;
    if (user === null || this.#isClosed) return;
    const until = Date.now() + (this.#options.maxMs ?? JOIN_WATCH_MAX_MS);
    this.#pending.set(group, { user, until });
    this.#schedule();
  }

  /** Stop every watch (the shell ends). */
  close(): void {
    this.#isClosed = true;
    this.#closing.abort();
    this.#pending.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#pending.size === 0 || this.#isClosed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#checkAll().finally(() => this.#schedule());
    }, this.#options.intervalMs ?? JOIN_WATCH_INTERVAL_MS);
  }

  async #checkAll(): Promise<void> {
    if (this.#isChecking) return;
    this.#isChecking = true;
    try {
      for (const [group, { user, until }] of [...this.#pending]) {
        const isOver = this.#options.tracker.user !== user || Date.now() > until;
        if (isOver) this.#pending.delete(group);
      }
      if (this.#pending.size === 0) return;
      const states = await this.#requestStates();
      if (states === undefined) return; // asked again at the next round
      for (const group of [...this.#pending.keys()]) {
        if (!this.#pending.has(group)) continue; // closed meanwhile
        const state = states.get(group);
        if (state === "accepted") this.#joined(group);
        else if (state === "rejected") this.#rejected(group);
        else if (state === undefined) await this.#checkMembership(group);
      }
    } finally {
      this.#isChecking = false;
    }
  }

  /** The state of each of our requests the tracker lists, or undefined when it did not answer. */
  async #requestStates(): Promise<Map<string, RequestState> | undefined> {
    const states = new Map<string, RequestState>();
    let cursor: string | undefined;
    for (let pages = 0; pages < MY_REQUESTS_MAX_PAGES; pages++) {
      let result;
      try {
        result = await this.#options.tracker.request("my_requests", { cursor }, {
          signal: this.#closing.signal,
        });
      } catch {
        // A refusal (session lost) or no answer (tracker unreachable, shutting down) is for the
        // next round, as in #checkMembership; the tracker client already tells the user about
        // either, and this runs on a timer, with nobody to catch it.
        return undefined;
      }
      for (const { group, state } of result.requests) states.set(group, state);
      cursor = result.next;
      if (cursor === undefined || this.groups.every((group) => states.has(group))) break;
    }
    return states;
  }

  /** A watched group `my_requests` did not list: ask whether we are a member. */
  async #checkMembership(group: string): Promise<void> {
    const { tracker, output } = this.#options;
    try {
      await tracker.request("list_files", { group, cursor: undefined }, {
        signal: this.#closing.signal,
      });
    } catch (error) {
      // Anything but a refusal (tracker unreachable, shutting down) is for the next round; the
      // tracker client already tells the user about an unreachable tracker.
      if (!(error instanceof CommandError)) return;
      if (error.code === "not_member") return; // not replicated here yet: the next round
      if (error.code === "no_such_group") {
        this.#pending.delete(group);
        output.event(
          "join_request_ended",
          { group, reason: "no_such_group" },
          `Group "${group}" no longer exists: your request to join it is void`,
        );
      }
      return; // session lost, tracker unreachable…: try again at the next round
    }
    if (!this.#pending.has(group)) return; // closed while the request ran
    this.#joined(group);
  }

  #joined(group: string): void {
    this.#pending.delete(group);
    this.#options.output.event(
      "group_joined",
      { group },
      `You were accepted into group "${group}"`,
    );
  }

  #rejected(group: string): void {
    this.#pending.delete(group);
    this.#options.output.event(
      "group_rejected",
      { group },
      `Your request to join group "${group}" was rejected`,
    );
  }
}
