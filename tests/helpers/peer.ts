/**
 * A real peer process driven through its stdin, for integration tests:
 *
 * ```ts
 * await using alice = await PeerProcess.start(cluster.infoPath, `${dir.path}/alice`);
 * const reply = await alice.command("login alice pw"); // {"ok":true,"command":"login",…}
 * ```
 */
import { describeError } from "../../lib/common/errors.ts";
import { Child, ROOT, unencryptedBenchFlags } from "./processes.ts";

/** A line of a stack trace, as V8 prints it: `    at foo (file.ts:1:2)`. */
export const STACK_LINE = /^\s+at .*:\d+:\d+/m;

/** How long one command may take before a test gives up (connect + scrypt, with slack). */
export const COMMAND_TIMEOUT_MS = 15_000;

/** One JSON line the peer printed: a command's result, or an event. */
export type JsonLine = Record<string, unknown>;

/**
 * The V8 flag `deno task peer` runs with: a young generation of at most 1 MiB per half (V8's
 * default lets it grow to 16), which keeps a peer's peak memory about 12 MiB lower at the same
 * transfer speed (docs/PERFORMANCE.md).
 */
export const PEER_V8_FLAGS = "--v8-flags=--max-semi-space-size=1";

/**
 * Set to a folder, every peer started here writes a V8 CPU profile of each of its threads there
 * when it exits (`deno run --cpu-prof`): for finding where a benchmark's time goes. Only a peer
 * that exits on its own writes one (bench/peers.ts then ends peers by closing their input).
 */
export const PROFILE_DIR_ENV = "PEERSHARE_PROFILE_DIR";

