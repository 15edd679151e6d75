/**
 * The partition workload's generator: a small seeded PRNG (mulberry32) and the next command of
 * a client, picked from what the clients were told so far (`Knowledge`, which may be wrong while
 * the trackers are apart: a refusal is as good a history entry as an acknowledgement). Names
 * come from small pools shared by every client, so both sides of a cut create, join, leave and
 * share the same users, groups and file names.
 */

/** A PRNG in [0, 1) from a 32-bit seed: the same seed, the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, uniformly. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A command as the generator makes it (the runner adds the tracker and the request id). */
export interface Intent {
  op: string;
  user?: string;
  password?: string;
  args: Record<string, unknown>;
}

const GROUPS = ["g0", "g1", "g2", "g3", "g4", "g5"];
const FILES = ["f0", "f1"];
const USERS_PER_ROUND = 3;
/** The password of users every client may act as. */
const SHARED = "shared";

/** What the clients were told: acknowledged results only, as each client saw them. */
export class Knowledge {
  /**
   * User name → who may log in as it: the clients that created it (a contested name's password
   * is its creator's name), or `SHARED` (every client knows the password, so one user acts on
   * both sides of a cut: an owner leaves on one and answers a request on the other).
   */
  readonly users = new Map<string, Set<string>>();
  readonly owners = new Map<string, string>();
  readonly members = new Map<string, Set<string>>();
  readonly pending = new Map<string, Set<string>>();
  /** `group/name` → users sharing it. */
  readonly shares = new Map<string, Set<string>>();

  /** Record an acknowledged command. */
  learn(intent: Intent, result: Record<string, unknown>): void {
    const { op, user = "", args } = intent;
    const group = String(args.group ?? "");
    const set = <K>(map: Map<K, Set<string>>, key: K) => {
      let value = map.get(key);
      if (!value) map.set(key, value = new Set());
      return value;
    };
    if (op === "create_user") set(this.users, String(args.user)).add(intent.password ?? "");
    if (op === "create_group") {
      this.owners.set(group, user);
      this.members.set(group, new Set([user]));
    }
    if (op === "join_group") set(this.pending, group).add(user);
    if (op === "accept_request" || op === "reject_request") {
      set(this.pending, group).delete(String(args.user));
      if (op === "accept_request") set(this.members, group).add(String(args.user));
    }
    if (op === "leave_group") {
      set(this.members, group).delete(user);
      if (result.removed === true) this.owners.delete(group);
      else if (typeof result.newOwner === "string") this.owners.set(group, result.newOwner);
    }
    if (op === "upload") set(this.shares, `${group}/${args.name}`).add(user);
    if (op === "stop_share") set(this.shares, `${group}/${args.name}`).delete(user);
  }

  /**
   * Add what another view learnt: a rough union, as the generator needs no exact truth. Each
   * side of a cut works from a copy (so an owner who left on one side still answers requests
   * on the other), and the copies are joined again at the heal.
   */
  absorb(other: Knowledge): this {
    const sets = [
      [this.users, other.users],
      [this.members, other.members],
      [this.pending, other.pending],
      [this.shares, other.shares],
    ] as const;
    for (const [mine, theirs] of sets) {
      for (const [key, values] of theirs) {
        const set = mine.get(key) ?? new Set();
        mine.set(key, set);
        for (const value of values) set.add(value);
      }
    }
    for (const [group, owner] of other.owners) this.owners.set(group, owner);
    return this;
  }

  /** Learn from a refusal what the tracker knew (a pending request, a member, no such group). */
  learnRefusal(intent: Intent, code: string): void {
    const group = String(intent.args.group ?? "");
    const user = intent.user ?? "";
    if (code === "request_pending") this.pending.get(group)?.add(user);
    if (code === "already_member") this.members.get(group)?.add(user);
    if (code === "not_member") this.members.get(group)?.delete(user);
    if (code === "no_such_group") this.owners.delete(group);
  }

  /** A client told its user lost its name (or can no longer log in as it) stops using it. */
  forget(client: string, user: string): void {
    this.users.get(user)?.delete(client);
  }

  /** The users `client` may log in as. */
  usersOf(client: string): string[] {
    return [...this.users].filter(([, by]) => by.has(client) || by.has(SHARED))
      .map(([name]) => name);
  }
}

/** The next command of `client` in `round`. */
export function nextIntent(
  random: () => number,
  client: string,
  context: { round: number; knowledge: Knowledge },
): Intent {
  const { knowledge: k, round } = context;
  const mine = k.usersOf(client);
  const roll = random();
  if (mine.length === 0 || roll < 0.1) {
    // Half the time a name every client of the round may take (contested across a cut).
    const isContested = random() < 0.5;
    const user = isContested
      ? `r${round}u${Math.floor(random() * USERS_PER_ROUND)}`
      : `r${round}${client}u${mine.length}`;
    const password = isContested ? client : SHARED;
    return { op: "create_user", user, password, args: { user, password } };
  }
  const user = pick(random, mine);
  const password = k.users.get(user)?.has(SHARED) ? SHARED : client;
  const as = (op: string, args: Record<string, unknown>): Intent => ({
    op,
    user,
    password,
    args,
  });
  const myGroups = [...k.members].filter(([, m]) => m.has(user)).map(([g]) => g);
  const others = [...k.owners.keys()].filter((g) =>
    !myGroups.includes(g) && !k.pending.get(g)?.has(user)
  );
  const owned = [...k.owners].filter(([g, o]) => o === user && k.pending.get(g)?.size)
    .map(([g]) => g);
  if (roll < 0.2) return as("create_group", { group: pick(random, GROUPS) });
  if (roll < 0.4 && others.length > 0) return as("join_group", { group: pick(random, others) });
  if (roll < 0.6 && owned.length > 0) {
    const group = pick(random, owned);
    const asker = pick(random, [...k.pending.get(group)!]);
    return as(random() < 0.85 ? "accept_request" : "reject_request", { group, user: asker });
  }
  if (roll < 0.68 && myGroups.length > 0) {
    return as("leave_group", { group: pick(random, myGroups) });
  }
  const shared = [...k.shares].filter(([key, by]) =>
    by.has(user) && myGroups.includes(key.split("/")[0]!)
  ).map(([key]) => key);
  if (roll < 0.78 && shared.length > 0) {
    const [group, name] = pick(random, shared).split("/") as [string, string];
    return as("stop_share", { group, name });
  }
  if (myGroups.length > 0) {
    const group = pick(random, myGroups);
    const name = pick(random, FILES);
    // Two contents per name: the same file shared twice, or two files contesting a name.
    const text = `${group}/${name} version ${Math.floor(random() * 2)}\n`;
    return as("upload", { group, name, text });
  }
  if (others.length > 0) return as("join_group", { group: pick(random, others) });
  const free = GROUPS.filter((g) => !k.owners.has(g));
  return free.length > 0
    ? as("create_group", { group: pick(random, free) })
    : as("join_group", { group: pick(random, GROUPS) });
}
