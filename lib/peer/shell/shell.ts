/**
 * The shell: reads commands from stdin one line at a time (with a prompt and history on a
 * terminal, passwords kept out of the history) and runs them in order. On a terminal the prompt
 * names the logged-in user (`alice> `), Ctrl-C clears the line being typed, and running
 * downloads show in status lines under the prompt.
 */
import { createInterface, type Interface } from "node:readline";
import { checkCommand, firstWord, parseCommandLine } from "./command_line.ts";
import type { TrackerApi } from "../client/api.ts";
import { errorLine, type JsonLine, type Output, resultLine } from "./output.ts";
import type { PeerServices } from "../services.ts";
import { type CommandContext, type CommandSpec } from "./command_spec.ts";
import { JoinWatch } from "./join_watch.ts";
import { StatusLines, statusLines } from "./progress.ts";

/** The prompt of a terminal shell before login; after it, the user's name: `alice> `. */
export const PROMPT = "peershare> ";
/** Printed once when a terminal shell starts. */
export const START_HINT = 'Type "help" for the commands; Ctrl-D or "quit" to leave';
/** Printed when Ctrl-C is pressed at the prompt: it clears the line and does not leave. */
export const CTRL_C_HINT = '(Ctrl-C clears the line; Ctrl-D or "quit" leaves)';
/** Lines a terminal shell remembers. */
export const HISTORY_SIZE = 500;

