/**
 * The tracker list (tracker_info.txt: one `IP:PORT` or `IP PORT` per line, optionally followed
 * by the tracker's key fingerprint, `#` comments): parsing it, reading it from a file, and
 * picking tracker n of it.
 */
import { describeError } from "./errors.ts";
import { type Address, parseAddress } from "./address.ts";
import { isFingerprint } from "./ids.ts";

/** One tracker of the list: where it listens, and the key it must prove when the line says. */
export interface TrackerEntry extends Address {
  /** The fingerprint of the tracker's key (it prints it at start), when the line pins one. */
  readonly fingerprint?: string;
}

/**
 * Parse the text of tracker_info.txt: one tracker per line as `IP:PORT` or `IP PORT`, then
 * optionally the fingerprint of its key. Blank lines, `#` comments and CRLF line ends are
 * ignored.
 *
 * @throws {SyntaxError} naming the line that does not parse, or when no tracker is listed
 */
export function parseTrackerInfo(text: string, source = "tracker_info.txt"): TrackerEntry[] {
  const trackers: TrackerEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    try {
      trackers.push(parseEntry(line));
    } catch (error) {
      const detail = describeError(error);
      throw new SyntaxError(`${source} line ${index + 1}: ${detail}`);
    }
  }
  if (trackers.length === 0) throw new SyntaxError(`${source} lists no tracker`);
  return trackers;
}

/** `IP:PORT [FINGERPRINT]` or `IP PORT [FINGERPRINT]`. */
function parseEntry(line: string): TrackerEntry {
  const words = line.split(/\s+/);
  // A third word, or a second after an `IP:PORT`, can only be the fingerprint.
  const hasKey = words.length === 3 || (words.length === 2 && words[0]!.includes(":"));
  if (!hasKey) return parseAddress(line);
  const fingerprint = words.pop()!;
  let address: Address;
  try {
    address = parseAddress(words.join(" "));
  } catch {
    return parseAddress(line); // not an address and a key: say so of the whole line
  }
  if (!isFingerprint(fingerprint)) {
    throw new SyntaxError(
      `"${fingerprint}" is not a key fingerprint (43 characters, as the tracker prints at ` +
        `start)`,
    );
  }
  return { ...address, fingerprint };
}

/**
 * Read and parse a tracker_info.txt file.
 *
 * @throws {Error} with one line naming the file when it cannot be read or parsed
 */
export async function readTrackerInfo(path: string): Promise<TrackerEntry[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read tracker list "${path}": file not found`);
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new Error(`Cannot read tracker list "${path}": run with --allow-read=${path}`);
    }
    const detail = describeError(error);
    throw new Error(`Cannot read tracker list "${path}": ${detail}`);
  }
  return parseTrackerInfo(text, path);
}

/**
 * Pick tracker `n` (1-based) from the list.
 *
 * @throws {RangeError} naming the valid range
 */
export function pickTracker<T extends Address>(trackers: readonly T[], nText: string): T {
  const n = Number(nText);
  if (!/^\d+$/.test(nText) || n < 1 || n > trackers.length) {
    throw new RangeError(
      `Tracker number "${nText}" is out of range: the list has ${trackers.length} tracker(s), use 1..${trackers.length}`,
    );
  }
  return trackers[n - 1]!;
}
