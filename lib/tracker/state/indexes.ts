/**
 * The lookups a {@linkcode State} keeps beside its rows, so that listing groups, a group's files,
 * a user's requests or what was set aside needs no scan of every row. Every change of a row goes
 * through {@linkcode RowIndexes.update}, with the row before and after: so an undone operation
 * (the state's journal) takes its index entries away as a rebuild would.
 */
import type { Entity } from "./entities.ts";
import { SortedNames } from "./sorted_names.ts";

/** Keys (or names) by one value: the sets of a one-to-many index. */
class Multi {
  readonly #sets = new Map<string, Set<string>>();

  add(by: string, value: string): void {
    let set = this.#sets.get(by);
    if (!set) this.#sets.set(by, set = new Set());
    set.add(value);
  }

  delete(by: string, value: string): void {
    const set = this.#sets.get(by);
    set?.delete(value);
    if (set?.size === 0) this.#sets.delete(by);
  }

  /** The values under `by`, sorted. */
  sorted(by: string): string[] {
    return [...(this.#sets.get(by) ?? [])].sort();
  }

  get(by: string): Iterable<string> {
    return this.#sets.get(by) ?? [];
  }

  clear(): void {
    this.#sets.clear();
  }
}

/** The indexes of one state's rows. */
export class RowIndexes {
  /** The names of the groups held, in order (list_groups pages through them). */
  readonly groupNames = new SortedNames();
  /** File names by group. */
  readonly filesByGroup = new Multi();
  /** File rows' keys by file id. */
  readonly filesById = new Multi();
  /** Creations of groups that lost their name, by their creator's creation. */
  readonly lostGroups = new Multi();
  /** Set-aside answers' keys by their author's creation. */
  readonly answersSetAside = new Multi();
  /** Groups each user has a pending request to. */
  readonly requestedBy = new Multi();
  /** The cluster's own rows (trackers' keys, addresses, removals) by key: a few among many. */
  readonly trackerRows = new Map<string, Entity>();
  #groupsVersion = 0;

  /** A number that changes whenever a group row does. */
  get groupsVersion(): number {
    return this.#groupsVersion;
  }

  /** Row `key` goes from `before` to `after` (undefined: no row). */
  update(key: string, before: Entity | undefined, after: Entity | undefined): void {
    if (before) this.#index(key, before, "delete");
    if (after) this.#index(key, after, "add");
    if (before?.kind !== "group" && after?.kind !== "group") return;
    this.#groupsVersion++;
    if (after?.kind === "group") this.groupNames.add(after.name);
    else if (before?.kind === "group") this.groupNames.remove(before.name);
  }

  clear(): void {
    this.groupNames.reset([]);
    this.filesByGroup.clear();
    this.filesById.clear();
    this.lostGroups.clear();
    this.answersSetAside.clear();
    this.requestedBy.clear();
    this.trackerRows.clear();
    this.#groupsVersion++;
  }

  #index(key: string, entity: Entity, change: "add" | "delete"): void {
    switch (entity.kind) {
      case "answer_set_aside":
        return this.answersSetAside[change](entity.byCreation, key);
      case "conflict":
        if (entity.ownerCreation !== undefined) {
          this.lostGroups[change](entity.ownerCreation, entity.creation);
        }
        return;
      case "group":
        for (const { user } of entity.requests) this.requestedBy[change](user, entity.name);
        return;
      case "file":
        this.filesByGroup[change](entity.group, entity.name);
        this.filesById[change](entity.fileId, key);
        return;
      case "tracker_key":
      case "tracker_address":
      case "tracker_removed":
        if (change === "add") this.trackerRows.set(key, entity);
        else this.trackerRows.delete(key);
        return;
    }
  }
}
