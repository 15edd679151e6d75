/**
 * The membership rules of the pure state: a join request, the owner's answer to it, and leaving
 * a group (ownership passes to the longest-standing member; no members, no group), with the
 * answers kept for the requester (`answers/<user>`, the newest `MAX_ANSWERS_PER_USER`). Like the
 * file-share rules, these read and change rows only through {@linkcode MembershipRows}, which
 * `State` provides; no I/O.
 */
import type { GroupEntity, Membership, RequestAnswer, SetAsideEntity } from "./entities.ts";
import type { MemberLeft } from "./file_rules.ts";
import type { OpBody } from "./op_schema.ts";

/**
 * Answers to join requests kept per user: enough for every request a person has in flight at
 * once, and small enough that a user who asks and is turned down all day grows no row.
 */
export const MAX_ANSWERS_PER_USER = 32;

/** What the membership rules read and change. */
export interface MembershipRows {
  /** The group named `name` if its creation is `creation`. */
  currentGroup(name: string, creation: string): GroupEntity | undefined;
  /** Whether user `name`'s creation is `creation`. */
  isCurrentUser(name: string, creation: string): boolean;
  putGroup(group: GroupEntity): void;
  deleteGroup(name: string): void;
  answersOf(user: string): readonly RequestAnswer[];
  /** Replace a user's answers; none deletes the row. */
  putAnswers(user: string, answers: readonly RequestAnswer[]): void;
  /** A member left (or the group went): drop their shares. */
  dropMemberFiles(left: MemberLeft): void;
  /** Record an answer set aside, for its author to be told. */
  putSetAside(entry: SetAsideEntity): void;
}

type Body<T extends OpBody["type"]> = Extract<OpBody, { type: T }>;

/** A join request; asking again voids an earlier answer. */
export function joinRequest(
  rows: MembershipRows,
  body: Body<"join_request">,
  since: string,
): boolean {
  const group = rows.currentGroup(body.group, body.groupCreation);
  if (!group || !rows.isCurrentUser(body.user, body.userCreation)) return false;
  if (isListed(group.members, body.user) || isListed(group.requests, body.user)) return false;
  rows.putGroup({ ...group, requests: [...group.requests, { user: body.user, since }] });
  forgetAnswer(rows, body.user, group.name);
  return true;
}

/**
 * The owner accepts or rejects a pending request; the answer is kept for the requester. An
 * answer whose author does not own the group at this point of the merged order (they left, and
 * ownership passed on, on another tracker while the two were apart) changes nothing but is
 * recorded, so its author is told.
 */
export function resolveRequest(
  rows: MembershipRows,
  body: Body<"resolve_request">,
  at: { since: string; wall: number },
): boolean {
  const group = rows.currentGroup(body.group, body.groupCreation);
  if (!group || !isListed(group.requests, body.user)) return false;
  if (body.owner !== undefined && body.ownerCreation !== undefined) {
    const isOwner = group.owner === body.owner &&
      rows.isCurrentUser(body.owner, body.ownerCreation);
    if (!isOwner) {
      rows.putSetAside({
        kind: "answer_set_aside",
        byCreation: body.ownerCreation,
        by: body.owner,
        group: group.name,
        user: body.user,
        accept: body.accept,
      });
      return false;
    }
  }
  const requests = group.requests.filter((r) => r.user !== body.user);
  const members = body.accept
    ? [...group.members, { user: body.user, since: at.since }]
    : group.members;
  rows.putGroup({ ...group, requests, members });
  keepAnswer(rows, body.user, {
    group: group.name,
    groupCreation: group.creation,
    isAccepted: body.accept,
    at: at.wall,
  });
  return true;
}

/** A member leaves; "accepted" means nothing once they left. */
export function leaveGroup(rows: MembershipRows, body: Body<"leave_group">): boolean {
  const group = rows.currentGroup(body.group, body.groupCreation);
  if (!group || !rows.isCurrentUser(body.user, body.userCreation)) return false;
  if (!isListed(group.members, body.user)) return false;
  const members = group.members.filter((m) => m.user !== body.user);
  rows.dropMemberFiles({ group: group.name, user: body.user, isGroupGone: members.length === 0 });
  if (members.length === 0) {
    rows.deleteGroup(group.name);
  } else {
    const owner = group.owner === body.user ? longestStanding(members).user : group.owner;
    rows.putGroup({ ...group, owner, members });
  }
  forgetAnswer(rows, body.user, group.name);
  return true;
}

/** Whether `user` is in a list of members or requests. */
export function isListed(list: readonly Membership[], user: string): boolean {
  return list.some((m) => m.user === user);
}

function longestStanding(members: readonly Membership[]): Membership {
  return members.reduce((a, b) => (b.since < a.since ? b : a));
}

/** Record an answer for `user`, replacing an older one of the same group; keep the newest. */
function keepAnswer(rows: MembershipRows, user: string, answer: RequestAnswer): void {
  const others = rows.answersOf(user).filter((a) => a.group !== answer.group);
  rows.putAnswers(user, [...others, answer].slice(-MAX_ANSWERS_PER_USER));
}

function forgetAnswer(rows: MembershipRows, user: string, group: string): void {
  const answers = rows.answersOf(user);
  if (!answers.some((a) => a.group === group)) return;
  rows.putAnswers(user, answers.filter((a) => a.group !== group));
}
