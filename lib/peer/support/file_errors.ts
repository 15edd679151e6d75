/**
 * Turn a failed file system call into one line for the user: which path, what went wrong, and
 * for a missing Deno permission the flag to add. node:fs reports the operating system's errors
 * by `code` (ENOENT…), Deno's permission checks by class (`Deno.errors.NotCapable`).
 */
import { CommandError, describeError } from "../../common/errors.ts";
import { PeerErrorCode } from "./codes.ts";

/** What a command was doing with the path, for the message: "read", "write to". */
export type FileAction = "read" | "write to";

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether a node:fs or Deno error means the path does not exist. */
export function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || errorCode(error) === "ENOENT";
}

/**
 * A `CommandError` that names the path and says what to do.
 *
 * @param error what the file system call threw
 * @param path the path as the user typed it
 */
export function fileError(error: unknown, path: string, action: FileAction): CommandError {
  const quoted = JSON.stringify(path);
  if (error instanceof CommandError) return error;
  if (error instanceof Deno.errors.NotCapable) {
    const flag = action === "read" ? "--allow-read" : "--allow-write";
    return new CommandError(
      PeerErrorCode.PERMISSION_DENIED,
      `Cannot ${action} ${quoted}: the peer runs without ${flag} for it ` +
        `(start it with ${flag}=<folder>)`,
    );
  }
  if (isNotFound(error)) {
    return new CommandError(PeerErrorCode.NO_SUCH_PATH, `No such file or folder: ${quoted}`);
  }
  const code = errorCode(error);
  if (code === "EACCES" || code === "EPERM" || error instanceof Deno.errors.PermissionDenied) {
    return new CommandError(
      PeerErrorCode.PERMISSION_DENIED,
      `Cannot ${action} ${quoted}: the operating system denied access`,
    );
  }
  if (code === "EISDIR" || error instanceof Deno.errors.IsADirectory) {
    return new CommandError(PeerErrorCode.NOT_A_FILE, `${quoted} is a folder, not a file`);
  }
  return new CommandError(
    PeerErrorCode.IO_ERROR,
    `Cannot ${action} ${quoted}: ${describeError(error)}`,
  );
}
