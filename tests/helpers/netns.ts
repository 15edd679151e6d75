/**
 * A network of Linux network namespaces for benchmarks and fault tests: one namespace per host,
 * all on one bridge that lives in a namespace of its own, so the root namespace's interfaces and
 * routes are never touched. Each host has a veth pair (`veth0` in the host, `h<N>` on the
 * bridge), an address in 10.77.0.0/16 and, when a rate is given, its upload (the egress of
 * `veth0`) capped by a tbf qdisc. A host can be cut off the bridge and plugged back
 * (`cut`/`heal`), or the hosts split into sides on bridges of their own (`partition`/`join`):
 * packets across the cut are dropped, connections stay open, as in a real partition.
 * Namespaces are named `<prefix>-h<N>` and `<prefix>-br`; removing them removes their veths.
 *
 * ```ts
 * await using net = await Network.create("psb123", { hosts: 3, rateMbit: 40 });
 * const bytes = await net.txBytes(net.hosts[1]!);
 * ```
 *
 * Needs root and iproute2 (`ip`, `tc`).
 */

/** The interface inside each host namespace. */
export const HOST_IF = "veth0";
/** Host N has address 10.77.0.(N+1); a /16 leaves room, but one octet is enough here. */
const MAX_HOSTS = 250;
/**
 * tbf's bucket and queue. The bucket holds two 64 KiB GSO packets: a smaller one makes tbf split
 * every GSO packet in software, and with 17 hosts that softirq work alone filled both cores of
 * the machine (24 s for 1 → 16 where 20 s is the same swarm with the CPU to spare). 128 KiB is
 * 26 ms at 40 Mbit/s: the rate still holds at every time scale the transfers care about.
 */
const TBF_BURST = "128kb";
const TBF_LATENCY = "400ms";

/** One host: its namespace, its address, and the bridge port its veth is plugged into. */
export interface Host {
  readonly index: number;
  readonly ns: string;
  readonly ip: string;
}

/** Options of {@linkcode Network.create}. */
export interface NetworkOptions {
  /** How many host namespaces. */
  hosts: number;
  /** Upload cap of every host, in Mbit/s (tbf `rate`); none when left out. */
  rateMbit?: number;
}

