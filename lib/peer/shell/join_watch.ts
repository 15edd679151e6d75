/**
 * "You were accepted into group X": after join_group, ask the tracker now and then whether we
 * are a member yet. The tracker sends no event to a peer, and it keeps no trace of a rejected
 * request, so the watch asks `list_files` (members only; `not_member` while the request is
 * pending) and gives up when the group is removed, the user logs out, or after
 * {@linkcode JOIN_WATCH_MAX_MS}. A rejection reads the same as a pending request: telling them
 * apart needs the tracker to say so (see the lead's notes on tracker support).
 */
import type { TrackerApi } from "../client/api.ts";
import { CommandError } from "../../common/errors.ts";
import type { Output } from "./output.ts";

/** How often a pending join request is checked. */
export const JOIN_WATCH_INTERVAL_MS = 5_000;
/** A request not answered in this long is no longer watched. */
export const JOIN_WATCH_MAX_MS = 3_600_000;

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
        if (this.#options.tracker.user !== user || Date.now() > until) {
          this.#pending.delete(group);
          continue;
        }
        await this.#check(group);
      }
    } finally {
      this.#isChecking = false;
    }
  }

  async #check(group: string): Promise<void> {
    const { tracker, output } = this.#options;
    try {
      await tracker.request("list_files", { group, cursor: undefined }, {
        signal: this.#closing.signal,
      });
    } catch (error) {
      // Anything but a refusal (tracker unreachable, shutting down) is for the next round; the
      // tracker client already tells the user about an unreachable tracker.
      if (!(error instanceof CommandError)) return;
      if (error.code === "not_member") return; // still pending (or turned down: see above)
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
    this.#pending.delete(group);
    output.event("group_joined", { group }, `You were accepted into group "${group}"`);
  }
}
