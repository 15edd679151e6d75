/**
 * Command-line flags that take a value, shared by the tracker's and the peer's parsers: a value
 * that starts with "-" after such a flag (`--clock-offset-ms -600000`, or a tracker id such as
 * `--remove-tracker -Qx3…`: base64url may begin with "-") is that flag's value. `node:util`
 * parseArgs would otherwise refuse it as an ambiguous option, and the flag's own check could not
 * say what is wrong with the value.
 */

type FlagTable = Readonly<Record<string, { type: "string" | "boolean"; short?: string }>>;

/**
 * Join each string flag followed by an argument that starts with "-" but is no flag of the
 * table into one `--flag=value` argument.
 *
 * @param flags a parseArgs option table: only flags of type "string" take a value
 */
export function joinDashValues(args: readonly string[], flags: FlagTable): string[] {
  const shorts = new Set(Object.values(flags).map((flag) => flag.short).filter(Boolean));
  const isFlag = (arg: string) =>
    arg === "--" ||
    (arg.startsWith("--") ? arg.slice(2).split("=")[0]! in flags : shorts.has(arg.slice(1)));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : null;
    if (
      name && flags[name]?.type === "string" && next !== undefined && next.startsWith("-") &&
      !isFlag(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
