/**
 * Command-line flags that take a value, shared by the tracker's and the peer's parsers: a
 * negative number after such a flag (`--clock-offset-ms -600000`) is that flag's value.
 * `node:util` parseArgs would otherwise refuse it as an ambiguous option, and the flag's own check
 * could not say what is wrong with the value.
 */

/**
 * Join each string flag followed by a negative number into one `--flag=value` argument.
 *
 * @param flags a parseArgs option table: only flags of type "string" take a value
 */
export function joinNegativeValues(
  args: readonly string[],
  flags: Readonly<Record<string, { type: "string" | "boolean" }>>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : null;
    if (name && flags[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
