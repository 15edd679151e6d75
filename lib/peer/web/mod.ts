/**
 * The web dashboard (`--web [IP:]PORT`): an HTTP server on Deno.serve with an access token and
 * an Origin/Host check on every request, a page served from memory (no CDN, nothing fetched at
 * run time), a live Server-Sent Events feed of the peer's state and events, and one action route
 * that runs the shell's own commands. It imports lib/common, lib/wire, peer/support and
 * peer/shell's pure helpers, and only types from the other rooms: run.ts hands it the shell's
 * command runner and the peer's state.
 *
 * @module
 */
export { Dashboard, type DashboardOptions } from "./server.ts";
export { parseWebAddress } from "./web_address.ts";
export type { CommandReply, DashboardSources, SessionView } from "./types.ts";
