/**
 * The tracker's command layer: a typed table from op name to handler (`COMMANDS`), and
 * `Commands`, which checks a request's session and runs its handler against one tracker's state
 * and store. Handlers validate against the pure state (`../state/`) and change it only through
 * operations committed to the store; they may import `lib/common`, `lib/wire` (the argument and
 * result schemas) and the tracker's state, store, sessions, presence, staging and throttle, but
 * no sockets: the server hands them decoded requests.
 *
 * @module
 */
export type { Caller, CommandContext, RequestOf, TicketSigner } from "./context.ts";
export { COMMANDS, Commands } from "./table.ts";
