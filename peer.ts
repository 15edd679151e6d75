/**
 * The peer: `peer.ts <IP>:<PORT> <tracker_info.txt> [flags]` (`--help` lists the flags).
 *
 * Serves pieces on IP:PORT (port 0: any free port, printed at start), talks to the first
 * tracker of tracker_info.txt that answers, and reads shell commands from stdin. This file
 * only parses arguments and turns fatal errors into one line and an exit code; everything
 * else is in lib/peer.
 *
 * @module
 */
import { describeError } from "./lib/common/errors.ts";
import { stderrSink } from "./lib/common/logger.ts";
import {
  parsePeerArgs,
  PEER_ERROR_PREFIX as PREFIX,
  PEER_HELP,
  reportUncaught,
  runPeer,
} from "./lib/peer/mod.ts";

/** Exit status for a command line that does not parse. */
const EXIT_USAGE = 2;
/** Exit status for a start-up failure: folder in use, missing permission, bad tracker list. */
const EXIT_FAILURE = 1;

function parseOrExit(argv: readonly string[]) {
  try {
    const parsed = parsePeerArgs(argv);
    if (parsed.kind === "run") return parsed.config;
    console.log(PEER_HELP);
    Deno.exit(0);
  } catch (error) {
    stderrSink(PREFIX + describeError(error));
    Deno.exit(EXIT_USAGE);
  }
}

if (import.meta.main) {
  reportUncaught();
  const config = parseOrExit(Deno.args);
  try {
    await runPeer(config);
  } catch (error) {
    stderrSink(PREFIX + describeError(error));
    Deno.exit(EXIT_FAILURE);
  }
  // stdin may still have a read pending; the peer is done, so do not wait for it.
  Deno.exit(0);
}