/** A command's JSON line (what `--json` prints) and the text the shell prints for it. */
export type CommandReplyLine = JsonLine & { ok: boolean; command: string; text: string };

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
  /**
   * Redraw status lines of running downloads under the prompt this often (terminal, human
   * output only); 0 or absent: none.
   */
  progressIntervalMs?: number;
  /** The terminal's width, for status lines (default: `terminal.columns`). */
  columns?: () => number | undefined;
  /** How often a pending join request is checked (tests shorten it). */
  joinWatchIntervalMs?: number;
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
  readonly #joins: JoinWatch;
  #rl: Interface | null = null;
  #status: StatusLines | null = null;
  #statusTimer: ReturnType<typeof setInterval> | undefined;
  #isQuitting = false;
  #isInputClosed = false;
  /** Whether a terminal shows the prompt now (not while a command runs). */
  #isPrompting = false;

  /** A shell that reads `options.input` once {@linkcode Shell.run} is called. */
  constructor(options: ShellOptions) {
    this.#options = options;
    this.#joins = new JoinWatch({
      tracker: options.tracker,
      output: options.output,
      ...(options.joinWatchIntervalMs ? { intervalMs: options.joinWatchIntervalMs } : {}),
    });
    this.#context = {
      tracker: options.tracker,
      listenPort: options.listenPort,
      services: options.services,
      commands: options.commands,
      signal: this.#stopping.signal,
      requestQuit: () => this.#isQuitting = true,
      watchJoin: (group) => this.#joins.watch(group),
    };
  }

  /** The prompt for the user logged in now. */
  get prompt(): string {
    const user = this.#options.tracker.user;
    return user === null ? PROMPT : `${user}> `;
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
    rl.on("close", () => {
      this.#isInputClosed = true;
      // Ctrl-D at the prompt: clear the status lines, and end the prompt's line, so what the
      // peer prints as it ends starts on a line of its own.
      if (terminal && this.#isPrompting) {
        this.#status?.draw([]);
        terminal.write("\r\n");
      }
      this.#isPrompting = false;
    });
    if (terminal) this.#setUpTerminal(rl, terminal);
    try {
      for await (const line of rl) {
        if (this.isDone) break;
        await this.execute(line);
        if (this.isDone) break;
        if (terminal) this.#prompt(rl);
      }
    } finally {
      this.#stopStatus();
      this.#joins.close();
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
      this.#clearTypeahead();
      output.result(parsed.command.name, outcome);
    } catch (error) {
      this.#clearTypeahead();
      output.error(firstWord(line), error);
    }
  }

  /**
   * Run one command for another front end (the dashboard), with the same table, argument checks
   * and context as a typed line, beside the lines the shell runs. Nothing is printed: the caller
   * gets the command's JSON line (what `--json` would print) and its text; never throws.
   */
  async runCommand(name: string, args: readonly string[]): Promise<CommandReplyLine> {
    try {
      const { command } = checkCommand(name, args, this.#options.commands);
      const outcome = await command.run(args, this.#context);
      return {
        ...resultLine(command.name, outcome),
        ok: true,
        command: command.name,
        text: outcome.text,
      };
    } catch (error) {
      const line = errorLine(name, error);
      return { ...line, ok: false, command: name, text: `Error: ${line.error}` };
    }
  }

  /**
   * What was typed while a command ran is echoed where the cursor is: move it out of the way
   * of the command's output (the next prompt shows it again).
   */
  #clearTypeahead(): boolean {
    const { terminal } = this.#options;
    if (!terminal || this.#isPrompting || !this.#rl || this.#rl.line.length === 0) return false;
    terminal.write("\r\x1b[K");
    return true;
  }

  #setUpTerminal(rl: Interface, terminal: NodeJS.WritableStream): void {
    const { output, input } = this.#options;
    const status = this.#startStatus(rl, terminal);
    // readline adds a line to the history before it emits it, so this runs just after.
    rl.on("line", () => {
      this.#isPrompting = false;
      status?.afterLine();
      scrubHistory(rl, this.#options.commands);
    });
    // In raw mode Ctrl-C reaches readline as a key, not the process as a signal. At the
    // prompt it clears the line (as in bash); while a command runs it stops the peer.
    rl.on("SIGINT", () => {
      if (!this.#isPrompting) return this.stop();
      if (rl.line.length === 0) return output.note(CTRL_C_HINT);
      // Ctrl-E then Ctrl-U: to the end of the line, then delete everything before the cursor.
      rl.write(null, { ctrl: true, name: "e" });
      rl.write(null, { ctrl: true, name: "u" });
      this.#drawStatus();
    });
    // readline redraws the line on some keys (backspace, history) and erases what is under it
    // as it does: draw the status lines again after each key.
    if (status) input.on("keypress", () => this.#isPrompting && this.#drawStatus());
    // An event printed while the prompt shows replaces it, then the prompt comes back with
    // what was typed so far.
    output.aroundEvents({
      before: () => {
        if (!this.#isPrompting) return void this.#clearTypeahead();
        if (status) status.clearAll();
        else terminal.write("\r\x1b[K");
      },
      after: () => {
        if (!this.#isPrompting) return void (rl.line && terminal.write(rl.line));
        rl.prompt(true);
        this.#drawStatus();
      },
    });
    output.note(START_HINT);
    this.#prompt(rl);
  }

  /** Status lines under the prompt: only for a person at a terminal, and when asked for. */
  #startStatus(rl: Interface, terminal: NodeJS.WritableStream): StatusLines | null {
    const { progressIntervalMs = 0, output, columns } = this.#options;
    if (progressIntervalMs <= 0 || output.isJson) return null;
    const status = new StatusLines({
      write: (text) => terminal.write(text),
      editor: rl,
      columns: columns ?? (() => (terminal as { columns?: number }).columns),
    });
    this.#status = status;
    this.#statusTimer = setInterval(() => {
      if (this.#isPrompting) this.#drawStatus();
    }, progressIntervalMs);
    return status;
  }

  #drawStatus(): void {
    this.#status?.draw(statusLines(this.#options.services.downloads()));
  }

  #stopStatus(): void {
    clearInterval(this.#statusTimer);
    if (this.#isPrompting) this.#status?.draw([]);
    this.#status = null;
  }

  #prompt(rl: Interface): void {
    if (this.#isInputClosed) return; // the input ended while the last command ran
    this.#isPrompting = true;
    rl.setPrompt(this.prompt);
    rl.prompt();
    this.#drawStatus();
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
