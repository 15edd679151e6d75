/**
 * The shell: reads commands from stdin one line at a time (with a prompt and history on a
 * terminal, passwords kept out of the history) and runs them in order.
 */
import { createInterface, type Interface } from "node:readline";
import { firstWord, parseCommandLine } from "./command_line.ts";
import type { TrackerApi } from "../client/api.ts";
import type { Output } from "./output.ts";
import type { PeerServices } from "../services.ts";
import { type CommandContext, type CommandSpec } from "./command_spec.ts";

/** The prompt of a terminal shell. */
export const PROMPT = "peershare> ";
/** Lines a terminal shell remembers. */
export const HISTORY_SIZE = 500;

/** Options of {@linkcode Shell}. */
export interface ShellOptions {
  /** Where lines come from: `process.stdin`, or a `Readable` in tests. */
  input: NodeJS.ReadableStream;
  /** Where results, errors and events are printed. */
  output: Output;
  /** Line editing, history and a prompt, written to this stream: only when input is a terminal. */
  terminal?: NodeJS.WritableStream;
  /** The command table, by name. */
  commands: ReadonlyMap<string, CommandSpec>;
  /** The tracker client the commands use. */
  tracker: TrackerApi;
  /** The seeder's bound port, announced at login. */
  listenPort: number;
  /** Sharing and downloading, for their commands, login and logout. */
  services: PeerServices;
}

/**
 * Reads commands, one per line, and runs them one after another, in order, so a script's
 * `login` is done before its next line runs. Ends at the end of input, on `quit`, or on
 * {@linkcode Shell.stop}.
 */
export class Shell {
  readonly #options: ShellOptions;
  readonly #stopping = new AbortController();
  readonly #context: CommandContext;
  #rl: Interface | null = null;
  #isQuitting = false;
  /** Whether a terminal shows the prompt now (not while a command runs). */
  #isPrompting = false;

  /** A shell that reads `options.input` once {@linkcode Shell.run} is called. */
  constructor(options: ShellOptions) {
    this.#options = options;
    this.#context = {
      tracker: options.tracker,
      listenPort: options.listenPort,
      services: options.services,
      commands: options.commands,
      signal: this.#stopping.signal,
      requestQuit: () => this.#isQuitting = true,
    };
  }

  /** Whether `quit` or {@linkcode Shell.stop} ended the shell. */
  get isDone(): boolean {
    return this.#isQuitting || this.#stopping.signal.aborted;
  }

  /** Whether {@linkcode Shell.stop} was called (a signal, or Ctrl-C in a terminal). */
  get isStopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  /** Aborted by {@linkcode Shell.stop}: whatever the peer waits for at exit stops waiting. */
  get stopSignal(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Read and run lines until the end of input, `quit` or `stop()`. */
  async run(): Promise<void> {
    const { input, terminal, output } = this.#options;
    const rl = createInterface({
      input,
      ...(terminal ? { output: terminal } : {}),
      terminal: terminal !== undefined,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      prompt: PROMPT,
    });
    this.#rl = rl;
    if (terminal) this.#setUpTerminal(rl, terminal);
    try {
      for await (const line of rl) {
        if (this.isDone) break;
        await this.execute(line);
        if (this.isDone) break;
        if (terminal) this.#prompt(rl);
      }
    } finally {
      output.aroundEvents(null);
      rl.close();
    }
  }

  /** Stop soon: cancel the running command's requests and read no further line. */
  stop(): void {
    this.#stopping.abort();
    this.#rl?.close();
  }

  /** Run one line and print its result or its error; never throws. */
  async execute(line: string): Promise<void> {
    const { output, commands } = this.#options;
    try {
      const parsed = parseCommandLine(line, commands);
      if (parsed === null) return;
      const outcome = await parsed.command.run(parsed.args, this.#context);
      output.result(parsed.command.name, outcome);
    } catch (error) {
      output.error(firstWord(line), error);
    }
  }

  #setUpTerminal(rl: Interface, terminal: NodeJS.WritableStream): void {
    // readline adds a line to the history before it emits it, so this runs just after.
    rl.on("line", () => {
      this.#isPrompting = false;
      scrubHistory(rl, this.#options.commands);
    });
    // In raw mode Ctrl-C reaches readline as a key, not the process as a signal.
    rl.on("SIGINT", () => this.stop());
    // An event printed while the prompt shows replaces it, then the prompt comes back with
    // what was typed so far.
    this.#options.output.aroundEvents({
      before: () => this.#isPrompting && terminal.write("\r\x1b[K"),
      after: () => this.#isPrompting && rl.prompt(true),
    });
    this.#prompt(rl);
  }

  #prompt(rl: Interface): void {
    this.#isPrompting = true;
    rl.prompt();
  }
}

/** Whether a line runs a command that holds a password (in any letter case, typos aside). */
export function isSecretLine(line: string, commands: ReadonlyMap<string, CommandSpec>): boolean {
  const command = commands.get(firstWord(line).toLowerCase());
  return command?.isSecret === true;
}

/** Remove the lines that hold a password from a readline history, in place. */
export function scrubHistory(rl: Interface, commands: ReadonlyMap<string, CommandSpec>): void {
  // `history` is public in Node's readline but missing from its type declarations.
  const history = (rl as unknown as { history?: string[] }).history;
  if (!history) return;
  for (let i = history.length - 1; i >= 0; i--) {
    if (isSecretLine(history[i]!, commands)) history.splice(i, 1);
  }
}
