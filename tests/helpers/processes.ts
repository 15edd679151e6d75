/**
 * Test helpers that start real tracker and peer processes on 127.0.0.1 and clean up after
 * themselves: `await using tracker = await startTracker(...)`.
 */
import { fileURLToPath } from "node:url";
import { UNENCRYPTED_BENCH_ENV } from "../../lib/wire/secure_conn.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The deno binary running the tests. */
export const DENO = Deno.execPath();

/**
 * Deno's flag that lets a tracker or peer read {@linkcode UNENCRYPTED_BENCH_ENV}, given while this
 * process has it set to 1 (the benchmarks' unencrypted runs): the child, which inherits the
 * variable, then runs its connections unencrypted too. None otherwise.
 */
export function unencryptedBenchFlags(): string[] {
  return Deno.env.get(UNENCRYPTED_BENCH_ENV) === "1"
    ? [`--allow-env=${UNENCRYPTED_BENCH_ENV}`]
    : [];
}
const decoder = new TextDecoder();
const encoder = new TextEncoder();

const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 (bound, read back, released). */
export function freePort(): number {
  // Never the same port twice in one run (it is released here and bound later), and below the
  // kernel's ephemeral range (32768 and up on Linux): a port from that range can be taken before
  // the server binds it by any outgoing connection, even one that connects to it (a TCP
  // self-connect, when a tracker retries a partner that is not up yet).
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    try {
      using _listener = Deno.listen({ hostname: "127.0.0.1", port });
      handedOut.add(port);
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** A temporary folder removed on dispose (the one lib's unit tests use too). */
export { tempDir } from "../../lib/common/test_util.ts";

/** Reads a child's output line by line, keeping every line for later assertions. */
export class LineReader {
  readonly lines: string[] = [];
  readonly #waiters: Array<() => void> = [];
  #done = false;
  readonly finished: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.finished = this.#pump(stream);
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let buffer = "";
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        this.lines.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
      this.#wake();
    }
    if (buffer !== "") this.lines.push(buffer);
    this.#done = true;
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Wait until a line from index `from` on matches; returns its index. */
  async waitFor(match: (line: string) => boolean, from = 0, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.lines.findIndex((line, i) => i >= from && match(line));
      if (index >= 0) return index;
      if (this.#done) throw new Error(`Output ended without the expected line:\n${this.text()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for a line:\n${this.text()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  text(): string {
    return this.lines.join("\n");
  }
}

/** A child process with line readers on stdout and stderr. */
export class Child implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  readonly stdout: LineReader;
  readonly stderr: LineReader;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | null;

  /** Run `deno <args>`, or `options.program <args>` (e.g. `script` for a terminal). */
  constructor(args: string[], options: { stdin?: boolean; cwd?: string; program?: string } = {}) {
    this.process = new Deno.Command(options.program ?? DENO, {
      args,
      cwd: options.cwd ?? ROOT,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.stdout = new LineReader(this.process.stdout);
    this.stderr = new LineReader(this.process.stderr);
    this.#stdin = options.stdin ? this.process.stdin.getWriter() : null;
  }

  get pid(): number {
    return this.process.pid;
  }

  /** Write one line to stdin. */
  async write(line: string): Promise<void> {
    if (!this.#stdin) throw new Error("This child has no stdin");
    await this.#stdin.write(encoder.encode(line + "\n"));
  }

  /** Close stdin (end of input). */
  async closeStdin(): Promise<void> {
    await this.#stdin?.close().catch((error) => {
      // The child may have exited and closed its end already.
      if (!(error instanceof Error)) throw error;
    });
  }

  /** Send a signal, if the process still runs. */
  kill(signal: Deno.Signal = "SIGKILL"): void {
    try {
      this.process.kill(signal);
    } catch (error) {
      // Already exited: nothing to stop.
      if (!(error instanceof TypeError)) throw error;
    }
  }

  /** Wait for exit and for all output to be read. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.process.status;
    await Promise.all([this.stdout.finished, this.stderr.finished]);
    return status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    this.kill("SIGKILL");
    await this.exited();
  }
}

/** Run a command to completion and return exit code and output. */
export async function run(args: string[], cwd = ROOT) {
  const out = await new Deno.Command(DENO, { args, cwd, stdin: "null", env: { NO_COLOR: "1" } })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
