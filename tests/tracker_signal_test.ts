/**
 * Stopping a real tracker process: Ctrl-C in a terminal (a pseudo-terminal made by util-linux
 * `script`), and SIGINT with stdin an open pipe. Each must stop it at once, cleanly.
 */
import { equal, ok } from "node:assert/strict";
import { waitUntil } from "../lib/common/test_util.ts";
import { Cluster } from "./helpers/cluster.ts";
import { Child, DENO, ROOT, tempDir } from "./helpers/processes.ts";

const STOP_TIMEOUT_MS = 10_000;
const WARNING = /warning|canceled|error/i;

async function hasScript(): Promise<boolean> {
  try {
    const out = await new Deno.Command("script", { args: ["--version"], stdout: "piped" }).output();
    return out.success && new TextDecoder().decode(out.stdout).includes("util-linux");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function trackerArgs(dir: string, infoPath: string): string[] {
  return [
    "run",
    "--no-prompt",
    "--allow-net",
    "--allow-read",
    `--allow-write=${dir}`,
    `${ROOT}tracker.ts`,
    infoPath,
    "1",
    "--data-dir",
    `${dir}/tracker-1`,
    "--cluster-key",
    `${dir}/cluster.key`,
  ];
}

/** Wait for the exit, at most STOP_TIMEOUT_MS. */
async function stopped(child: Child): Promise<Deno.CommandStatus> {
  let status: Deno.CommandStatus | undefined;
  void child.exited().then((s) => status = s);
  return await waitUntil("the tracker has exited", () => status, { timeoutMs: STOP_TIMEOUT_MS });
}

Deno.test({
  name: "tracker.ts in a terminal answers help and stops on the first Ctrl-C, without a warning",
  ignore: !(await hasScript()),
  async fn() {
    await using dir = await tempDir();
    const cluster = await Cluster.create(dir.path);
    const command = [DENO, ...trackerArgs(dir.path, cluster.infoPath)].join(" ");
    // -e: script exits with the tracker's code; the tracker's stdin and stdout are the terminal.
    await using child = new Child(["-qefc", command, "/dev/null"], {
      program: "script",
      stdin: true,
    });
    await child.stdout.waitFor((line) => line.includes("listening on"));
    await child.write("help");
    await child.stdout.waitFor((line) => line.includes("quit"));
    await child.write("status");
    await child.stdout.waitFor((line) => /^digest [0-9a-f]{64}/.test(line.trim()));
    await child.write("\x03");
    const status = await stopped(child);
    const output = child.stdout.text() + child.stderr.text();
    equal(status.code, 0, output);
    ok(child.stdout.lines.some((line) => line.includes("Tracker stopped")), output);
    ok(!WARNING.test(output), output);
  },
});

Deno.test("tracker.ts stops on the first SIGINT while its stdin is an open pipe", async () => {
  await using dir = await tempDir();
  const cluster = await Cluster.create(dir.path);
  await using child = new Child(trackerArgs(dir.path, cluster.infoPath), { stdin: true });
  await child.stdout.waitFor((line) => line.includes("listening on"));
  child.kill("SIGINT");
  const status = await stopped(child);
  equal(status.code, 0, child.stderr.text());
  ok(child.stdout.lines.includes("Tracker stopped"), child.stdout.text());
  equal(child.stderr.text(), "");
});
