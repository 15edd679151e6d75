/**
 * The transfer part: one file from 4 seeders to 1 downloader and from 1 to 1, with PeerShare
 * (a tracker and real peer processes) beside four baselines on the same file in the same run:
 * PeerShare itself with its connections unencrypted (`PEERSHARE_UNENCRYPTED_BENCH`, for what
 * encryption costs it), the ideal pipeline over PeerShare's Noise channel (the same cipher), the
 * ideal pipeline in clear, and a plain local copy (bench/local_copy.ts: no network, no hashing,
 * no fsync, as PeerShare). Rounds alternate the pipelines, in a rotating order (whichever runs
 * second finds the file in the page cache and the disk flushing the first copy); the table gives
 * the median and the best. Every copy of the first round is checked against the source's SHA-1.
 */
import { type BenchContext, GIB, type PartResult, sizeName, type SourceFile } from "./context.ts";
import { UNENCRYPTED_BENCH_ENV } from "../lib/wire/mod.ts";
import { type BitTorrentClient, bittorrentTransfer, missingClients } from "./bittorrent.ts";
import { peershareTransfer } from "./peers.ts";
import { idealTransfer, localCopy, PIECE_BYTES, writeHashes } from "./pipelines.ts";
import { fromRuns, type Measure, type Row } from "./report.ts";
import { type Runs, summarize } from "./stats.ts";

/** One way of moving the file. */
export type Pipeline =
  | "copy"
  | "plain"
  | "noise"
  | "peershare"
  | "unencrypted"
  | BitTorrentClient;

const NAMES: Record<Pipeline, string> = {
  copy: "local copy",
  plain: "ideal, in clear",
  noise: "ideal over Noise",
  peershare: "PeerShare",
  unencrypted: "PeerShare unencrypted",
  aria2: "aria2",
  qbittorrent: "qBittorrent",
};

/** Options of {@linkcode measureTransfer}. */
export interface TransferOptions {
  readonly seeders: number;
  readonly pipelines: readonly Pipeline[];
}

async function runOnce(
  ctx: BenchContext,
  file: SourceFile,
  options: { pipeline: Pipeline; seeders: number; hashes: string; tag: string },
): Promise<number> {
  const { pipeline, seeders, hashes, tag } = options;
  const output = `${ctx.dir}/out-${tag}.bin`;
  if (pipeline === "copy") return await localCopy(file.path, output);
  if (pipeline === "peershare") {
    return await peershareTransfer(`${ctx.dir}/${tag}`, file.path, { seeders, output });
  }
  if (pipeline === "aria2" || pipeline === "qbittorrent") {
    return await bittorrentTransfer(file, output, {
      client: pipeline,
      seeders,
      hashes,
      pieceBytes: PIECE_BYTES,
      dir: `${ctx.dir}/${tag}`,
    });
  }
  if (pipeline === "unencrypted") {
    // The tracker and peers started meanwhile inherit it, with the permission to read it
    // (tests/helpers/processes.ts, unencryptedBenchFlags).
    Deno.env.set(UNENCRYPTED_BENCH_ENV, "1");
    try {
      return await peershareTransfer(`${ctx.dir}/${tag}`, file.path, { seeders, output });
    } finally {
      Deno.env.delete(UNENCRYPTED_BENCH_ENV);
    }
  }
  return await idealTransfer(file.path, output, {
    mode: pipeline,
    seeders,
    size: file.size,
    hashes,
  });
}

/** Runs started by this process, for their folders' names. */
let runsStarted = 0;

/**
 * Each pipeline `ctx.rounds` times on `file`, rounds alternating.
 *
 * @returns each pipeline's runs in seconds
 */
