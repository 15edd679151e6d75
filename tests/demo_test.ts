/** The demo end to end (small): its summary adds up to what was sent. */
import { equal, match, ok } from "node:assert/strict";
import { ROOT, run } from "./helpers/processes.ts";

const MIB_TOLERANCE = 0.15; // each figure is rounded to 0.1 MiB

Deno.test("scripts/demo.ts: what the peers sent is split into downloaded, received twice and not received", async () => {
  const result = await run([
    "run",
    "--no-prompt",
    "--allow-run",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    `${ROOT}scripts/demo.ts`,
    "--size-mib",
    "2",
    "--downloaders",
    "3",
  ]);
  equal(result.code, 0, result.stdout + result.stderr);
  match(result.stdout, /Done in [\d.]+ s: 3 copies of 2\.0 MiB/);
  match(
    result.stdout,
    /^Sent by each peer \(every byte it uploaded, pieces sent twice included\):$/m,
  );
  const total =
    /^ {2}total +([\d.]+) MiB = ([\d.]+) MiB downloaded and verified \+ ([\d.]+) MiB received twice \(\d+%\) \+ ([\d.]+) MiB not received \(\d+%\)$/m
      .exec(result.stdout);
  ok(total, result.stdout);
  const [sent, downloaded, twice, unused] = total.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  equal(downloaded, 6);
  ok(Math.abs(sent - (downloaded + twice + unused)) <= 3 * MIB_TOLERANCE, total[0]);
  match(result.stdout, /SHA-1 verified: every copy equals the original/);
});
