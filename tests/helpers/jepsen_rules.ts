/**
 * The rules the partition checker names when an acknowledged write is not in the final state
 * (docs/OPERATIONS.md, "When the network splits"; docs/ARCHITECTURE.md, operations in a total
 * order). Each function looks at one operation and the state around its place in the merged
 * order and says which documented rule explains it, or undefined when none does (the checker
 * then reports the write as lost).
 */
import type { GroupEntity, OpBody, Operation, State } from "../../lib/tracker/state/mod.ts";
import { opId, orderKey } from "../../lib/tracker/state/mod.ts";

/** Who made an operation, in words (from the history when a client asked for it). */
export type Describe = (opId: string) => string;

type Body<T extends OpBody["type"]> = Extract<OpBody, { type: T }>;

const listed = (list: GroupEntity["members"] | undefined, user: string) =>
  list?.some((m) => m.user === user) ?? false;

function currentGroup(state: State, name: string, creation: string): GroupEntity | undefined {
  const group = state.group(name);
  return group?.creation === creation ? group : undefined;
}

function userLost(state: State, name: string, creation: string): string | undefined {
  if (state.user(name)?.creation === creation) return undefined;
  return `set aside with its author's lost name: user "${name}" went to another creation`;
}

function groupGone(state: State, name: string, creation: string): string | undefined {
  if (currentGroup(state, name, creation)) return undefined;
  return state.get(`conflict/${creation}`)
    ? `set aside with its group: group "${name}" lost its name`
    : `removed with its group: group "${name}" was removed first`;
}

/**
 * Why `op` was set aside, looking at the state at its place in the merged order (set-aside
 * operations change none of the rows read here, so the state just after it will do).
 */
export function whySetAside(state: State, op: Operation, who: Describe): string | undefined {
  const b = op.body;
  switch (b.type) {
    case "create_user": {
      const winner = state.user(b.user)?.creation;
      if (winner === undefined || winner === opId(op)) return undefined;
      return `name_taken: contested create_user "${b.user}" by ${who(opId(op))} lost to ${
        who(winner)
      }`;
    }
    case "create_group": {
      const winner = state.group(b.group)?.creation;
      if (winner !== undefined && winner !== opId(op)) {
        return `name_taken: contested create_group "${b.group}" by ${who(opId(op))} lost to ${
          who(winner)
        }`;
      }
      return userLost(state, b.owner, b.ownerCreation);
    }
    case "join_request": {
      const gone = groupGone(state, b.group, b.groupCreation) ??
        userLost(state, b.user, b.userCreation);
      if (gone) return gone;
      const group = state.group(b.group)!;
      if (listed(group.members, b.user)) return "already a member: accepted at its place already";
      if (listed(group.requests, b.user)) return "already asked: asked twice, on both sides";
      return undefined;
    }
    case "resolve_request": {
      const gone = groupGone(state, b.group, b.groupCreation);
      if (gone) return gone;
      const group = state.group(b.group)!;
      if (!listed(group.requests, b.user)) {
        return `no longer pending: the request of "${b.user}" was answered or gone at its place`;
      }
      if (b.owner !== undefined && state.get(`setaside/${b.ownerCreation}/${b.group}/${b.user}`)) {
        const verb = b.accept ? "accept" : "reject";
        return `set aside: ${verb} by a former owner: "${b.owner}" no longer owned "${b.group}" (owner then: "${group.owner}")`;
      }
      return undefined;
    }
    case "leave_group": {
      const gone = groupGone(state, b.group, b.groupCreation) ??
        userLost(state, b.user, b.userCreation);
      if (gone) return gone;
      if (!listed(state.group(b.group)!.members, b.user)) {
        return `already left: "${b.user}" was no longer a member of "${b.group}" at its place`;
      }
      return undefined;
    }
    case "share_file":
      return shareSetAside(state, b);
    case "unshare_file": {
      const file = state.file(b.group, b.name);
      if (!file || file.fileId !== b.fileId || file.groupCreation !== b.groupCreation) {
        return `removed with its file: "${b.name}" had left "${b.group}" first (group removed or its sharers left)`;
      }
      return `already stopped: "${b.user}" no longer shared "${b.name}" at its place`;
    }
    default:
      return undefined;
  }
}

