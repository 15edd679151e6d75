import process from "node:process";
import { formatAddress } from "../common/address.ts";
import { readTrackerInfo } from "../common/config.ts";
import { FolderLock } from "../common/lock.ts";
import { Logger } from "../common/logger.ts";
import type { PeerConfig } from "./args.ts";
import { toCommandError } from "./codes.ts";
import { COMMANDS } from "./commands.ts";
import { loadOrCreateIdentity } from "./identity.ts";
import { Output } from "./output.ts";
import { SeederServer } from "./seeder.ts";
import { Shell } from "./shell.ts";
import { TrackerClient } from "./tracker_client.ts";

/** After SIGINT or SIGTERM, how long logging out may take before the peer exits anyway. */
export const STOP_LOGOUT_TIMEOUT_MS = 2_000;
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Run a peer until its input ends, `quit`, SIGINT or SIGTERM: lock the state folder, load or
 * make the identity, start the seeder, print the bound address, then run the shell on stdin.
 * At the end it logs out if logged in, and closes everything.
 *
 * @throws {Error} with one line to print, when start-up fails (folder in use, no permission…)
 */
export async function runPeer(config: PeerConfig): Promise<void> {
  const logger = new Logger("peer");
  const output = new Output({ isJson: config.isJson });
  const trackers = await readTrackerInfo(config.trackerInfoPath);
  using _lock = await FolderLock.acquire(config.stateDir);
  const { peerId } = await loadOrCreateIdentity(config.stateDir);
  await using seeder = SeederServer.listen(config.listen, {
    peerId,
    logger: logger.child("seeder"),
  });
  const address = formatAddress(seeder.address);
  output.event("listening", { address, peerId }, `Peer ${peerId} listening on ${address}`);
  await using client = new TrackerClient(trackers, {
    peerId,
    requestTimeoutMs: config.requestTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    logger: logger.child("tracker"),
    onEvent: (name, fields, text) => output.event(name, fields, text),
  });
  const isTerminal = Deno.stdin.isTerminal();
  const shell = new Shell({
    input: process.stdin,
    output,
    // With --json the prompt and line editing go to stderr, so stdout stays JSON lines only.
    ...(isTerminal ? { terminal: config.isJson ? process.stderr : process.stdout } : {}),
    commands: COMMANDS,
    tracker: client,
    listenPort: seeder.address.port,
  });
  const removeSignals = onStopSignal(() => shell.stop());
  try {
    await shell.run();
    // At the end of input there is time to log out properly; after a signal, be quick.
    const timeoutMs = shell.isStopped ? STOP_LOGOUT_TIMEOUT_MS : config.requestTimeoutMs;
    await logOutAtExit(client, { output, logger, timeoutMs });
  } finally {
    removeSignals();
  }
}

async function logOutAtExit(
  client: TrackerClient,
  options: { output: Output; logger: Logger; timeoutMs: number },
): Promise<void> {
  const user = client.user;
  if (user === null) return;
  try {
    await client.logout({ signal: AbortSignal.timeout(options.timeoutMs) });
    options.output.event("logged_out", { user }, `Logged out ${user}`);
  } catch (error) {
    options.logger.warn(`Could not log out "${user}" at exit: ${toCommandError(error).message}`);
  }
}

/**
 * Call `stop` on the first SIGINT or SIGTERM; a second one exits at once (status 130).
 *
 * @returns a function that removes the listeners
 */
function onStopSignal(stop: () => void): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) Deno.exit(130);
    stop();
  };
  const added: Deno.Signal[] = [];
  for (const signal of STOP_SIGNALS) {
    try {
      Deno.addSignalListener(signal, handler);
      added.push(signal);
    } catch (error) {
      // Windows has no SIGTERM; SIGINT alone still stops the peer there.
      if (!(error instanceof TypeError)) throw error;
    }
  }
  return () => added.forEach((signal) => Deno.removeSignalListener(signal, handler));
}
