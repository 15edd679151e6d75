/**
 * The peer: its shell and command table, the tracker client (session token, request ids,
 * deadlines, reconnecting in tracker_info.txt order), its identity (peer id and Ed25519 key
 * pair in the state folder), the seeder server that other peers download from, what it shares
 * (shares.json) and what it downloads (downloads.json), and its presence lease at the tracker.
 *
 * @example
 * ```ts
 * import { parsePeerArgs, runPeer } from "./lib/peer/mod.ts";
 *
 * const parsed = parsePeerArgs(["127.0.0.1:0", "tracker_info.txt", "--state-dir", "/tmp/p1"]);
 * if (parsed.kind === "run") await runPeer(parsed.config);
 * ```
 *
 * @module
 */
export {
  CONFIG_FILE_NAME,
  CONNECT_TIMEOUT_MS,
  type ParsedPeerArgs,
  parsePeerArgs,
  type ParsePeerArgsOptions,
  PEER_HELP,
  PEER_REFRESH_MS,
  PEER_USAGE,
  type PeerConfig,
  PIECE_TIMEOUT_MS,
  PROGRESS_INTERVAL_MS,
  REQUEST_TIMEOUT_MS,
} from "./args.ts";
export { PeerErrorCode, toCommandError } from "./support/codes.ts";
export {
  type ArgKind,
  type ArgSpec,
  type CommandSyntax,
  parseCommandLine,
  type ParsedCommand,
  tokenizeCommandLine,
  usageOf,
} from "./shell/command_line.ts";
export { type CommandContext, COMMANDS, type CommandSpec, commandTable } from "./shell/commands.ts";
export type { TrackerApi } from "./client/api.ts";
export { formatBytes } from "./support/units.ts";
export { IDENTITY_FILE, loadOrCreateIdentity, type PeerIdentity } from "./identity.ts";
export { type CommandOutcome, formatTable, Output, type TextSink } from "./shell/output.ts";
export { type Collected, collectPages, MAX_LIST_ITEMS, type Page } from "./support/pages.ts";
export { PEER_ERROR_PREFIX, reportUncaught, runPeer, STOP_LOGOUT_TIMEOUT_MS } from "./run.ts";
export { MAX_SEEDER_CONNECTIONS, type SeederOptions, SeederServer } from "./seeder/server.ts";
export { HISTORY_SIZE, isSecretLine, PROMPT, Shell, type ShellOptions } from "./shell/shell.ts";
export {
  type EventSink,
  type Session,
  TrackerClient,
  type TrackerClientOptions,
} from "./client/tracker_client.ts";
