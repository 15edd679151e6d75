/**
 * The partition workload's checker: given the clients' history (each command: invoked when, on
 * which tracker, acknowledged, refused with a code, or unknown) and every tracker's final state
 * and operation log, it lists what breaks the cluster's promises (docs/OPERATIONS.md, "When the
 * network splits"):
 *
 * - a lost write: an acknowledged write a tracker does not hold, or whose effect is gone with no
 *   documented rule to explain it (each explained one is listed with its rule: a lost name, a
 *   former owner's answer, removed with its group, undone by a later write…);
 * - trackers that disagree, or whose state is not their log folded in order;
 * - a live group without exactly one owner among its members, files of a removed group;
 * - a resurrection: a removed group, a stopped share, a member who left, back again without a
 *   later operation that makes them again;
 * - a contested name with no single winner, or a loser never told `name_taken` (`not_owner` for
 *   a former owner's answer).
 */
import { type Operation, opId, orderKey, State } from "../../lib/tracker/state/mod.ts";
import { type Describe, isPresent, undoneBy, whySetAside } from "./jepsen_rules.ts";

/** One command of one client, as the runner recorded it. */
export interface HistoryEntry {
  index: number;
  client: string;
  /** The tracker it was sent to (1-based). */
  tracker: number;
  op: string;
  user?: string;
  password?: string;
  args: Record<string, unknown>;
  requestId?: string;
  /** Ms since the run started. */
  start: number;
  end: number;
  type: "ok" | "fail" | "info";
  code?: string;
  result?: unknown;
}

/** A tracker's state and log, read from its database after it stopped. */
export interface TrackerFinal {
  n: number;
  state: State;
  ops: readonly Operation[];
}

/** What the checker found. */
export interface CheckReport {
  problems: string[];
  /** One line per acknowledged write whose effect is not in the final state, with its rule. */
  superseded: string[];
  /** Acknowledged writes checked. */
  acked: number;
}

/** Client commands that write (`upload` is upload_file). */
export const WRITE_COMMANDS = new Set([
  "create_user",
  "create_group",
  "join_group",
  "leave_group",
  "accept_request",
  "reject_request",
  "upload",
  "stop_share",
]);

const byOrder = (a: Operation, b: Operation) => (orderKey(a) < orderKey(b) ? -1 : 1);

/** Check a history against the trackers' final states. */
export function checkHistory(
  history: readonly HistoryEntry[],
  finals: readonly TrackerFinal[],
): CheckReport {
  const problems: string[] = [];
  const superseded: string[] = [];
  const log = [...finals[0]!.ops].sort(byOrder);
  const byRequest = new Map(log.filter((o) => o.requestId).map((o) => [o.requestId!, o]));
  const entryOf = new Map(history.filter((e) => e.requestId).map((e) => [e.requestId!, e]));
  const by = (e: HistoryEntry) =>
    `${e.user ?? "?"}@${e.client} on tracker ${e.tracker} (#${e.index})`;
  const name = (e: HistoryEntry) =>
    `${e.op} ${JSON.stringify(e.args.group ?? e.args.user ?? "")} by ${by(e)}`;
  const ids = new Map(log.map((o) => [opId(o), o]));
  const who: Describe = (id) => {
    const op = ids.get(id);
    const entry = op?.requestId ? entryOf.get(op.requestId) : undefined;
    return entry ? by(entry) : `operation ${id}`;
  };
  for (const final of finals.slice(1)) compareLogs(finals[0]!, final, problems);

  // Fold the log in order, noting what each operation did and why a set-aside one was.
  const replay = new State();
  const outcome = new Map<string, string>();
  const applied: Operation[] = [];
  const removals = new Map<string, Operation>();
  for (const op of log) {
    const result = replay.apply(op);
    if (result === "applied") {
      applied.push(op);
      const b = op.body;
      if (b.type === "leave_group" && replay.group(b.group)?.creation !== b.groupCreation) {
        removals.set(b.groupCreation, op);
      }
    }
    const why = result === "set_aside" ? whySetAside(replay, op, who) : result;
    outcome.set(opId(op), why ?? "set_aside");
  }
  for (const final of finals) {
    if (final.state.digest() !== replay.digest()) {
      problems.push(`tracker ${final.n}: its state is not its log folded in order`);
    }
  }

  // An upload of a file this peer shares already is answered `added: false` and writes nothing.
  const acked = history.filter((e) =>
    e.type === "ok" && WRITE_COMMANDS.has(e.op) &&
    (e.result as { added?: boolean } | undefined)?.added !== false
  );
  for (const entry of acked) {
    const missing = finals.filter((f) => !f.state.hasRequest(entry.requestId!));
    if (missing.length > 0) {
      problems.push(
        `lost write: ${name(entry)} was acknowledged, not held by tracker ${
          missing.map((f) => f.n).join(", ")
        }`,
      );
      continue;
    }
    const op = byRequest.get(entry.requestId!);
    if (!op) continue; // folded into a checkpoint: held, but no longer in the log
    const did = outcome.get(opId(op))!;
    if (did === "applied") {
      if (isPresent(finals[0]!.state, op)) continue;
      const later = applied.filter((o) => orderKey(o) > orderKey(op));
      const undo = undoneBy(op, later, { removals, who });
      if (undo) superseded.push(`${name(entry)}: ${undo}`);
      else problems.push(`lost write: ${name(entry)} was applied, its effect is gone`);
    } else if (did === "set_aside") {
      problems.push(`lost write: ${name(entry)} was set aside by no rule the checker knows`);
    } else {
      superseded.push(`${name(entry)}: ${did}`);
    }
  }
  for (const final of finals) checkInvariants(final, problems);
  compareGroups(finals, problems);
  checkResurrections({ acked, byRequest, log, finals, name }, problems);
  checkTold({ acked, history, byRequest, outcome, finals, name }, problems);
  return { problems, superseded, acked: acked.length };
}

