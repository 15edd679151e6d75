/**
 * The peer's own error codes and the one conversion of any caught error into a
 * {@linkcode CommandError} with a stable code.
 */
import { CommandError, describeError } from "../../common/errors.ts";

/**
 * Error codes the peer gives on its own, beside the tracker's (`ErrorCode` in lib/wire): a
 * command refused before it reaches the tracker, or a tracker that could not answer.
 */
export const PeerErrorCode = {
  /** The first word of a line is not a command. */
  UNKNOWN_COMMAND: "unknown_command",
  /** Missing or extra arguments, a bad id, an unterminated quote. */
  BAD_ARGUMENTS: "bad_arguments",
  /** The command needs a session and there is none. */
  NOT_LOGGED_IN: "not_logged_in",
  /** `login` while a session is open: log out first. */
  ALREADY_LOGGED_IN: "already_logged_in",
  /** No tracker in tracker_info.txt answered. */
  TRACKER_UNREACHABLE: "tracker_unreachable",
  /** The connection dropped while a request was in flight: it may or may not have happened. */
  CONNECTION_LOST: "connection_lost",
  /** The tracker did not answer before the request's deadline. */
  TIMEOUT: "timeout",
  /** The tracker's answer did not validate against its schema. */
  BAD_RESPONSE: "bad_response",
  /** The peer is shutting down and cancelled the command. */
  CANCELLED: "cancelled",
  /** A missing Deno permission refused the command. */
  PERMISSION_DENIED: "permission_denied",
  /** A file name with a path separator, `..` or a control character. */
  BAD_FILE_NAME: "bad_file_name",
  /** The file or folder a command names does not exist. */
  NO_SUCH_PATH: "no_such_path",
  /** upload_file of a folder or a device: only regular files are shared. */
  NOT_A_FILE: "not_a_file",
  /** A file changed on disk while it was hashed, or since it was shared. */
  FILE_CHANGED: "file_changed",
  /** download_file to a path where a file already is: nothing is ever overwritten. */
  DESTINATION_EXISTS: "destination_exists",
  /** No download has that id. */
  NO_SUCH_DOWNLOAD: "no_such_download",
  /** pause, resume or cancel of a download in a state that does not allow it. */
  WRONG_STATE: "wrong_state",
  /** The operating system refused a read or write for another reason. */
  IO_ERROR: "io_error",
  /** An unexpected failure inside the peer. */
  INTERNAL: "internal",
} as const;

/**
 * Turn anything a command threw into a `CommandError`, so the shell always prints one line
 * with a stable code and never a stack trace.
 */
export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  if (error instanceof Deno.errors.NotCapable) {
    return new CommandError(PeerErrorCode.PERMISSION_DENIED, describeError(error));
  }
  if (error instanceof DOMException && error.name === "AbortError") {
    return new CommandError(PeerErrorCode.CANCELLED, "Cancelled: the peer is shutting down");
  }
  return new CommandError(PeerErrorCode.INTERNAL, `Unexpected error: ${describeError(error)}`);
}
