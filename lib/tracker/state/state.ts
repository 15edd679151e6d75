/**
 * Tracker state as a pure, deterministic function of its operations: `apply(op)` in the total
 * order `(hlc, origin, seq)`. No sockets, files or clocks in here.
 *
 * An operation that is not valid at its place in that order (a creation whose name is taken, a
 * change under a creation that lost its name, an accept of a request that is gone) is set aside:
 * it stays in the log but changes nothing except, for a losing creation, a conflict record.
 * So trackers that hold the same operations hold the same state, whatever order they got them in.
 */
import { RowIndexes } from "./indexes.ts";
import {
  absorbLateTrackerOp,
  applyTrackerOp,
  isTrackerBody,
  removedTrackers,
  trackerAddresses,
  trackerKeys,
  type TrackerRows,
} from "./tracker_rules.ts";
import { Journal, type JournalEntry } from "./journal.ts";
import type {
  AnswersEntity,
  Entity,
  FileEntity,
  GroupEntity,
  HashesEntity,
  RequestAnswer,
  SetAsideEntity,
  TrackerKeyEntity,
  UserEntity,
} from "./entities.ts";
import { stateDigest } from "./digest.ts";
import { dropMemberFiles, type FileRows, shareFile, unshareFile } from "./file_rules.ts";
import { formatHlc } from "./hlc.ts";
import type { Operation } from "./op_schema.ts";
import { opId, orderKey } from "./ops.ts";
import {
  isListed,
  joinRequest,
  leaveGroup,
  type MembershipRows,
  resolveRequest,
} from "./membership_rules.ts";

export { MAX_ANSWERS_PER_USER } from "./membership_rules.ts";

/** What applying one operation did. */
export type ApplyOutcome = "applied" | "set_aside" | "duplicate";

