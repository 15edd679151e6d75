/**
 * The user's shell: reading lines (node:readline, history without secrets), parsing and checking
 * arguments against each command's syntax, the command table (the seed's commands plus `help`,
 * `quit` and the download commands), and output (human text, or one JSON line per command and
 * event with `--json`). It imports lib/common, lib/wire and peer/support, and only types from the
 * other rooms and from services.ts: what a command does beyond calling the tracker goes through
 * the peer's services.
 *
 * @module
 */
export { COMMANDS, commandTable } from "./commands.ts";
export type { CommandContext, CommandSpec } from "./command_spec.ts";
export { parseCommandLine, tokenizeCommandLine, usageOf } from "./command_line.ts";
export { type CommandOutcome, formatTable, Output, type TextSink } from "./output.ts";
export { isSecretLine, PROMPT, Shell, type ShellOptions } from "./shell.ts";
