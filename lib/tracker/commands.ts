/**
 * Tracker commands: each request is checked (session, membership, ownership) against the
 * current state and becomes at most one operation, which is applied, committed with the state
 * rows it changed, and only then answered.
 */
import { CommandError } from "../common/errors.ts";
import { type ArgsOf, ErrorCode, type ValidRequest } from "../wire/mod.ts";
import {
  formatHlc,
  type GroupEntity,
  type HybridClock,
  keyOf,
  type OpBody,
  type Operation,
  type State,
} from "./state/mod.ts";
import * as files from "./file_commands.ts";
import type { FileKit, TicketSigner } from "./file_commands.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { page } from "./pages.ts";
import { checkSession, tellLostGroups } from "./session_check.ts";
import type { SessionClaims, SessionKeys } from "./sessions.ts";
import type { Store } from "./store.ts";
import type { Presence } from "./presence.ts";
import type { HashStaging } from "./staging.ts";
import type { LoginThrottle } from "./throttle.ts";

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
}

type Result = Record<string, unknown>;

/** Runs commands against one tracker's state and store. */
export class Commands {
  readonly #ctx: CommandContext;
  readonly #now: () => number;
  readonly #files: FileKit;
  /** Lost group creations already reported to their creator (soft, per tracker). */
  readonly #told = new Set<string>();
  /** Called after each local commit (replication pushes the new operations). */
  onCommit: () => void = () => {};

