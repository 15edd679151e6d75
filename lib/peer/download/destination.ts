/**
 * Where download_file puts a file: inside the destination when it is a folder (under the file's
 * own name, which the tracker checked is a plain name), else at the destination path itself.
 * An existing file is never overwritten: the command is refused at once.
 */
import { lstat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CommandError } from "../../common/errors.ts";
import { PeerErrorCode } from "../support/codes.ts";
import { fileError, isNotFound } from "../support/file_errors.ts";

async function lstatOrNull(path: string, asTyped: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw fileError(error, asTyped, "read");
  }
}

function exists(path: string): CommandError {
  return new CommandError(
    PeerErrorCode.DESTINATION_EXISTS,
    `${JSON.stringify(path)} already exists: choose another destination (nothing is overwritten)`,
  );
}

/**
 * The absolute final path of a download.
 *
 * @param destination as the user typed it: a folder, or a file path in an existing folder
 * @param name the file's name in its group
 * @throws {CommandError} `destination_exists`, `no_such_path`, or `permission_denied`
 */
export async function resolveDestination(destination: string, name: string): Promise<string> {
  const absolute = resolve(destination);
  const found = await lstatOrNull(absolute, destination);
  let path = absolute;
  if (found?.isDirectory()) {
    path = join(absolute, name);
    if (await lstatOrNull(path, path)) throw exists(path);
  } else if (found) {
    throw exists(absolute);
  } else if (/[/\\]$/.test(destination)) {
    throw new CommandError(
      PeerErrorCode.NO_SUCH_PATH,
      `No such folder: ${JSON.stringify(destination)}`,
    );
  } else {
    const folder = await lstatOrNull(dirname(absolute), dirname(destination));
    if (!folder?.isDirectory()) {
      throw new CommandError(
        PeerErrorCode.NO_SUCH_PATH,
        `No such folder: ${JSON.stringify(dirname(destination))}`,
      );
    }
  }
  checkAllowed(path);
  return path;
}

/**
 * Refuse a new download whose partial file's path is taken (a file of the user's, or a link
 * planted there): the engine would write through it or delete it.
 *
 * @throws {CommandError} `destination_exists` naming the partial file's path
 */
export async function refuseTakenPartPath(path: string): Promise<void> {
  const part = `${path}.part`;
  if (await lstatOrNull(part, part)) throw exists(part);
}

/**
 * Refuse at once a destination outside `--allow-write` (or `--allow-read`: resuming reads the
 * partial file back), instead of failing later in the background.
 */
function checkAllowed(path: string): void {
  for (const [name, flag] of [["write", "--allow-write"], ["read", "--allow-read"]] as const) {
    if (Deno.permissions.querySync({ name, path }).state !== "granted") {
      throw new CommandError(
        PeerErrorCode.PERMISSION_DENIED,
        `Cannot download to ${JSON.stringify(path)}: the peer runs without ${flag} for it ` +
          `(start it with ${flag}=<folder>)`,
      );
    }
  }
}
