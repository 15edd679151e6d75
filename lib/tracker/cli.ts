/**
 * The command lines of `tracker.ts`: run a tracker (`<tracker_info.txt> <n> [flags]`) or report
 * every tracker (`status <tracker_info.txt> [--json]`), their usage texts with every flag's
 * default, and the parsing of flags into {@linkcode TrackerOptions}.
 */
import { type FlagValues, parseCommandLine } from "./command_line.ts";
import { TRACKER_DEFAULTS, type TrackerOptions } from "./server.ts";
import { ACCOUNT_FACTOR, ADDRESS_FACTOR } from "./throttle.ts";

const D = TRACKER_DEFAULTS;

/** `--help` of the tracker; the flags of {@linkcode TRACKER_FLAGS}, each with its default. */
export const TRACKER_USAGE = `Usage: deno task tracker <tracker_info.txt> <n> [flags]
       (or: deno run --allow-net --allow-ffi --allow-read --allow-write=DIR tracker.ts <tracker_info.txt> <n> [flags])

Runs tracker n (1-based) of the list in tracker_info.txt (one IP:PORT a line), replicating to the
others. In a terminal it answers help, status and quit; Ctrl-C or SIGTERM stops it.

Flags:
  --data-dir DIR           data folder, locked while running (default .peershare/tracker-<n>)
  --cluster-key FILE       cluster secret, made if missing (default .peershare/cluster.key)
  --session-ttl-ms MS      session token lifetime (default ${D.sessionTtlMs})
  --login-max-failures N   failed logins per user and address before throttling; per user
                           ${ACCOUNT_FACTOR}x and per address ${ADDRESS_FACTOR}x that (default ${D.loginMaxFailures})
  --login-window-ms MS     throttle window (default ${D.loginWindowMs})
  --presence-lease-ms MS   a peer not heard from this long is no longer handed out (default ${D.presenceLeaseMs})
  --max-clock-skew-ms MS   refuse operations from a tracker whose clock runs this far ahead (default ${D.maxClockSkewMs})
  --trim-interval-ms MS    how often to trim log entries every tracker holds (default ${D.trimIntervalMs})
  --max-connections N      open connections at most; at the cap the oldest idle one not
                           logged in is closed to make room, else the new one is refused
                           with "busy" (default ${D.maxConnections})
  --max-connections-per-address N
                           the same, for the connections from one IP address (default ${D.maxConnectionsPerAddress})
  --idle-timeout-ms MS     close a connection not logged in that sends no request this long
                           (default ${D.idleTimeoutMs}; logged-in peers are never closed for idling)
  --frame-timeout-ms MS    close a connection whose frame is not complete this long after its
                           first byte (default ${D.frameTimeoutMs})
  --write-timeout-ms MS    close a client that does not read a reply this long (default ${D.writeTimeoutMs})
  --clock-offset-ms MS     shift this tracker's clock, for testing clock skew; may be negative (default 0)
  --remove-tracker ID      at start, remove tracker ID (as status shows it) from the cluster for
                           good: no tracker waits for it or links to it any more; repeatable
                           (default: none)
  --quiet                  log only warnings and errors (default: off)
  -h, --help               show this text

Example:
  deno task tracker tracker_info.txt 1
  deno task tracker tracker_info.txt 2 --data-dir .peershare/t2 --quiet`;

/** `--help` of `tracker.ts status`. */
export const STATUS_USAGE = `Usage: deno task status <tracker_info.txt> [--json]

Asks every tracker of the list for its state: up or down, the operations it holds (and how many
are still in its log), its state digest. Equal digests mean equal state. Exits 0 when at least
one tracker answered, 1 when none did.

Flags:
  --json                   one JSON line {"trackers":[…]} (default: a table)
  -h, --help               show this text

Example:
  deno task status tracker_info.txt`;

