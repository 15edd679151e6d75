/**
 * The types every command file shares, so the handler files and the table import this file and
 * not each other: what a tracker injects, who called, one request as a handler sees it, the
 * checks and writes handlers have in common, and the shape of the command table. A handler's
 * arguments and result are the schemas of `lib/wire/messages.ts` (`ArgsOf`, `ResultOf`).
 */
import type { ArgsOf, Op, Request, ResultOf } from "../../wire/mod.ts";
import type { Presence } from "../presence.ts";
import type { SessionClaims, SessionKeys } from "../sessions.ts";
import type { HashStaging } from "../staging.ts";
import type { GroupEntity, HybridClock, OpBody, State } from "../state/mod.ts";
import type { Store } from "../store.ts";
import type { LoginThrottle } from "../throttle.ts";

/** The tracker's ticket-signing key. */
export interface TicketSigner {
  keyId: string;
  privateKey: CryptoKey;
}

/** Everything commands need, injected so tests can build one without a server. */
export interface CommandContext {
  store: Store;
  state: State;
  clock: HybridClock;
  sessions: SessionKeys;
  throttle: LoginThrottle;
  sessionTtlMs: number;
  presence: Presence;
  staging: HashStaging;
  signer: TicketSigner;
  now?: () => number;
}

/** Who sent a request: the address comes from the connection, never from the client. */
export interface Caller {
  host: string;
  /**
   * The peer id the connection's key proves (the fingerprint of the Ed25519 key it showed in
   * the Noise handshake). Absent only in command tests that run without a connection.
   */
  peerId?: string;
}

/** A request of op `O` with its args checked (what `ValidRequest` is for each op). */
export type RequestOf<O extends Op> = Omit<Request, "op" | "args"> & { op: O; args: ArgsOf<O> };

/** One request of op `O`, as its handler sees it. */
export interface Call<O extends Op> {
  readonly args: ArgsOf<O>;
  /** The client's cluster-unique id of a write: a retry is answered, not applied again. */
  readonly requestId: string | undefined;
  readonly caller: Caller;
}

/** A request that came with a valid session token. */
export interface SessionCall<O extends Op> extends Call<O> {
  readonly session: SessionClaims;
}

/** What a handler of op `O` returns. */
export type Reply<O extends Op> = ResultOf<O> | Promise<ResultOf<O>>;

/** A command: whether it is served without a session, and its handler. */
export type Command<O extends Op> =
  | { readonly isPublic: true; run(core: CommandCore, call: Call<O>): Reply<O> }
  | { readonly isPublic: false; run(core: CommandCore, call: SessionCall<O>): Reply<O> };

/** One command for every op of the protocol. */
export type CommandTable = { readonly [O in Op]: Command<O> };

/** The checks and writes handlers share (implemented in `core.ts`). */
export interface CommandCore {
  readonly ctx: CommandContext;
  /** This tracker's wall clock, in ms. */
  now(): number;
  /** @throws {CommandError} `no_such_group` */
  existingGroup(name: string): GroupEntity;
  /** @throws {CommandError} `no_such_group`, `not_member` */
  memberGroup(name: string, session: SessionClaims): GroupEntity;
  /** @throws {CommandError} `no_such_group`, `not_owner` */
  ownedGroup(name: string, session: SessionClaims): GroupEntity;
  /**
   * The answer to a retried write of op `O` that was applied before, if this is one. A write
   * that reached this tracker by replication has no kept answer here: `fallback` rebuilds one
   * from the state.
   */
  repeated<O extends Op>(
    op: O,
    requestId: string | undefined,
    fallback: () => ResultOf<O>,
  ): ResultOf<O> | undefined;
  /**
   * Make, apply and commit operations; resolves with `makeResult()` after COMMIT, and keeps it
   * as the answer to a retry of `requestId`.
   */
  write<R>(
    requestId: string | undefined,
    bodies: readonly OpBody[],
    makeResult: () => R,
  ): Promise<R>;
  /** A new session token for (user, peer). */
  issue(user: string, userCreation: string, peerId: string): ResultOf<"renew">;
}
