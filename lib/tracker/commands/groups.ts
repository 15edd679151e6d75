/**
 * Group commands: create_group, join_group, leave_group, list_requests, list_members,
 * accept_request, reject_request, my_requests and list_groups.
 */
import { CommandError } from "../../common/errors.ts";
import { ErrorCode, type ResultOf, shareEncoding } from "../../wire/mod.ts";
import { type State, wallOfOrderKey } from "../state/mod.ts";
import type { CommandCore, SessionCall } from "./context.ts";
import { page, PAGE_SIZE } from "./pages.ts";

/** create_group: a new group owned by the caller. */
export function createGroup(
  core: CommandCore,
  { args, session, requestId }: SessionCall<"create_group">,
): Promise<ResultOf<"create_group">> {
  const repeated = core.repeated("create_group", requestId, () => ({}));
  if (repeated) return Promise.resolve(repeated);
  if (core.ctx.state.group(args.group)) {
    throw new CommandError(ErrorCode.GROUP_EXISTS, `Group "${args.group}" already exists`);
  }
  const { user: owner, userCreation: ownerCreation } = session;
  return core.write(requestId, [{
    type: "create_group",
    group: args.group,
    owner,
    ownerCreation,
  }], () => ({}));
}

/** join_group: ask the owner to let the caller in. */
export function joinGroup(
  core: CommandCore,
  { args, session, requestId }: SessionCall<"join_group">,
): Promise<ResultOf<"join_group">> {
  const repeated = core.repeated("join_group", requestId, () => ({}));
  if (repeated) return Promise.resolve(repeated);
  const group = core.existingGroup(args.group);
  if (group.members.some((m) => m.user === session.user)) {
    throw new CommandError(ErrorCode.ALREADY_MEMBER, `Already a member of group "${group.name}"`);
  }
  if (group.requests.some((r) => r.user === session.user)) {
    throw new CommandError(
      ErrorCode.REQUEST_PENDING,
      `A request to join group "${group.name}" is already pending`,
    );
  }
  return core.write(requestId, [{
    type: "join_request",
    group: group.name,
    groupCreation: group.creation,
    user: session.user,
    userCreation: session.userCreation,
  }], () => ({}));
}

/** leave_group: the caller leaves; says whether the group went and who owns it now. */
export async function leaveGroup(
  core: CommandCore,
  { args, session, requestId }: SessionCall<"leave_group">,
): Promise<ResultOf<"leave_group">> {
  const { state } = core.ctx;
  const repeated = core.repeated("leave_group", requestId, () => ({
    removed: state.group(args.group) === undefined,
  }));
  if (repeated) return repeated;
  const group = core.memberGroup(args.group, session);
  const wasOwner = group.owner === session.user;
  return await core.write(requestId, [{
    type: "leave_group",
    group: group.name,
    groupCreation: group.creation,
    user: session.user,
    userCreation: session.userCreation,
  }], () => {
    const after = state.group(group.name);
    const result: ResultOf<"leave_group"> = { removed: after?.creation !== group.creation };
    if (wasOwner && after?.creation === group.creation) result.newOwner = after.owner;
    return result;
  });
}

/** list_requests: a page of the pending requests of a group the caller owns. */
export function listRequests(
  core: CommandCore,
  { args, session }: SessionCall<"list_requests">,
): ResultOf<"list_requests"> {
  const group = core.ownedGroup(args.group, session);
  const names = group.requests.map((r) => r.user).sort();
  const { items, next } = page(names, args.cursor, (name) => name);
  return { requests: items, next };
}

/**
 * list_members: a page of the members of a group the caller is in, by name, the owner marked,
 * each with when it became a member.
 */
export function listMembers(
  core: CommandCore,
  { args, session }: SessionCall<"list_members">,
): ResultOf<"list_members"> {
  const group = core.memberGroup(args.group, session);
  const all = group.members
    .map((m) => ({
      user: m.user,
      role: m.user === group.owner ? "owner" as const : "member" as const,
      since: wallOfOrderKey(m.since),
    }))
    .sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  const { items, next } = page(all, args.cursor, (member) => member.user);
  return { members: items, next };
}