function profileFlags(): string[] {
  const dir = Deno.env.get(PROFILE_DIR_ENV);
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/**
 * The arguments of `deno` that run `peer.ts <args…>` with the flags and permissions of
 * `deno task peer`.
 */
export function peerArgs(args: readonly string[]): string[] {
  return [
    "run",
    PEER_V8_FLAGS,
    ...profileFlags(),
    ...unencryptedBenchFlags(),
    "--no-prompt",
    "--allow-net",
    "--allow-ffi",
    "--allow-read",
    "--allow-write",
    `${ROOT}peer.ts`,
    ...args,
  ];
}

/** Options of {@linkcode PeerProcess.start}. */
export interface PeerOptions {
  /** `--json` (the default), or human output when false. */
  isJson?: boolean;
  /** The seeder's address; default `127.0.0.1:0`. */
  listen?: string;
  /** More flags after the state folder. */
  extraArgs?: readonly string[];
}

/** Options of {@linkcode PeerProcess.startLoggedIn}. */
export interface LoggedInPeerOptions extends PeerOptions {
  /** The user to create and log in. */
  user: string;
  /** Its password; "pw" by default. */
  password?: string;
}

/** A peer process whose stdin is piped; it is killed and awaited on dispose. */
export class PeerProcess implements AsyncDisposable {
  readonly child: Child;
  readonly isJson: boolean;
  /** Index of the first stdout line that no command or wait has consumed yet. */
  #cursor = 0;
  #commandsSent = 0;

  private constructor(child: Child, isJson: boolean) {
    this.child = child;
    this.isJson = isJson;
  }

  /**
   * Start `peer.ts 127.0.0.1:0 <infoPath> [--json] --state-dir <stateDir>` and wait until it
   * says it listens.
   */
  static async start(
    infoPath: string,
    stateDir: string,
    options: PeerOptions = {},
  ): Promise<PeerProcess> {
    const isJson = options.isJson ?? true;
    const args = [
      options.listen ?? "127.0.0.1:0",
      infoPath,
      ...(isJson ? ["--json"] : []),
      "--state-dir",
      stateDir,
      ...(options.extraArgs ?? []),
    ];
    const child = new Child(peerArgs(args), { stdin: true });
    const peer = new PeerProcess(child, isJson);
    try {
      await peer.#waitLine((line) => /listening/.test(line), COMMAND_TIMEOUT_MS);
    } catch (error) {
      await child[Symbol.asyncDispose]();
      throw error;
    }
    return peer;
  }

  /**
   * Start a peer as {@linkcode start} does, then `create_user` and `login` as `options.user`
   * (password `options.password`, "pw" by default): the preamble of most peer tests.
   */
  static async startLoggedIn(
    infoPath: string,
    stateDir: string,
    options: LoggedInPeerOptions,
  ): Promise<PeerProcess> {
    const { user, password = "pw", ...peerOptions } = options;
    const peer = await PeerProcess.start(infoPath, stateDir, peerOptions);
    try {
      await assertOk(peer, `create_user ${user} ${password}`);
      await assertOk(peer, `login ${user} ${password}`);
    } catch (error) {
      await peer[Symbol.asyncDispose]();
      throw error;
    }
    return peer;
  }

  /** How many lines {@linkcode command} wrote. */
  get commandsSent(): number {
    return this.#commandsSent;
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Every stdout line so far. */
  get lines(): readonly string[] {
    return this.child.stdout.lines;
  }

  /** Every event line so far (`{"event":…}`), parsed; only with `--json`. */
  get events(): JsonLine[] {
    return this.lines.map(tryParse).filter((json): json is JsonLine =>
      json !== null && "event" in json
    );
  }

  /**
   * Write one command line and resolve with the next JSON line that has a `command` key,
   * skipping event lines. A stdout line that is not JSON fails the test: with `--json`, stdout
   * holds JSON lines only.
   */
  async command(line: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<JsonLine> {
    if (!this.isJson) throw new Error("command() needs a peer started with --json");
    await this.child.write(line);
    this.#commandsSent++;
    return await this.nextResult(timeoutMs, line);
  }

  /** The next JSON line with a `command` key, for a line written with {@linkcode write}. */
  async nextResult(timeoutMs = COMMAND_TIMEOUT_MS, what = "a command"): Promise<JsonLine> {
    let bad: string | null = null;
    const index = await this.#waitLine(
      (text) => {
        const json = tryParse(text);
        if (json === null) bad ??= text;
        return json === null || "command" in json;
      },
      timeoutMs,
      what,
    );
    if (bad !== null) throw new Error(`Not a JSON line on stdout after "${what}": ${bad}`);
    return JSON.parse(this.lines[index]!);
  }

  /** Wait for an event line named `name` (seen before or after the cursor). */
  async event(name: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<JsonLine> {
    const index = await this.child.stdout.waitFor(
      (text) => tryParse(text)?.event === name,
      0,
      timeoutMs,
    ).catch((error) => {
      throw this.#withStderr(error);
    });
    return JSON.parse(this.lines[index]!);
  }

  /**
   * Human mode: write a line and wait for an output line matching `pattern`; returns the
   * lines printed from the cursor up to and including that one.
   */
  async expect(line: string, pattern: RegExp, timeoutMs = COMMAND_TIMEOUT_MS): Promise<string[]> {
    const from = this.#cursor;
    await this.child.write(line);
    const index = await this.#waitLine((text) => pattern.test(text), timeoutMs, line);
    return this.lines.slice(from, index + 1);
  }

  /** Write one line without waiting for anything. */
  write(line: string): Promise<void> {
    return this.child.write(line);
  }

  /** Close stdin (end of input) and wait for the exit, bounded. */
  async endInput(timeoutMs = COMMAND_TIMEOUT_MS): Promise<Deno.CommandStatus> {
    await this.child.closeStdin();
    return await this.exited(timeoutMs);
  }

  /** Wait for the process to exit (and its output to be read), at most `timeoutMs`. */
  async exited(timeoutMs = COMMAND_TIMEOUT_MS): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`The peer did not exit within ${timeoutMs} ms\n${this.transcript()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.child.exited(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stdout and stderr, for failure messages. */
  transcript(): string {
    return `stdout:\n${this.child.stdout.text()}\nstderr:\n${this.child.stderr.text()}`;
  }

  async #waitLine(
    match: (line: string) => boolean,
    timeoutMs: number,
    what = "start-up",
  ): Promise<number> {
    try {
      const index = await this.child.stdout.waitFor(match, this.#cursor, timeoutMs);
      this.#cursor = index + 1;
      return index;
    } catch (error) {
      throw this.#withStderr(error, what);
    }
  }

  #withStderr(error: unknown, what = ""): Error {
    const message = describeError(error);
    return new Error(
      `${what ? `After "${what}": ` : ""}${message}\nstderr:\n${this.child.stderr.text()}`,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.child[Symbol.asyncDispose]();
  }
}

function tryParse(line: string): JsonLine | null {
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Run `line` and check that it succeeded; returns its JSON line. */
export async function assertOk(peer: PeerProcess, line: string): Promise<JsonLine> {
  const reply = await peer.command(line);
  if (reply.ok !== true || reply.command !== firstWord(line)) {
    throw new Error(`"${line}" failed: ${JSON.stringify(reply)}\n${peer.transcript()}`);
  }
  return reply;
}

/**
 * Run `line` and check that it was refused with `code`, in one JSON line that names the
 * command and carries a one-line message; returns that line.
 */
export async function assertRefused(
  peer: PeerProcess,
  line: string,
  code: string,
): Promise<JsonLine> {
  const reply = await peer.command(line);
  const { error } = reply;
  const isWellFormed = reply.ok === false && reply.code === code &&
    reply.command === firstWord(line) && typeof error === "string" && error.length > 0 &&
    !error.includes("\n");
  if (!isWellFormed) {
    throw new Error(`"${line}": expected code ${code}, got ${JSON.stringify(reply)}`);
  }
  return reply;
}

function firstWord(line: string): string {
  return /^\s*(\S*)/.exec(line)?.[1] ?? "";
}
