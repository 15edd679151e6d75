import type { Address } from "../common/address.ts";
import { CommandError } from "../common/errors.ts";
import type { ArgsOf, Op, ResultOf } from "../wire/messages.ts";
import { ACCOUNT_COMMANDS } from "./account_commands.ts";
import { PeerErrorCode } from "./codes.ts";
import { type CommandSyntax, quoteValue, usageOf } from "./command_line.ts";
import { DOWNLOAD_COMMANDS } from "./download_commands.ts";
import { GROUP_COMMANDS } from "./group_commands.ts";
import { type CommandOutcome, formatTable } from "./output.ts";
import type { PeerServices } from "./services.ts";
import { SHARE_COMMANDS } from "./share_commands.ts";

/** What commands need of the tracker client; tests pass a fake. */
export interface TrackerApi {
  /** The logged-in user, or null. */
  readonly user: string | null;
  /** Send one op with the session token (and a `requestId` for a write). */
  request<O extends Op>(
    op: O,
    args: ArgsOf<O>,
    options?: { signal?: AbortSignal },
  ): Promise<ResultOf<O>>;
  /** Log in, announcing our peer id and listening port. */
  login(
    credentials: { user: string; password: string; port: number },
    options?: { signal?: AbortSignal },
  ): Promise<{ user: string; tracker: Address | null }>;
  /** Forget the session and revoke its token. */
  logout(options?: { signal?: AbortSignal }): Promise<void>;
}

/** What a running command may use. */
export interface CommandContext {
  /** The tracker client. */
  readonly tracker: TrackerApi;
  /** The seeder's bound port, announced at login. */
  readonly listenPort: number;
  /** Sharing and downloading. */
  readonly services: PeerServices;
  /** The whole table, for `help`. */
  readonly commands: ReadonlyMap<string, CommandSpec>;
  /** Fires when the peer shuts down: pass it to every request. */
  readonly signal: AbortSignal;
  /** End the shell after this command, as at the end of input. */
  requestQuit(): void;
}

/**
 * One shell command. Adding a command is adding one of these to a table: parsing, argument
 * checks, `help` and output all follow from it.
 */
export interface CommandSpec extends CommandSyntax {
  /** One line for `help`. */
  readonly summary: string;
  /** Its lines never go into the terminal's history: they hold a password. */
  readonly isSecret?: boolean;
  /** Run with arguments already checked against `args`; throw CommandError to refuse. */
  run(args: readonly string[], context: CommandContext): Promise<CommandOutcome>;
}

const SHELL_COMMANDS: readonly CommandSpec[] = [
  {
    name: "help",
    args: [{ name: "command", kind: "word", isOptional: true }],
    summary: "List the commands, or show how to use one",
    run: (args, context) => Promise.try(() => help(args[0], context.commands)),
  },
  {
    name: "quit",
    args: [],
    summary: "Log out and leave, as at the end of input",
    run: (_args, context) => {
      context.requestQuit();
      return Promise.resolve({ text: "Bye" });
    },
  },
];

/** Build a table from lists of commands. */
export function commandTable(
  ...lists: readonly (readonly CommandSpec[])[]
): Map<string, CommandSpec> {
  return new Map(lists.flat().map((command) => [command.name, command]));
}

/** Every command of the shell, by name. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = commandTable(
  ACCOUNT_COMMANDS,
  GROUP_COMMANDS,
  SHARE_COMMANDS,
  DOWNLOAD_COMMANDS,
  SHELL_COMMANDS,
);

function help(name: string | undefined, commands: ReadonlyMap<string, CommandSpec>) {
  const list = [...commands.values()].filter((command) =>
    name === undefined || command.name === name
  );
  if (list.length === 0) {
    throw new CommandError(
      PeerErrorCode.UNKNOWN_COMMAND,
      `Unknown command ${quoteValue(name ?? "")}: type "help" for the list of commands`,
    );
  }
  const rows = list.map((command) => [usageOf(command), command.summary]);
  const hint = 'Quote an argument that has spaces: "my file.txt"';
  return {
    text: formatTable(["COMMAND", "WHAT IT DOES"], rows) + (name === undefined ? `\n${hint}` : ""),
    fields: {
      commands: list.map((command) => ({
        name: command.name,
        usage: usageOf(command),
        summary: command.summary,
      })),
    },
  };
}
