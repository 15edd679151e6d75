/**
 * The peer's command line (`peer.ts <IP>:<PORT> <tracker_info.txt> [flags]`) parsed into a
 * {@linkcode PeerConfig}, with the defaults of every flag.
 */
import { parseArgs } from "node:util";
import { type Address, formatAddress, parseAddress } from "../common/address.ts";
import { describeError } from "../common/errors.ts";
import { joinDashValues } from "../common/flags.ts";
import { parseTrackerInfo, type TrackerEntry } from "../common/config.ts";
import { parseRate } from "../common/rate.ts";
import { CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "./client/api.ts";
import { UPLOAD_SLOTS } from "./seeder/choker.ts";
import { parseWebAddress } from "./web/web_address.ts";

export { CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS };

/** A piece not received within this is asked of another peer, unless `--piece-timeout-ms`. */
export const PIECE_TIMEOUT_MS = 15_000;
/** How often a download asks the tracker for peers again, unless `--peer-refresh-ms`. */
export const PEER_REFRESH_MS = 5_000;
const MAX_UPLOAD_SLOTS = 64;
const MIN_TIMEOUT_MS = 10;
const MAX_TIMEOUT_MS = 600_000;

/** How often progress is redrawn or reported, unless `--progress-interval-ms` (0: never). */
export const PROGRESS_INTERVAL_MS = 1_000;
/** The optional config file looked for in the state folder when `--config` is not given. */
export const CONFIG_FILE_NAME = "peershare.json";

/** One line that says how to run the peer, shown after a wrong command line. */
export const PEER_USAGE: string =
  "usage: peer.ts <IP>:<PORT> <tracker_info.txt> [flags] (peer.ts --help lists them)";

/** What `--help` prints: usage, every flag with its default, an example. */
export const PEER_HELP: string = `Usage:
  peer.ts <IP>:<PORT> <tracker_info.txt> [flags]   run a peer: a shell on stdin, a seeder on IP:PORT
  deno task peer <IP>:<PORT> <tracker_info.txt> [flags]

  IP:PORT is where other peers fetch pieces; port 0 takes any free port (printed at start)
  and needs a --state-dir. tracker_info.txt lists the trackers, one IP:PORT a line.

Flags:
  --json                     one JSON line per command and per event (default: text for people)
  --state-dir DIR            identity, shares, downloads; locked while running (default .peershare/peer-<port>)
  --config FILE              a JSON config file (default <state-dir>/${CONFIG_FILE_NAME}, if it exists)
  --upload-limit RATE        cap on bytes sent to other peers, e.g. 20MiB/s (default none)
  --download-limit RATE      cap on bytes received, e.g. 500KiB/s (default none)
  --request-timeout-ms MS    a tracker request not answered in time moves to the next tracker (default ${REQUEST_TIMEOUT_MS})
  --connect-timeout-ms MS    connecting to one tracker (default ${CONNECT_TIMEOUT_MS})
  --piece-timeout-ms MS      a piece not received in time is asked of another peer (default ${PIECE_TIMEOUT_MS})
  --peer-refresh-ms MS       how often a download asks the tracker for peers (default ${PEER_REFRESH_MS})
  --upload-slots N           downloaders served at once per file, plus one optimistic (default ${UPLOAD_SLOTS})
  --no-super-seed            show a new file's every piece at once (default: super-seed it)
  --progress-interval-ms MS  redraw status lines (or, with --json, download_progress events) (default ${PROGRESS_INTERVAL_MS}; 0: off)
  --web [IP:]PORT            serve the web dashboard there; IP 127.0.0.1 unless given; prints its address with the access token (default off)
  -h, --help                 show this text

Config file (every key optional; flags override it; paths are relative to the current folder):
  {"listen": "127.0.0.1:6001", "trackers": ["127.0.0.1:7001", "127.0.0.1:7002"],
   "stateDir": "...", "json": false, "uploadLimit": "20MiB/s", "downloadLimit": "5MiB/s",
   "requestTimeoutMs": ${REQUEST_TIMEOUT_MS}, "connectTimeoutMs": ${CONNECT_TIMEOUT_MS}, "pieceTimeoutMs": ${PIECE_TIMEOUT_MS},
   "peerRefreshMs": ${PEER_REFRESH_MS}, "uploadSlots": ${UPLOAD_SLOTS}, "superSeed": true, "progressIntervalMs": ${PROGRESS_INTERVAL_MS},
   "web": "127.0.0.1:8080"}
  ("trackers" may also name a tracker_info.txt file.)

Example:
  deno task peer 127.0.0.1:6001 tracker_info.txt --download-limit 5MiB/s`;

/** Everything the peer needs to start, from its command line. */
export interface PeerConfig {
  /** Where the seeder server listens; port 0 means any free port. */
  listen: Address;
  /** The tracker list file, one `IP:PORT` a line (or the config file that lists them). */
  trackerInfoPath: string;
  /** The trackers, when the config file lists them itself (else read from trackerInfoPath). */
  trackers?: readonly TrackerEntry[];
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
  /** Status lines (terminal) or download_progress events (--json) this often; 0: none. */
  progressIntervalMs: number;
  /** Where the web dashboard listens (`--web`); absent: no dashboard. */
  web?: Address;
}

/** What the command line asks for: run a peer, or print the usage. */
export type ParsedPeerArgs = { kind: "run"; config: PeerConfig } | { kind: "help" };

/** Options of {@linkcode parsePeerArgs}. */
export interface ParsePeerArgsOptions {
  /**
   * Read a config file: its text, or undefined when there is none. The default reads the file
   * with `Deno.readTextFileSync` (once, at start-up).
   */
  readConfig?: (path: string) => string | undefined;
}

/** Flag values as text, from the command line or the config file. */
type RawValues = Partial<Record<StringFlag, string>> & {
  json?: boolean;
  "no-super-seed"?: boolean;
};
type StringFlag =
  | "state-dir"
  | "request-timeout-ms"
  | "connect-timeout-ms"
  | "upload-limit"
  | "download-limit"
  | "piece-timeout-ms"
  | "peer-refresh-ms"
  | "upload-slots"
  | "progress-interval-ms"
  | "web";

/**
 * Parse the peer's command line (without the program name), over the config file's values.
 *
 * @throws {TypeError | SyntaxError | RangeError} with one line to print before exiting with 2
 */
export function parsePeerArgs(
  argv: readonly string[],
  options: ParsePeerArgsOptions = {},
): ParsedPeerArgs {
  const { values, positionals } = parseStrict(argv);
  if (values.help) return { kind: "help" };
  if (positionals.length > 2) {
    throw new TypeError(`Expected 2 arguments, got ${positionals.length}: ${PEER_USAGE}`);
  }
  const cli = withoutUndefined({ ...values, config: undefined, help: undefined }) as RawValues;
  const file = loadConfig(values.config, positionals[0], cli["state-dir"], options);
  const listenText = positionals[0] ?? file?.listen;
  const trackersText = positionals[1] ?? file?.trackerInfoPath;
  if (listenText === undefined || (trackersText === undefined && !file?.trackers)) {
    throw new TypeError(
      `Expected 2 arguments, got ${positionals.length}: ${PEER_USAGE}`,
    );
  }
  const raw: RawValues = { ...file?.values, ...cli };
  const name = (flag: string) => file?.keyOf(flag, cli) ?? flag;
  const listen = parseAddress(listenText, { allowPortZero: true });
  return {
    kind: "run",
    config: {
      listen,
      trackerInfoPath: trackersText ?? file!.path,
      ...(positionals[1] === undefined && file?.trackers ? { trackers: file.trackers } : {}),
      stateDir: raw["state-dir"] ?? defaultStateDir(listen),
      isJson: raw.json ?? false,
      requestTimeoutMs: parseMs(raw["request-timeout-ms"], name("--request-timeout-ms")) ??
        REQUEST_TIMEOUT_MS,
      connectTimeoutMs: parseMs(raw["connect-timeout-ms"], name("--connect-timeout-ms")) ??
        CONNECT_TIMEOUT_MS,
      uploadLimit: parseLimit(raw["upload-limit"], name("--upload-limit")),
      downloadLimit: parseLimit(raw["download-limit"], name("--download-limit")),
      pieceTimeoutMs: parseMs(raw["piece-timeout-ms"], name("--piece-timeout-ms")) ??
        PIECE_TIMEOUT_MS,
      peerRefreshMs: parseMs(raw["peer-refresh-ms"], name("--peer-refresh-ms")) ??
        PEER_REFRESH_MS,
      uploadSlots: parseSlots(raw["upload-slots"], name("--upload-slots")),
      isSuperSeeding: !(raw["no-super-seed"] ?? false),
      progressIntervalMs: parseInterval(
        raw["progress-interval-ms"],
        name("--progress-interval-ms"),
      ),
      ...(raw.web === undefined ? {} : { web: parseWebAddress(raw.web, name("--web")) }),
    },
  };
}

const FLAGS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  config: { type: "string" },
  "state-dir": { type: "string" },
  "request-timeout-ms": { type: "string" },
  "connect-timeout-ms": { type: "string" },
  "upload-limit": { type: "string" },
  "download-limit": { type: "string" },
  "piece-timeout-ms": { type: "string" },
  "peer-refresh-ms": { type: "string" },
  "upload-slots": { type: "string" },
  "no-super-seed": { type: "boolean" },
  "progress-interval-ms": { type: "string" },
  web: { type: "string" },
} as const;

