/**
 * The peer in a real pseudo-terminal (util-linux `script`), as a person types into it: the start
 * hint, the prompt with the user's name, Ctrl-C clearing the line, did you mean, and the status
 * line of a running download drawn under the prompt while something is being typed.
 */
import { equal, match, ok } from "node:assert/strict";
import { MiB, writeRandomFile } from "./helpers/files.ts";
import { assertOk, peerArgs } from "./helpers/peer.ts";
import { DENO, LineReader, ROOT } from "./helpers/processes.ts";
import { GROUP, PASSWORD, Swarm, waitUntil } from "./helpers/swarm.ts";

/** Whether util-linux `script` is here to give the peer a terminal. */
function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** A program in a pseudo-terminal: keys go in as typed (Enter is "\r"), the screen comes out. */
class Terminal implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  readonly stdout: LineReader;
  readonly #keys: WritableStreamDefaultWriter<Uint8Array>;
  constructor(words: readonly string[]) {
    this.process = new Deno.Command("script", {
      args: ["-qfec", shellLine(words), "/dev/null"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.stdout = new LineReader(this.process.stdout);
    this.#keys = this.process.stdin.getWriter();
  }
  type(keys: string): Promise<void> {
    return this.#keys.write(new TextEncoder().encode(keys));
  }
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.process.status;
    await this.stdout.finished;
    return status;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#keys.close().catch(() => {/* the program exited and closed it */});
    try {
      this.process.kill("SIGKILL");
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // already exited
    }
    await this.exited();
  }
}

/** A shell command line with every word single-quoted. */
function shellLine(words: readonly string[]): string {
  return words.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
}

Deno.test({
  name:
    "peer in a terminal: hint, user prompt, Ctrl-C clears the line, status line under the prompt",
  // Needs util-linux script for the terminal.
  ignore: !hasScript(),
  async fn() {
    await using swarm = await Swarm.start([[]]);
    const owner = swarm.peer(0);
    const source = `${swarm.dir}/movie.bin`;
    await writeRandomFile(source, 6 * MiB);
    await assertOk(owner, `upload_file ${source} ${GROUP}`);
    await using bob = new Terminal([
      DENO,
      ...peerArgs([
        "127.0.0.1:0",
        swarm.cluster.infoPath,
        "--state-dir",
        `${swarm.dir}/bob`,
        "--download-limit",
        "1MiB/s",
        "--progress-interval-ms",
        "100",
      ]),
    ]);
    const screen = () => bob.stdout.text();
    const waitFor = (pattern: RegExp, from = 0) => bob.stdout.waitFor((l) => pattern.test(l), from);
    await waitFor(/Type "help" for the commands/);
    // Ctrl-C with text typed clears it (no command runs); on an empty line it says how to leave.
    await bob.type("create_gr\x03");
    await bob.type("\x03");
    await waitFor(/Ctrl-C clears the line; Ctrl-D or "quit" leaves/);
    ok(!/Unknown command "create_gr"/.test(screen()), screen());
    await bob.type("lgin\r");
    await waitFor(/did you mean "login"\?/);
    await bob.type(`create_user bob ${PASSWORD}\r`);
    await bob.type(`login bob ${PASSWORD}\r`);
    await waitFor(/Logged in as bob/);
    await bob.type(`join_group ${GROUP}\r`);
    await waitFor(/Asked to join group/);
    await assertOk(owner, `accept_request ${GROUP} bob`);
    await bob.type(`download_file ${GROUP} movie.bin ${swarm.dir}/copy.bin\r`);
    const started = await waitFor(/Download d1 started/);
    // Type without Enter while the download runs.
    await bob.type("show_down");
    // A status line is drawn under the prompt holding what was typed: the prompt, the status
    // line, then the cursor back up in the typed text (ESC[nA, ESC[nG).
    const statusLine = /d1 \[g\] movie\.bin {2}\d+% {2}.*\/s {2}ETA .* {2}1 peer/;
    const after = await waitUntil("a status line under the typed text", () => {
      const text = bob.stdout.lines.slice(started).join("\n");
      const typed = text.lastIndexOf("bob> show_down");
      return typed >= 0 && statusLine.test(text.slice(typed)) && text.slice(typed);
    }, { timeoutMs: 10_000 });
    // deno-lint-ignore no-control-regex
    match(after, /movie\.bin[^\n]*\x1b\[J\x1b\[1A\x1b\[\d+G/);
    await bob.type("\x15quit\r"); // Ctrl-U clears what was typed
    await waitFor(/Waiting for 1 download to finish/);
    equal((await bob.exited()).code, 0, screen());
    const tail = screen().trimEnd().split(/\r?\n/).slice(-2).map((line) => line.trim());
    equal(tail[0], "Logged out bob");
    match(tail[1]!, /Bye$/);
  },
});
