/** The `--web [IP:]PORT` value: where the dashboard listens (127.0.0.1 unless an IP is given). */
import { type Address, parseAddress } from "../../common/address.ts";

/** The host the dashboard is bound to when `--web` gives only a port. */
export const DEFAULT_WEB_HOST = "127.0.0.1";

/**
 * Parse `PORT` or `IP:PORT` (`[v6]:PORT`); port 0 takes any free port (printed at start).
 *
 * @throws {SyntaxError | RangeError} one line naming the flag and the value
 */
export function parseWebAddress(text: string, flag = "--web"): Address {
  try {
    if (/^\d+$/.test(text.trim())) {
      return parseAddress(`${DEFAULT_WEB_HOST}:${text.trim()}`, { allowPortZero: true });
    }
    return parseAddress(text, { allowPortZero: true });
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new SyntaxError(`${flag}: ${error.message} (use PORT or IP:PORT)`);
    }
    if (error instanceof RangeError) throw new RangeError(`${flag}: ${error.message}`);
    throw error;
  }
}