function parseStrict(argv: readonly string[]) {
  try {
    // A negative number (or any value starting with "-") after a flag is its value.
    const args = joinDashValues(argv, FLAGS);
    return parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new TypeError(`${parserMessage(error)}: ${PEER_USAGE}`);
  }
}

/** node:util's messages in our words: they quote with ' and run on with advice about "--". */
function parserMessage(error: unknown): string {
  const message = describeError(error);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
  const code = (error as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `Unknown flag "${flag}"`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return /argument missing/.test(message)
      ? `Flag "${flag}" needs a value`
      : `Flag "${flag}" takes no value`;
  }
  return message.split(". ")[0]!.replace(/\.$/, "");
}

/** The keys of the config file, each with its flag. */
const CONFIG_KEYS: Record<string, { flag: string; type: "string" | "number" | "boolean" }> = {
  stateDir: { flag: "state-dir", type: "string" },
  json: { flag: "json", type: "boolean" },
  uploadLimit: { flag: "upload-limit", type: "string" },
  downloadLimit: { flag: "download-limit", type: "string" },
  requestTimeoutMs: { flag: "request-timeout-ms", type: "number" },
  connectTimeoutMs: { flag: "connect-timeout-ms", type: "number" },
  pieceTimeoutMs: { flag: "piece-timeout-ms", type: "number" },
  peerRefreshMs: { flag: "peer-refresh-ms", type: "number" },
  uploadSlots: { flag: "upload-slots", type: "number" },
  superSeed: { flag: "no-super-seed", type: "boolean" },
  progressIntervalMs: { flag: "progress-interval-ms", type: "number" },
  web: { flag: "web", type: "string" },
};

