/**
 * The tracker list (tracker_info.txt: one `IP:PORT` or `IP PORT` per line, `#` comments):
 * parsing it, reading it from a file, and picking tracker n of it.
 */
import { describeError } from "./errors.ts";
import { type Address, parseAddress } from "./address.ts";

/**
 * Parse the text of tracker_info.txt: one tracker per line as `IP:PORT` or `IP PORT`.
 * Blank lines, `#` comments and CRLF line ends are ignored.
 *
 * @throws {SyntaxError} naming the line that does not parse, or when no tracker is listed
 */
export function parseTrackerInfo(text: string, source = "tracker_info.txt"): Address[] {
  const trackers: Address[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    try {
      trackers.push(parseAddress(line));
    } catch (error) {
      const detail = describeError(error);
      throw new SyntaxError(`${source} line ${index + 1}: ${detail}`);
    }
  }
  if (trackers.length === 0) throw new SyntaxError(`${source} lists no tracker`);
  return trackers;
}

/**
 * Read and parse a tracker_info.txt file.
 *
 * @throws {Error} with one line naming the file when it cannot be read or parsed
 */
export async function readTrackerInfo(path: string): Promise<Address[]> {
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
export function pickTracker(trackers: readonly Address[], nText: string): Address {
  const n = Number(nText);
  if (!/^\d+$/.test(nText) || n < 1 || n > trackers.length) {
    throw new RangeError(
      `Tracker number "${nText}" is out of range: the list has ${trackers.length} tracker(s), use 1..${trackers.length}`,
    );
  }
  return trackers[n - 1]!;
}