  constructor(ctx: CommandContext) {
    this.#ctx = ctx;
    this.#now = ctx.now ?? Date.now;
    this.#files = {
      state: ctx.state,
      presence: ctx.presence,
      staging: ctx.staging,
      signer: ctx.signer,
      now: this.#now,
      memberGroup: (name, session) => this.#memberGroup(name, session),
      repeated: (requestId, fallback) => this.#repeated(requestId, fallback),
      write: (requestId, bodies, makeResult) => this.#write(requestId, bodies, makeResult),
    };
  }

  /**
   * Run one request.
   *
   * @throws {CommandError} when it is refused
   */
  handle(request: ValidRequest, caller: Caller): Promise<Result> {
    switch (request.op) {
      case "status":
        return Promise.resolve(this.#status());
      case "create_user":
        return this.#createUser(request.args, request.requestId);
      case "login":
        return this.#login(request.args, caller);
      case "tracker_keys":
        return Promise.resolve(files.trackerKeys(this.#files));
      default:
        return this.#withSession(request, this.#verify(request.token), caller);
    }
  }

  #withSession(request: ValidRequest, session: SessionClaims, caller: Caller): Promise<Result> {
    tellLostGroups(this.#ctx.state, session, this.#told);
    const { requestId } = request;
    const kit = this.#files;
    switch (request.op) {
      case "heartbeat":
        return Promise.resolve(files.heartbeat(kit, request.args, session, caller));
      case "stage_hashes":
        if (!this.#ctx.staging.put(request.args.fileId, request.args.chunk, request.args.hashes)) {
          throw new CommandError(ErrorCode.THROTTLED, "Too many hashes staged: try again later");
        }
        return Promise.resolve({});
      case "upload_file":
        return files.uploadFile(kit, request.args, session, requestId);
      case "stop_share":
        return files.stopShare(kit, request.args, session, requestId);
      case "file_info":
        return Promise.resolve(files.fileInfo(kit, request.args, session));
      case "file_hashes":
        return Promise.resolve(files.fileHashes(kit, request.args, session));
      case "get_peers":
        return Promise.resolve(files.getPeers(kit, request.args, session));
      case "get_ticket":
        return files.getTicket(kit, request.args, session);
      case "announce":
        return Promise.resolve(files.announce(kit, request.args, session));
      case "withdraw":
        this.#memberGroup(request.args.group, session);
        this.#ctx.presence.withdraw(session.peerId, request.args.group, request.args.fileId);
        return Promise.resolve({});
      case "renew":
        return Promise.resolve(this.#issue(session.user, session.userCreation, session.peerId));
      case "logout":
        this.#ctx.presence.drop(session.peerId);
        return this.#write(requestId, [{
          type: "logout",
          user: session.user,
          userCreation: session.userCreation,
          peerId: session.peerId,
        }]);
      case "create_group":
        return this.#createGroup(request.args, session, requestId);
      case "join_group":
        return this.#joinGroup(request.args, session, requestId);
      case "leave_group":
        return this.#leaveGroup(request.args, session, requestId);
      case "list_requests": {
        const group = this.#ownedGroup(request.args.group, session);
        const names = group.requests.map((r) => r.user).sort();
        const { items, next } = page(names, request.args.cursor, (name) => name);
        return Promise.resolve({ requests: items, next });
      }
      case "accept_request":
      case "reject_request":
        return this.#resolveRequest(
          request.args,
          session,
          request.op === "accept_request",
          requestId,
        );
      case "list_groups":
        return Promise.resolve(this.#listGroups(request.args.cursor));
      case "list_files":
        return Promise.resolve(files.listFiles(kit, request.args, session));
      default:
        throw new CommandError(ErrorCode.BAD_REQUEST, `Unsupported command "${request.op}"`);
    }
  }

  /** Publish this tracker's ticket key once, as an operation every tracker will hold. */
  async registerTrackerKey(publicKey: Uint8Array): Promise<void> {
    const { state, store } = this.#ctx;
    if (state.get(`tracker/${store.trackerId}`)) return;
    await this.#write(undefined, [{ type: "tracker_key", trackerId: store.trackerId, publicKey }]);
  }

  #status(): Result {
    const { store, state } = this.#ctx;
    return {
      trackerId: store.trackerId,
      ops: store.totalOps,
      logged: store.opCount,
      digest: state.digest(),
    };
  }

  async #createUser(args: ArgsOf<"create_user">, requestId?: string): Promise<Result> {
    const repeated = this.#repeated(requestId);
    if (repeated) return repeated;
    this.#refuseExistingUser(args.user);
    const stored = await hashPassword(args.password);
    this.#refuseExistingUser(args.user); // it may have been registered while we hashed
    return this.#write(requestId, [{ type: "create_user", user: args.user, ...stored }]);
  }

  #refuseExistingUser(name: string): void {
    if (this.#ctx.state.user(name)) {
      throw new CommandError(ErrorCode.USER_EXISTS, `User "${name}" already exists`);
    }
  }

  async #login(args: ArgsOf<"login">, caller: Caller): Promise<Result> {
    const keys = [`user:${args.user}`, `addr:${caller.host}`];
    const { throttle, state } = this.#ctx;
    const wait = throttle.retryAfterMs(keys);
    if (wait > 0) {
      throw new CommandError(
        ErrorCode.THROTTLED,
        `Too many failed logins for "${args.user}": try again in ${Math.ceil(wait / 1000)}s`,
      );
    }
    const user = state.user(args.user);
    if (!user) {
      throttle.fail(keys);
      throw new CommandError(ErrorCode.NO_SUCH_USER, `No user "${args.user}": create_user first`);
    }
    if (!(await verifyPassword(args.password, user))) {
      throttle.fail(keys);
      throw new CommandError(ErrorCode.WRONG_PASSWORD, `Wrong password for user "${args.user}"`);
    }
    throttle.succeed(keys[0]!);
    this.#ctx.presence.touch(args.peerId, user.name, caller.host, args.port);
    return { ...this.#issue(user.name, user.creation, args.peerId), user: user.name };
  }

  #issue(user: string, userCreation: string, peerId: string): Result {
    const issuedAt = formatHlc(this.#ctx.clock.tick());
    const expiresAt = this.#now() + this.#ctx.sessionTtlMs;
    const token = this.#ctx.sessions.sign({ user, userCreation, peerId, issuedAt, expiresAt });
    return { token, expiresAt };
  }

  #verify(token: string | undefined): SessionClaims {
    return checkSession(token, {
      keys: this.#ctx.sessions,
      state: this.#ctx.state,
      now: this.#now(),
    });
  }

  #createGroup(args: ArgsOf<"create_group">, session: SessionClaims, requestId?: string) {
    const repeated = this.#repeated(requestId);
    if (repeated) return Promise.resolve(repeated);
    if (this.#ctx.state.group(args.group)) {
      throw new CommandError(ErrorCode.GROUP_EXISTS, `Group "${args.group}" already exists`);
    }
    const { user: owner, userCreation: ownerCreation } = session;
    return this.#write(requestId, [{
      type: "create_group",
      group: args.group,
      owner,
      ownerCreation,
    }]);
  }

  #joinGroup(args: ArgsOf<"join_group">, session: SessionClaims, requestId?: string) {
    const repeated = this.#repeated(requestId);
    if (repeated) return Promise.resolve(repeated);
    const group = this.#existingGroup(args.group);
    if (group.members.some((m) => m.user === session.user)) {
      throw new CommandError(ErrorCode.ALREADY_MEMBER, `Already a member of group "${group.name}"`);
    }
    if (group.requests.some((r) => r.user === session.user)) {
      throw new CommandError(
        ErrorCode.REQUEST_PENDING,
        `A request to join group "${group.name}" is already pending`,
      );
    }
    return this.#write(requestId, [{
      type: "join_request",
      group: group.name,
      groupCreation: group.creation,
      user: session.user,
      userCreation: session.userCreation,
    }]);
  }

  async #leaveGroup(args: ArgsOf<"leave_group">, session: SessionClaims, requestId?: string) {
    const repeated = this.#repeated(requestId, () => ({
      removed: this.#ctx.state.group(args.group) === undefined,
    }));
    if (repeated) return repeated;
    const group = this.#memberGroup(args.group, session);
    const wasOwner = group.owner === session.user;
    const body: OpBody = {
      type: "leave_group",
      group: group.name,
      groupCreation: group.creation,
      user: session.user,
      userCreation: session.userCreation,
    };
    return await this.#write(requestId, [body], () => {
      const after = this.#ctx.state.group(group.name);
      const result: Result = { removed: after?.creation !== group.creation };
      if (wasOwner && after?.creation === group.creation) result.newOwner = after.owner;
      return result;
    });
  }

  #resolveRequest(
    args: ArgsOf<"accept_request">,
    session: SessionClaims,
    accept: boolean,
    requestId?: string,
  ): Promise<Result> {
    const repeated = this.#repeated(requestId);
    if (repeated) return Promise.resolve(repeated);
    const group = this.#ownedGroup(args.group, session);
    if (!group.requests.some((r) => r.user === args.user)) {
      throw new CommandError(
        ErrorCode.NO_SUCH_REQUEST,
        `No pending request from "${args.user}" to join group "${group.name}"`,
      );
    }
    const { name, creation: groupCreation } = group;
    return this.#write(requestId, [{
      type: "resolve_request",
      group: name,
      groupCreation,
      user: args.user,
      accept,
    }]);
  }

  #listGroups(cursor: string | undefined): Result {
    const all = this.#ctx.state.groups();
    const { items, next } = page(all, cursor, (g) => g.name);
    const groups = items.map((g) => ({ id: g.name, owner: g.owner, members: g.members.length }));
    return { groups, next };
  }

  #existingGroup(name: string): GroupEntity {
    const group = this.#ctx.state.group(name);
    if (!group) throw new CommandError(ErrorCode.NO_SUCH_GROUP, `No group "${name}"`);
    return group;
  }

  #memberGroup(name: string, session: SessionClaims): GroupEntity {
    const group = this.#existingGroup(name);
    if (!group.members.some((m) => m.user === session.user)) {
      throw new CommandError(ErrorCode.NOT_MEMBER, `Not a member of group "${name}"`);
    }
    return group;
  }

  #ownedGroup(name: string, session: SessionClaims): GroupEntity {
    const group = this.#existingGroup(name);
    if (group.owner !== session.user) {
      throw new CommandError(
        ErrorCode.NOT_OWNER,
        `Only the owner of group "${name}" (${group.owner}) can do that`,
      );
    }
    return group;
  }

  /**
   * The answer to a retried write that was applied before, if this is one. A write that reached
   * this tracker by replication has no kept answer here: `fallback` rebuilds one from the state.
   */
  #repeated(
    requestId: string | undefined,
    fallback: () => Result = () => ({}),
  ): Result | undefined {
    if (requestId === undefined || !this.#ctx.state.hasRequest(requestId)) return undefined;
    return this.#ctx.store.answerFor(requestId) ?? fallback();
  }

  /**
   * Make, apply and commit operations; answer after COMMIT. The request id goes on the last
   * one, so a retry is recognised once the whole command was applied.
   */
  async #write(
    requestId: string | undefined,
    bodies: OpBody[],
    makeResult: () => Result = () => ({}),
  ): Promise<Result> {
    const { store, state, clock } = this.#ctx;
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
    this.onCommit();
    return result;
  }
}