/** A config file read and checked. */
interface FileConfig {
  path: string;
  listen?: string;
  trackerInfoPath?: string;
  trackers?: readonly TrackerEntry[];
  values: RawValues;
  /** How an error names a setting: its key in the file, unless the command line set it. */
  keyOf(flag: string, cli: RawValues): string | undefined;
}

/**
 * Read `--config FILE` (it must exist), or `<state dir>/peershare.json` if it exists.
 *
 * @throws {SyntaxError} naming the file and what is wrong
 */
function loadConfig(
  explicit: string | undefined,
  listenText: string | undefined,
  stateDir: string | undefined,
  options: ParsePeerArgsOptions,
): FileConfig | undefined {
  const read = options.readConfig ?? readTextIfAny;
  let path = explicit;
  if (path === undefined) {
    const dir = stateDir ?? defaultDirOf(listenText);
    if (dir === undefined) return undefined;
    path = `${dir}/${CONFIG_FILE_NAME}`;
  }
  const text = read(path);
  if (text === undefined) {
    if (explicit === undefined) return undefined;
    throw new SyntaxError(`Bad config file "${path}": not found`);
  }
  return checkConfig(path, text);
}

function checkConfig(path: string, text: string): FileConfig {
  const fail = (what: string) => new SyntaxError(`Bad config file "${path}": ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${describeError(error)})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw fail("expected a JSON object");
  }
  const config: FileConfig = { path, values: {}, keyOf: () => undefined };
  const fromFile = new Set<string>();
  for (const [key, value] of Object.entries(json)) {
    if (key === "listen") {
      if (typeof value !== "string") throw fail(`"listen" must be a string like "127.0.0.1:6001"`);
      config.listen = value;
    } else if (key === "trackers") {
      Object.assign(config, checkTrackers(value, fail, path));
    } else {
      const spec = CONFIG_KEYS[key];
      if (!spec) throw fail(`unknown key "${key}" (peer.ts --help lists the keys)`);
      if (typeof value !== spec.type && !(key.endsWith("Limit") && typeof value === "number")) {
        throw fail(`"${key}" must be a ${spec.type}`);
      }
      const values = config.values as Record<string, unknown>;
      if (spec.type === "boolean") values[spec.flag] = key === "superSeed" ? !value : value;
      else values[spec.flag] = String(value);
      fromFile.add(spec.flag);
    }
  }
  const keyByFlag = new Map(Object.entries(CONFIG_KEYS).map(([key, { flag }]) => [flag, key]));
  config.keyOf = (flag, cli) => {
    const bare = flag.replace(/^--/, "");
    if (!fromFile.has(bare) || bare in cli) return undefined;
    return `"${keyByFlag.get(bare)}" in ${path}`;
  };
  return config;
}

function checkTrackers(
  value: unknown,
  fail: (what: string) => SyntaxError,
  path: string,
): { trackerInfoPath?: string; trackers?: readonly Address[] } {
  if (typeof value === "string") return { trackerInfoPath: value };
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw fail(`"trackers" must be a file name or a list of "IP:PORT" strings`);
  }
  try {
    return { trackers: parseTrackerInfo(value.join("\n"), `"trackers" in ${path}`) };
  } catch (error) {
    throw fail(describeError(error));
  }
}

function readTextIfAny(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new SyntaxError(`Cannot read config file "${path}": ${describeError(error)}`);
  }
}

/** The default state folder of a listen address, when it has one. */
function defaultDirOf(listenText: string | undefined): string | undefined {
  if (listenText === undefined) return undefined;
  try {
    const listen = parseAddress(listenText, { allowPortZero: true });
    return listen.port === 0 ? undefined : defaultStateDir(listen);
  } catch (error) {
    // A bad address is reported by parsePeerArgs itself, with the usage.
    if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) {
      return undefined;
    }
    throw error;
  }
}

function withoutUndefined(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

function parseInterval(text: string | undefined, flag: string): number {
  if (text === undefined) return PROGRESS_INTERVAL_MS;
  if (text === "0") return 0;
  return parseMs(text, flag)!;
}

function parseSlots(text: string | undefined, flag: string): number {
  if (text === undefined) return UPLOAD_SLOTS;
  const slots = Number(text);
  if (!/^\d+$/.test(text) || slots < 1 || slots > MAX_UPLOAD_SLOTS) {
    throw new RangeError(`${flag} must be 1..${MAX_UPLOAD_SLOTS}, got "${text}"`);
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
