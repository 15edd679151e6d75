/**
 * Entry point: `tracker.ts <tracker_info.txt> <n> [flags]` runs tracker n of the list;
 * `tracker.ts status <tracker_info.txt> [--json]` reports every tracker's state digest.
 */
import { describeError, Logger, pickTracker, readTrackerInfo } from "./lib/common/mod.ts";
import {
  formatStatus,
  parseTrackerCommandLine,
  parseTrackerFlags,
  queryAll,
  startConsole,
  TrackerServer,
} from "./lib/tracker/mod.ts";

async function status(infoPath: string, isJson: boolean): Promise<number> {
  const statuses = await queryAll(await readTrackerInfo(infoPath));
  console.log(isJson ? JSON.stringify({ trackers: statuses }) : formatStatus(statuses));
  return statuses.some((s) => s.up) ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const command = parseTrackerCommandLine(args);
  if (command.kind === "help") return console.log(command.text), 0;
  if (command.kind === "status") return await status(command.infoPath, command.isJson);
  const { infoPath, n, values } = command;
  const options = parseTrackerFlags(values, n);
  const trackers = await readTrackerInfo(infoPath);
  const address = pickTracker(trackers, n);
  const logger = new Logger(`tracker ${n}`, { quiet: values.quiet ?? false });
  const server = await TrackerServer.start({ listen: address, trackers, logger, ...options });
  if (address.fingerprint !== undefined && address.fingerprint !== server.keyFingerprint) {
    await server.close();
    throw new Error(
      `${infoPath} pins key ${address.fingerprint} for tracker ${n}, but this tracker's key ` +
        `(in its data folder) is ${server.keyFingerprint}: fix the line`,
    );
  }
  try {
    for (const id of values["remove-tracker"] ?? []) await server.removeTracker(id);
  } catch (error) {
    await server.close();
    throw error;
  }
  const stop = () => void server.close();
  // Before the start line: whoever waits for it may signal at once.
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  console.log(server.describe());
  const terminal = startConsole(server, stop);
  await server.finished;
  terminal?.close();
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  console.log("Tracker stopped");
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`tracker: ${describeError(error)}`);
    Deno.exit(2);
  }
}