function shareSetAside(state: State, b: Body<"share_file">): string | undefined {
  const gone = groupGone(state, b.group, b.groupCreation) ??
    userLost(state, b.user, b.userCreation);
  if (gone) return gone;
  if (!listed(state.group(b.group)!.members, b.user)) {
    return `not a member: "${b.user}" was no longer a member of "${b.group}" at its place`;
  }
  const file = state.file(b.group, b.name);
  if (file && file.fileId !== b.fileId) {
    return `name_exists: another file took the name "${b.name}" in "${b.group}" first`;
  }
  return undefined;
}

/** Whether an applied operation's effect is in the final state. */
export function isPresent(state: State, op: Operation): boolean {
  const body = op.body;
  switch (body.type) {
    case "create_user":
      return state.user(body.user)?.creation === opId(op);
    case "create_group":
      return state.group(body.group)?.creation === opId(op);
    case "join_request": {
      const group = currentGroup(state, body.group, body.groupCreation);
      return listed(group?.requests, body.user) || listed(group?.members, body.user);
    }
    case "resolve_request": {
      const group = currentGroup(state, body.group, body.groupCreation);
      return body.accept ? listed(group?.members, body.user) : !listed(group?.requests, body.user);
    }
    case "leave_group":
      return !listed(currentGroup(state, body.group, body.groupCreation)?.members, body.user);
    case "share_file": {
      const file = state.file(body.group, body.name);
      return file?.fileId === body.fileId &&
        file.sharers.some((s) => s.user === body.user && s.peerId === body.peerId);
    }
    case "unshare_file": {
      const file = state.file(body.group, body.name);
      return !(file?.fileId === body.fileId &&
        file.sharers.some((s) => s.user === body.user && s.peerId === body.peerId));
    }
    default:
      return true;
  }
}

/** Operations of one group creation, of one user: what can undo another. */
function sameMember(a: OpBody, group: string, creation: string, user: string): boolean {
  return "groupCreation" in a && a.group === group && a.groupCreation === creation &&
    "user" in a && a.user === user;
}

/**
 * Which later applied operation undid an applied one whose effect is gone, in words; undefined
 * when none did. `later` are the applied operations after it, in order; `removals` the leaves
 * that removed a group, by its creation.
 */
export function undoneBy(
  op: Operation,
  later: readonly Operation[],
  context: { removals: Map<string, Operation>; who: Describe },
): string | undefined {
  const { removals, who } = context;
  const b = op.body;
  const after = (o: Operation | undefined) => o && orderKey(o) > orderKey(op) ? o : undefined;
  const creation = b.type === "create_group"
    ? opId(op)
    : "groupCreation" in b
    ? b.groupCreation
    : "";
  const removal = after(removals.get(creation));
  if (removal) {
    const group = "group" in b ? b.group : "";
    return `removed with its group: "${group}" went when its last member left (leave_group by ${
      who(opId(removal))
    })`;
  }
  if (!("group" in b) || !("user" in b)) return undefined;
  const undo = later.find((o) => {
    const l = o.body;
    if (!sameMember(l, b.group, "groupCreation" in b ? b.groupCreation : "", b.user)) return false;
    if (b.type === "join_request") return l.type === "resolve_request" || l.type === "leave_group";
    if (b.type === "resolve_request") {
      return b.accept ? l.type === "leave_group" : l.type === "join_request";
    }
    if (b.type === "leave_group") return l.type === "resolve_request" && l.accept;
    if (b.type === "share_file") {
      return l.type === "leave_group" ||
        (l.type === "unshare_file" && l.peerId === b.peerId && l.name === b.name);
    }
    if (b.type === "unshare_file") {
      return l.type === "share_file" && l.peerId === b.peerId && l.name === b.name;
    }
    return false;
  });
  return undo ? `undone later: by ${undo.body.type} of ${who(opId(undo))}` : undefined;
}
