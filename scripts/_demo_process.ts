/**
 * Child processes of the demo: trackers, and peers driven through stdin with `--json`, whose
 * stdout lines are read back as JSON. Only the processes started here are ever stopped.
 */
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));
/** How long a peer command may take before the demo gives up. */
const COMMAND_TIMEOUT_MS = 30_000;
/** After end of input, how long a peer may take to log out and exit before it is killed. */
const EXIT_TIMEOUT_MS = 10_000;

const encoder = new TextEncoder();

/** One JSON line a peer printed: a command's result or an event. */
export type JsonLine = Record<string, unknown>;

/** A child `deno` process whose stdout is split into lines. */
export class DemoProcess {
  readonly name: string;
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | null;
  readonly #pump: Promise<void>;
  readonly #errors: Promise<string>;
  #hasExited = false;
  #wake: () => void = () => {};

  constructor(name: string, args: string[], options: { stdin: boolean }) {
    this.name = name;
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#stdin = options.stdin ? this.#child.stdin.getWriter() : null;
    this.#pump = this.#read();
    this.#errors = new Response(this.#child.stderr).text();
    this.#child.status.then(() => {
      this.#hasExited = true;
      this.#wake();
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Wait for a stdout line, at index `from` or later, that matches; returns its index. */
  async waitFor(match: (line: string) => boolean, from = 0, timeoutMs = COMMAND_TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.lines.findIndex((line, i) => i >= from && match(line));
      if (index >= 0) return index;
      if (this.#hasExited) throw new Error(`${this.name} exited: ${await this.#lastError()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no expected output in time`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Write one line to stdin. */
  async write(line: string): Promise<void> {
    await this.#stdin?.write(encoder.encode(line + "\n"));
  }

  /** End stdin, wait for the exit (killing the process if it takes too long). */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    await this.#stdin?.close().catch(() => {/* it may have exited already */});
    if (!this.#stdin) this.#kill(signal);
    const timer = setTimeout(() => this.#kill("SIGKILL"), EXIT_TIMEOUT_MS);
    await this.#child.status;
    clearTimeout(timer);
    await this.#pump;
    await this.#errors;
  }

  async #lastError(): Promise<string> {
    await this.#pump;
    const lines = (await this.#errors).trim().split("\n");
    return lines.at(-1) || "no error message";
  }

  #kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch (error) {
      // It exited already: there is nothing left to stop.
      if (!(error instanceof TypeError)) throw error;
    }
  }

  async #read(): Promise<void> {
    let buffer = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        this.lines.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
      this.#wake();
    }
  }
}

/** A peer process: `command()` sends a line and returns its one JSON result line. */
export class DemoPeer extends DemoProcess {
  #cursor = 0;
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Start `peer.ts 127.0.0.1:0 <info> --json --state-dir <dir>/state` and wait until it listens.
   * It may read the whole demo folder (tracker list, shared file) and write only its own.
   */
  static async start(
    name: string,
    info: string,
    dir: string,
    root: string,
    extraArgs: readonly string[] = [],
  ): Promise<DemoPeer> {
    const peer = new DemoPeer(name, [
      "run",
      "--v8-flags=--max-semi-space-size=1", // as `deno task peer`
      "--no-prompt",
      "--allow-net",
      "--allow-ffi", // OpenSSL's ciphers (lib/wire/openssl_aead.ts)
      // The peer's own code too: its piece worker is a module loaded at run time.
      `--allow-read=${root},${ROOT}lib`,
      `--allow-write=${dir}`,
      `${ROOT}peer.ts`,
      "127.0.0.1:0",
      info,
      "--json",
      "--state-dir",
      `${dir}/state`,
      ...extraArgs,
    ], { stdin: true });
    peer.#cursor = await peer.waitFor((line) => line.includes('"event":"listening"')) + 1;
    return peer;
  }

  /**
   * Run one command and return its result line.
   *
   * @throws {Error} naming the peer and the command when it fails
   */
  command(line: string): Promise<JsonLine> {
    const turn = this.#queue.then(() => this.#command(line));
    this.#queue = turn.catch(() => {/* the caller sees the error */});
    return turn;
  }

  /** Wait for the next event line with this name (after those already seen by `from`). */
  async event(name: string, from = 0, timeoutMs = 60_000): Promise<JsonLine> {
    const index = await this.waitFor((line) => line.includes(`"event":"${name}"`), from, timeoutMs);
    return JSON.parse(this.lines[index]!);
  }

  /** Every event line with this name printed so far. */
  events(name: string): JsonLine[] {
    return this.lines.filter((line) => line.includes(`"event":"${name}"`)).map((line) =>
      JSON.parse(line)
    );
  }

  async #command(line: string): Promise<JsonLine> {
    await this.write(line);
    const index = await this.waitFor((text) => text.startsWith('{"ok":'), this.#cursor);
    this.#cursor = index + 1;
    const result = JSON.parse(this.lines[index]!) as JsonLine;
    if (result.ok !== true) throw new Error(`${this.name}: "${line}" failed: ${result.error}`);
    return result;
  }
}

/** A tracker process of the demo's cluster, started and listening. */
export async function startTracker(dir: string, info: string, n: number): Promise<DemoProcess> {
  const tracker = new DemoProcess(`tracker ${n}`, [
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-ffi",
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    `${ROOT}tracker.ts`,
    info,
    String(n),
    "--data-dir",
    `${dir}/tracker-${n}`,
    "--cluster-key",
    `${dir}/cluster.key`,
    "--quiet",
  ], { stdin: false });
  await tracker.waitFor((line) => line.includes("listening on"));
  return tracker;
}

/** A free TCP port on 127.0.0.1 (bound, read back, released). */
export function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}