export async function measureTransfer(
  ctx: BenchContext,
  file: SourceFile,
  options: TransferOptions,
): Promise<Map<Pipeline, Runs>> {
  const hashes = await writeHashes(ctx.dir, file.path);
  const times = new Map<Pipeline, number[]>(options.pipelines.map((p) => [p, []]));
  const scenario = `${sizeName(file.size)} ${options.seeders}→1`;
  for (let round = 0; round < ctx.rounds; round++) {
    const shift = round % options.pipelines.length;
    const order = [...options.pipelines.slice(shift), ...options.pipelines.slice(0, shift)];
    for (const pipeline of order) {
      // Unique in the run: the sizes and clients parts move the same file again.
      const tag = `${pipeline}-${options.seeders}-${file.size}-${round}-${++runsStarted}`;
      console.log(`  ${scenario}, round ${round + 1}/${ctx.rounds}: ${NAMES[pipeline]}…`);
      const seconds = await runOnce(ctx, file, { ...options, pipeline, hashes, tag });
      await ctx.settle(`${ctx.dir}/out-${tag}.bin`, file, round === 0);
      times.get(pipeline)!.push(seconds);
    }
  }
  const measured = new Map([...times].map(([p, runs]) => [p, summarize(runs)]));
  const key = `${options.seeders}:${file.size}`;
  ctx.transfers.set(key, new Map([...ctx.transfers.get(key) ?? [], ...measured]));
  return measured;
}

/** A pipeline's seconds as a table measure. */
export function measureOf(pipeline: Pipeline, runs: Map<Pipeline, Runs>): Measure {
  return fromRuns(NAMES[pipeline], "s", runs.get(pipeline)!);
}

function rowsOf(scenario: string, runs: Map<Pipeline, Runs>): Row[] {
  const part = "transfer";
  const peershare = measureOf("peershare", runs);
  const noise = measureOf("noise", runs);
  const unencrypted = measureOf("unencrypted", runs);
  return [
    { part, scenario, figure: peershare, baseline: noise, note: "(same cipher)" },
    { part, scenario, figure: peershare, baseline: unencrypted, note: "(encryption's cost)" },
    { part, scenario, figure: peershare, baseline: measureOf("plain", runs) },
    { part, scenario, figure: peershare, baseline: measureOf("copy", runs) },
    { part, scenario, figure: noise, baseline: measureOf("plain", runs), note: "(cipher's cost)" },
  ];
}

/** 4 → 1 and 1 → 1 of 1 GiB (256 MiB with `--quick`), every pipeline. */
export async function transferPart(ctx: BenchContext): Promise<PartResult> {
  const file = await ctx.file(ctx.isQuick ? GIB / 4 : GIB);
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const seeders of [4, 1]) {
    const scenario = `${sizeName(file.size)} ${seeders}→1`;
    const runs = await measureTransfer(ctx, file, {
      seeders,
      pipelines: ["copy", "plain", "noise", "peershare", "unencrypted"],
    });
    rows.push(...rowsOf(scenario, runs));
    details[scenario] = Object.fromEntries(runs);
  }
  return { rows, details: { bytes: file.size, durability: DURABILITY, seconds: details } };
}

/** What the local copy and PeerShare promise about the disk (see bench/local_copy.ts). */
export const DURABILITY = "no fsync: PeerShare writes pieces with positional writes and never " +
  "calls fsync (engine/piece_worker.ts, part_file.ts, piece_store.ts); the local copy neither";

/**
 * The clients part: PeerShare 4 → 1 of 1 GiB (256 MiB with `--quick`) beside aria2 and
 * qBittorrent downloading the same file from 4 aria2 seeders (bench/bittorrent.ts), rounds
 * alternating. A client that is not installed is left out and named under the table.
 */
export async function clientsPart(ctx: BenchContext): Promise<PartResult> {
  const missing = await missingClients();
  const clients = (["aria2", "qbittorrent"] as const).filter((client) =>
    !missing.includes(client === "aria2" ? "aria2c" : "qbittorrent-nox")
  );
  const notes = missing.length === 0 ? [] : [
    `clients: not installed, left out: ${
      missing.join(", ")
    } (apt-get install aria2 qbittorrent-nox)`,
  ];
  if (clients.length === 0) return { rows: [], details: { skipped: notes[0] }, notes };
  const file = await ctx.file(ctx.isQuick ? GIB / 4 : GIB);
  const seeders = 4;
  const runs = await measureTransfer(ctx, file, { seeders, pipelines: ["peershare", ...clients] });
  const scenario = `${sizeName(file.size)} ${seeders}→1`;
  const rows = clients.map((client): Row => ({
    part: "clients",
    scenario,
    figure: measureOf("peershare", runs),
    baseline: measureOf(client, runs),
    note: "(PeerShare encrypted; the client in clear)",
  }));
  return { rows, details: { bytes: file.size, seconds: Object.fromEntries(runs) }, notes };
}
