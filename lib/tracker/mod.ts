/**
 * The tracker: pure state over operations, commands, SQLite storage, sessions and the server.
 *
 * @module
 */
export { type CommandContext, Commands } from "./commands.ts";
export { startConsole } from "./console.ts";
export type { Entity, GroupEntity, UserEntity } from "./entities.ts";
export { compareHlc, formatHlc, type Hlc, HybridClock } from "./hlc.ts";
export { keyOf, type OpBody, type Operation, opId, orderKey } from "./ops.ts";
export { TRACKER_DEFAULTS, type TrackerOptions, TrackerServer } from "./server.ts";
export { SessionKeys } from "./sessions.ts";
export { type ApplyOutcome, State } from "./state.ts";
export { formatStatus, queryAll, queryStatus, type TrackerStatus } from "./status.ts";
export { Store } from "./store.ts";
