/**
 * The commands a dashboard page may run: the shell's own (so a refusal reads exactly as in the
 * shell, with the same code), minus those that only make sense at the terminal.
 */
import type { CommandReply, DashboardSources } from "./types.ts";

/** Every shell command a page may send. `quit` and `help` stay at the terminal. */
export const WEB_COMMANDS: ReadonlySet<string> = new Set([
  "create_user",
  "login",
  "logout",
  "create_group",
  "join_group",
  "leave_group",
  "list_requests",
  "accept_request",
  "reject_request",
  "list_groups",
  "list_members",
  "list_files",
  "upload_file",
  "download_file",
  "show_downloads",
  "show_download",
  "clear_downloads",
  "show_shares",
  "pause_download",
  "resume_download",
  "cancel_download",
  "stop_share",
]);

/** The error code of a body that is not `{"command": "...", "args": ["...", …]}`. */
export const BAD_REQUEST = "bad_request";
/** The error code of a command the dashboard does not offer. */
export const NOT_OFFERED = "not_offered";

/** Check a page's request body and run its command; never throws. */
export async function runWebCommand(
  body: unknown,
  sources: DashboardSources,
): Promise<CommandReply> {
  const request = body as { command?: unknown; args?: unknown } | null;
  const name = typeof request?.command === "string" ? request.command : "";
  const args = request?.args ?? [];
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string") || name === "") {
    return refused(name, BAD_REQUEST, 'Send {"command": "<name>", "args": ["<text>", …]}');
  }
  if (!WEB_COMMANDS.has(name)) {
    return refused(name, NOT_OFFERED, `The dashboard does not run "${name.slice(0, 40)}"`);
  }
  return await sources.runCommand(name, args);
}

function refused(command: string, code: string, error: string): CommandReply {
  return { ok: false, command, code, error, text: `Error: ${error}` };
}
