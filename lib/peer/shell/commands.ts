/**
 * The shell's command table: every command of the seed's table plus `help` and `quit` (and a
 * few additions such as `list_members`), built from the account, group, share and download
 * tables.
 */
import { CommandError } from "../../common/errors.ts";
import { ACCOUNT_COMMANDS } from "./account_commands.ts";
import { PeerErrorCode } from "../support/codes.ts";
import { quoteValue, usageOf } from "./command_line.ts";
import { DOWNLOAD_COMMANDS } from "./download_commands.ts";
import { GROUP_COMMANDS } from "./group_commands.ts";
import { formatTable } from "./output.ts";
import type { CommandSpec } from "./command_spec.ts";
import { SHARE_COMMANDS } from "./share_commands.ts";

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
    // What it waits for, "Logged out" and "Bye" come from the peer as it ends (run.ts).
    run: (_args, context) => {
      context.requestQuit();
      return Promise.resolve({ text: "" });
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

export type { CommandContext, CommandSpec } from "./command_spec.ts";
