/**
 * `--web` on the command line: a bad address and a port in use each stop the peer with one
 * line naming the flag, and the shell keeps working beside a running dashboard.
 */
import { equal, match, notEqual, ok } from "node:assert/strict";
import { Cluster } from "./helpers/cluster.ts";
import { assertOk, peerArgs, STACK_LINE } from "./helpers/peer.ts";
import { run, tempDir } from "./helpers/processes.ts";
import { DashboardHost, dashboardUrl } from "./helpers/browser.ts";

function assertOneLine(result: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  notEqual(result.code, 0, result.stdout + result.stderr);
  const lines = result.stderr.trim().split("\n");
  equal(lines.length, 1, result.stderr);
  match(lines[0]!, pattern);
  ok(!STACK_LINE.test(result.stderr + result.stdout), "no stack trace");
}

Deno.test("peer.ts --web with a bad address exits 2 with one line naming the flag", async () => {
  await using dir = await tempDir();
  await using cluster = await Cluster.create(dir.path);
  for (const value of ["nope", "70000", "1.2.3.4:x"]) {
    const args = ["127.0.0.1:0", cluster.infoPath, "--state-dir", `${dir.path}/a`];
    const result = await run(peerArgs([...args, "--web", value]));
    assertOneLine(result, /^peer: --web: Invalid address/);
    equal(result.code, 2);
  }
});

Deno.test("peer.ts --web on a port in use exits 1 with one line; the first peer goes on", async () => {
  await using host = await DashboardHost.start();
  const { alice, cluster, dir } = host;
  const { port } = new URL(await dashboardUrl(alice));
  const args = ["127.0.0.1:0", cluster.infoPath, "--state-dir", `${dir}/bob`];
  const result = await run(peerArgs([...args, "--web", port]));
  assertOneLine(
    result,
    new RegExp(`^peer: Cannot serve the dashboard on "127.0.0.1:${port}".*in use`),
  );
  equal(result.code, 1);
  // The shell beside the dashboard still answers, and the page's server too.
  await assertOk(alice, "create_group team");
  const page = await fetch(`http://127.0.0.1:${port}/`);
  equal(page.status, 200);
  await page.body?.cancel();
});
