/**
 * The tracker: keeps users, groups and shared files as a pure state over an operation log in
 * SQLite, answers peers' commands, and reports its state digest. Entry points use the server,
 * the status client and the flag parser; the rest stays inside this folder.
 *
 * @module
 */
export {
  parseTrackerCommandLine,
  parseTrackerFlags,
  STATUS_FLAGS,
  STATUS_USAGE,
  TRACKER_FLAGS,
  TRACKER_USAGE,
  type TrackerCommand,
  type TrackerFlagValues,
} from "./cli.ts";
export { type FlagTable, type FlagValues, parseCommandLine } from "./command_line.ts";
export { CONSOLE_HELP, startConsole, type TrackerConsole } from "./console.ts";
export { TRACKER_DEFAULTS, type TrackerOptions, TrackerServer } from "./server.ts";
export { formatStatus, queryAll, queryStatus, type TrackerStatus } from "./status.ts";