/** node:util parseArgs option table of the tracker. */
export const TRACKER_FLAGS = {
  "data-dir": { type: "string" },
  "cluster-key": { type: "string" },
  "session-ttl-ms": { type: "string" },
  "login-max-failures": { type: "string" },
  "login-window-ms": { type: "string" },
  "max-connections": { type: "string" },
  "max-connections-per-address": { type: "string" },
  "idle-timeout-ms": { type: "string" },
  "frame-timeout-ms": { type: "string" },
  "write-timeout-ms": { type: "string" },
  "presence-lease-ms": { type: "string" },
  "max-clock-skew-ms": { type: "string" },
  "trim-interval-ms": { type: "string" },
  "clock-offset-ms": { type: "string" },
  "remove-tracker": { type: "string", multiple: true },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** node:util parseArgs option table of `status`. */
export const STATUS_FLAGS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parsed flag values, as parseArgs returns them. */
export type TrackerFlagValues = FlagValues<typeof TRACKER_FLAGS>;

/** What a command line of `tracker.ts` asks for. */
export type TrackerCommand =
  | { kind: "help"; text: string }
  | { kind: "status"; infoPath: string; isJson: boolean }
  | { kind: "run"; infoPath: string; n: string; values: TrackerFlagValues };

/**
 * Parse the command line of `tracker.ts` (without the program name).
 *
 * @throws {TypeError} one line naming what is wrong and pointing at `--help`
 */
export function parseTrackerCommandLine(args: readonly string[]): TrackerCommand {
  if (args[0] === "status") {
    const hint = "run deno task status --help for usage";
    const { values, positionals } = parseCommandLine(args.slice(1), STATUS_FLAGS, {
      allowPositionals: true,
      help: hint,
    });
    if (values.help) return { kind: "help", text: STATUS_USAGE };
    if (positionals.length !== 1) {
      throw new TypeError(`Expected <tracker_info.txt>, got ${count(positionals)}: ${hint}`);
    }
    return { kind: "status", infoPath: positionals[0]!, isJson: values.json ?? false };
  }
  const hint = "run deno task tracker --help for usage";
  const { values, positionals } = parseCommandLine(args, TRACKER_FLAGS, {
    allowPositionals: true,
    help: hint,
  });
  if (values.help) return { kind: "help", text: TRACKER_USAGE };
  if (positionals.length !== 2) {
    throw new TypeError(`Expected <tracker_info.txt> <n>, got ${count(positionals)}: ${hint}`);
  }
  const [infoPath, n] = positionals as [string, string];
  return { kind: "run", infoPath, n, values };
}

function count(positionals: readonly string[]): string {
  if (positionals.length === 0) return "no argument";
  const listed = positionals.map((p) => `"${p}"`).join(" ");
  return `${positionals.length} argument${positionals.length === 1 ? "" : "s"} (${listed})`;
}

/**
 * Turn flag values into tracker options (all but the listen address and logger).
 *
 * @throws {RangeError} naming the flag whose value is not a positive whole number
 */
export function parseTrackerFlags(
  values: TrackerFlagValues,
  n: string,
): Omit<TrackerOptions, "listen" | "logger"> {
  const options: Omit<TrackerOptions, "listen" | "logger"> = {
    dataDir: values["data-dir"] ?? `.peershare/tracker-${n}`,
    clusterKeyPath: values["cluster-key"] ?? ".peershare/cluster.key",
  };
  const numbers = [
    ["session-ttl-ms", "sessionTtlMs"],
    ["login-max-failures", "loginMaxFailures"],
    ["login-window-ms", "loginWindowMs"],
    ["max-connections", "maxConnections"],
    ["max-connections-per-address", "maxConnectionsPerAddress"],
    ["idle-timeout-ms", "idleTimeoutMs"],
    ["frame-timeout-ms", "frameTimeoutMs"],
    ["write-timeout-ms", "writeTimeoutMs"],
    ["presence-lease-ms", "presenceLeaseMs"],
    ["max-clock-skew-ms", "maxClockSkewMs"],
    ["trim-interval-ms", "trimIntervalMs"],
  ] as const;
  for (const [flag, key] of numbers) {
    const text = values[flag];
    if (text !== undefined) options[key] = positiveInt(flag, text);
  }
  const offset = values["clock-offset-ms"];
  if (offset !== undefined) {
    if (!/^-?\d+$/.test(offset)) {
      throw new RangeError(`Invalid --clock-offset-ms "${offset}": expected a whole number`);
    }
    options.clockOffsetMs = Number(offset);
  }
  return options;
}

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || !Number.isSafeInteger(value)) {
    throw new RangeError(`Invalid --${flag} "${text}": expected a positive whole number`);
  }
  return value;
}
