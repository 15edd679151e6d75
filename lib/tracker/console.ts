/**
 * Commands typed on the tracker's own terminal: `status`, `quit`. Read only when stdin is a
 * terminal, so a tracker started by a script or service never blocks on (or stops at the end
 * of) its input.
 */
import { createInterface } from "node:readline";
import type { TrackerServer } from "./server.ts";

/** Start the console if stdin is a terminal; `onQuit` is called for `quit`. */
export function startConsole(server: TrackerServer, onQuit: () => void): { close(): void } | null {
  if (!Deno.stdin.isTerminal()) return null;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  rl.on("line", (line: string) => {
    const command = line.trim();
    if (command === "") return;
    if (command === "quit" || command === "exit") onQuit();
    else if (command === "status") {
      console.log(`${server.describe()}\ndigest ${server.digest()}`);
    } else console.log(`Unknown command "${command}": try status or quit`);
  });
  return { close: () => rl.close() };
}