/** Run `ip <args>` (or another program) and throw with its stderr when it fails. */
export async function sh(args: string[], program = "ip"): Promise<string> {
  const out = await new Deno.Command(program, { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const error = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Command "${program} ${args.join(" ")}" failed: ${error}`);
  }
  return text;
}

/** Every network namespace whose name starts with `prefix`. */
export async function namespacesWith(prefix: string): Promise<string[]> {
  const listing = await sh(["netns", "list"]);
  // Lines read `name` or `name (id: 3)`.
  return listing.split("\n").map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(prefix));
}

/**
 * Why this machine cannot build the network, or null when it can (root, and `ip -V` runs).
 */
export async function cannotShape(): Promise<string | null> {
  if (Deno.uid() !== 0) return "not root (network namespaces need uid 0)";
  try {
    await sh(["-V"]);
    await sh(["-V"], "tc");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    return "iproute2 (ip, tc) is not installed";
  }
  return null;
}

/** Hosts in namespaces on one bridge, removed on dispose (also after a partial create). */
export class Network implements AsyncDisposable {
  readonly prefix: string;
  readonly hosts: Host[] = [];
  readonly bridgeNs: string;
  /** Bridges made by `partition`, besides `br0`. */
  readonly #bridges = new Set<string>();

  private constructor(prefix: string) {
    this.prefix = prefix;
    this.bridgeNs = `${prefix}-br`;
  }

  /** Build the bridge and `options.hosts` shaped hosts; on failure remove what was made. */
  static async create(prefix: string, options: NetworkOptions): Promise<Network> {
    if (!(options.hosts >= 1 && options.hosts <= MAX_HOSTS)) {
      throw new RangeError(`Cannot build ${options.hosts} hosts: use 1 to ${MAX_HOSTS}`);
    }
    const net = new Network(prefix);
    try {
      await net.#addBridge();
      for (let i = 0; i < options.hosts; i++) net.hosts.push(await net.#addHost(i, options));
    } catch (error) {
      await net.remove();
      throw error;
    }
    return net;
  }

  /** Bytes sent by a host's `veth0` so far (its interface counter, headers included). */
  async txBytes(host: Host): Promise<number> {
    const path = `/sys/class/net/${HOST_IF}/statistics/tx_bytes`;
    return Number((await sh(["netns", "exec", host.ns, "cat", path])).trim());
  }

  /** Cut `host` off the bridge: every packet to or from it is dropped until `heal`. */
  async cut(host: Host): Promise<void> {
    await sh(["-n", this.bridgeNs, "link", "set", `h${host.index}`, "down"]);
  }

  /** Plug `host` back into the bridge. */
  async heal(host: Host): Promise<void> {
    await sh(["-n", this.bridgeNs, "link", "set", `h${host.index}`, "up"]);
  }

  /**
   * Split the network: the hosts of `sides[i]` move to a bridge of their own (`br<i+1>`), so
   * packets between sides are dropped while each side's hosts still reach each other; their
   * connections stay open, as in a real partition. Hosts named in no side stay on `br0`.
   */
  async partition(sides: readonly (readonly Host[])[]): Promise<void> {
    for (const [i, side] of sides.entries()) {
      const bridge = `br${i + 1}`;
      if (!this.#bridges.has(bridge)) {
        await sh(["-n", this.bridgeNs, "link", "add", bridge, "type", "bridge"]);
        await sh(["-n", this.bridgeNs, "link", "set", bridge, "up"]);
        this.#bridges.add(bridge);
      }
      for (const host of side) {
        await sh(["-n", this.bridgeNs, "link", "set", `h${host.index}`, "master", bridge]);
      }
    }
  }

  /** Undo `partition`: every host back on `br0`. */
  async join(): Promise<void> {
    for (const host of this.hosts) {
      await sh(["-n", this.bridgeNs, "link", "set", `h${host.index}`, "master", "br0"]);
    }
  }

  /** Delete every namespace with this prefix (their veths go with them). */
  async remove(): Promise<void> {
    for (const ns of await namespacesWith(`${this.prefix}-`)) await sh(["netns", "del", ns]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }

  async #addBridge(): Promise<void> {
    const br = ["-n", this.bridgeNs];
    await sh(["netns", "add", this.bridgeNs]);
    await sh([...br, "link", "add", "br0", "type", "bridge"]);
    await sh([...br, "link", "set", "br0", "up"]);
  }

  async #addHost(index: number, options: NetworkOptions): Promise<Host> {
    const host = { index, ns: `${this.prefix}-h${index}`, ip: `10.77.0.${index + 1}` };
    const port = `h${index}`;
    const inHost = ["-n", host.ns];
    await sh(["netns", "add", host.ns]);
    // Made inside the host namespace, the far end moved straight to the bridge namespace.
    await sh([...inHost, "link", "add", HOST_IF, "type", "veth", "peer", "name", port]);
    await sh([...inHost, "link", "set", port, "netns", this.bridgeNs]);
    await sh(["-n", this.bridgeNs, "link", "set", port, "master", "br0"]);
    await sh(["-n", this.bridgeNs, "link", "set", port, "up"]);
    await sh([...inHost, "addr", "add", `${host.ip}/16`, "dev", HOST_IF]);
    await sh([...inHost, "link", "set", HOST_IF, "up"]);
    await sh([...inHost, "link", "set", "lo", "up"]);
    if (options.rateMbit === undefined) return host;
    await sh([
      ...["netns", "exec", host.ns, "tc", "qdisc", "add", "dev", HOST_IF, "root", "tbf"],
      ...["rate", `${options.rateMbit}mbit`, "burst", TBF_BURST, "latency", TBF_LATENCY],
    ]);
    return host;
  }
}
