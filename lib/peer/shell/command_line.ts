/**
 * Parsing one shell line: tokenizing with quotes, checking a command's arguments by kind, and
 * the usage line that an error shows.
 */
import { CommandError } from "../../common/errors.ts";
import { isSafeFileName, NAME_PATTERN } from "../../common/ids.ts";
import { PeerErrorCode } from "../support/codes.ts";

/** Longest password the tracker accepts (its schema says the same). */
export const MAX_PASSWORD_CHARS = 256;

/**
 * How an argument is checked before anything is sent: a bad id never reaches the tracker,
 * which closes a connection on a frame that does not match its schema.
 */
export type ArgKind = "name" | "password" | "word" | "file_name" | "path";

/** One argument of a command, as `help` shows it: `<group_id>`, `[command]` when optional. */
export interface ArgSpec {
  /** Shown in usage and error lines: `group_id`. */
  readonly name: string;
  /** How the value is checked before anything is sent. */
  readonly kind: ArgKind;
  /** Only trailing arguments may be optional. */
  readonly isOptional?: boolean;
}

/** The part of a command that the parser needs. */
export interface CommandSyntax {
  /** The first word of the line. */
  readonly name: string;
  /** Its arguments, in order. */
  readonly args: readonly ArgSpec[];
}

/** A line that names a known command with valid arguments. */
export interface ParsedCommand<C extends CommandSyntax> {
  /** The command the line names. */
  readonly command: C;
  /** The arguments, checked against the command's `args`. */
  readonly args: readonly string[];
}

/** The usage line of a command: `accept_request <group_id> <user_id>`. */
export function usageOf(command: CommandSyntax): string {
  const args = command.args.map((arg) => arg.isOptional ? `[${arg.name}]` : `<${arg.name}>`);
  return [command.name, ...args].join(" ");
}

/**
 * Split a command line into words at whitespace. Single or double quotes keep spaces inside a
 * word (`"my file.txt"`); there are no escapes, so Windows paths and passwords stay as typed.
 *
 * @throws {CommandError} `bad_arguments` on an unterminated quote
 */
export function tokenizeCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const char of line) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= "";
    } else if (/\s/.test(char)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== null) {
    throw new CommandError(PeerErrorCode.BAD_ARGUMENTS, `Unterminated ${quote} quote`);
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * Parse a line against a command table.
 *
 * @returns the command and its arguments, or null for a blank line
 * @throws {CommandError} `unknown_command`, or `bad_arguments` with the usage
 */
export function parseCommandLine<C extends CommandSyntax>(
  line: string,
  commands: ReadonlyMap<string, C>,
): ParsedCommand<C> | null {
  const [name, ...args] = tokenizeCommandLine(line);
  if (name === undefined) return null;
  return checkCommand(name, args, commands);
}

/**
 * Check a command's name and arguments against a table, as {@linkcode parseCommandLine} does
 * for a typed line (the dashboard sends them already split).
 *
 * @throws {CommandError} `unknown_command`, or `bad_arguments` with the usage
 */
export function checkCommand<C extends CommandSyntax>(
  name: string,
  args: readonly string[],
  commands: ReadonlyMap<string, C>,
): ParsedCommand<C> {
  const command = commands.get(name);
  if (!command) {
    const guess = suggestName(name, [...commands.keys()]);
    const hint = guess === null ? "type" : `did you mean "${guess}"? Type`;
    throw new CommandError(
      PeerErrorCode.UNKNOWN_COMMAND,
      `Unknown command ${quoteValue(name)}: ${hint} "help" for the list of commands`,
    );
  }
  const required = command.args.filter((arg) => !arg.isOptional).length;
  if (args.length < required || args.length > command.args.length) {
    const expected = required === command.args.length
      ? `${required}`
      : `${required} to ${command.args.length}`;
    throw new CommandError(
      PeerErrorCode.BAD_ARGUMENTS,
      `${name} takes ${expected} argument${expected === "1" ? "" : "s"}, got ${args.length}: ` +
        `usage: ${usageOf(command)}`,
    );
  }
  args.forEach((value, i) => checkArg(command.args[i]!, value));
  return { command, args };
}

function checkArg(spec: ArgSpec, value: string): void {
  if (spec.kind === "name" && !NAME_PATTERN.test(value)) {
    throw new CommandError(
      PeerErrorCode.BAD_ARGUMENTS,
      `Invalid ${spec.name} ${quoteValue(value)}: use 1-64 characters of A-Z a-z 0-9 . _ -`,
    );
  }
  if (spec.kind === "file_name" && !isSafeFileName(value)) {
    throw new CommandError(
      PeerErrorCode.BAD_FILE_NAME,
      `Invalid ${spec.name} ${quoteValue(value)}: use a plain file name of 1-255 characters, ` +
        `with no path separator, ".." or control character`,
    );
  }
  if (spec.kind === "path" && value.length === 0) {
    throw new CommandError(PeerErrorCode.BAD_ARGUMENTS, `Invalid ${spec.name}: it is empty`);
  }
  if (spec.kind === "password" && (value.length === 0 || value.length > MAX_PASSWORD_CHARS)) {
    throw new CommandError(
      PeerErrorCode.BAD_ARGUMENTS,
      `Invalid ${spec.name}: use 1-${MAX_PASSWORD_CHARS} characters`,
    );
  }
}

/** Typos farther than this many edits from every command get no suggestion. */
const MAX_SUGGESTION_EDITS = 2;

/**
 * The known name a mistyped one most likely meant: the same in another letter case, the only
 * name it begins, or the nearest within {@linkcode MAX_SUGGESTION_EDITS} edits (a swap of two
 * neighbours counts as one); null when none is close.
 */
export function suggestName(typed: string, names: readonly string[]): string | null {
  const lower = typed.toLowerCase();
  const exact = names.find((name) => name === lower);
  if (exact !== undefined) return exact;
  const prefixed = names.filter((name) => lower.length >= 3 && name.startsWith(lower));
  if (prefixed.length === 1) return prefixed[0]!;
  let best: string | null = null;
  let bestEdits = Math.min(MAX_SUGGESTION_EDITS, Math.floor(lower.length / 3)) + 1;
  for (const name of names) {
    const edits = editDistance(lower, name);
    if (edits < bestEdits) [best, bestEdits] = [name, edits];
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The first word of a line as typed, or "": it names the command in an error line. */
export function firstWord(line: string): string {
  return /^\s*(\S*)/.exec(line)?.[1] ?? "";
}

/** A value quoted for an error line, cut short so a pasted blob stays one readable line. */
export function quoteValue(value: string, maxChars = 40): string {
  return JSON.stringify(value.length > maxChars ? `${value.slice(0, maxChars)}…` : value);
}
