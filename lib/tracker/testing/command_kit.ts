/**
 * A tracker's command layer without a server or sockets, for unit tests: a real SQLite store in
 * a temporary folder, the real state, sessions, presence, staging and throttle, and one fake
 * clock that every part reads (`kit.time`, moved by the test).
 */
import { rejects } from "node:assert/strict";
import { CommandError } from "../../common/errors.ts";
import { keyFingerprint } from "../../common/ids.ts";
import type { ArgsOf, Op, ResultOf } from "../../wire/mod.ts";
import { type Caller, Commands } from "../commands/mod.ts";
import { Presence } from "../presence.ts";
import { SessionKeys } from "../sessions.ts";
import { loadSigningKeys } from "../signing.ts";
import { HashStaging } from "../staging.ts";
import { HybridClock, type State } from "../state/mod.ts";
import { Store } from "../store.ts";
import { LoginThrottle } from "../throttle.ts";

/** Session lifetime in the kit. */
export const KIT_SESSION_TTL_MS = 60_000;
/** Presence lease in the kit. */
export const KIT_LEASE_MS = 6_000;
/** Failed logins before the kit's throttle refuses. */
export const KIT_MAX_FAILURES = 3;

/** Options of one request sent through the kit. */
export interface KitRequestOptions {
  token?: string;
  requestId?: string;
  caller?: Caller;
}

/** A logged-in user of the kit. */
export interface KitUser {
  user: string;
  /** Its peer id: the fingerprint of `key`. */
  peerId: string;
  /** The raw 32-byte key its peer logged in with (the one its tickets must name). */
  key: Uint8Array;
  token: string;
}

/** The fake wall clock every part of the kit reads. */
export class FakeTime {
  /** Now, in ms; tests move it forward. */
  ms = 1_700_000_000_000;
  readonly now = (): number => this.ms;
}

interface KitParts {
  dir: string;
  time: FakeTime;
  store: Store;
  state: State;
  presence: Presence;
  staging: HashStaging;
  commands: Commands;
}

/** Commands over a temporary store; `await using kit = await CommandKit.open()`. */
export class CommandKit {
  readonly time: FakeTime;
  readonly commands: Commands;
  readonly store: Store;
  readonly state: State;
  readonly presence: Presence;
  readonly staging: HashStaging;
  readonly #dir: string;
  #rid = 0;

  private constructor(parts: KitParts) {
    this.#dir = parts.dir;
    this.time = parts.time;
    this.store = parts.store;
    this.state = parts.state;
    this.presence = parts.presence;
    this.staging = parts.staging;
    this.commands = parts.commands;
  }

  /** A kit over a fresh store, with this tracker's ticket key registered. */
  static async open(): Promise<CommandKit> {
    const dir = await Deno.makeTempDir({ prefix: "peershare-commands-" });
    const store = Store.open(`${dir}/tracker.db`);
    const time = new FakeTime();
    const now = time.now;
    const state = store.loadState();
    const presence = new Presence({ leaseMs: KIT_LEASE_MS, now });
    const staging = new HashStaging(now);
    const keys = await loadSigningKeys(store);
    const commands = new Commands({
      store,
      state,
      clock: new HybridClock(now),
      sessions: new SessionKeys(new Uint8Array(32).fill(7)),
      throttle: new LoginThrottle({ maxFailures: KIT_MAX_FAILURES, windowMs: 60_000, now }),
      sessionTtlMs: KIT_SESSION_TTL_MS,
      presence,
      staging,
      signer: { keyId: store.trackerId, privateKey: keys.privateKey },
      now,
    });
    await commands.registerTrackerKey(keys.publicKey);
    return new CommandKit({ dir, time, store, state, presence, staging, commands });
  }

  /** Run one request as a client at 127.0.0.1 would send it. */
  run<O extends Op>(op: O, args: ArgsOf<O>, options: KitRequestOptions = {}): Promise<ResultOf<O>> {
    const { token, requestId, caller = { host: "127.0.0.1" } } = options;
    const request = {
      rid: this.#rid++,
      op,
      args,
      ...(token === undefined ? {} : { token }),
      ...(requestId === undefined ? {} : { requestId }),
    };
    return this.commands.handle(request, caller);
  }

  /** Assert that a request is refused with `code`. */
  async refuses<O extends Op>(
    code: string,
    op: O,
    args: ArgsOf<O>,
    options: KitRequestOptions = {},
  ): Promise<void> {
    await rejects(this.run(op, args, options), (error) => {
      if (!(error instanceof CommandError)) throw error;
      if (error.code !== code) {
        throw new Error(`Expected "${code}", got "${error.code}": ${error.message}`);
      }
      return true;
    });
  }

  /** Create a user and log in from a peer with a key of its own. */
  async user(user: string, password = "pw", port = 7000): Promise<KitUser> {
    await this.run("create_user", { user, password }, { requestId: `create-${user}` });
    const key = crypto.getRandomValues(new Uint8Array(32));
    const peerId = keyFingerprint(key);
    const { token } = await this.run("login", { user, password, peerId, port });
    return { user, peerId, key, token };
  }

  /** A group owned by `owner`, with `members` let in. */
  async group(name: string, owner: KitUser, members: readonly KitUser[] = []): Promise<void> {
    await this.run("create_group", { group: name }, { token: owner.token });
    for (const member of members) {
      await this.run("join_group", { group: name }, { token: member.token });
      await this.run("accept_request", { group: name, user: member.user }, { token: owner.token });
    }
  }

  /** Close the store and remove its folder. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.store.close();
    await Deno.remove(this.#dir, { recursive: true });
  }
}
