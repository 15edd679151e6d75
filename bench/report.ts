/**
 * The suite's output: every figure is a {@linkcode Row} (what was measured, its median and best
 * over the rounds, the baseline measured in the same run, and their ratio), printed as one table
 * at the end and written with the machine's description to `bench/results/bench-<ISO>.json`.
 * The ratio is always the figure ÷ its baseline, in the same unit: for a time, above 1 is
 * slower than the baseline; for a rate, below 1 is slower; for memory, below 1 is within the
 * bound.
 */
import { ROOT } from "../tests/helpers/processes.ts";
import type { MemoryProbe } from "./memory_probe.ts";
import type { Runs } from "./stats.ts";

/** A measured quantity: its unit, and the runs behind it when there were several. */
export interface Measure {
  readonly name: string;
  readonly unit: "s" | "s/GiB" | "ops/s" | "ms" | "MiB" | "x file" | "µs/op";
  readonly value: number;
  readonly runs?: Runs;
}

/** One line of the table. */
export interface Row {
  readonly part: string;
  readonly scenario: string;
  readonly figure: Measure;
  readonly baseline?: Measure;
  /** A few words the table prints after the ratio. */
  readonly note?: string;
}

/** Everything one run of the suite wrote. */
export interface SuiteRun {
  readonly started: Date;
  /** The 1, 5 and 15 minute load averages when the run started. */
  readonly loadAtStart: number[];
  /** What new memory cost at the start and the end (bench/memory_probe.ts). */
  readonly memory: Readonly<Record<"start" | "end", MemoryProbe>>;
  readonly args: string[];
  readonly rows: Row[];
  /** Part → the details it measured (per-run figures, settings), as JSON. */
  readonly details: Record<string, unknown>;
  readonly failures: string[];
  readonly notes: string[];
}

const HEADER = ["part", "scenario", "figure", "median (best)", "baseline", "median (best)", "÷"];

/** A measure from its runs (value = the median). */
export function fromRuns(name: string, unit: Measure["unit"], runs: Runs): Measure {
  return { name, unit, value: runs.median, runs };
}

/** The figure ÷ the baseline, or null without one. */
export function ratioOf(row: Row): number | null {
  if (!row.baseline || row.baseline.value === 0) return null;
  return row.figure.value / row.baseline.value;
}

function number(value: number, unit: Measure["unit"]): string {
  if (unit === "ops/s") return value >= 100 ? value.toFixed(0) : value.toFixed(1);
  if (unit === "MiB") return value.toFixed(1);
  if (unit === "µs/op") return value.toFixed(0);
  return value.toFixed(value >= 100 ? 1 : 2);
}

function shown(measure: Measure | undefined): string {
  if (!measure) return "";
  const main = `${number(measure.value, measure.unit)} ${measure.unit}`;
  const runs = measure.runs;
  if (!runs || runs.runs.length < 2) return main;
  return `${main} (${number(runs.best, measure.unit)})`;
}

function cells(row: Row): string[] {
  const ratio = ratioOf(row);
  const tail = ratio === null ? "" : ratio.toFixed(2);
  return [
    row.part,
    row.scenario,
    row.figure.name,
    shown(row.figure),
    row.baseline?.name ?? "",
    shown(row.baseline),
    row.note ? `${tail} ${row.note}`.trim() : tail,
  ];
}

/** The table: a header and one line per row, columns padded to fit. */
export function formatTable(rows: readonly Row[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((line) => line[i]!.length)));
  const line = (text: string[]) =>
    text.map((cell, i) => i === text.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join("\n");
}

/** The CPU's model name, read with `cat` (Deno asks for --allow-all to read /proc itself). */
async function cpuModel(): Promise<string | null> {
  const { success, stdout } = await new Deno.Command("cat", {
    args: ["/proc/cpuinfo"],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return null; // not Linux: the model is a nicety, the core count is what matters
  return /^model name\s*:\s*(.+)$/m.exec(new TextDecoder().decode(stdout))?.[1] ?? null;
}

/** What the figures were measured on (the load average says whether the machine was busy). */
export async function machineInfo(): Promise<Record<string, unknown>> {
  return {
    loadAverage: Deno.loadavg(),
    cores: navigator.hardwareConcurrency,
    cpu: await cpuModel(),
    memoryBytes: Deno.systemMemoryInfo().total,
    os: Deno.build.os,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
}

/** A file name that sorts by time: `bench-2026-12-03T10-04-05Z.json`. */
function fileName(date: Date): string {
  return `bench-${date.toISOString().slice(0, 19).replaceAll(":", "-")}Z.json`;
}

/**
 * Write the run as JSON under bench/results/.
 *
 * @returns the path written
 */
export async function writeSuite(run: SuiteRun): Promise<string> {
  const dir = `${ROOT}bench/results`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${fileName(run.started)}`;
  const doc = {
    benchmark: "suite",
    started: run.started.toISOString(),
    finished: new Date().toISOString(),
    args: run.args,
    loadAtStart: run.loadAtStart,
    memory: run.memory,
    machine: await machineInfo(),
    ratio: "figure ÷ baseline, same unit (time: > 1 is slower; rate: < 1 is slower; " +
      "memory: < 1 is within the bound)",
    rows: run.rows.map((row) => ({ ...row, ratio: ratioOf(row) })),
    details: run.details,
    failures: run.failures,
    notes: run.notes,
  };
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
  return path;
}
