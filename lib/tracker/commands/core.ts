/**
 * What command handlers share: the group checks behind most refusals, the answer kept for a
 * retried write, and the one way a command changes state (make operations, apply them, commit
 * them with the rows they changed, answer after COMMIT).
 */
import type { Schema } from "../../common/schema.ts";
import { CommandError } from "../../common/errors.ts";
import { ErrorCode, type Op, type ResultOf, RESULTS } from "../../wire/mod.ts";
import type { SessionClaims } from "../sessions.ts";
import { formatHlc, type GroupEntity, keyOf, type OpBody, type Operation } from "../state/mod.ts";
import type { CommandContext, CommandCore } from "./context.ts";
import { checkSession } from "./session_check.ts";

/** The result schemas, typed per op so that indexing by a generic op keeps the result type. */
const RESULT_SCHEMAS: { readonly [O in Op]: Schema<ResultOf<O>> } = RESULTS;

/** The shared part of the command layer, over one tracker's state and store. */
export class Core implements CommandCore {
  readonly ctx: CommandContext;
  readonly #now: () => number;
  readonly #onCommit: () => void;

  /** @param onCommit called after each local commit (replication pushes the new operations) */
  constructor(ctx: CommandContext, onCommit: () => void) {
    this.ctx = ctx;
    this.#now = ctx.now ?? Date.now;
    this.#onCommit = onCommit;
  }

  now(): number {
    return this.#now();
  }

  /**
   * The claims of a request's session token.
   *
   * @throws {CommandError} `not_logged_in`, `session_expired` or `name_taken`
   */
  verify(token: string | undefined): SessionClaims {
    const { sessions: keys, state } = this.ctx;
    return checkSession(token, { keys, state, now: this.#now() });
  }

  existingGroup(name: string): GroupEntity {
    const group = this.ctx.state.group(name);
    if (!group) throw new CommandError(ErrorCode.NO_SUCH_GROUP, `No group "${name}"`);
    return group;
  }

  memberGroup(name: string, session: SessionClaims): GroupEntity {
    const group = this.existingGroup(name);
    if (!group.members.some((m) => m.user === session.user)) {
      throw new CommandError(ErrorCode.NOT_MEMBER, `Not a member of group "${name}"`);
    }
    return group;
  }

  ownedGroup(name: string, session: SessionClaims): GroupEntity {
    const group = this.existingGroup(name);
    if (group.owner !== session.user) {
      throw new CommandError(
        ErrorCode.NOT_OWNER,
        `Only the owner of group "${name}" (${group.owner}) can do that`,
      );
    }
    return group;
  }

  repeated<O extends Op>(
    op: O,
    requestId: string | undefined,
    fallback: () => ResultOf<O>,
  ): ResultOf<O> | undefined {
    if (requestId === undefined || !this.ctx.state.hasRequest(requestId)) return undefined;
    const kept = this.ctx.store.answerFor(requestId);
    if (kept === undefined) return fallback();
    // The kept answer was this op's result when it was written; checking it gives it its type
    // back (and a row that no longer fits is answered from the state instead).
    const parsed = RESULT_SCHEMAS[op].safeParse(kept);
    return parsed.success ? parsed.data : fallback();
  }

  async write<R>(
    requestId: string | undefined,
    bodies: readonly OpBody[],
    makeResult: () => R,
  ): Promise<R> {
    const { store, state, clock } = this.ctx;
    // The request id goes on the last operation, so a retry is recognised once the whole
    // command was applied.
    const ops = bodies.map((body, i): Operation => ({
      origin: store.trackerId,
      seq: store.nextSeq(),
      hlc: clock.tick(),
      key: keyOf(body),
      requestId: i === bodies.length - 1 ? requestId ?? null : null,
      body,
    }));
    for (const op of ops) {
      const outcome = state.apply(op);
      if (outcome !== "applied") {
        throw new CommandError(ErrorCode.INTERNAL, `Operation was ${outcome} by the state`);
      }
    }
    const result = makeResult();
    const answer = requestId === undefined ? undefined : { requestId, result };
    await store.write(
      { ops, rows: state.takeDirty(), ...(answer ? { answer } : {}) },
      state.lastOrderKey,
    );
    this.#onCommit();
    return result;
  }

  issue(user: string, userCreation: string, peerId: string): ResultOf<"renew"> {
    const issuedAt = formatHlc(this.ctx.clock.tick());
    const expiresAt = this.#now() + this.ctx.sessionTtlMs;
    const token = this.ctx.sessions.sign({ user, userCreation, peerId, issuedAt, expiresAt });
    return { token, expiresAt };
  }
}
