/**
 * `node:util` parseArgs with messages for people: its own ("Unknown option '--bogus'. To specify
 * a positional argument starting with a '-', place it at the end of the command after '--', as in
 * '-- "--bogus"', with an unbalanced quote) become one short line that points at `--help`, and an
 * argument starting with "-" after a flag that takes a value (`--size-mib -5`, a tracker id that
 * starts with "-") is that flag's value unless it is a flag itself (common/flags.ts).
 */
import { parseArgs } from "node:util";
import { joinDashValues } from "../common/flags.ts";

/** A parseArgs option table of string and boolean flags. */
export type FlagTable = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Flag values as parseArgs returns them for `T`. */
export type FlagValues<T extends FlagTable> = {
  [K in keyof T]?: T[K]["type"] extends "string" ? string : boolean;
};

/**
 * Parse `args` against `flags`.
 *
 * @throws {TypeError} one line naming the flag or argument, ending with a pointer to `--help`
 */
export function parseCommandLine<T extends FlagTable>(
  args: readonly string[],
  flags: T,
  options: { allowPositionals?: boolean; help?: string } = {},
): { values: FlagValues<T>; positionals: string[] } {
  const hint = options.help ?? "run with --help to see the flags";
  try {
    const parsed = parseArgs({
      args: joinDashValues(args, flags),
      options: flags,
      allowPositionals: options.allowPositionals ?? false,
      strict: true,
    });
    return { values: parsed.values as FlagValues<T>, positionals: parsed.positionals };
  } catch (error) {
    throw new TypeError(`${describeParseError(error)}: ${hint}`);
  }
}

function describeParseError(error: unknown): string {
  if (!(error instanceof Error)) throw error;
  const code = (error as { code?: unknown }).code;
  const message = error.message;
  // The argument as typed: parseArgs quotes it with ' and follows it with ' or '. …'.
  const typed = (pattern: RegExp) => pattern.exec(message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown flag ${quote(typed(/^Unknown option '(.*?)'(?:\.|$)/s))}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `Unexpected argument ${quote(typed(/^Unexpected argument '(.*?)'(?:\.|$)/s))}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = typed(/^Option '(-[^ ']*)/);
      return message.includes("does not take an argument")
        ? `Flag ${flag} takes no value`
        : `Flag ${flag} needs a value`;
    }
    default:
      throw error;
  }
}

function quote(text: string): string {
  return text.includes('"') ? `'${text}'` : `"${text}"`;
}
