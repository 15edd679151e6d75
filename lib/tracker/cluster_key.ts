/**
 * The cluster secret: 32 random bytes (hex) in a file that every tracker of a cluster shares.
 * Session tokens are signed with a key derived from it; trackers prove it to each other.
 * The first tracker that starts without one makes it, so trackers on one machine need no setup.
 */
import { dirname } from "node:path";
import { describeError } from "../common/errors.ts";

const SECRET_BYTES = 32;

/**
 * Read the secret at `path`, or create it when missing (atomically: of two trackers starting
 * together, one creates and both read the same secret).
 *
 * @throws {Error} with one line naming the file when it is unreadable or malformed
 */
export async function loadClusterKey(path: string): Promise<Uint8Array> {
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw describe(error, path);
  }
  if (text !== undefined) return parseKey(text, path); // its error names the file already
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, hex + "\n", { createNew: true, mode: 0o600 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw describe(error, path);
  }
  return parseKey(await Deno.readTextFile(path), path);
}

function parseKey(text: string, path: string): Uint8Array {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new Error(`Cluster key "${path}" is malformed: expected 64 hex digits`);
  }
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

function describe(error: unknown, path: string): Error {
  if (error instanceof Deno.errors.NotCapable) {
    return new Error(
      `Cannot use cluster key "${path}": run with --allow-read and --allow-write for it`,
    );
  }
  const detail = describeError(error);
  return new Error(`Cannot use cluster key "${path}": ${detail}`);
}