/** accept_request: the owner lets a user in. */
export function acceptRequest(
  core: CommandCore,
  call: SessionCall<"accept_request">,
): Promise<ResultOf<"accept_request">> {
  return resolveRequest(core, call, true);
}

/** reject_request: the owner turns a user's request down. */
export function rejectRequest(
  core: CommandCore,
  call: SessionCall<"reject_request">,
): Promise<ResultOf<"reject_request">> {
  return resolveRequest(core, call, false);
}

function resolveRequest(
  core: CommandCore,
  { args, session, requestId }: SessionCall<"accept_request" | "reject_request">,
  accept: boolean,
): Promise<ResultOf<"accept_request" | "reject_request">> {
  const op = accept ? "accept_request" : "reject_request";
  const repeated = core.repeated(op, requestId, () => ({}));
  if (repeated) return Promise.resolve(repeated);
  const group = core.ownedGroup(args.group, session);
  if (!group.requests.some((r) => r.user === args.user)) {
    throw new CommandError(
      ErrorCode.NO_SUCH_REQUEST,
      `No pending request from "${args.user}" to join group "${group.name}"`,
    );
  }
  const { name, creation: groupCreation } = group;
  return core.write(requestId, [{
    type: "resolve_request",
    group: name,
    groupCreation,
    user: args.user,
    accept,
    // Checked where the operation lands in the merged order, not only here and now.
    owner: session.user,
    ownerCreation: session.userCreation,
  }], () => ({}));
}

type RequestItem = ResultOf<"my_requests">["requests"][number];

/**
 * my_requests: a page of the caller's join requests, pending or answered, by group name. An
 * answer from a group that has since been replaced by another of the same name is left out: it
 * says nothing of the group that name is now.
 */
export function myRequests(
  core: CommandCore,
  { args, session }: SessionCall<"my_requests">,
): ResultOf<"my_requests"> {
  const { state } = core.ctx;
  const byGroup = new Map<string, RequestItem>();
  for (const answer of state.answersOf(session.user)) {
    const current = state.group(answer.group);
    if (current !== undefined && current.creation !== answer.groupCreation) continue;
    const answered = answer.isAccepted ? "accepted" : "rejected";
    byGroup.set(answer.group, { group: answer.group, state: answered, at: answer.at });
  }
  // Asking again forgets the answer in the state, so a pending request never meets an answer
  // of the same group here; if it did, the pending request is the newer fact.
  for (const group of state.pendingRequestsOf(session.user)) {
    const since = group.requests.find((r) => r.user === session.user)?.since ?? "";
    byGroup.set(group.name, { group: group.name, state: "pending", at: wallOfOrderKey(since) });
  }
  const all = [...byGroup.values()].sort((a, b) => (a.group < b.group ? -1 : 1));
  const { items, next } = page(all, args.cursor, (item) => item.group);
  return { requests: items, next };
}

/** Pages of list_groups kept until a group row changes, by state and then by cursor. */
const keptPages = new WeakMap<State, { version: number; pages: Map<string, GroupPage> }>();
/** Cursors kept at most; past that the kept pages start again. */
const KEPT_PAGES = 64;
type GroupPage = ResultOf<"list_groups">;

/**
 * list_groups: a page of every group, with its owner and member count. Every client asks for
 * the same pages, so a page is made once while no group changes, and its MessagePack encoding
 * once with it (shareEncoding).
 */
export function listGroups(
  core: CommandCore,
  { args }: SessionCall<"list_groups">,
): ResultOf<"list_groups"> {
  const { state } = core.ctx;
  let kept = keptPages.get(state);
  if (kept?.version !== state.groupsVersion || kept.pages.size >= KEPT_PAGES) {
    kept = { version: state.groupsVersion, pages: new Map() };
    keptPages.set(state, kept);
  }
  const cursor = args.cursor ?? "";
  let page = kept.pages.get(cursor);
  if (page === undefined) {
    // A page from the sorted names, not a scan and sort of every row per request.
    const { groups: items, hasMore } = state.groupsAfter(args.cursor, PAGE_SIZE);
    const groups = items.map((g) => ({ id: g.name, owner: g.owner, members: g.members.length }));
    page = shareEncoding({ groups, next: hasMore ? items.at(-1)?.name : undefined });
    kept.pages.set(cursor, page);
  }
  return page;
}
