/**
 * The check every command but create_user, login and status goes through: a token that is
 * signed by the cluster, not expired, of a user whose creation still stands, and not ended by a
 * logout of that user and peer.
 */
import { CommandError } from "../../common/errors.ts";
import { ErrorCode } from "../../wire/mod.ts";
import type { SessionClaims, SessionKeys } from "../sessions.ts";
import type { State } from "../state/mod.ts";

/**
 * The claims of a valid session token.
 *
 * @throws {CommandError} `not_logged_in`, `session_expired` or `name_taken`
 */
export function checkSession(
  token: string | undefined,
  context: { keys: SessionKeys; state: State; now: number },
): SessionClaims {
  if (token === undefined) {
    throw new CommandError(ErrorCode.NOT_LOGGED_IN, "Not logged in: login first");
  }
  const claims = context.keys.verify(token, context.now);
  if (claims === "expired") {
    throw new CommandError(ErrorCode.SESSION_EXPIRED, "Session expired: login again");
  }
  if (typeof claims === "string") {
    throw new CommandError(ErrorCode.NOT_LOGGED_IN, "Invalid session: login again");
  }
  const { state } = context;
  if (state.user(claims.user)?.creation !== claims.userCreation) {
    if (state.get(`conflict/${claims.userCreation}`)) {
      throw new CommandError(
        ErrorCode.NAME_TAKEN,
        `User name "${claims.user}" was registered first on another tracker: create a user with another name`,
      );
    }
    throw new CommandError(ErrorCode.NOT_LOGGED_IN, `User "${claims.user}" no longer exists`);
  }
  const logout = state.get(`logout/${claims.user}/${claims.peerId}`);
  if (logout?.kind === "logout" && logout.at >= claims.issuedAt) {
    throw new CommandError(ErrorCode.NOT_LOGGED_IN, "Session ended by logout: login again");
  }
  return claims;
}

/**
 * Tell a user once (per tracker; `told` remembers) that an answer they gave as a group's owner
 * was set aside when trackers merged: by then, in the merged order, they no longer owned it.
 *
 * @throws {CommandError} `not_owner`, for the first such answer not told yet
 */
export function tellSetAside(state: State, session: SessionClaims, told: Set<string>): void {
  for (const answer of state.setAsideOf(session.userCreation)) {
    const key = `answer/${session.userCreation}/${answer.group}/${answer.user}`;
    if (told.has(key)) continue;
    told.add(key);
    const verb = answer.accept ? "acceptance of" : "rejection of";
    throw new CommandError(
      ErrorCode.NOT_OWNER,
      `Your ${verb} "${answer.user}" into group "${answer.group}" was set aside: when the ` +
        `trackers merged, you had already left it and it had another owner`,
    );
  }
}

/**
 * Tell a user once (per tracker; `told` remembers) that a group they created lost its name to
 * an earlier creation when trackers merged.
 *
 * @throws {CommandError} `name_taken`, for the first such group not told yet
 */
export function tellLostGroups(state: State, session: SessionClaims, told: Set<string>): void {
  for (const lost of state.lostGroupsOf(session.userCreation)) {
    const key = `${session.user}/${lost.creation}`;
    if (told.has(key)) continue;
    told.add(key);
    throw new CommandError(
      ErrorCode.NAME_TAKEN,
      `Group "${lost.name}" was created first on another tracker; the one you created was set aside`,
    );
  }
}
