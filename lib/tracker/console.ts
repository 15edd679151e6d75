/**
 * Commands typed on the tracker's own terminal: `help`, `status`, `quit`; Ctrl-C and Ctrl-D stop
 * the tracker as `quit` does. Read only when stdin is a terminal, so a tracker started by a
 * script or service never blocks on (or stops at the end of) its input.
 *
 * readline puts the terminal in raw mode, so Ctrl-C reaches it as a key, not as SIGINT: without
 * a "SIGINT" listener readline only pauses itself, which left the tracker running with a dead
 * console until a second Ctrl-C.
 */
import { createInterface } from "node:readline";
import type { TrackerServer } from "./server.ts";
import { describeError } from "../common/errors.ts";

/** What `help` prints. */
export const CONSOLE_HELP = `Commands:
  status   where this tracker listens, what it holds, its state digest
  remove ID
           remove tracker ID from the cluster for good (it is gone and will not come back):
           no tracker waits for it or links to it any more
  help     this text
  quit     stop the tracker (also Ctrl-C, Ctrl-D or SIGTERM)`;

/** The console; `close()` gives the terminal back. */
export interface TrackerConsole {
  /** Stop reading and give the terminal back (out of raw mode). */
  close(): void;
}

/** Start the console if stdin is a terminal; `onQuit` is called for `quit`, Ctrl-C and Ctrl-D. */
export function startConsole(server: TrackerServer, onQuit: () => void): TrackerConsole | null {
  if (!Deno.stdin.isTerminal()) return null;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  let isClosing = false;
  rl.on("line", (line: string) => {
    const text = answer(server, line.trim(), onQuit);
    if (text !== "") console.log(text);
  });
  rl.on("SIGINT", onQuit);
  rl.on("close", () => {
    if (!isClosing) onQuit(); // Ctrl-D
  });
  return {
    close: () => {
      isClosing = true;
      rl.close();
    },
  };
}

function answer(server: TrackerServer, command: string, onQuit: () => void): string {
  switch (command) {
    case "":
      return "";
    case "help":
      return CONSOLE_HELP;
    case "status":
      return `${server.describe()}\ndigest ${server.digest()}`;
    case "quit":
    case "exit":
      onQuit();
      return "Stopping…";
    default:
      if (command.startsWith("remove ")) {
        const id = command.slice("remove ".length).trim();
        server.removeTracker(id).then(
          () => console.log(`Removed tracker ${id} from the cluster`),
          (error) => console.log(describeError(error)),
        );
        return "";
      }
      return `Unknown command "${command}": try help, status or quit`;
  }
}
