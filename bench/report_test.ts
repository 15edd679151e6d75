import assert from "node:assert/strict";
import { median, percentile, summarize } from "./stats.ts";
import { formatTable, fromRuns, ratioOf, type Row } from "./report.ts";

Deno.test("median of odd and even counts, summarize's best each way, nearest-rank percentiles", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
  assert.deepEqual(summarize([5, 3, 4]), { runs: [5, 3, 4], median: 4, best: 3 });
  assert.equal(summarize([5, 3, 4], true).best, 5, "for a rate the best run is the highest");
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(sorted, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.throws(() => percentile([], 50), RangeError);
});

Deno.test("ratioOf is figure ÷ baseline; formatTable pads columns and shows the best run", () => {
  const row: Row = {
    part: "transfer",
    scenario: "1 GiB 4→1",
    figure: fromRuns("PeerShare", "s", summarize([5.2, 4.8, 5.0])),
    baseline: fromRuns("ideal over Noise", "s", summarize([4.0, 3.9, 4.1])),
    note: "(same cipher)",
  };
  assert.equal(ratioOf(row)!.toFixed(3), (5.0 / 4.0).toFixed(3));
  const { baseline: _, ...withoutBaseline } = row;
  assert.equal(ratioOf(withoutBaseline), null);
  assert.equal(ratioOf({ ...row, baseline: { name: "zero", unit: "s", value: 0 } }), null);
  const lines = formatTable([row, {
    part: row.part,
    scenario: "1 GiB 1→1",
    figure: row.figure,
    baseline: row.baseline!,
  }]).split("\n");
  assert.equal(lines.length, 4, "header, rule and two rows");
  assert.match(
    lines[2]!,
    /PeerShare\s+5\.00 s \(4\.80\)\s+ideal over Noise\s+4\.00 s \(3\.90\)\s+1\.25 \(same cipher\)$/,
  );
  assert.match(lines[3]!, /1\.25$/);
  const ratioColumn = lines[0]!.indexOf("÷");
  assert.equal(lines[2]!.indexOf("1.25"), ratioColumn, "columns line up");
});