/** The in-memory state: entity rows by key, plus what is needed to apply in order. */
export class State {
  readonly #entities = new Map<string, Entity>();
  readonly #requestIds = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #indexes = new RowIndexes();
  #lastOrderKey = "";
  /** What the last operations changed, to apply a late one without a rebuild. */
  readonly #journal = new Journal();
  /** The rows the file-share rules read and change. */
  readonly #fileRows: FileRows = {
    file: (group, name) => this.file(group, name),
    files: (group) => this.files(group),
    put: (key, entity) => this.#put(key, entity),
    delete: (key) => this.#delete(key),
  };
  /** The rows the tracker rules read and change. */
  readonly #trackerRows: TrackerRows = {
    has: (key) => this.#row(key) !== undefined,
    put: (key, entity) => this.#put(key, entity),
  };
  /** The rows the membership rules read and change. */
  readonly #memberRows: MembershipRows = {
    currentGroup: (name, creation) => this.#currentGroup(name, creation),
    isCurrentUser: (name, creation) => this.#isCurrentUser(name, creation),
    putGroup: (group) => this.#putGroup(group),
    deleteGroup: (name) => this.#delete(`group/${name}`),
    answersOf: (user) => this.answersOf(user),
    putAnswers: (user, answers) => {
      if (answers.length === 0) return this.#delete(`answers/${user}`);
      this.#put(`answers/${user}`, { kind: "answers", user, answers } satisfies AnswersEntity);
    },
    dropMemberFiles: (left) => dropMemberFiles(this.#fileRows, left),
    putSetAside: (entry) =>
      this.#put(`setaside/${entry.byCreation}/${entry.group}/${entry.user}`, entry),
  };

  /** Load rows read back from storage (no replay). */
  static load(
    rows: Iterable<[string, Entity]>,
    requestIds: Iterable<string>,
    lastOrderKey: string,
  ): State {
    const state = new State();
    for (const [key, entity] of rows) {
      state.#entities.set(key, entity);
      state.#indexes.update(key, undefined, entity);
    }
    for (const id of requestIds) state.#requestIds.add(id);
    state.#lastOrderKey = lastOrderKey;
    return state;
  }

  /** Build the state from operations in any order: sort, then apply each. */
  static fromOperations(ops: Iterable<Operation>): State {
    const state = new State();
    const sorted = [...ops].sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1));
    for (const op of sorted) state.apply(op);
    return state;
  }

  /**
   * Replace the whole state by folding `ops` in order onto `base` (the trimmed checkpoint, if
   * any): what a tracker does when an operation arrives that sorts before the last one applied
   * and the journal does not reach back to it (see {@linkcode applyLate}).
   * Every key, old and new, is marked dirty so storage rewrites exactly what changed.
   */
  rebuild(ops: Iterable<Operation>, base?: State): void {
    this.#journal.clear();
    for (const key of this.#entities.keys()) this.#dirty.add(key);
    this.#entities.clear();
    this.#indexes.clear();
    this.#requestIds.clear();
    this.#lastOrderKey = base ? base.#lastOrderKey : "";
    if (base) {
      for (const [key, entity] of base.#entities) this.#put(key, entity);
      for (const id of base.#requestIds) this.#requestIds.add(id);
    }
    const all = [...ops];
    const sorted = all.filter((op) => orderKey(op) > this.#lastOrderKey)
      .sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1));
    for (const op of all) if (orderKey(op) <= this.#lastOrderKey) this.absorbLate(op);
    for (const op of sorted) this.apply(op);
  }

  /**
   * Apply operations of which some sort before the last one applied. Each that touches no row
   * (or request id, or list of a group's files) that an operation after it touches is applied
   * where it stands; from the first that does, the operations after it are undone, newest first,
   * and all applied again in order. The rows end as a rebuild would leave them, and only those
   * touched are marked dirty.
   *
   * @returns false, changing nothing, when the journal does not reach back that far (rebuild)
   */
  applyLate(ops: readonly Operation[]): boolean {
    if (ops.length === 0) return true;
    const sorted = ops.map((op) => ({ op, key: orderKey(op) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    if (!this.#journal.reaches(sorted[0]!.key)) return false;
    // Most late operations touch nothing those after them touch (two trackers creating groups of
    // different names): each such is applied now, where it stands, and nothing is undone.
    const aside: JournalEntry[] = [];
    while (aside.length < sorted.length && sorted[aside.length]!.key <= this.#lastOrderKey) {
      const entry = this.#applyAside(sorted[aside.length]!.op, sorted[aside.length]!.key);
      if (entry === null) break;
      aside.push(entry);
    }
    this.#journal.place(aside);
    const rest = sorted.slice(aside.length);
    if (rest.length === 0) return true;
    const undone = this.#journal.takeAfter(rest[0]!.key);
    for (const entry of undone) {
      this.#undo(entry);
      this.#lastOrderKey = entry.previousOrderKey;
    }
    const again = new Map(undone.map((entry) => [entry.key, entry.op]));
    for (const { op, key } of rest) again.set(key, op);
    for (const key of [...again.keys()].sort()) this.apply(again.get(key)!);
    return true;
  }

  /**
   * Apply `op`, which sorts before the last one applied, at the end; keep it there when it
   * touches nothing the operations after it touch, else undo it.
   *
   * @returns its journal entry, to place; null when it was undone
   */
  #applyAside(op: Operation, key: string): JournalEntry | null {
    const entry = this.#journal.beginAside(op, key);
    this.#applyEntry(op, key, entry);
    if (!this.#journal.clashes(entry)) return entry;
    this.#undo(entry);
    return null;
  }

  /** Put back what the entry's operation changed. */
  #undo(entry: JournalEntry): void {
    for (const [key, before] of entry.before) {
      if (before === undefined) this.#delete(key);
      else this.#put(key, before);
    }
    if (entry.addedRequest) this.#requestIds.delete(entry.op.requestId!);
  }

  /**
   * An operation that sorts at or below the last one applied, met again when a state is rebuilt
   * or folded: it is in the state already, except one about a tracker, which still counts
   * (tracker_rules.ts says why, and why taking it late gives the same rows).
   */
  absorbLate(op: Operation): void {
    if (isTrackerBody(op.body)) absorbLateTrackerOp(this.#trackerRows, op.body);
  }

  /** Forget the journal: a state that only ever folds in order (a checkpoint) needs none. */
  clearJournal(): void {
    this.#journal.clear();
  }

  /** An independent copy (rows are immutable values, so sharing them is safe). */
  copy(): State {
    return State.load(this.#entities, this.#requestIds, this.#lastOrderKey);
  }

  /** Every row, for a snapshot. */
  rows(): Array<[string, Entity]> {
    return [...this.#entities];
  }

  /** Every applied request id, for a snapshot. */
  requestIds(): string[] {
    return [...this.#requestIds];
  }

  /** Order key of the last operation applied; a new one must sort after it. */
  get lastOrderKey(): string {
    return this.#lastOrderKey;
  }

  /** Whether `op` sorts after everything applied, so it can be applied without a rebuild. */
  canAppend(op: Operation): boolean {
    return orderKey(op) > this.#lastOrderKey;
  }

  /** Whether an operation with this client request id was applied already. */
  hasRequest(requestId: string): boolean {
    return this.#requestIds.has(requestId);
  }

  get(key: string): Entity | undefined {
    return this.#row(key);
  }

  user(name: string): UserEntity | undefined {
    const entity = this.#row(`user/${name}`);
    return entity?.kind === "user" ? entity : undefined;
  }

  group(name: string): GroupEntity | undefined {
    const entity = this.#row(`group/${name}`);
    return entity?.kind === "group" ? entity : undefined;
  }

  file(group: string, name: string): FileEntity | undefined {
    const entity = this.#row(`file/${group}/${name}`);
    return entity?.kind === "file" ? entity : undefined;
  }

  /** The files of a group, sorted by name. */
  files(group: string): FileEntity[] {
    this.#journal.noteRead(filesMark(group));
    const names = this.#indexes.filesByGroup.sorted(group);
    return names.map((name) => this.file(group, name)).filter((f) => f !== undefined);
  }

  /** The first file, by group and then name, shared with this file id. */
  firstFileWithId(fileId: string): FileEntity | undefined {
    let first: FileEntity | undefined;
    for (const key of this.#indexes.filesById.get(fileId)) {
      const file = this.#entities.get(key) as FileEntity;
      const before = first === undefined || file.group < first.group ||
        (file.group === first.group && file.name < first.name);
      if (before) first = file;
    }
    return first;
  }

  /** One chunk of a file's piece hashes. */
  hashes(fileId: string, chunk: number): HashesEntity | undefined {
    const entity = this.#row(`hashes/${fileId}/${chunk}`);
    return entity?.kind === "hashes" ? entity : undefined;
  }

  /** The groups `user` has a pending request to, sorted by name. */
  pendingRequestsOf(user: string): GroupEntity[] {
    const names = this.#indexes.requestedBy.sorted(user);
    return names.map((name) => this.group(name)).filter((g) => g !== undefined);
  }

  /** The owners' answers to `user`'s join requests, oldest first (see `AnswersEntity`). */
  answersOf(user: string): readonly RequestAnswer[] {
    const entity = this.#row(`answers/${user}`);
    return entity?.kind === "answers" ? entity.answers : [];
  }

  /** Where each tracker of the cluster said it listens, by tracker id (removed ones left out). */
  trackerAddresses(): Map<string, string> {
    return trackerAddresses(this.#indexes.trackerRows.values(), this.removedTrackers(), false);
  }

  /** Where removed trackers last said they listened, by tracker id. */
  removedAddresses(): Map<string, string> {
    return trackerAddresses(this.#indexes.trackerRows.values(), this.removedTrackers(), true);
  }

  /** The ids of trackers removed from the cluster for good. */
  removedTrackers(): Set<string> {
    return removedTrackers(this.#indexes.trackerRows.values());
  }

  /** Every tracker public key. */
  trackerKeys(): TrackerKeyEntity[] {
    return trackerKeys(this.#indexes.trackerRows.values());
  }

  /** Every group, sorted by name. */
  groups(): GroupEntity[] {
    return this.#indexes.groupNames.all.map((name) =>
      this.#entities.get(`group/${name}`) as GroupEntity
    );
  }

  /** A number that changes whenever a group row does (pages of groups can be kept until then). */
  get groupsVersion(): number {
    return this.#indexes.groupsVersion;
  }

  /** Up to `limit` groups by name after `cursor` (a name), and whether more follow. */
  groupsAfter(
    cursor: string | undefined,
    limit: number,
  ): { groups: GroupEntity[]; hasMore: boolean } {
    const { names, hasMore } = this.#indexes.groupNames.after(cursor, limit);
    const groups = names.map((name) => this.#entities.get(`group/${name}`) as GroupEntity);
    return { groups, hasMore };
  }

  /** Keys changed since the last call, with their rows (null = deleted); clears the set. */
  takeDirty(): Array<[string, Entity | null]> {
    const rows: Array<[string, Entity | null]> = [];
    for (const key of this.#dirty) rows.push([key, this.#entities.get(key) ?? null]);
    this.#dirty.clear();
    return rows;
  }

  /** Number of entity rows. */
  get size(): number {
    return this.#entities.size;
  }

  /**
   * Apply one operation at the end of the order.
   *
   * @throws {RangeError} when `op` does not sort after the last one applied (rebuild instead)
   */
  apply(op: Operation): ApplyOutcome {
    const key = orderKey(op);
    if (key <= this.#lastOrderKey) {
      throw new RangeError(`Operation ${opId(op)} is out of order: rebuild the state`);
    }
    const entry = this.#journal.begin(op, key, this.#lastOrderKey);
    this.#lastOrderKey = key;
    return this.#applyEntry(op, key, entry);
  }

  /** Apply `op` as the journal's current `entry`, noting what it reads and changes. */
  #applyEntry(op: Operation, key: string, entry: JournalEntry): ApplyOutcome {
    try {
      if (op.requestId !== null) {
        const mark = `\0request/${op.requestId}`;
        this.#journal.noteRead(mark);
        this.#journal.noteMark(mark);
        if (this.#requestIds.has(op.requestId)) return "duplicate";
        this.#requestIds.add(op.requestId);
        entry.addedRequest = true;
      }
      return this.#applyBody(op, key) ? "applied" : "set_aside";
    } finally {
      this.#journal.end();
    }
  }

  #applyBody(op: Operation, since: string): boolean {
    const body = op.body;
    switch (body.type) {
      case "create_user": {
        if (this.user(body.user)) return this.#setAside("user", body.user, opId(op));
        const { user: name, salt, hash, params } = body;
        this.#put(`user/${name}`, { kind: "user", name, creation: opId(op), salt, hash, params });
        return true;
      }
      case "create_group": {
        if (this.group(body.group)) {
          return this.#setAside("group", body.group, opId(op), body.ownerCreation);
        }
        if (!this.#isCurrentUser(body.owner, body.ownerCreation)) return false;
        this.#putGroup({
          kind: "group",
          name: body.group,
          creation: opId(op),
          owner: body.owner,
          members: [{ user: body.owner, since }],
          requests: [],
        });
        return true;
      }
      case "join_request":
        return joinRequest(this.#memberRows, body, since);
      case "resolve_request":
        return resolveRequest(this.#memberRows, body, { since, wall: op.hlc.wall });
      case "leave_group":
        return leaveGroup(this.#memberRows, body);
      case "add_hashes": {
        const key = `hashes/${body.fileId}/${body.chunk}`;
        if (this.#row(key) !== undefined) return true; // content-addressed: the same bytes again
        const { fileId, chunk, hashes } = body;
        this.#put(key, { kind: "hashes", fileId, chunk, hashes });
        return true;
      }
      case "share_file": {
        const group = this.#currentGroup(body.group, body.groupCreation);
        if (!group || !this.#isCurrentUser(body.user, body.userCreation)) return false;
        if (!isListed(group.members, body.user)) return false;
        return shareFile(this.#fileRows, body);
      }
      case "unshare_file":
        return unshareFile(this.#fileRows, body);
      case "tracker_key":
      case "tracker_address":
      case "tracker_removed":
        return applyTrackerOp(this.#trackerRows, body);
      case "logout": {
        if (!this.#isCurrentUser(body.user, body.userCreation)) return false;
        const { user, userCreation, peerId } = body;
        const key = `logout/${user}/${peerId}`;
        const previous = this.#row(key);
        const at = formatHlc(op.hlc);
        const previousAt = previous?.kind === "logout" ? previous.at : "";
        this.#put(key, {
          kind: "logout",
          user,
          userCreation,
          peerId,
          at: at > previousAt ? at : previousAt,
        });
        return true;
      }
    }
  }

  #setAside(
    what: "user" | "group",
    name: string,
    creation: string,
    ownerCreation?: string,
  ): false {
    this.#put(`conflict/${creation}`, {
      kind: "conflict",
      what,
      name,
      creation,
      ...(ownerCreation === undefined ? {} : { ownerCreation }),
    });
    return false;
  }

  /** The answers of the user of this creation that were set aside when trackers merged. */
  setAsideOf(userCreation: string): SetAsideEntity[] {
    const keys = this.#indexes.answersSetAside.sorted(userCreation);
    return keys.map((key) => this.#entities.get(key)).filter((e) => e?.kind === "answer_set_aside");
  }

  /** Groups made by this user (by its creation id) that lost their name, by creation id. */
  lostGroupsOf(userCreation: string): Array<{ name: string; creation: string }> {
    return this.#indexes.lostGroups.sorted(userCreation).map((creation) => {
      const entity = this.#entities.get(`conflict/${creation}`);
      return { name: entity?.kind === "conflict" ? entity.name : "", creation };
    });
  }

  #isCurrentUser(name: string, creation: string): boolean {
    return this.user(name)?.creation === creation;
  }

  #currentGroup(name: string, creation: string): GroupEntity | undefined {
    const group = this.group(name);
    return group?.creation === creation ? group : undefined;
  }

  #putGroup(group: GroupEntity): void {
    this.#put(`group/${group.name}`, group);
  }

  /** Row `key`, noted as read by the operation being applied, if any. */
  #row(key: string): Entity | undefined {
    this.#journal.noteRead(key);
    return this.#entities.get(key);
  }

  #put(key: string, entity: Entity): void {
    const before = this.#entities.get(key);
    this.#journal.note(key, before);
    this.#noteFiles(before, entity);
    this.#indexes.update(key, before, entity);
    this.#entities.set(key, entity);
    this.#dirty.add(key);
  }

  #delete(key: string): void {
    const before = this.#entities.get(key);
    this.#journal.note(key, before);
    this.#noteFiles(before, undefined);
    this.#indexes.update(key, before, undefined);
    this.#entities.delete(key);
    this.#dirty.add(key);
  }

  /** A file row changing changes its group's list of files, which `files` reads. */
  #noteFiles(before: Entity | undefined, after: Entity | undefined): void {
    const file = before?.kind === "file" ? before : after?.kind === "file" ? after : undefined;
    if (file !== undefined) this.#journal.noteMark(filesMark(file.group));
  }

  /** SHA-256 over every row in key order: equal digests mean equal state. */
  digest(): string {
    return stateDigest(this.#entities);
  }
}

/** The mark of a group's list of files (no row key starts with a NUL). */
function filesMark(group: string): string {
  return `\0files/${group}`;
}
