/**
 * Tracker and peer processes of the swarm benchmark, each run inside a host's namespace with
 * `ip netns exec <ns> <deno> run …` (which execs, so the child's pid is deno's own). Peers are
 * driven through stdin with `--json`: one JSON line per command and per event. Only these
 * processes are ever stopped, by their pid.
 */
import { Child, ROOT } from "../tests/helpers/processes.ts";
import type { Host } from "../tests/helpers/netns.ts";
import { peerArgs } from "../tests/helpers/peer.ts";

/** The port every tracker and peer listens on, in its own namespace. */
export const TRACKER_PORT = 7000;
export const PEER_PORT = 6881;
/** A command may take this long (create_user hashes a password; many peers share the CPUs). */
const COMMAND_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 60_000;

/** One JSON line a peer printed: a command's result or an event. */
export type JsonLine = Record<string, unknown>;

function inNamespace(host: Host, denoArgs: string[]): Child {
  return new Child(["netns", "exec", host.ns, Deno.execPath(), ...denoArgs], {
    program: "ip",
    stdin: true,
  });
}

function parse(line: string): JsonLine | null {
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch (error) {
    // Not every stdout line must be JSON for this reader: callers match only JSON lines.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}

/** Start tracker 1 of `infoPath` on `host`, its data in `dir`; resolves once it listens. */
export async function startTracker(host: Host, infoPath: string, dir: string): Promise<Child> {
  const child = inNamespace(host, [
    ...["run", "--no-prompt", "--allow-net", "--allow-ffi", "--allow-read", `--allow-write=${dir}`],
    ...[`${ROOT}tracker.ts`, infoPath, "1", "--data-dir", `${dir}/tracker`],
    ...["--cluster-key", `${dir}/cluster.key`, "--quiet"],
  ]);
  try {
    await child.stdout.waitFor((line) => line.includes("listening on"), 0, START_TIMEOUT_MS);
  } catch (error) {
    await child[Symbol.asyncDispose]();
    throw new Error(`Tracker did not start: ${String(error)}\n${child.stderr.text()}`);
  }
  return child;
}

/** A peer shell in a namespace: `command()` writes a line and returns its JSON result. */
export class NsPeer implements AsyncDisposable {
  readonly name: string;
  readonly host: Host;
  readonly child: Child;
  #cursor = 0;

  private constructor(name: string, host: Host, child: Child) {
    this.name = name;
    this.host = host;
    this.child = child;
  }

  /** Start `peer.ts <ip>:6881 <infoPath> --json --state-dir <stateDir>` and wait until it listens. */
  static async start(name: string, host: Host, paths: { info: string; stateDir: string }) {
    const child = inNamespace(host, [
      ...peerArgs([`${host.ip}:${PEER_PORT}`, paths.info, "--json", "--state-dir", paths.stateDir]),
    ]);
    const peer = new NsPeer(name, host, child);
    try {
      await peer.#next((json) => json.event === "listening", START_TIMEOUT_MS);
    } catch (error) {
      await peer[Symbol.asyncDispose]();
      throw error;
    }
    return peer;
  }

  /**
   * Run one command and return its result line.
   *
   * @throws {Error} naming the peer and the command when it is refused
   */
  async command(line: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<JsonLine> {
    await this.child.write(line);
    const result = await this.#next((json) => "command" in json, timeoutMs);
    if (result.ok !== true) {
      throw new Error(`${this.name}: "${line}" failed: ${result.code}: ${result.error}`);
    }
    return result;
  }

  /** Wait for an event named `name`, printed at any time since start. */
  async event(name: string, signal: AbortSignal): Promise<JsonLine> {
    const match = (line: string) => parse(line)?.event === name;
    const found = this.child.stdout.waitFor(match, 0, 2 ** 31 - 1);
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    return parse(this.child.stdout.lines[await Promise.race([found, aborted])]!)!;
  }

  /** Every event line named `name` so far. */
  events(name: string): JsonLine[] {
    return this.child.stdout.lines.map(parse).filter((json) => json?.event === name) as JsonLine[];
  }

  async #next(match: (json: JsonLine) => boolean, timeoutMs: number): Promise<JsonLine> {
    const test = (line: string) => {
      const json = parse(line);
      return json !== null && match(json);
    };
    try {
      const index = await this.child.stdout.waitFor(test, this.#cursor, timeoutMs);
      this.#cursor = index + 1;
      return parse(this.child.stdout.lines[index]!)!;
    } catch (error) {
      const stderr = this.child.stderr.lines.slice(-5).join("\n");
      throw new Error(`${this.name}: ${String(error).split("\n")[0]}\nstderr:\n${stderr}`);
    }
  }

  /** Kill the process (by its pid) and wait for its output to end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.child[Symbol.asyncDispose]();
  }
}
