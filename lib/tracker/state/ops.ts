/**
 * Operations: the only way tracker state changes. A command is validated against the state
 * and becomes operations; the state is a pure function of the operations it holds.
 *
 * Things that belong to a user or group name the id of the operation that created that user or
 * group (its "creation"), so that what was done under a creation that loses a name conflict
 * is set aside with it instead of being merged into the winner.
 */
import { formatHlc, type Hlc } from "./hlc.ts";

/** scrypt cost parameters stored beside each password hash, so they can be raised later. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** What an operation does. */
export type OpBody =
  | {
    readonly type: "create_user";
    readonly user: string;
    readonly salt: string;
    readonly hash: string;
    readonly params: ScryptParams;
  }
  | {
    readonly type: "create_group";
    readonly group: string;
    readonly owner: string;
    readonly ownerCreation: string;
  }
  | {
    readonly type: "join_request";
    readonly group: string;
    readonly groupCreation: string;
    readonly user: string;
    readonly userCreation: string;
  }
  | {
    readonly type: "resolve_request";
    readonly group: string;
    readonly groupCreation: string;
    readonly user: string;
    readonly accept: boolean;
  }
  | {
    readonly type: "leave_group";
    readonly group: string;
    readonly groupCreation: string;
    readonly user: string;
    readonly userCreation: string;
  }
  | {
    /** A chunk of a file's piece hashes (content-addressed by the file id, so immutable). */
    readonly type: "add_hashes";
    readonly fileId: string;
    readonly chunk: number;
    readonly hashes: Uint8Array;
  }
  | {
    /** A member shares a file with a group from one of their peers. */
    readonly type: "share_file";
    readonly group: string;
    readonly groupCreation: string;
    readonly name: string;
    readonly fileId: string;
    readonly size: number;
    readonly pieceLength: number;
    readonly sha1: string;
    readonly user: string;
    readonly userCreation: string;
    readonly peerId: string;
  }
  | {
    readonly type: "unshare_file";
    readonly group: string;
    readonly groupCreation: string;
    readonly name: string;
    readonly fileId: string;
    readonly user: string;
    readonly peerId: string;
  }
  | {
    /** A tracker's public key for tickets, so every tracker and seeder can check them. */
    readonly type: "tracker_key";
    readonly trackerId: string;
    readonly publicKey: Uint8Array;
  }
  | {
    /** Ends every session of (user, peer) issued before this operation's time. */
    readonly type: "logout";
    readonly user: string;
    readonly userCreation: string;
    readonly peerId: string;
  };

/** One operation, as kept in the log and replicated. */
export interface Operation {
  /** Id of the tracker that made it. */
  readonly origin: string;
  /** Per-origin sequence number, from 1. */
  readonly seq: number;
  readonly hlc: Hlc;
  /** The one entity it changes, e.g. `group/g1`. */
  readonly key: string;
  /** The client's cluster-unique request id, or null. */
  readonly requestId: string | null;
  readonly body: OpBody;
}

/** `origin:seq`, the id a creation is referred to by. */
export function opId(op: Pick<Operation, "origin" | "seq">): string {
  return `${op.origin}:${op.seq}`;
}

/** The total order every tracker applies operations in: `(hlc, origin)`, then seq. */
export function orderKey(op: Pick<Operation, "hlc" | "origin" | "seq">): string {
  return `${formatHlc(op.hlc)}/${op.origin}/${op.seq.toString(16).padStart(12, "0")}`;
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
  }
}
