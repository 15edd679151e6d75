/**
 * Entry point: `tracker.ts <tracker_info.txt> <n> [flags]` runs tracker n of the list;
 * `tracker.ts status <tracker_info.txt> [--json]` reports every tracker's state digest.
 */
import { parseArgs } from "node:util";
import { describeError, Logger, pickTracker, readTrackerInfo } from "./lib/common/mod.ts";
import {
  formatStatus,
  parseTrackerFlags,
  queryAll,
  startConsole,
  TRACKER_FLAGS,
  TRACKER_USAGE,
  TrackerServer,
} from "./lib/tracker/mod.ts";

async function status(positionals: string[], json: boolean): Promise<number> {
  if (positionals.length !== 2) throw new TypeError(TRACKER_USAGE);
  const statuses = await queryAll(await readTrackerInfo(positionals[1]!));
  console.log(json ? JSON.stringify({ trackers: statuses }) : formatStatus(statuses));
  return statuses.some((s) => s.up) ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: TRACKER_FLAGS,
    allowPositionals: true,
  });
  if (values.help) return console.log(TRACKER_USAGE), 0;
  if (positionals[0] === "status") return await status(positionals, values.json ?? false);
  if (positionals.length !== 2) throw new TypeError(TRACKER_USAGE);
  const [infoPath, n] = positionals as [string, string];
  const trackers = await readTrackerInfo(infoPath);
  const address = pickTracker(trackers, n);
  const logger = new Logger(`tracker ${n}`, { quiet: values.quiet ?? false });
  const server = await TrackerServer.start({
    listen: address,
    trackers,
    logger,
    ...parseTrackerFlags(values, n),
  });
  console.log(server.describe());
  const stop = () => void server.close();
  const terminal = startConsole(server, stop);
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
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
