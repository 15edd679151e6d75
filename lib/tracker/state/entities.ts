/**
 * The rows of tracker state. Each is stored under one key in the `entities` table and held in
 * memory in a map; the state digest covers all of them.
 */
import type { ScryptParams } from "./op_schema.ts";

/** A registered user. `creation` is the id of the operation that created it. */
export interface UserEntity {
  readonly kind: "user";
  readonly name: string;
  readonly creation: string;
  readonly salt: string;
  readonly hash: string;
  readonly params: ScryptParams;
}

/** A member or a pending request, with the order key of the operation that made it. */
export interface Membership {
  readonly user: string;
  /** Order key of the operation that made this user a member (or asked to join). */
  readonly since: string;
}

/** A group: owner, members in order of standing, pending join requests. */
export interface GroupEntity {
  readonly kind: "group";
  readonly name: string;
  readonly creation: string;
  readonly owner: string;
  readonly members: readonly Membership[];
  readonly requests: readonly Membership[];
}

/** The owner's answer to one of a user's join requests. */
export interface RequestAnswer {
  readonly group: string;
  /** The group the request was made to: a later group of the same name is another group. */
  readonly groupCreation: string;
  readonly isAccepted: boolean;
  /** Wall-clock ms of the answer's hybrid timestamp. */
  readonly at: number;
}

/**
 * The answers to a user's join requests, oldest first, so the user can learn what became of a
 * request (`my_requests`): a rejected request leaves no other trace. One per group; the answer
 * goes when the user asks that group again or leaves it, and only the newest
 * `MAX_ANSWERS_PER_USER` are kept.
 */
export interface AnswersEntity {
  readonly kind: "answers";
  readonly user: string;
  readonly answers: readonly RequestAnswer[];
}

/** A creation that lost its name to an earlier one; its creator is told `name_taken`. */
export interface ConflictEntity {
  readonly kind: "conflict";
  readonly what: "user" | "group";
  readonly name: string;
  readonly creation: string;
  /** For a group: the creation of the user who created the losing group. */
  readonly ownerCreation?: string;
}

/** Sessions of (user, peer) issued at or before `at` (a formatted hybrid timestamp) are over. */
export interface LogoutEntity {
  readonly kind: "logout";
  readonly user: string;
  readonly userCreation: string;
  readonly peerId: string;
  readonly at: string;
}

/** Who shares a file: a user, from one of their peers. */
export interface Sharer {
  readonly user: string;
  readonly peerId: string;
}

/** A file shared in a group under a name. */
export interface FileEntity {
  readonly kind: "file";
  readonly group: string;
  readonly groupCreation: string;
  readonly name: string;
  readonly fileId: string;
  readonly size: number;
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly sha1: string;
  readonly sharers: readonly Sharer[];
}

/** One chunk of a file's piece hashes (20 bytes per piece). */
export interface HashesEntity {
  readonly kind: "hashes";
  readonly fileId: string;
  readonly chunk: number;
  readonly hashes: Uint8Array;
}

/** A tracker's Ed25519 public key, by tracker id. */
export interface TrackerKeyEntity {
  readonly kind: "tracker_key";
  readonly trackerId: string;
  readonly publicKey: Uint8Array;
}

/** Where a tracker listens (`IP:PORT`), by tracker id. */
export interface TrackerAddressEntity {
  readonly kind: "tracker_address";
  readonly trackerId: string;
  readonly address: string;
}

/** A tracker removed from the cluster for good. */
export interface TrackerRemovedEntity {
  readonly kind: "tracker_removed";
  readonly trackerId: string;
}

/**
 * An owner's answer that was set aside when trackers merged: at its place in the merged order
 * its author no longer owned the group. Kept so the author is told, like a lost name.
 */
export interface SetAsideEntity {
  readonly kind: "answer_set_aside";
  /** The creation of the user who answered. */
  readonly byCreation: string;
  readonly by: string;
  readonly group: string;
  /** The requester the answer was about. */
  readonly user: string;
  readonly accept: boolean;
}

/** Any state row. */
export type Entity =
  | UserEntity
  | GroupEntity
  | AnswersEntity
  | ConflictEntity
  | LogoutEntity
  | FileEntity
  | HashesEntity
  | TrackerKeyEntity
  | TrackerAddressEntity
  | TrackerRemovedEntity
  | SetAsideEntity;