function compareLogs(a: TrackerFinal, b: TrackerFinal, problems: string[]): void {
  const ids = (f: TrackerFinal) => new Set(f.ops.map(opId));
  const [one, two] = [ids(a), ids(b)];
  const only = [...one].filter((id) => !two.has(id)).length +
    [...two].filter((id) => !one.has(id)).length;
  if (only > 0) problems.push(`trackers ${a.n} and ${b.n}: ${only} operations held by one only`);
  if (a.state.digest() !== b.state.digest()) {
    problems.push(`trackers ${a.n} and ${b.n}: different state digests`);
  }
}

/** One owner per live group, among its members; nothing left of a removed group. */
function checkInvariants(final: TrackerFinal, problems: string[]): void {
  const { state, n } = final;
  for (const group of state.groups()) {
    const users = group.members.map((m) => m.user);
    if (users.length === 0) problems.push(`tracker ${n}: group "${group.name}" has no member`);
    if (!users.includes(group.owner)) {
      problems.push(`tracker ${n}: group "${group.name}" owner "${group.owner}" is not a member`);
    }
    if (new Set(users).size !== users.length) {
      problems.push(`tracker ${n}: group "${group.name}" lists a member twice`);
    }
    const both = group.requests.filter((r) => users.includes(r.user));
    if (both.length > 0) problems.push(`tracker ${n}: "${both[0]!.user}" both member and asking`);
  }
  for (const [, row] of state.rows()) {
    if (row.kind !== "file") continue;
    const group = state.group(row.group);
    if (group?.creation !== row.groupCreation) {
      problems.push(`tracker ${n}: file "${row.name}" of removed group "${row.group}" is listed`);
    } else if (row.sharers.some((s) => !group.members.some((m) => m.user === s.user))) {
      problems.push(`tracker ${n}: file "${row.name}" in "${row.group}" shared by a non-member`);
    }
  }
}

/** Every tracker names the same owner and members for every group (never two owners). */
function compareGroups(finals: readonly TrackerFinal[], problems: string[]): void {
  const seen = new Map<string, { n: number; owner: string; members: string }>();
  for (const { n, state } of finals) {
    for (const group of state.groups()) {
      const members = group.members.map((m) => m.user).join(",");
      const first = seen.get(group.name);
      if (!first) seen.set(group.name, { n, owner: group.owner, members });
      else if (first.owner !== group.owner || first.members !== members) {
        problems.push(
          `two owners: group "${group.name}" is owned by "${first.owner}" on tracker ${first.n}, by "${group.owner}" on tracker ${n}`,
        );
      }
    }
  }
}

