/**
 * Operations: the only way tracker state changes. A command is validated against the state
 * and becomes operations; the state is a pure function of the operations it holds. Their
 * shapes (and types) are the schemas of `op_schema.ts`; this file gives an operation its id,
 * its place in the total order and its entity key.
 *
 * Things that belong to a user or group name the id of the operation that created that user or
 * group (its "creation"), so that what was done under a creation that loses a name conflict
 * is set aside with it instead of being merged into the winner.
 */
import { formatHlc } from "./hlc.ts";
import type { OpBody, Operation } from "./op_schema.ts";

/** `origin:seq`, the id a creation is referred to by. */
export function opId(op: Pick<Operation, "origin" | "seq">): string {
  return `${op.origin}:${op.seq}`;
}

/** The total order every tracker applies operations in: `(hlc, origin)`, then seq. */
export function orderKey(op: Pick<Operation, "hlc" | "origin" | "seq">): string {
  return `${formatHlc(op.hlc)}/${op.origin}/${op.seq.toString(16).padStart(12, "0")}`;
}

/** The wall-clock ms of an order key's hybrid timestamp (its first 12 hex digits). */
export function wallOfOrderKey(key: string): number {
  return parseInt(key.slice(0, 12), 16);
}

/** The entity key of an operation body. */
export function keyOf(body: OpBody): string {
  switch (body.type) {
    case "create_user":
      return `user/${body.user}`;
    case "create_group":
      return `group/${body.group}`;
    case "join_request":
    case "resolve_request":
      return `request/${body.group}/${body.user}`;
    case "leave_group":
      return `member/${body.group}/${body.user}`;
    case "logout":
      return `logout/${body.user}/${body.peerId}`;
    case "add_hashes":
      return `hashes/${body.fileId}/${body.chunk}`;
    case "share_file":
    case "unshare_file":
      return `file/${body.group}/${body.name}`;
    case "tracker_key":
      return `tracker/${body.trackerId}`;
    case "tracker_address":
      return `trackeraddr/${body.trackerId}`;
    case "tracker_removed":
      return `trackergone/${body.trackerId}`;
  }
}
