/**
 * The peer's command line (`peer.ts <IP>:<PORT> <tracker_info.txt> [flags]`) parsed into a
 * {@linkcode PeerConfig}, with the defaults of every flag.
 */
import { parseArgs } from "node:util";
import { type Address, formatAddress, parseAddress } from "../common/address.ts";
import { describeError } from "../common/errors.ts";
import { parseRate } from "../common/rate.ts";
import { CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "./client/api.ts";
import { UPLOAD_SLOTS } from "./seeder/choker.ts";

export { CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS };

/** A piece not received within this is asked of another peer, unless `--piece-timeout-ms`. */
export const PIECE_TIMEOUT_MS = 15_000;
/** How often a download asks the tracker for peers again, unless `--peer-refresh-ms`. */
export const PEER_REFRESH_MS = 5_000;
const MAX_UPLOAD_SLOTS = 64;
const MIN_TIMEOUT_MS = 10;
const MAX_TIMEOUT_MS = 600_000;

/** One line that says how to run the peer. */
export const PEER_USAGE: string = "usage: peer.ts <IP>:<PORT> <tracker_info.txt> [--json] " +
  "[--state-dir DIR] [--upload-limit RATE] [--download-limit RATE] [--request-timeout-ms MS] " +
  "[--connect-timeout-ms MS] [--piece-timeout-ms MS] [--peer-refresh-ms MS] " +
  "[--upload-slots N] [--no-super-seed] " +
  "(RATE: bytes per second, e.g. 20MiB/s)";

/** Everything the peer needs to start, from its command line. */
export interface PeerConfig {
  /** Where the seeder server listens; port 0 means any free port. */
  listen: Address;
  /** The tracker list, one `IP:PORT` a line. */
  trackerInfoPath: string;
  /** The folder that holds the lock and the identity: `.peershare/peer-<port>` by default. */
  stateDir: string;
  /** One JSON line per command and per event instead of human text. */
  isJson: boolean;
  /** Deadline of one tracker request, connecting included. */
  requestTimeoutMs: number;
  /** Budget for connecting to one tracker (TCP and Hello). */
  connectTimeoutMs: number;
  /** Bytes per second sent to other peers, all files together; Infinity: no limit. */
  uploadLimit: number;
  /** Bytes per second received, all downloads together; Infinity: no limit. */
  downloadLimit: number;
  /** A piece not received within this is asked of another peer. */
  pieceTimeoutMs: number;
  /** How often a download refreshes its peer list from the tracker. */
  peerRefreshMs: number;
  /** Downloaders served at once per file, besides the optimistic one. */
  uploadSlots: number;
  /** Show a new file's pieces one at a time while it has few copies (BEP 16). */
  isSuperSeeding: boolean;
}

/** What the command line asks for: run a peer, or print the usage. */
export type ParsedPeerArgs = { kind: "run"; config: PeerConfig } | { kind: "help" };

/**
 * Parse the peer's command line (without the program name).
 *
 * @throws {TypeError | SyntaxError | RangeError} with one line to print before exiting with 2
 */
export function parsePeerArgs(argv: readonly string[]): ParsedPeerArgs {
  const { values, positionals } = parseStrict(argv);
  if (values.help) return { kind: "help" };
  if (positionals.length !== 2) {
    throw new TypeError(
      `Expected 2 arguments, got ${positionals.length}: ${PEER_USAGE}`,
    );
  }
  const [addressText, trackerInfoPath] = positionals as [string, string];
  const listen = parseAddress(addressText, { allowPortZero: true });
  const stateDir = values["state-dir"] ?? defaultStateDir(listen);
  return {
    kind: "run",
    config: {
      listen,
      trackerInfoPath,
      stateDir,
      isJson: values.json ?? false,
      requestTimeoutMs: parseMs(values["request-timeout-ms"], "--request-timeout-ms") ??
        REQUEST_TIMEOUT_MS,
      connectTimeoutMs: parseMs(values["connect-timeout-ms"], "--connect-timeout-ms") ??
        CONNECT_TIMEOUT_MS,
      uploadLimit: parseLimit(values["upload-limit"], "--upload-limit"),
      downloadLimit: parseLimit(values["download-limit"], "--download-limit"),
      pieceTimeoutMs: parseMs(values["piece-timeout-ms"], "--piece-timeout-ms") ??
        PIECE_TIMEOUT_MS,
      peerRefreshMs: parseMs(values["peer-refresh-ms"], "--peer-refresh-ms") ?? PEER_REFRESH_MS,
      uploadSlots: parseSlots(values["upload-slots"]),
      isSuperSeeding: !(values["no-super-seed"] ?? false),
    },
  };
}

function parseStrict(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        "state-dir": { type: "string" },
        "request-timeout-ms": { type: "string" },
        "connect-timeout-ms": { type: "string" },
        "upload-limit": { type: "string" },
        "download-limit": { type: "string" },
        "piece-timeout-ms": { type: "string" },
        "peer-refresh-ms": { type: "string" },
        "upload-slots": { type: "string" },
        "no-super-seed": { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util's messages run on with advice about "--"; keep their first sentence only.
    const message = describeError(error);
    throw new TypeError(`${message.split(". ")[0]!.replace(/\.$/, "")}: ${PEER_USAGE}`);
  }
}

function parseSlots(text: string | undefined): number {
  if (text === undefined) return UPLOAD_SLOTS;
  const slots = Number(text);
  if (!/^\d+$/.test(text) || slots < 1 || slots > MAX_UPLOAD_SLOTS) {
    throw new RangeError(`--upload-slots must be 1..${MAX_UPLOAD_SLOTS}, got "${text}"`);
  }
  return slots;
}

function defaultStateDir(listen: Address): string {
  if (listen.port === 0) {
    throw new TypeError(
      `Listening on port 0 needs --state-dir DIR: a new folder every run would give the peer ` +
        `a new identity each time (address "${formatAddress(listen)}")`,
    );
  }
  return `.peershare/peer-${listen.port}`;
}

function parseMs(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `Invalid ${flag} "${text}": use a whole number of milliseconds, ` +
        `${MIN_TIMEOUT_MS}..${MAX_TIMEOUT_MS}`,
    );
  }
  return ms;
}

function parseLimit(text: string | undefined, flag: string): number {
  if (text === undefined) return Number.POSITIVE_INFINITY;
  try {
    return parseRate(text);
  } catch (error) {
    const message = describeError(error);
    throw new SyntaxError(`${flag}: ${message}`);
  }
}