interface Context {
  acked: readonly HistoryEntry[];
  byRequest: Map<string, Operation>;
  log: readonly Operation[];
  finals: readonly TrackerFinal[];
  name: (e: HistoryEntry) => string;
}

/** A group removed, a share stopped, a member who left: never back without a later write. */
function checkResurrections(c: Context, problems: string[]): void {
  for (const entry of c.acked) {
    const op = c.byRequest.get(entry.requestId ?? "");
    const b = op?.body;
    if (!op || !b || (b.type !== "leave_group" && b.type !== "unshare_file")) continue;
    const later = c.log.filter((o) => orderKey(o) > orderKey(op)).map((o) => o.body);
    for (const { n, state } of c.finals) {
      const group = state.group(b.group);
      const same = group?.creation === b.groupCreation;
      if (b.type === "leave_group") {
        const removed = (entry.result as { removed?: boolean } | undefined)?.removed === true;
        const isMember = same && group.members.some((m) => m.user === b.user);
        const readmitted = later.some((l) =>
          l.type === "resolve_request" && l.accept && l.group === b.group &&
          l.groupCreation === b.groupCreation && l.user === b.user
        );
        // The leave's tracker removed the group as it knew it; a member admitted first (by the
        // clocks) on another side keeps it, with the group passing to them.
        const keptBy = same &&
          c.log.some((o) =>
            o.body.type === "resolve_request" && o.body.accept && o.body.group === b.group &&
            o.body.groupCreation === b.groupCreation && orderKey(o) < orderKey(op) &&
            group.members.some((m) => m.user === (o.body as { user: string }).user)
          );
        if (removed && same && !keptBy) {
          problems.push(
            `resurrection: tracker ${n} holds group "${b.group}" removed by ${c.name(entry)}`,
          );
        } else if (isMember && !readmitted) {
          problems.push(
            `resurrection: tracker ${n} lists "${b.user}" in "${b.group}" after ${
              c.name(entry)
            }, with no later accept`,
          );
        }
      } else {
        const file = state.file(b.group, b.name);
        const isSharer = file?.fileId === b.fileId &&
          file.sharers.some((s) => s.user === b.user && s.peerId === b.peerId);
        const reshared = later.some((l) =>
          l.type === "share_file" && l.group === b.group && l.name === b.name &&
          l.fileId === b.fileId && l.user === b.user && l.peerId === b.peerId
        );
        if (isSharer && !reshared) {
          problems.push(`resurrection: tracker ${n} lists the share stopped by ${c.name(entry)}`);
        }
      }
    }
  }
}

/** Losers of a name are told `name_taken`, authors of a set-aside answer `not_owner`. */
function checkTold(
  c: Omit<Context, "log"> & { history: readonly HistoryEntry[]; outcome: Map<string, string> },
  problems: string[],
): void {
  for (const entry of c.acked) {
    const op = c.byRequest.get(entry.requestId ?? "");
    const did = op ? c.outcome.get(opId(op)) ?? "" : "";
    const expected = did.startsWith("name_taken") ? "name_taken" : did.startsWith("set aside: ") &&
        did.includes("former owner")
      ? "not_owner"
      : undefined;
    if (!expected || !op) continue;
    const b = op.body;
    // A creator or an owner answering whose own user name lost is told that instead, at every
    // command; a losing user without a token learns it from a refused login (the name's password
    // is another's).
    const author = b.type === "create_group"
      ? { user: b.owner, creation: b.ownerCreation }
      : b.type === "resolve_request" && b.owner !== undefined && b.ownerCreation !== undefined
      ? { user: b.owner, creation: b.ownerCreation }
      : undefined;
    if (author && c.finals[0]!.state.user(author.user)?.creation !== author.creation) continue;
    const told = c.history.some((e) =>
      // A lost user name is another creation's: only its own creator's session can be told.
      (e.client === entry.client || b.type !== "create_user") && e.user === entry.user &&
      e.start >= entry.end &&
      (e.code === expected ||
        (b.type === "create_user" && /^login: (?!unreachable)/.test(e.code ?? "")))
    );
    if (!told) problems.push(`never told ${expected}: ${c.name(entry)} (${did})`);
  }
}
