/**
 * The shape of one shell command ({@linkcode CommandSpec}) and what it may use while it runs
 * ({@linkcode CommandContext}): the tracker client, the peer's services and the whole table.
 */
import type { TrackerApi } from "../client/api.ts";
import type { PeerServices } from "../services.ts";
import type { CommandSyntax } from "./command_line.ts";
import type { CommandOutcome } from "./output.ts";

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
  /** Tell the user when the logged-in user is let into `group` (after join_group). */
  watchJoin(group: string): void;
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
