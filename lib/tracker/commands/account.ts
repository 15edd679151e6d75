/** Account commands: status, create_user, login, renew and logout. */
import { CommandError } from "../../common/errors.ts";
import { ErrorCode, type ResultOf } from "../../wire/mod.ts";
import { hashPassword, verifyPassword } from "../passwords.ts";
import { describeThrottle } from "../throttle.ts";
import type { Call, CommandCore, SessionCall } from "./context.ts";

/** status: this tracker's id, operation counts and state digest (no session needed). */
export function status(core: CommandCore): ResultOf<"status"> {
  const { store, state } = core.ctx;
  return {
    trackerId: store.trackerId,
    ops: store.totalOps,
    logged: store.opCount,
    digest: state.digest(),
  };
}

/** create_user: register a name with a salted scrypt hash of the password. */
export async function createUser(
  core: CommandCore,
  { args, requestId }: Call<"create_user">,
): Promise<ResultOf<"create_user">> {
  const repeated = core.repeated("create_user", requestId, () => ({}));
  if (repeated) return repeated;
  refuseExistingUser(core, args.user);
  const stored = await hashPassword(args.password);
  refuseExistingUser(core, args.user); // it may have been registered while we hashed
  return core.write(requestId, [{ type: "create_user", user: args.user, ...stored }], () => ({}));
}

function refuseExistingUser(core: CommandCore, name: string): void {
  if (core.ctx.state.user(name)) {
    throw new CommandError(ErrorCode.USER_EXISTS, `User "${name}" already exists`);
  }
}

/**
 * login: check the password and issue a session token. Throttled per (user, address), per user
 * and per address (throttle.ts); the refusal names which.
 */
export async function login(
  core: CommandCore,
  { args, caller }: Call<"login">,
): Promise<ResultOf<"login">> {
  const { throttle, state } = core.ctx;
  if (caller.peerId !== undefined && args.peerId !== caller.peerId) {
    throw new CommandError(
      ErrorCode.BAD_REQUEST,
      `login's peerId must be the fingerprint of this connection's key (${caller.peerId})`,
    );
  }
  const verdict = throttle.check(args.user, caller.host);
  if (verdict) {
    throw new CommandError(ErrorCode.THROTTLED, describeThrottle(args.user, caller.host, verdict));
  }
  const user = state.user(args.user);
  if (!user) {
    throttle.fail(args.user, caller.host);
    throw new CommandError(ErrorCode.NO_SUCH_USER, `No user "${args.user}": create_user first`);
  }
  if (!(await verifyPassword(args.password, user))) {
    throttle.fail(args.user, caller.host);
    throw new CommandError(ErrorCode.WRONG_PASSWORD, `Wrong password for user "${args.user}"`);
  }
  throttle.succeed(args.user, caller.host);
  core.ctx.presence.touch(args.peerId, user.name, caller.host, args.port);
  return {
    ...core.issue(user.name, user.creation, args.peerId),
    user: user.name,
    trackers: clusterTrackers(core),
  };
}

/** Every tracker that said where it listens, with its key (what a peer can fail over to). */
function clusterTrackers(core: CommandCore): { address: string; publicKey: Uint8Array }[] {
  const { state } = core.ctx;
  const addresses = state.trackerAddresses();
  return state.trackerKeys().flatMap((key) => {
    const address = addresses.get(key.trackerId);
    return address ? [{ address, publicKey: key.publicKey }] : [];
  });
}

/** renew: a fresh token for the same session. */
export function renew(core: CommandCore, { session }: SessionCall<"renew">): ResultOf<"renew"> {
  return core.issue(session.user, session.userCreation, session.peerId);
}

/** logout: end every session of this (user, peer) issued so far; the peer goes offline. */
export function logout(
  core: CommandCore,
  { session, requestId }: SessionCall<"logout">,
): Promise<ResultOf<"logout">> {
  core.ctx.presence.drop(session.peerId);
  core.ctx.staging.dropUser(session.user);
  return core.write(requestId, [{
    type: "logout",
    user: session.user,
    userCreation: session.userCreation,
    peerId: session.peerId,
  }], () => ({}));
}
