/**
 * The sizes part: is a transfer's time linear in the file? PeerShare 4 → 1 of 64 MiB, 256 MiB
 * and 1 GiB (16, 64 and 256 MiB with `--quick`), each beside the ideal pipeline over Noise of
 * the same size, as time per GiB; the note gives each size's time per GiB ÷ the largest's (1.00
 * is linear). Sizes the transfer part measured already in this run (its 4 → 1) are reused, not
 * run again.
 */
import { type BenchContext, GIB, MIB, type PartResult, sizeName } from "./context.ts";
import { fromRuns, type Measure, type Row } from "./report.ts";
import { type Runs, summarize } from "./stats.ts";
import { measureTransfer } from "./transfer.ts";

const SEEDERS = 4;

/** PeerShare's and the ideal pipeline's runs for `bytes`, measured here unless known. */
async function runsFor(ctx: BenchContext, bytes: number): Promise<Map<string, Runs>> {
  const known = ctx.transfers.get(`${SEEDERS}:${bytes}`);
  if (known?.has("peershare") && known.has("noise")) return known;
  const file = await ctx.file(bytes);
  try {
    return await measureTransfer(ctx, file, {
      seeders: SEEDERS,
      pipelines: ["noise", "peershare"],
    });
  } finally {
    // The largest file may still serve a later part; the small ones are made only for this one.
    if (bytes < GIB / 4) await ctx.forget(file);
  }
}

function perGiB(name: string, runs: Runs, bytes: number): Measure {
  const scale = GIB / bytes;
  return fromRuns(name, "s/GiB", summarize(runs.runs.map((seconds) => seconds * scale)));
}

/** Each size, smallest first; the largest last, so its rate is the linearity baseline. */
export async function sizesPart(ctx: BenchContext): Promise<PartResult> {
  const sizes = ctx.isQuick ? [16 * MIB, 64 * MIB, GIB / 4] : [64 * MIB, GIB / 4, GIB];
  const measured: { bytes: number; peershare: Measure; ideal: Measure; seconds: number }[] = [];
  for (const bytes of sizes) {
    const runs = await runsFor(ctx, bytes);
    measured.push({
      bytes,
      peershare: perGiB("PeerShare", runs.get("peershare")!, bytes),
      ideal: perGiB("ideal over Noise", runs.get("noise")!, bytes),
      seconds: runs.get("peershare")!.median,
    });
  }
  const largest = measured.at(-1)!.peershare.value;
  const rows = measured.map((m): Row => ({
    part: "sizes",
    scenario: `${sizeName(m.bytes)} 4→1`,
    figure: m.peershare,
    baseline: m.ideal,
    note: `(${m.seconds.toFixed(2)} s; per GiB ÷ ${sizeName(sizes.at(-1)!)}'s: ` +
      `${(m.peershare.value / largest).toFixed(2)})`,
  }));
  return { rows, details: measured };
}
