/** Flags of `tracker.ts`, their defaults and their parsing into {@linkcode TrackerOptions}. */
import { TRACKER_DEFAULTS, type TrackerOptions } from "./server.ts";

/** Usage text, printed by `--help` and after a wrong command line. */
export const TRACKER_USAGE = `Usage:
  tracker.ts <tracker_info.txt> <n> [flags]     run tracker n (1-based) of the list
  tracker.ts status <tracker_info.txt> [--json]  show every tracker: up/down, operations, digest

Flags:
  --data-dir DIR             data folder (default .peershare/tracker-<n>)
  --cluster-key FILE         cluster secret, made if missing (default .peershare/cluster.key)
  --session-ttl-ms MS        session token lifetime (default ${TRACKER_DEFAULTS.sessionTtlMs})
  --login-max-failures N     failed logins per user or address before throttling (default ${TRACKER_DEFAULTS.loginMaxFailures})
  --login-window-ms MS       throttle window (default ${TRACKER_DEFAULTS.loginWindowMs})
  --max-connections N        open client connections at most (default ${TRACKER_DEFAULTS.maxConnections})
  --presence-lease-ms MS     a peer not heard from for this long is no longer handed out (default ${TRACKER_DEFAULTS.presenceLeaseMs})
  --max-clock-skew-ms MS     refuse operations from a tracker whose clock runs this far ahead (default ${TRACKER_DEFAULTS.maxClockSkewMs})
  --trim-interval-ms MS      how often to trim log entries every tracker holds (default ${TRACKER_DEFAULTS.trimIntervalMs})
  --clock-offset-ms MS       shift this tracker's clock (for testing clock skew; may be negative)
  --write-timeout-ms MS      close a client that does not read a reply for this long (default ${TRACKER_DEFAULTS.writeTimeoutMs})
  --quiet                    log only warnings and errors
  --json                     (status) print one JSON line
  --help                     show this text`;

/** node:util parseArgs option table. */
export const TRACKER_FLAGS = {
  "data-dir": { type: "string" },
  "cluster-key": { type: "string" },
  "session-ttl-ms": { type: "string" },
  "login-max-failures": { type: "string" },
  "login-window-ms": { type: "string" },
  "max-connections": { type: "string" },
  "write-timeout-ms": { type: "string" },
  "presence-lease-ms": { type: "string" },
  "max-clock-skew-ms": { type: "string" },
  "trim-interval-ms": { type: "string" },
  "clock-offset-ms": { type: "string" },
  quiet: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean" },
} as const;

/** Parsed flag values, as parseArgs returns them. */
export type TrackerFlagValues = {
  [K in keyof typeof TRACKER_FLAGS]?: typeof TRACKER_FLAGS[K]["type"] extends "string" ? string
    : boolean;
};

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
